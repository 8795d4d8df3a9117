#!/usr/bin/env bash
# tests/bench/run.sh - `make bench`: the same bench workloads on bbolt
# (build/boltbench, bbolt 1.3.6) and cbolt (build/cbolt bench), run
# alternately ROUNDS times each (default 3); prints every result line and
# the best write and read rates of each engine per workload. Speed is
# measured here, never in tests.
set -u
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
workloads=(
    "-count 100000 -batch-size 10000 -write-mode seq -read-mode seq"
    "-count 100000 -batch-size 10000 -write-mode rnd -read-mode rnd"
    "-count 20000 -batch-size 1000 -write-mode seq-nest -read-mode seq"
    "-count 200000 -batch-size 200000 -write-mode rnd -read-mode rnd -no-sync"
    "-count 10000 -batch-size 100 -value-size 1024 -write-mode seq -read-mode seq"
)
best() { # best op/sec of lines "# What ... (N op/sec)"
    grep "^# $1" | sed 's/.*(\([0-9]*\) op\/sec)/\1/' | sort -n | tail -1
}
printf "%-78s %12s %12s %12s %12s\n" workload "bbolt w/s" "cbolt w/s" "bbolt r/s" "cbolt r/s"
for w in "${workloads[@]}"; do
    : >/tmp/bench.b; : >/tmp/bench.c
    for _ in $(seq "$ROUNDS"); do
        build/boltbench $w >>/tmp/bench.b
        build/cbolt bench $w >>/tmp/bench.c
    done
    printf "%-78s %12s %12s %12s %12s\n" "$w" "$(best Write </tmp/bench.b)" \
        "$(best Write </tmp/bench.c)" "$(best Read </tmp/bench.b)" "$(best Read </tmp/bench.c)"
done
