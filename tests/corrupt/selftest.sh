#!/bin/sh
# selftest.sh - check that the corruption driver detects every failure kind,
# using stand-in tools instead of cbolt.
#
#   sh tests/corrupt/selftest.sh [FIXTURE_DIR]
#
# FIXTURE_DIR defaults to fixtures made by mkfixtures.go (needs Go and
# go.etcd.io/bbolt under /usr/share/gocode). Prints one line per check and
# exits non-zero if any check fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-cc}
work=$(mktemp -d "${TMPDIR:-/tmp}/corrupt-selftest.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
bad=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; bad=1; }

$CC -O2 -Wall -Wextra -Werror -std=c11 -o "$work/corrupt" "$here/corrupt.c" || exit 2
san="-fsanitize=address,undefined -fno-omit-frame-pointer"
$CC -std=c11 -g -O1 $san -o "$work/toybolt" "$here/toybolt.c" || exit 2
$CC -std=c11 -g -O1 $san -DNAIVE -o "$work/toybolt-naive" "$here/toybolt.c" || exit 2

if [ $# -ge 1 ]; then
    fx=$1
else
    fx=$work/fx
    GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=${GOCACHE:-/tmp/gocache-corrupt} \
        go run "$here/mkfixtures.go" "$fx" || exit 2
fi
small=$fx/small.db
[ -f "$small" ] || { echo "no $small"; exit 2; }

# stand-in tools
mk() { printf '#!/bin/sh\n%s\n' "$2" >"$work/$1"; chmod +x "$work/$1"; }
mk ok.sh      'exit 0'
mk errs.sh    'if [ "$1" = check ]; then echo "page 3: bad"; exit 1; fi; echo "dump: corrupt" >&2; exit 2'
mk sleep.sh   'exec sleep 30'
mk segv.sh    'kill -SEGV $$'
mk abort.sh   'kill -ABRT $$'
mk asan.sh    'echo "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020" >&2; exit 1'
mk ubsan.sh   'echo "src/page.c:10:5: runtime error: load of misaligned address" >&2; exit 1'
mk lsan.sh    'echo "==1==ERROR: LeakSanitizer: detected memory leaks" >&2; exit 0'
mk exit86.sh  'exit 86'
mk exit87.sh  'exit 87'
mk exit3.sh   'exit 3'
mk dumponly.sh 'if [ "$1" = dump ]; then kill -SEGV $$; fi; exit 0'
mk env.sh     'case "$ASAN_OPTIONS|$UBSAN_OPTIONS" in
  "detect_leaks=1:abort_on_error=0:exitcode=86|halt_on_error=1:print_stacktrace=1:exitcode=87") exit 0;;
esac; exit 9'
mk file.sh    '[ -f "$2" ] && [ -n "$2" ] || exit 9; exit 0'

# expect NAME TOOL EXPECTED_RC PATTERN [driver options]
expect() {
    name=$1 tool=$2 rc=$3 pat=$4
    shift 4
    "$work/corrupt" "$@" "$work/$tool" "$small" >"$work/out" 2>"$work/err"
    got=$?
    if [ "$got" -eq "$rc" ] && cat "$work/out" "$work/err" | grep -q -- "$pat"; then
        pass "$name"
    else
        fail "$name (exit $got, want $rc; want /$pat/)"
        sed 's/^/     | /' "$work/out" "$work/err" | head -5
    fi
}

expect "passing tool"          ok.sh     0 '^ok corrupt small (8 cases: 0 errors, 8 clean)$' --cases 8
expect "check 1 / dump 2 pass" errs.sh   0 '^ok corrupt small (8 cases: 8 errors, 0 clean)$' --cases 8
expect "sanitizer env set"     env.sh    0 '^ok corrupt small' --cases 2
expect "tool gets the file"    file.sh   0 '^ok corrupt small' --cases 2
expect "timeout"               sleep.sh  1 'check: timed out after 1 s; dump: timed out after 1 s' --cases 1 --timeout 1
expect "SIGSEGV"               segv.sh   1 'check: killed by signal 11' --cases 2
expect "SIGABRT"               abort.sh  1 'killed by signal 6' --cases 1
expect "dump-only crash"       dumponly.sh 1 ': dump: killed by signal 11' --cases 1
expect "ASan report"           asan.sh   1 'stderr: "ERROR: AddressSanitizer: heap-buffer-overflow' --cases 2
expect "UBSan report"          ubsan.sh  1 'runtime error: load of misaligned' --cases 2
expect "LSan report, exit 0"   lsan.sh   1 'LeakSanitizer' --cases 1
expect "exit 86"               exit86.sh 1 'exit code 86' --cases 1
expect "exit 87"               exit87.sh 1 'exit code 87' --cases 1
expect "exit 3"                exit3.sh  1 'exit code 3' --cases 1
expect "summary line"          segv.sh   1 '^corrupt: 3 cases, 3 failures$' --cases 3
expect "missing tool"          nosuch    2 'is not executable' --cases 1

# determinism: same seed, same cases; different seed, different cases
a=$("$work/corrupt" --dry-run x "$fx"/*.db | cksum)
b=$("$work/corrupt" --dry-run x "$fx"/*.db | cksum)
c=$("$work/corrupt" --seed 7 --dry-run x "$fx"/*.db | cksum)
[ "$a" = "$b" ] && [ "$a" != "$c" ] && pass "deterministic cases" || fail "deterministic cases"

# every corruption kind shows up in the case list
list=$("$work/corrupt" --dry-run x "$fx"/*.db)
for k in 'flip' 'truncate' 'overwrite page' 'count\|pos\|ksize\|vsize' 'child' 'meta' 'bucket value' 'freelist page'; do
    echo "$list" | grep -q -- "$k" && pass "kind present: $k" || fail "kind present: $k"
done

# defensive reader: no failures on any case
"$work/corrupt" --cases 60 --timeout 20 "$work/toybolt" "$fx"/*.db >"$work/out" 2>&1
if [ $? -eq 0 ] && grep -q '^corrupt: .* 0 failures$' "$work/out"; then
    pass "defensive toybolt passes ($(tail -1 "$work/out"))"
else
    fail "defensive toybolt passes"
    grep FAIL "$work/out" | head -5
fi

# naive reader: real sanitizer reports, crashes and hangs are caught
"$work/corrupt" --cases 60 --timeout 3 --keep "$work/keep" "$work/toybolt-naive" "$fx"/*.db >"$work/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'ERROR: AddressSanitizer' "$work/out"; then
    pass "naive toybolt fails ($(tail -1 "$work/out"))"
else
    fail "naive toybolt fails (exit $rc)"
fi
grep -q 'timed out\|stack-overflow' "$work/out" && pass "naive toybolt: page cycle caught" || fail "naive toybolt: page cycle caught"

# --keep wrote the failing input; --only reproduces the same bytes and verdict
line=$(grep '^FAIL corrupt ' "$work/out" | head -1)
name=$(echo "$line" | sed 's/^FAIL corrupt \([^ ]*\) case \([0-9]*\):.*/\1/')
idx=$(echo "$line" | sed 's/^FAIL corrupt \([^ ]*\) case \([0-9]*\):.*/\2/')
if [ -f "$work/keep/$name-$idx.db" ] && [ -f "$work/keep/$name-$idx.check.err" ]; then
    pass "--keep wrote $name-$idx.db"
else
    fail "--keep wrote $name-$idx.db"
fi
"$work/corrupt" --only "$name:$idx" --timeout 3 --keep "$work/keep2" "$work/toybolt-naive" "$fx"/*.db >"$work/out2" 2>&1
if cmp -s "$work/keep/$name-$idx.db" "$work/keep2/$name-$idx.db" && grep -q "^FAIL corrupt $name case $idx:" "$work/out2" &&
    grep -q '^corrupt: 1 cases, 1 failures$' "$work/out2"; then
    pass "--only $name:$idx reproduces"
else
    fail "--only $name:$idx reproduces"
fi

# no temp directories left behind by the driver runs above
left=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'corrupt.??????' -user "$(id -u)" -newer "$work/corrupt" 2>/dev/null)
[ -z "$left" ] && pass "temp directories removed" || fail "temp directories removed: $left"

[ $bad -eq 0 ] && echo "selftest: all passed" || echo "selftest: FAILURES"
exit $bad
