#!/usr/bin/env bash
# tests/bbolt/run.sh - bbolt's own test suite run against cbolt through the
# Go binding (bindings/go), the binding standing in for go.etcd.io/bbolt.
#
# The test files are those Debian's golang-github-coreos-bbolt-dev installs
# (bbolt 1.3.6, /usr/share/gocode/src/go.etcd.io/bbolt/*_test.go; installed
# here when missing and we are root). They are copied with the binding's
# sources into a private GOPATH under build/bbolt-suite, built once into a
# test binary, and every test, example and benchmark (one iteration) is run
# in a process of its own, two at a time: a crash costs one result, and
# each result is known.
#
# tests/bbolt/excluded.txt names what is not expected to pass, with the
# reason: files not built (package-internal tests), and tests that must
# fail for a feature cbolt lacks or a known difference (run too; a pass is
# reported so the line is removed). A function in neither place must pass.
#
# Output, for tests/run.sh's tally: `ok bbolt/NAME`, `FAIL bbolt/NAME: why`,
# `skip bbolt/NAME: why` (bbolt's own t.Skip, or excluded), and a summary.
# Environment: BBOLT_SEED (the quick-check seed; random by default),
# BBOLT_JOBS (processes at once, 2), BBOLT_ONLY (a regexp of names to run),
# BBOLT_ASAN=1 (link cbolt's ASan + UBSan build, build/asan/libcbolt.a),
# BBOLT_TMP (where the tests' databases go; see below).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
SRC=${BBOLT_SRC:-/usr/share/gocode/src/go.etcd.io/bbolt}
LIST=tests/bbolt/excluded.txt
W=$ROOT/build/bbolt-suite
JOBS=${BBOLT_JOBS:-2}
SEED=${BBOLT_SEED:-$((RANDOM % 100000))}
start=$(date +%s)

if ! ls "$SRC"/*_test.go >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y golang-github-coreos-bbolt-dev >/dev/null 2>&1
    fi
fi
if ! ls "$SRC"/*_test.go >/dev/null 2>&1; then
    echo "FAIL bbolt/suite: no bbolt test files in $SRC (apt-get install golang-github-coreos-bbolt-dev)"
    exit 1
fi

# The functions of the installed files, as "FILE NAME".
funcs() {
    for f in "$SRC"/*_test.go; do
        grep -o '^func \(Test\|Example\|Benchmark\)[A-Za-z0-9_]*(' "$f" |
            sed -e 's/^func //' -e 's/($//' -e "s|^|$(basename "$f") |"
    done | grep -v ' TestMain$'
}
listed() { awk -v k="$1" '$1 == k { print $2 }' "$LIST"; }
reason() { awk -v n="$1" '$2 == n { $1 = ""; $2 = ""; sub(/^  */, ""); print; exit }' "$LIST"; }

rm -rf "$W" "$W.unlisted"
mkdir -p "$(dirname "$W")"
bad_list=0
all=$(funcs)
for n in $(listed internal) $(listed missing) $(listed differs); do
    if ! echo "$all" | awk '{ print $2 }' | grep -qx "$n"; then
        echo "FAIL bbolt/list: $LIST names $n, which no installed test file has"
        bad_list=1
    fi
done
for f in $(listed file); do
    [ -f "$SRC/$f" ] || { echo "FAIL bbolt/list: $LIST names file $f, not installed"; bad_list=1; }
done
# A function of a file not built must be named, with its reason.
echo "$all" | while read -r file name; do
    listed file | grep -qx "$file" || continue
    listed internal | grep -qx "$name" ||
        echo "FAIL bbolt/$name: in $file, which is not built, but not listed in $LIST"
done >"$W.unlisted"

# The private GOPATH: the binding as go.etcd.io/bbolt, bbolt's test files
# but the excluded ones, and the shim.
P=$W/src/go.etcd.io/bbolt
mkdir -p "$P"

# The tests' databases (TMPDIR) go to a tmpfs when /dev/shm is one with
# 4 GiB free: bbolt's tests fsync every commit, and on a disk the kernel's
# work for those syncs is a third of the suite's CPU time. What the suite
# tests is the engine through the binding, not the disk (the crash tests
# and fuzzers test durability on a simulated disk). Elsewhere: build/.
tmpfs_room() {
    [ -d /dev/shm ] && [ -w /dev/shm ] &&
        [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
        [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt 4194304 ]
}
if [ -n "${BBOLT_TMP:-}" ]; then
    TMP=$(mktemp -d "$BBOLT_TMP/cbolt-bbolt.XXXXXX")
elif tmpfs_room; then
    TMP=$(mktemp -d /dev/shm/cbolt-bbolt.XXXXXX)
else
    TMP=$W/tmp
    mkdir -p "$TMP"
fi
trap 'rm -rf "$TMP"' EXIT
for f in bindings/go/*.go; do
    case $f in *_test.go | */link.go) continue ;; esac
    cp "$f" "$P/"
done
mkdir -p "$W/src/cbolt/bindings/go/errors"
cp bindings/go/errors/*.go "$W/src/cbolt/bindings/go/errors/"
cp tests/bbolt/shim_test.go "$P/"
for f in "$SRC"/*_test.go; do
    listed file | grep -qx "$(basename "$f")" || cp "$f" "$P/"
done
export GO111MODULE=off GOPATH="$W:/usr/share/gocode" GOCACHE="$ROOT/build/gocache" \
    GOFLAGS=-buildvcs=false CGO_CFLAGS="-I$ROOT/src" CGO_LDFLAGS="$ROOT/build/libcbolt.a -lpthread"
asan=()
if [ "${BBOLT_ASAN:-0}" = 1 ]; then
    # cbolt's ASan + UBSan library (make asan), with Go's -asan.
    CGO_LDFLAGS="$ROOT/build/asan/libcbolt.a -fsanitize=address,undefined -lpthread"
    asan=(-asan)
    export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fi
if ! go test -c "${asan[@]}" -tags cbolt_external -o "$W/bbolt.test" go.etcd.io/bbolt >"$W/build.log" 2>&1; then
    echo "FAIL bbolt/build: bbolt's tests do not build against the binding"
    head -n 30 "$W/build.log"
    exit 1
fi

# The long tests first (each takes 10 to 80 s, the others well under one),
# so that the two processes finish together.
order() {
    local all
    all=$(cat)
    echo "$all" | grep -E "$SLOW"
    echo "$all" | grep -vE "$SLOW"
}
SLOW='Simulate.*_10000op|Delete_FreelistOverflow|Size_Large|Put_VeryLarge|Stats_RandomFill|Put_Single|ManyDBs'

# One name: run it alone, print its result line.
# (Defined for xargs through `bash -c`; reads W, SEED, LIST from the env.)
run_one() {
    local kind=$1 name=$2 out=$W/out/$2.log flags rc res why
    mkdir -p "$W/out"
    case $name in
    Benchmark*) flags=(-test.run '^$' -test.bench "^$name\$" -test.benchtime 1x) ;;
    *) flags=(-test.run "^$name\$") ;;
    esac
    (cd "$W" && TMPDIR=$TMP timeout 900 ./bbolt.test -test.v -test.timeout 14m \
        -quick.seed="$SEED" "${flags[@]}") >"$out" 2>&1
    rc=$?
    if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$out"; then
        echo "FAIL bbolt/$name: sanitizer: $(grep -m1 -E 'ERROR: AddressSanitizer|runtime error:' "$out") (see $out)"
        return
    fi
    if grep -q "^--- FAIL: $name\b" "$out"; then
        res=fail
        why=$(grep -m1 -E '^\s+[a-z_]+\.go:[0-9]+:|^panic:' "$out" | sed 's/^ *//')
    elif grep -q "^--- SKIP: $name\b" "$out"; then
        res=skip
        why=$(grep -B1 "^--- SKIP: $name\b" "$out" | head -1 | sed 's/^ *//')
    elif [ "$rc" = 0 ] && grep -qE "^(--- PASS: $name\b|$name(-[0-9]+)?\s)" "$out"; then
        res=pass
    else
        res=fail
        why="exit $rc without a result: $(grep -m1 -E '^(panic|fatal error|SIG|signal)' "$out")"
    fi
    case $kind:$res in
    run:pass) echo "ok bbolt/$name" ;;
    run:skip) echo "skip bbolt/$name: by bbolt: $why" ;;
    run:fail) echo "FAIL bbolt/$name: $why (see $out)" ;;
    *:fail)
        if grep -qE '^(panic|fatal error)' "$out" && ! grep -q "not supported by cbolt" "$out"; then
            echo "FAIL bbolt/$name: $kind test crashed instead of failing (see $out)"
        else
            echo "xfail bbolt/$name: $kind: $(reason "$name")"
        fi ;;
    *:skip) echo "skip bbolt/$name: by bbolt: $why" ;;
    *:pass) echo "FAIL bbolt/$name: listed as $kind in $LIST but passes: remove the line" ;;
    esac
}
export -f run_one reason
export W SEED LIST TMP

cp "$W.unlisted" "$W/results"
rm -f "$W.unlisted"
for n in $(listed internal); do echo "skip bbolt/$n: internal: $(reason "$n")" >>"$W/results"; done
echo "$all" | while read -r file name; do
    listed file | grep -qx "$file" && continue
    [ -n "${BBOLT_ONLY:-}" ] && ! echo "$name" | grep -qE "$BBOLT_ONLY" && continue
    kind=run
    for k in missing differs; do listed $k | grep -qx "$name" && kind=$k; done
    echo "$kind $name"
done | order | xargs -P "$JOBS" -L 1 bash -c 'run_one "$0" "$1"' >>"$W/results"
rm -rf "$TMP"

sort -k2 "$W/results"
n_ok=$(grep -c '^ok ' "$W/results")
n_fail=$(grep -c '^FAIL ' "$W/results")
n_skip=$(grep -c '^skip bbolt/[^:]*: by bbolt' "$W/results")
n_int=$(grep -c '^skip bbolt/[^:]*: internal' "$W/results")
n_x=$(grep -c '^xfail ' "$W/results")
echo "bbolt suite: $n_ok passed, $n_fail failed, $n_skip skipped by bbolt," \
    "$n_int internal not built, $n_x failing as listed (missing or differs);" \
    "seed $SEED, $(($(date +%s) - start)) s"
[ "$n_fail" = 0 ] && [ "$bad_list" = 0 ]
