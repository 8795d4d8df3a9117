#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of cbolt's fuzzers: parse, ops, crash,
# schedule (see fuzz/README.md). The work is in fuzz/oss-fuzz-build.sh,
# which uses $CC, $CFLAGS, $LIB_FUZZING_ENGINE and $OUT from the base image
# and writes each fuzzer with its <fuzzer>_seed_corpus.zip, <fuzzer>.dict
# and <fuzzer>.options.
cd "$SRC/cbolt"
WORK="${WORK:-/tmp}/cbolt-fuzz-objs" bash fuzz/oss-fuzz-build.sh
