/*
 * cbolt_replay_main.c - a stand-alone `replay FILE` around cbolt_replay()
 * (src/tool/replay.c), for testing the replayer before `cbolt replay` is
 * wired into the cbolt tool. tests/diff/run.sh builds it as
 * build/diff/cbolt-replay when build/cbolt has no replay command.
 */
#include <stdio.h>
#include <string.h>

#include "tool/replay.h"

int main(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "replay") != 0) {
        fputs("usage: cbolt-replay replay FILE < TRACE\n", stderr);
        return 2;
    }
    return cbolt_replay(argv[2], stdin, stdout);
}
