#!/usr/bin/env bash
# tests/run.sh - runs every test of cbolt (called by `make test`, which
# builds everything first). Each check prints nothing when it passes and a
# `FAIL ...` line when it fails; the last line is "N passed, N failed".
#
# Stages: bbolt fixtures (Go, bbolt 1.3.6), unit tests (ASan + UBSan),
# cbolt dump/check/stats against bbolt's own output on every fixture, the
# tool's commands (tests/tool/run.sh, and tests/tool/etcd.sh on an
# etcd-like file),
# deterministic corruptions under build/asan/cbolt, the Go binding's tests
# (race detector) and bbolt's own test suite through it, the proofs,
# install + pkg-config.
#
# After the fixtures, the stages run in five chains side by side, beside
# the proofs (see "Chains" below); each stage's output is kept and printed
# in the order of the chains, as each chain ends.
set -u
cd "$(dirname "$0")/.."
B=build
FX=$B/fixtures
DEEP=$B/deep10000.db
ST=$B/stages
pass=0
fail=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# Counts the ok/FAIL lines of a test program's output file; a program that
# exits non-zero without a FAIL line counts as one failure.
tally() {
    local out=$1 rc=$2 name=$3 n_ok n_fail
    n_ok=$(grep -c '^ok ' "$out")
    n_fail=$(grep -c '^FAIL ' "$out")
    pass=$((pass + n_ok))
    fail=$((fail + n_fail))
    grep '^FAIL ' "$out"
    if [ "$rc" != 0 ] && [ "$n_fail" = 0 ]; then
        bad "$name: exit $rc"
        tail -n 20 "$out"
    fi
}

# Each stage prints its lines, then its wall and CPU seconds (user +
# system of every process the stage waited for, from `times`): where a
# slow or loaded machine spends the run. Stages run in subshells (the
# chains), so each counts its own ok / FAIL in pass and fail and leaves
# them in $ST/NAME.res for the total.
# (`times` in the calling shell itself, through a file: a command
# substitution is a subshell, whose children times start at 0)
cpu_s() { times >"$ST/.times.$1"; awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) {
    split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t }' "$ST/.times.$1"; }

# stage NAME TITLE: runs s_NAME with its output in $ST/NAME.log
# (its locals are st_*: the stage functions set variables of their own,
# such as name, which bash's dynamic scope would let them change here)
stage() {
    local st_n=$1 st_t=$2 st_w0=$SECONDS st_c0 st_c1
    cpu_s "$st_n" >"$ST/.cpu.$st_n"
    st_c0=$(cat "$ST/.cpu.$st_n")
    pass=0 fail=0
    {
        echo "== $st_t"
        "s_$st_n"
        cpu_s "$st_n" >"$ST/.cpu.$st_n"
        st_c1=$(cat "$ST/.cpu.$st_n")
        printf '   (%s: %d s wall, %d s CPU)\n' "$st_t" $((SECONDS - st_w0)) $((st_c1 - st_c0))
    } >"$ST/$st_n.log" 2>&1
    echo "$pass $fail" >"$ST/$st_n.res"
}

# chain NAME:TITLE...: the stages one after the other, in the background
# (chain_pids[i] the subshell, chain_list[i] its stages, "|" between)
chain_pids=() chain_list=()
chain() {
    local s
    (
        for s in "$@"; do stage "${s%%:*}" "${s#*:}"; done
    ) &
    chain_pids+=($!)
    s=$(printf '%s|' "$@")
    chain_list+=("${s%|}")
}

# 1. Fixtures written by bbolt; bolttool fails unless bbolt's Tx.Check
#    passes on each, and writes bbolt's dump and stats beside them.
s_fixtures() { # fixtures (bbolt 1.3.6)
    if [ ! -f "$FX/.complete" ] || [ "$B/bolttool" -nt "$FX/.complete" ]; then
        rm -rf "$FX"
        if "$B/bolttool" fixtures "$FX" 2>"$B/fixtures.log"; then
            touch "$FX/.complete"
        else
            cat "$B/fixtures.log"
        fi
    fi
    if [ -f "$FX/.complete" ]; then ok; else bad "fixtures: bolttool fixtures failed"; fi
    for db in "$FX"/*.db; do
        if "$B/bolttool" check "$db" >/dev/null 2>&1; then ok; else bad "bbolt check $(basename "$db")"; fi
    done
    # Buckets nested 10,000 deep, written by bbolt (tests/unit/test_glue.c).
    if [ ! -f "$DEEP" ] || [ "$B/bolttool" -nt "$DEEP" ]; then
        rm -f "$DEEP"
        "$B/bolttool" deep "$DEEP" 2>>"$B/fixtures.log" || rm -f "$DEEP"
    fi
    if [ -f "$DEEP" ]; then ok; else bad "fixtures: bolttool deep failed"; fi
}

# 1b. The shape of src/: includes and calls follow README's layers, no
#     recursion, every frame bounded (tests/graph.py over GCC's call
#     graph of the release build).
s_layers() { # layers, recursion, stack
    python3 tests/graph.py layers README.md src >"$B/graph.out" 2>&1
    grc=$?
    python3 tests/graph.py calls "$B/obj" README.md >>"$B/graph.out" 2>&1
    tally "$B/graph.out" $((grc | $?)) graph
    grep '^ok graph calls' "$B/graph.out" | sed 's/^ok /  /'
}

# 2. Unit tests, one binary per module; the files they write are kept in
#    $B/written for stage 3b.
s_unit() { # unit tests
    rm -rf "$B/written"
    mkdir -p "$B/written"
    for t in "$B"/tests/test_*; do
        [ -x "$t" ] || continue
        case "$t" in *.out) continue ;; esac
        CBOLT_FIXTURES=$FX CBOLT_OUT=$B/written CBOLT_DEEP=$DEEP "$t" >"$t.out" 2>&1
        tally "$t.out" $? "$(basename "$t")"
    done
}

# 2b. Readers, a writer and batch callers at once, under ThreadSanitizer.
s_tsan() { # threads under TSan
    TSAN_OPTIONS=halt_on_error=1:exitcode=66 "$B/tsan/test_threads" "$B/written/threads.db" \
        >"$B/tsan/test_threads.out" 2>&1
    tally "$B/tsan/test_threads.out" $? test_threads
    grep -q "WARNING: ThreadSanitizer" "$B/tsan/test_threads.out" && bad "threads: ThreadSanitizer report"
}

# 3b. Every file cbolt wrote opens in bbolt, passes bbolt's Tx.Check, and
#     bbolt's dump equals cbolt's.
s_written() { # files written by cbolt, read by bbolt
    for db in "$B"/written/*.db; do
        [ -f "$db" ] || continue
        name=$(basename "$db")
        out=$("$B/bolttool" check "$db" 2>&1)
        if [ "$out" = OK ]; then ok; else bad "bbolt check of cbolt's $name: $(echo "$out" | head -3)"; fi
        if "$B/bolttool" dump "$db" >"$db.bdump" 2>&1 && "$B/cbolt" dump "$db" >"$db.cdump" 2>&1 &&
            cmp -s "$db.bdump" "$db.cdump"; then
            ok
        else
            bad "dump of cbolt's $name: bbolt and cbolt differ"
        fi
    done
}

# 3. cbolt check, dump and stats on every fixture equal bbolt's, in the
#    release build and the sanitizer build.
s_fixtures_cmp() { # cbolt against bbolt on every fixture
    for db in "$FX"/*.db; do
        n=${db%.db}
        name=$(basename "$n")
        for tool in "$B/cbolt" "$B/asan/cbolt"; do
            tag="$name ($tool)"
            if "$tool" dump "$db" >"$n.cdump" 2>"$n.err" && cmp -s "$n.cdump" "$n.dump"; then
                ok
            else
                bad "dump $tag differs from bbolt's"
                head -c 300 "$n.err"
            fi
            out=$("$tool" check "$db" 2>&1)
            if [ "$out" = OK ]; then ok; else bad "check $tag: $(echo "$out" | head -3)"; fi
        done
        if "$B/cbolt" stats --format line "$db" 2>&1 | cmp -s - "$n.stats"; then ok; else bad "stats $name differ from bbolt's"; fi
    done
}

# 3b2. Every command of the tool (tests/tool/run.sh) on small files built
#      with `cbolt replay` and on damaged copies, under ASan + UBSan.
s_tool() { # tool commands
    CBOLT=$B/asan/cbolt bash tests/tool/run.sh >"$B/tool.out" 2>&1
    tally "$B/tool.out" $? tool
    # salvage on damaged copies of every fixture: its output passes cbolt's and
    # bbolt's checks and holds all that dump could still read
    CBOLT=$B/asan/cbolt SALVAGE_CASES=${SALVAGE_CASES:-2} FX=$FX \
        bash tests/tool/salvage-corrupt.sh >"$B/tool-salvage.out" 2>&1
    tally "$B/tool-salvage.out" $? tool-salvage
    grep '^salvage-corrupt:' "$B/tool-salvage.out" | sed 's/^/  /'
}

# 3b3. Every command on a file of etcd's size and shape (bolttool etcd,
#      bbolt 1.3.6, NoFreelistSync; written once per build as
#      build/etcd-64.db), against bbolt's dump, stats, check and Compact,
#      under ASan + UBSan; the progress line on a pseudo-terminal.
s_etcd() { # tool commands on an etcd-like file
    CBOLT=$B/asan/cbolt bash tests/tool/etcd.sh >"$B/tool-etcd.out" 2>&1
    tally "$B/tool-etcd.out" $? tool-etcd
    grep -E '^(sizes|time total):' "$B/tool-etcd.out" | sed 's/^/  /'
}

# 3c. The file grows in bbolt's steps: the same sequential workloads leave
#     files of the same size (sizes only; no timing). cbolt grows as bbolt
#     1.5 does, before writing, whenever the high-water mark moved; 1.3.6
#     grows only when the freelist page lands past it, so past 16 MiB the
#     two differ (tests/diff/known.md, file-growth); test_bbolt15 checks
#     1.5's rule there.
s_growth() { # file growth as bbolt
    for c in "1000 100" "20000 1000"; do
        set -- $c
        rm -f "$B/grow-b.db" "$B/grow-c.db"
        "$B/boltbench" -count "$1" -batch-size "$2" -no-sync -work -path "$B/grow-b.db" >/dev/null 2>&1
        "$B/cbolt" bench -count "$1" -batch-size "$2" -no-sync -work -path "$B/grow-c.db" >/dev/null 2>&1
        sb=$(stat -c %s "$B/grow-b.db" 2>/dev/null)
        sc=$(stat -c %s "$B/grow-c.db" 2>/dev/null)
        if [ -n "$sb" ] && [ "$sb" = "$sc" ]; then ok; else bad "growth: $1 keys: bbolt $sb bytes, cbolt $sc"; fi
    done
    rm -f "$B/grow-b.db" "$B/grow-c.db"
}

# 3d. Differential: seeded traces replayed on cbolt, bbolt 1.3.6 and boltdb
#     1.3.1; results, dumps and each other's checks must agree, but for the
#     known differences of tests/diff/known.md.
s_diff() { # differential traces against bbolt and boltdb
    bash tests/diff/run.sh --traces "${DIFF_TRACES:-300}" >"$B/diff.out" 2>&1
    tally "$B/diff.out" $? diff
    grep '^diff summary' "$B/diff.out"
}

# 3e. The Go binding (bindings/go): its own tests under the race detector,
#     then bbolt 1.3.6's own test suite with the binding standing in for
#     go.etcd.io/bbolt (tests/bbolt/run.sh; what is not expected to pass is
#     listed with its reason in tests/bbolt/excluded.txt).
s_binding() { # Go binding: its tests under the race detector
    (cd bindings/go && GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$PWD/../../$B/gocache" \
        go test -race -count=1 -v . >"../../$B/binding-race.log" 2>&1)
    brc=$?
    sed -n -e 's/^--- PASS: \([^ ]*\).*/ok binding\/\1/p' -e 's/^--- FAIL: \([^ ]*\).*/FAIL binding\/\1/p' \
        "$B/binding-race.log" >"$B/binding-race.out"
    grep -q "WARNING: DATA RACE" "$B/binding-race.log" && echo "FAIL binding: data race (see $B/binding-race.log)" >>"$B/binding-race.out"
    tally "$B/binding-race.out" $brc binding-race
}


s_suite() { # bbolt's test suite against the Go binding
    bash tests/bbolt/run.sh >"$B/bbolt-suite.out" 2>&1
    tally "$B/bbolt-suite.out" $? bbolt-suite
    grep '^bbolt suite:' "$B/bbolt-suite.out"
}

# 4. Deterministic corruptions: an error or a clean result, never a
#    sanitizer report, signal or hang.
s_corrupt() { # corruptions under ASan + UBSan
    "$B/tests/corrupt" --cases "${CORRUPT_CASES:-40}" --timeout 60 --keep "$B/corrupt-failures" \
        "$B/asan/cbolt" "$FX"/*.db >"$B/corrupt.out" 2>"$B/corrupt.err"
    tally "$B/corrupt.out" $? corrupt
    tail -n 1 "$B/corrupt.out"
}

# 4b. Every fuzz corpus (seeds and every crash found, kept as regressions)
#     replayed through the harnesses' plain ASan + UBSan builds.
s_fuzz() { # fuzz corpora (make fuzz-regress)
    make -s fuzz-regress >"$B/fuzz-regress.out" 2>&1
    tally "$B/fuzz-regress.out" $? fuzz-regress
}

# 4c. The ACSL contracts, proved by Frama-C WP (every goal, or a failure).
s_proofs() { # proofs (make proofs)
    # the coverage count's parsers, on made-up sources and logs
    if python3 proofs/coverage.py --selftest; then ok; else bad "proofs: coverage.py selftest"; fi
    if [ -n "${SKIP_PROOFS:-}" ]; then
        # for a quick local run only; CI never sets it, and the stage then
        # counts nothing as passed
        echo "  skipped: SKIP_PROOFS is set"
    elif [ -n "$proofs_pid" ]; then
        wait "$proofs_pid"
        prc=$?
        grep 'Proved goals' "$B/proofs.out"
        while read -r mod _ _ x _ y _; do
            [ "$mod" = total ] && continue
            if [ "$x" = "$y" ] && [ -n "$x" ]; then ok; else bad "proofs $mod: $x / $y goals"; fi
        done < <(grep 'Proved goals' "$B/proofs.out")
        [ "$prc" = 0 ] || bad "proofs: proofs/run.sh exit $prc (see $B/proofs.out)"
        # The committed cache holds a verdict for every goal a prover
        # proves: otherwise each run proves them again (make proofs-cache).
        grep '^cache ' "$B/proofs.out"
        miss=$(awk '$1 == "cache" { print $2 }' "$B/proofs.out")
        if [ "$miss" = 0 ]; then ok; else bad "proofs: ${miss:-no count of} goals not in proofs/cache (stale: make proofs-cache)"; fi
        # The share of src/*.c those proofs cover, from the runs' logs, and
        # its per-function table (proofs/coverage.py), in
        # build/proofs-coverage.md; the table committed in proofs/README.md
        # must be the one these logs give.
        if python3 proofs/coverage.py --table "$B/proofs-coverage.md" \
            --check-readme proofs/README.md build/proofs; then
            ok
        else
            bad "proofs: proofs/coverage.py: no count, or proofs/README.md's table is stale (exit $?)"
        fi
    else
        bad "proofs: frama-c not installed"
    fi
}

# 5. Install and build a program against the installed library with
#    pkg-config, as against lmdb.
s_install() { # install and pkg-config
    inst=$(mktemp -d)
    if make -s install PREFIX="$inst" >"$B/install.log" 2>&1 &&
        cc examples/hello.c $(PKG_CONFIG_PATH="$inst/lib/pkgconfig" pkg-config --cflags --libs cbolt) \
            -Wl,-rpath,"$inst/lib" -o "$B/hello" 2>>"$B/install.log" &&
        [ "$("$B/hello" examples/example.db)" = "bucket a: 2 keys, sequence 3" ] &&
        [ "$("$inst/bin/cbolt" check examples/example.db)" = OK ] &&
        [ -f "$inst/share/man/man1/cbolt.1" ]; then
        ok
    else
        bad "install: see $B/install.log"
    fi
    rm -rf "$inst"
}

# The proofs (stage 4c) depend on no build and no other stage: they start
# now, beside the other stages, and their stage waits for them. Frama-C
# then works while the stages that mostly wait (fsyncs, child processes,
# the Go tests' sleeps) run, and on a machine busy with other work the
# run holds more of its share of the cores: for that, four lanes (replaying
# the cache, each is one frama-c process; proofs/run.sh).
rm -rf "$ST"
mkdir -p "$ST"
proofs_pid=""
if [ -z "${SKIP_PROOFS:-}" ] && command -v frama-c >/dev/null 2>&1; then
    WP_LANES=${WP_LANES:-4} bash proofs/run.sh >"$B/proofs.out" 2>&1 &
    proofs_pid=$!
fi


# Chains. The fixtures and the layers come first (most stages read the
# fixtures); then five chains run side by side, each stage of a chain
# after the one it needs: the unit tests write $B/written, which the TSan
# test adds to and bbolt then reads. The stages write to their own files
# and temporary directories, so they can share the machine; on an idle
# 2-core machine the chains fill both cores, and on one busy with other
# work the run keeps its share of them (the scheduler shares the cores by
# runnable process, and a run that is one process at a time gets one
# share). The proofs (two frama-c lanes) started above.
total_pass=0 total_fail=0
collect() {
    local s name
    for s in "$@"; do
        name=${s%%:*}
        if [ -f "$ST/$name.res" ]; then
            cat "$ST/$name.log"
            read -r p f <"$ST/$name.res"
            total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
        else
            [ -f "$ST/$name.log" ] && cat "$ST/$name.log"
            echo "FAIL stage ${s#*:}: did not finish"
            total_fail=$((total_fail + 1))
        fi
    done
}
first=("fixtures:fixtures (bbolt 1.3.6)" "layers:layers, recursion, stack")
for s in "${first[@]}"; do stage "${s%%:*}" "${s#*:}"; done
collect "${first[@]}"

chain "unit:unit tests" "tsan:threads under TSan" \
    "written:files written by cbolt, read by bbolt" \
    "fixtures_cmp:cbolt against bbolt on every fixture" "growth:file growth as bbolt"
chain "tool:tool commands" "etcd:tool commands on an etcd-like file"
chain "diff:differential traces against bbolt and boltdb"
chain "corrupt:corruptions under ASan + UBSan" "fuzz:fuzz corpora (make fuzz-regress)"
chain "binding:Go binding: its tests under the race detector" \
    "suite:bbolt's test suite against the Go binding"
for i in "${!chain_pids[@]}"; do
    wait "${chain_pids[$i]}"
    IFS='|' read -r -a ss <<<"${chain_list[$i]}"
    collect "${ss[@]}"
done

# The proofs' stage waits for them (in this shell: they are its child),
# then the install.
last=("proofs:proofs (make proofs)" "install:install and pkg-config")
for s in "${last[@]}"; do stage "${s%%:*}" "${s#*:}"; done
collect "${last[@]}"

cpu_s run >"$ST/.cpu.run"
echo "  (whole run: $SECONDS s wall, $(cat "$ST/.cpu.run") s CPU)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
