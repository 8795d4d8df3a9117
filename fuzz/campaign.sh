#!/usr/bin/env bash
# campaign.sh ENGINE MINUTES JOBS HARNESS... - a fuzzing campaign (called by
# `make fuzz`): each harness in turn for MINUTES minutes with ENGINE
# (libfuzzer or afl), JOBS processes in parallel (libFuzzer -fork=JOBS,
# AFL++ one -M and JOBS-1 -S instances).
#
# Inputs: the binaries in $FUZZ_BIN (build/fuzz/<harness>_<engine>), the
# seeds in corpus/<harness>/ and fuzz/<harness>.dict.
# Results in $FUZZ_OUT/<engine>/<harness>/ (git-ignored): libFuzzer's
# growing corpus in corpus/, crashes in artifacts/, its log in log.txt;
# AFL++'s output directory in afl/. At the end one line per harness:
#   campaign <engine> <harness>: <execs> execs, <N> exec/s, <K> crashes
# New crashes are to be replayed with build/fuzz/<harness>_replay and kept
# as corpus/<harness>/regress-<name> (see fuzz/README.md).
#
# Environment: FUZZ_ALLOW (see fuzz/fuzzlib.h) is passed to the harnesses;
# FUZZ_MAX_LEN (default 4096; parse: 65536).
set -u
engine=$1 minutes=$2 jobs=$3
shift 3
out=${FUZZ_OUT:-fuzz-out}
bin=${FUZZ_BIN:-build/fuzz}
secs=$((minutes * 60))
summary=()

for h in "$@"; do
    dir=$out/$engine/$h
    mkdir -p "$dir"
    maxlen=${FUZZ_MAX_LEN:-4096}
    [ "$h" = parse ] && maxlen=${FUZZ_MAX_LEN:-65536}
    dict=()
    [ -f "fuzz/$h.dict" ] && dict=("fuzz/$h.dict")
    echo "== $engine $h: $minutes min, $jobs job(s), results in $dir"
    if [ "$engine" = libfuzzer ]; then
        mkdir -p "$dir/corpus" "$dir/artifacts"
        args=(-max_total_time="$secs" -max_len="$maxlen" -print_final_stats=1
              -artifact_prefix="$dir/artifacts/" -timeout=30 -rss_limit_mb=2560)
        [ ${#dict[@]} -gt 0 ] && args+=(-dict="${dict[0]}")
        [ "$jobs" -gt 1 ] && args+=(-fork="$jobs" -ignore_crashes=1)
        ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
            "$bin/${h}_libfuzzer" "${args[@]}" "$dir/corpus" "corpus/$h" \
            >"$dir/log.txt" 2>&1
        execs=$(grep -a 'stat::number_of_executed_units' "$dir/log.txt" |
                awk '{s += $2} END {print s + 0}')
        rate=$(grep -a 'stat::average_exec_per_sec' "$dir/log.txt" |
               awk '{s += $2} END {print s + 0}')
        crashes=$(find "$dir/artifacts" -type f | wc -l)
    elif [ "$engine" = afl ]; then
        seeds=$dir/seeds
        rm -rf "$seeds"
        mkdir -p "$seeds"
        # afl-fuzz refuses inputs above 1 MB; seeds are small anyway
        find "corpus/$h" -maxdepth 1 -type f -size -1024k \
            -exec cp {} "$seeds/" \;
        aargs=(-i "$seeds" -o "$dir/afl" -V "$secs" -m none -t 5000)
        [ ${#dict[@]} -gt 0 ] && aargs+=(-x "${dict[0]}")
        export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
        export AFL_NO_AFFINITY=1 AFL_AUTORESUME=1
        export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=0:detect_leaks=0}
        pids=()
        for ((j = 1; j < jobs; j++)); do
            afl-fuzz "${aargs[@]}" -S "s$j" -- "$bin/${h}_afl" \
                >"$dir/afl-s$j.log" 2>&1 &
            pids+=($!)
        done
        afl-fuzz "${aargs[@]}" -M main -- "$bin/${h}_afl" \
            >"$dir/afl-main.log" 2>&1
        for p in "${pids[@]}"; do wait "$p"; done
        execs=0 rate=0
        for st in "$dir"/afl/*/fuzzer_stats; do
            [ -f "$st" ] || continue
            e=$(awk -F' *: *' '$1 == "execs_done" {print $2}' "$st")
            r=$(awk -F' *: *' '$1 == "execs_per_sec" {print $2}' "$st")
            execs=$((execs + ${e:-0}))
            rate=$(awk -v a="$rate" -v b="${r:-0}" 'BEGIN {printf "%.1f", a + b}')
        done
        crashes=$(find "$dir"/afl/*/crashes -type f -name 'id:*' 2>/dev/null | wc -l)
    else
        echo "campaign: unknown engine $engine (libfuzzer or afl)" >&2
        exit 2
    fi
    summary+=("campaign $engine $h: $execs execs, $rate exec/s, $crashes crashes")
done
printf '%s\n' "${summary[@]}"
