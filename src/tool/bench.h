/* bench.h - `cbolt bench`: bbolt's bench command, flag for flag. */
#ifndef CBOLT_TOOL_BENCH_H
#define CBOLT_TOOL_BENCH_H

int cbolt_bench_main(int argc, char **argv);

#endif
