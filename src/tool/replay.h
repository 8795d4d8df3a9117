/*
 * replay.h - the trace replayer of cbolt's differential tests.
 *
 * cbolt_replay() reads a trace (the trace language of tests/diff/README.md:
 * one operation per line, `<slot> <op> <args...>`) from `in`, applies it to
 * the database file `path` (created when missing, page size 4096) through
 * cbolt's public API, and writes exactly one result line per operation to
 * `out` (flushed after every line). Blank lines and lines whose first field
 * starts with `#` print nothing. At the end of the input every transaction
 * still open is rolled back and the database is closed.
 *
 * Returns 0 when the whole trace was replayed, 1 when the database could not
 * be opened at the start or reading/writing the streams failed (a message
 * goes to stderr).
 */
#ifndef CBOLT_TOOL_REPLAY_H
#define CBOLT_TOOL_REPLAY_H

#include <stdio.h>

int cbolt_replay(const char *path, FILE *in, FILE *out);

#endif
