#!/usr/bin/env bash
# tests/tool/run.sh - every command of the `cbolt` tool on small files
# built with `cbolt replay` and on damaged copies of them. Prints one
# `ok tool/NAME` or `FAIL tool/NAME: why` line per check; exits non-zero
# when one failed. CBOLT=path picks the binary (default build/cbolt).
#
#   bash tests/tool/run.sh
set -u
cd "$(dirname "$0")/../.."
C=${CBOLT:-build/cbolt}
[ -x "$C" ] || { echo "FAIL tool/setup: $C is not built (make)"; exit 1; }
# Files in /dev/shm when it is writable: every commit syncs.
base=${TMPDIR:-/tmp}
[ -w /dev/shm ] && base=/dev/shm
T=$(mktemp -d "$base/cbolt-tool.XXXXXX")
trap 'rm -rf "$T"' EXIT
# A sanitizer build (CBOLT=build/asan/cbolt) reports into $T/san.*: any
# report fails the run, also from a command whose exit code is not judged.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:log_path=$T/san"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}:log_path=$T/san"
nfail=0
ok() { echo "ok tool/$1"; }
bad() { echo "FAIL tool/$1: $2"; nfail=$((nfail + 1)); }
# check NAME WHY CMD...: ok when CMD succeeds.
check() {
    local name=$1 why=$2
    shift 2
    if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name" "$why"; fi
}
# rc_is NAME WANT CMD...: the exit code of CMD is WANT.
rc_is() {
    local name=$1 want=$2 got
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$want" ]; then ok "$name"; else bad "$name" "exit $got, want $want: $(head -c 200 "$T/err")"; fi
}
hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"; }
# damage FILE PAGE OFFSET: 8 bytes of garbage at OFFSET of page PAGE.
damage() {
    python3 - "$@" <<'EOF'
import sys
f, pg, off = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = bytearray(open(f, 'rb').read())
b[pg * 4096 + off: pg * 4096 + off + 8] = b'\xde\xad\xbe\xef\xde\xad\xbe\xef'
open(f, 'wb').write(b)
EOF
}

# ---- Files ----------------------------------------------------------------
# small.db: a (seq 3) holding k=v and a/b holding x=""; z holding 00 01 = ff.
printf '%s\n' 'w begin rw' 'w create-bucket 61' 'w put 61 6b 76' 'w create-bucket 61/62' \
    'w put 61/62 78 -' 'w set-sequence 61 3' 'w create-bucket 7a' 'w put 7a 0001 ff00' 'w commit' \
    >"$T/small.trace"
# big.db: one commit, 1500 keys in a, 200 in a/b, 300 in c (branch pages).
python3 - "$T/big.trace" <<'EOF'
import sys
h = lambda s: s.encode().hex()
l = ['w begin rw', 'w create-bucket 61', 'w create-bucket 61/62', 'w create-bucket 63',
     'w set-sequence 61 7']
l += ['w put 61 %s %s' % (h('k%05d' % i), h(('value-%d-' % i) * 3)) for i in range(1500)]
l += ['w put 61/62 %s %s' % (h('n%04d' % i), h('x' * 50)) for i in range(200)]
l += ['w put 63 %s %s' % (h('c%04d' % i), h('y' * 40)) for i in range(300)]
l += ['w commit']
open(sys.argv[1], 'w').write('\n'.join(l) + '\n')
EOF
"$C" replay "$T/small.db" <"$T/small.trace" >/dev/null &&
    "$C" replay "$T/big.db" <"$T/big.trace" >/dev/null ||
    { echo "FAIL tool/setup: cbolt replay failed"; exit 1; }
S=$T/small.db
BIG=$T/big.db
sum_before=$(md5sum "$S" "$BIG")

# ---- help, version, usage ---------------------------------------------------
cmds="check dump stats info buckets keys get pages page page-item compact load salvage surgery replay bench version help"
for c in $cmds; do
    if "$C" help "$c" 2>&1 | grep -q "^usage: cbolt $c"; then ok "help/$c"; else bad "help/$c" "no usage line"; fi
done
for c in check dump info pages salvage surgery; do
    if "$C" "$c" -h 2>&1 | grep -q "^usage: cbolt $c" && "$C" "$c" --help >/dev/null; then ok "dash-h/$c"; else bad "dash-h/$c" "-h does not print the help"; fi
done
n=$("$C" help | grep -c '^  cbolt ')
if [ "$n" -ge 18 ]; then ok help/list; else bad help/list "cbolt help lists $n commands"; fi
want=$(sed -n 's/^#define CBOLT_VERSION "\(.*\)"/\1/p' src/cbolt.h)
if [ "$("$C" --version)" = "cbolt $want" ] && [ "$("$C" version)" = "cbolt $want" ]; then ok version; else bad version "not cbolt $want"; fi
rc_is usage/none 2 "$C"
rc_is usage/unknown-command 2 "$C" frobnicate "$S"
rc_is usage/missing-arg 2 "$C" check
rc_is usage/extra-arg 2 "$C" check "$S" "$S"
rc_is usage/unknown-flag 2 "$C" check --frob "$S"
rc_is usage/flag-of-other-command 2 "$C" info --from-page 3 "$S"
rc_is usage/bad-timeout 2 "$C" check --timeout soon "$S"
rc_is usage/help-unknown 2 "$C" help frobnicate
rc_is open/missing-file 2 "$C" check "$T/nope.db"
head -c 8192 /dev/urandom >"$T/random.db"
rc_is open/not-bolt 2 "$C" check "$T/random.db"
rc_is open/not-bolt-dump 2 "$C" dump "$T/random.db"
for c in info pages "page-item" "surgery meta validate"; do
    # shellcheck disable=SC2086
    rc_is "open/not-bolt-${c// /-}" 2 "$C" $c "$T/random.db" $([ "$c" = page-item ] && echo 2 0)
done
"$C" check --format json "$T/nope.db" >"$T/nope.json" 2>/dev/null
if [ ! -s "$T/nope.json" ]; then ok open/no-half-json; else bad open/no-half-json "$(head -c 100 "$T/nope.json")"; fi

# ---- --timeout: a locked file never hangs ------------------------------------
# The holder execs into sleep, keeping the locked descriptor: killing it
# releases the lock at once. It holds the lock 300 s: a command that ends
# within 60 s ended on its timeout, not on the release (the bound leaves a
# loaded machine room; it measures no speed).
( exec 9<"$S"; flock -x 9; exec sleep 300 ) &
lockpid=$!
for _ in $(seq 50); do flock -n -s "$S" true || break; sleep 0.05; done
for c in check dump stats info pages buckets; do
    start=$(date +%s%N)
    "$C" "$c" --timeout 200ms "$S" >/dev/null 2>"$T/err"
    rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    if [ "$rc" = 2 ] && [ "$ms" -lt 60000 ] && grep -qi timeout "$T/err"; then ok "timeout/$c"; else bad "timeout/$c" "exit $rc after ${ms} ms: $(head -c 200 "$T/err")"; fi
done
start=$(date +%s%N)
"$C" get --timeout 0 "$S" a k >/dev/null 2>&1
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" = 2 ] && [ "$ms" -lt 60000 ]; then ok timeout/zero; else bad timeout/zero "exit $rc after $ms ms"; fi
kill "$lockpid"
wait "$lockpid" 2>/dev/null

# ---- info ---------------------------------------------------------------------
"$C" info "$BIG" >"$T/info" 2>&1
if grep -q '^page size     4096' "$T/info" && grep -q '^in force      meta [01]' "$T/info" &&
    grep -q '^free pages    ' "$T/info" && grep -q '^freelist      synced' "$T/info" &&
    grep -q '^high-water    ' "$T/info" && grep -q '^meta 0 ' "$T/info" && grep -q '^meta 1 ' "$T/info"; then
    ok info/text
else
    bad info/text "$(head -c 300 "$T/info")"
fi
"$C" info --format json "$BIG" >"$T/info.json"
if python3 - "$T/info.json" "$BIG" <<'EOF'; then ok info/json; else bad info/json "fields wrong"; fi
import json, os, sys
j = json.load(open(sys.argv[1]))
assert j['size'] == os.path.getsize(sys.argv[2]) and j['page_size'] == 4096
f = j['in_force']
assert j['metas'][f]['in_force'] and j['metas'][f]['txid'] >= j['metas'][1 - f]['txid']
assert j['freelist']['synced'] and j['freelist']['free_pages'] >= 0
assert j['high_water_mark'] == j['metas'][f]['pgid'] and not j['truncated']
EOF
"$C" surgery freelist abandon "$BIG" --output "$T/nofl.db" >/dev/null
"$C" info "$T/nofl.db" >"$T/info2" 2>&1
if grep -q 'not synced' "$T/info2" && ! grep -q '^free pages' "$T/info2"; then ok info/not-synced; else bad info/not-synced "$(cat "$T/info2")"; fi
"$C" info --format json "$T/nofl.db" >"$T/info2.json"
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert not j["freelist"]["synced"] and j["metas"][0]["freelist"] is None' "$T/info2.json"; then ok info/not-synced-json; else bad info/not-synced-json "freelist not null"; fi
for c in info check pages "page --hex" stats; do
    # shellcheck disable=SC2086
    if "$C" $c "$T/nofl.db" 0 2>&1 | grep -q 18446744073709551615; then bad "no-2^64/$c" "prints 2^64-1"; else ok "no-2^64/${c%% *}"; fi
done

# ---- check --------------------------------------------------------------------
if [ "$("$C" check "$S")" = OK ]; then ok check/ok; else bad check/ok "not OK"; fi
"$C" check --format json "$BIG" >"$T/c.json"
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["ok"] and j["problems"]==0' "$T/c.json"; then ok check/json-ok; else bad check/json-ok "$(head -c 200 "$T/c.json")"; fi
rc_is check/nofl 0 "$C" check "$T/nofl.db"
# A leaf page of bucket a, damaged in its element table.
leaf=$("$C" pages "$BIG" | awk '$2 == "leaf" && $3 > 20 {print $1}' | sed -n 5p)
branch=$("$C" pages "$BIG" | awk '$2 == "branch" {print $1}' | head -1)
cp "$BIG" "$T/dleaf.db"
damage "$T/dleaf.db" "$leaf" 8
"$C" check "$T/dleaf.db" >"$T/check" 2>&1
rc=$?
n=$(grep -c '^page ' "$T/check")
if [ "$rc" = 1 ] && grep -q "problems\? found" "$T/check" && grep -q "$n problem" "$T/check"; then ok check/count; else bad check/count "exit $rc: $(tail -2 "$T/check")"; fi
"$C" check --format json "$T/dleaf.db" >"$T/c2.json"
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert not j["ok"] and j["problems"]==sum(i["kind"]=="problem" for i in j["items"])>0' "$T/c2.json"; then ok check/json-problems; else bad check/json-problems "bad JSON"; fi
rc_is check/from-page-ok 0 "$C" check --from-page "$branch" "$BIG"
rc_is check/from-page-damaged 1 "$C" check --from-page "$leaf" "$T/dleaf.db"
cp "$BIG" "$T/trunc.db"
truncate -s $((4096 * 6)) "$T/trunc.db"
rc_is check/truncated 1 "$C" check "$T/trunc.db"
if grep -q truncated "$T/out"; then ok check/truncated-named; else bad check/truncated-named "$(cat "$T/out")"; fi
cp "$BIG" "$T/meta.db"
damage "$T/meta.db" 0 40
damage "$T/meta.db" 1 40
rc_is check/both-metas 1 "$C" check "$T/meta.db"

# ---- stats, buckets, keys, get, dump --bucket -------------------------------
"$C" stats "$S" >"$T/stats"
if grep -q '^bucket a$' "$T/stats" && grep -q '^bucket z$' "$T/stats" &&
    grep -q '^all 2 top-level buckets' "$T/stats" && grep -q '^  keys  *4$' "$T/stats"; then
    ok stats/text
else
    bad stats/text "$(head -c 300 "$T/stats")"
fi
if [ "$("$C" stats --format line "$S" | head -1)" = "stats 61 0 0 1 0 3 2 0 0 4096 100 2 1 33" ]; then ok stats/line; else bad stats/line "$("$C" stats --format line "$S" | head -1)"; fi
"$C" stats --format json "$BIG" >"$T/s.json"
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["total"]["keys"]==2001 and len(j["buckets"])==2' "$T/s.json"; then ok stats/json; else bad stats/json "$(head -c 300 "$T/s.json")"; fi
if "$C" stats --bucket a/b "$BIG" | grep -q '^  keys  *200$'; then ok stats/bucket; else bad stats/bucket "a/b has not 200 keys"; fi
if [ "$("$C" buckets "$S" | tr '\n' ' ')" = "a z " ]; then ok buckets/top; else bad buckets/top "$("$C" buckets "$S")"; fi
if [ "$("$C" buckets "$S" a)" = b ]; then ok buckets/nested; else bad buckets/nested "$("$C" buckets "$S" a)"; fi
"$C" buckets --format json "$S" >"$T/b.json"
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert [b["name"] for b in j]==["a","z"] and j[0]["hex"]=="61"' "$T/b.json"; then ok buckets/json; else bad buckets/json "$(cat "$T/b.json")"; fi
if [ "$("$C" keys "$S" a | tr '\n' ' ')" = "b k " ]; then ok keys/text; else bad keys/text "$("$C" keys "$S" a)"; fi
if [ "$("$C" keys --as hex "$S" z)" = 0001 ]; then ok keys/auto-hex; else bad keys/auto-hex "$("$C" keys "$S" z)"; fi
if [ "$("$C" keys "$S" z)" = 0001 ]; then ok keys/auto; else bad keys/auto "not hex for binary keys"; fi
if [ "$("$C" keys "$BIG" a/b | wc -l)" = 200 ]; then ok keys/nested; else bad keys/nested "a/b has not 200 keys"; fi
"$C" keys --format json "$S" a >"$T/k.json"
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j[0]["bucket"] and not j[1]["bucket"]' "$T/k.json"; then ok keys/json; else bad keys/json "$(cat "$T/k.json")"; fi
if [ "$("$C" get "$S" a k)" = v ]; then ok get/text; else bad get/text "$("$C" get "$S" a k)"; fi
if [ "$("$C" get --hex "$S" 7a 0001)" = ff00 ]; then ok get/hex; else bad get/hex "$("$C" get --hex "$S" 7a 0001)"; fi
if [ "$("$C" get --as hex "$S" a k)" = 76 ]; then ok get/as-hex; else bad get/as-hex "not 76"; fi
if [ "$("$C" get "$S" a/b x)" = "" ]; then ok get/nested-empty; else bad get/nested-empty "not empty"; fi
if [ "$("$C" get "$BIG" a k00042)" = "value-42-value-42-value-42-" ]; then ok get/big; else bad get/big "wrong value"; fi
rc_is get/missing-key 1 "$C" get "$S" a nope
rc_is get/bucket-key 1 "$C" get "$S" a b
rc_is get/missing-bucket 1 "$C" get "$S" a/nope x
rc_is keys/missing-bucket 1 "$C" keys "$S" nope
"$C" dump "$BIG" >"$T/big.dump"
p="$(hex a)/$(hex b)"
grep -E "^(bucket|kv) $p[ /]" "$T/big.dump" >"$T/ab.want"
"$C" dump --bucket a/b "$BIG" >"$T/ab.got"
if [ -s "$T/ab.want" ] && cmp -s "$T/ab.want" "$T/ab.got"; then ok dump/bucket; else bad dump/bucket "differs from the full dump's lines"; fi
grep -E "^(bucket|kv) $(hex a)[ /]" "$T/big.dump" >"$T/a.want"
if "$C" dump --bucket a "$BIG" | cmp -s - "$T/a.want"; then ok dump/bucket-top; else bad dump/bucket-top "differs"; fi
if "$C" dump --hex --bucket "$(hex a)/$(hex b)" "$BIG" | cmp -s - "$T/ab.want"; then ok dump/bucket-hex; else bad dump/bucket-hex "differs"; fi
rc_is dump/bucket-missing 1 "$C" dump --bucket nope "$S"
rc_is dump/damaged 1 "$C" dump "$T/dleaf.db"

# ---- pages, page, page-item -------------------------------------------------
"$C" pages "$BIG" >"$T/pages"
if grep -qE '^0 +meta' "$T/pages" && grep -qE '^1 +meta' "$T/pages" && grep -q ' freelist ' "$T/pages" &&
    grep -qE ' branch +[0-9]+ +0 +ok' "$T/pages"; then ok pages/text; else bad pages/text "$(head -5 "$T/pages")"; fi
"$C" pages --format json "$BIG" >"$T/p.json"
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j[0]["type"]=="meta" and any(p["type"]=="leaf" for p in j)' "$T/p.json"; then ok pages/json; else bad pages/json "bad"; fi
if "$C" pages "$T/dleaf.db" | grep -qE "^$leaf +\? "; then ok pages/damaged; else bad pages/damaged "page $leaf not shown as ?"; fi
if "$C" page "$S" 0 | grep -q 'magic 0xed0cdaed'; then ok page/meta; else bad page/meta "no meta fields"; fi
root=$("$C" info --format json "$S" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["metas"][j["in_force"]]["root"])')
"$C" page "$S" "$root" >"$T/page"
if grep -q '\[0\] a bucket: root page' "$T/page" && grep -q '\[1\] z bucket: inline' "$T/page"; then ok page/leaf; else bad page/leaf "$(cat "$T/page")"; fi
if [ "$("$C" page "$S" 2-4 | grep -c '^page ')" = 3 ]; then ok page/range; else bad page/range "not 3 pages"; fi
npages=$(($(stat -c %s "$S") / 4096))
if [ "$("$C" page "$S" all | grep -c '^page ')" = "$npages" ]; then ok page/all; else bad page/all "not $npages pages"; fi
if "$C" page --hex "$S" 0 | grep -q '^  00000000  00 00 00 00'; then ok page/hex; else bad page/hex "no hex dump"; fi
if "$C" page "$T/dleaf.db" "$leaf" | grep -q 'not well formed'; then ok page/damaged; else bad page/damaged "damage not named"; fi
rc_is page/bad-range 2 "$C" page "$S" 5-2
rc_is page/past-end 1 "$C" page "$S" 999
leafa=$("$C" page "$S" "$root" | sed -n 's/.*\[0\] a bucket: root page \([0-9]*\).*/\1/p')
if [ "$("$C" page-item "$S" "$leafa" 1)" = "$(printf 'key: k\nvalue: v')" ]; then ok page-item/kv; else bad page-item/kv "$("$C" page-item "$S" "$leafa" 1)"; fi
if [ "$("$C" page-item --value-only "$S" "$leafa" 1)" = v ] && [ "$("$C" page-item --key-only "$S" "$leafa" 1)" = k ]; then ok page-item/only; else bad page-item/only "wrong"; fi
rc_is page-item/no-such 1 "$C" page-item "$S" "$leafa" 9
rc_is page-item/damaged 1 "$C" page-item "$T/dleaf.db" "$leaf" 0

# ---- load -------------------------------------------------------------------
rc_is load/ok 0 "$C" load "$T/big.dump" "$T/loaded.db"
if "$C" dump "$T/loaded.db" | cmp -s - "$T/big.dump"; then ok load/roundtrip; else bad load/roundtrip "dump, load, dump differ"; fi
rc_is load/check 0 "$C" check "$T/loaded.db"
"$C" dump "$S" | "$C" load --page-size 1024 - "$T/loaded1k.db" >/dev/null 2>&1
if "$C" dump "$T/loaded1k.db" | cmp -s - <("$C" dump "$S") && "$C" info "$T/loaded1k.db" | grep -q '^page size     1024'; then ok load/stdin-page-size; else bad load/stdin-page-size "differs"; fi
: >"$T/empty.dump"
rc_is load/empty 0 "$C" load "$T/empty.dump" "$T/empty.db"
printf 'bucket 61 0\nkv 62 61 61\n' >"$T/bad1.dump"
rc_is load/unknown-bucket 1 "$C" load "$T/bad1.dump" "$T/bad1.db"
if [ ! -e "$T/bad1.db" ] && grep -q 'line 2' "$T/err"; then ok load/removed; else bad load/removed "OUT left or no line number"; fi
printf 'bucket 61 0\nkv 61 zz 00\n' >"$T/bad2.dump"
rc_is load/not-hex 1 "$C" load "$T/bad2.dump" "$T/bad2.db"
printf 'bucket 61 0' >"$T/bad3.dump"
rc_is load/no-lf 1 "$C" load "$T/bad3.dump" "$T/bad3.db"
rc_is load/exists 2 "$C" load "$T/big.dump" "$T/loaded.db"

# ---- compact ----------------------------------------------------------------
rc_is compact/ok 0 "$C" compact "$BIG" "$T/compact.db"
if grep -q 'gain: ' "$T/out" && grep -q "$(stat -c %s "$T/compact.db") bytes" "$T/out"; then ok compact/sizes; else bad compact/sizes "$(cat "$T/out")"; fi
if "$C" dump "$T/compact.db" | cmp -s - "$T/big.dump" && [ "$("$C" check "$T/compact.db")" = OK ]; then ok compact/same; else bad compact/same "dump differs or check fails"; fi
rc_is compact/flags 0 "$C" compact --tx-max-size 4k --no-sync "$BIG" "$T/compact2.db"
if "$C" dump "$T/compact2.db" | cmp -s - "$T/big.dump"; then ok compact/flags-same; else bad compact/flags-same "dump differs"; fi
rc_is compact/exists 2 "$C" compact "$BIG" "$T/compact.db"
rc_is compact/bad-size 2 "$C" compact --tx-max-size lots "$BIG" "$T/compact3.db"

# ---- salvage ----------------------------------------------------------------
rc_is salvage/healthy 0 "$C" salvage "$BIG" "$T/sv0.db"
if "$C" dump "$T/sv0.db" | cmp -s - "$T/big.dump"; then ok salvage/healthy-same; else bad salvage/healthy-same "dump differs"; fi
# The keys of the damaged leaf are lost; every other line survives.
"$C" page --as hex "$BIG" "$leaf" | sed -n 's/^  \[[0-9]*\] \([0-9a-f]*\) = .*/\1/p' >"$T/leafkeys"
rc_is salvage/leaf 1 "$C" salvage "$T/dleaf.db" "$T/sv1.db"
if grep -q "lost: page $leaf" "$T/out" && grep -q "its keys: from " "$T/out"; then ok salvage/leaf-reported; else bad salvage/leaf-reported "$(head -3 "$T/out")"; fi
rc_is salvage/leaf-check 0 "$C" check "$T/sv1.db"
"$C" dump "$T/sv1.db" >"$T/sv1.dump"
grep -v -F -f <(sed 's/.*/ & /' "$T/leafkeys") "$T/big.dump" >"$T/sv1.want"
if [ -s "$T/leafkeys" ] && [ "$(comm -23 <(sort "$T/sv1.want") <(sort "$T/sv1.dump") | wc -l)" = 0 ] &&
    [ "$(wc -l <"$T/sv1.dump")" = "$(wc -l <"$T/sv1.want")" ]; then
    ok salvage/leaf-rest-intact
else
    bad salvage/leaf-rest-intact "$(comm -23 <(sort "$T/sv1.want") <(sort "$T/sv1.dump") | head -2)"
fi
# A damaged branch: its leaves come back in lost+found, every pair intact.
cp "$BIG" "$T/dbranch.db"
damage "$T/dbranch.db" "$branch" 16
rc_is salvage/branch 1 "$C" salvage "$T/dbranch.db" "$T/sv2.db"
rc_is salvage/branch-check 0 "$C" check "$T/sv2.db"
kvs() { "$C" dump "$1" | awk '$1 == "kv" {print $3, $4}' | sort; }
if [ "$(comm -23 <(kvs "$BIG") <(kvs "$T/sv2.db") | wc -l)" = 0 ] && "$C" buckets "$T/sv2.db" | grep -q 'lost+found'; then
    ok salvage/branch-all-pairs
else
    bad salvage/branch-all-pairs "$(comm -23 <(kvs "$BIG") <(kvs "$T/sv2.db") | wc -l) pairs missing"
fi
rc_is salvage/truncated 1 "$C" salvage "$T/trunc.db" "$T/sv3.db"
rc_is salvage/truncated-check 0 "$C" check "$T/sv3.db"
# The meta in force torn: the other meta's tree is the source.
cp "$S" "$T/torn.db"
"$C" replay "$T/torn.db" <<<$'w begin rw\nw put 7a 02 02\nw commit' >/dev/null
inforce=$("$C" info --format json "$T/torn.db" | python3 -c 'import json,sys; print(json.load(sys.stdin)["in_force"])')
damage "$T/torn.db" "$inforce" 64
"$C" salvage "$T/torn.db" "$T/sv4.db" >/dev/null 2>&1
if "$C" dump "$T/sv4.db" | cmp -s - <("$C" dump "$S"); then ok salvage/torn-meta; else bad salvage/torn-meta "not the older commit"; fi
# Two commits, the second deleting and changing keys: a sound file
# salvages to itself (nothing deleted comes back from the older meta);
# a damaged leaf gets its keys back from the older meta's tree.
python3 - "$T/two.trace" <<'EOF2'
import sys
h = lambda s: s.encode().hex()
l = ['w begin rw', 'w create-bucket 61', 'w create-bucket 63']
l += ['w put 61 %s %s' % (h('k%05d' % i), h('old-%d' % i * 4)) for i in range(1200)]
l += ['w put 63 %s %s' % (h('c%04d' % i), h('y' * 40)) for i in range(300)]
l += ['w commit', 'w begin rw', 'w delete-bucket 63']
l += ['w delete 61 %s' % h('k%05d' % i) for i in range(0, 1200, 3)]
l += ['w put 61 %s %s' % (h('k%05d' % i), h('new')) for i in range(1, 1200, 3)]
l += ['w commit']
open(sys.argv[1], 'w').write('\n'.join(l) + '\n')
EOF2
"$C" replay "$T/two2.db" <"$T/two.trace" >/dev/null
"$C" dump "$T/two2.db" >"$T/two2.dump"
rc_is salvage/two-commits 0 "$C" salvage "$T/two2.db" "$T/sv5.db"
if "$C" dump "$T/sv5.db" | cmp -s - "$T/two2.dump"; then ok salvage/nothing-resurrected; else bad salvage/nothing-resurrected "deleted keys came back"; fi
leaf2=$("$C" pages "$T/two2.db" | awk '$2 == "leaf" && $3 > 20 {print $1}' | sed -n 3p)
cp "$T/two2.db" "$T/two3.db"
damage "$T/two3.db" "$leaf2" 8
"$C" salvage "$T/two3.db" "$T/sv6.db" >"$T/out" 2>&1
got=$(sed -n 's/.* \([0-9]*\) keys and [0-9]* buckets from the other meta.*/\1/p' "$T/out")
if [ "${got:-0}" -gt 0 ] && [ "$("$C" check "$T/sv6.db")" = OK ] &&
    [ "$(comm -13 <(grep -v "$(hex k)" "$T/two2.dump" | sort) <("$C" dump "$T/sv6.db" | grep -v "$(hex k)" | sort) | wc -l)" = 0 ]; then
    ok salvage/older-meta-fills-damage
else
    bad salvage/older-meta-fills-damage "$(tail -3 "$T/out")"
fi
# Buckets nested 300 deep: every walk is iterative and keeps one step per
# level (salvage, dump --bucket, load).
python3 - "$T/deep.trace" <<'EOF2'
import sys
l, p = ['w begin rw'], ''
for i in range(300):
    p = (p + '/' if p else '') + '%02x' % (0x41 + i % 26)
    l += ['w create-bucket ' + p, 'w put %s 6b %02x' % (p, i % 256)]
l += ['w commit']
open(sys.argv[1], 'w').write('\n'.join(l) + '\n')
EOF2
"$C" replay "$T/deep.db" <"$T/deep.trace" >/dev/null
"$C" dump "$T/deep.db" >"$T/deep.dump"
"$C" salvage "$T/deep.db" "$T/sv7.db" >/dev/null 2>&1
"$C" load "$T/deep.dump" "$T/deep2.db" >/dev/null 2>&1
if [ "$(wc -l <"$T/deep.dump")" = 600 ] && "$C" dump "$T/sv7.db" | cmp -s - "$T/deep.dump" &&
    "$C" dump "$T/deep2.db" | cmp -s - "$T/deep.dump" &&
    [ "$("$C" dump --bucket A/B/C "$T/deep.db" | wc -l)" = 596 ]; then
    ok salvage/deep
else
    bad salvage/deep "a 300-deep file is not salvaged, loaded or dumped whole"
fi
rc_is salvage/exists 2 "$C" salvage "$BIG" "$T/sv0.db"

# ---- surgery ------------------------------------------------------------------
rc_is surgery/meta-validate 0 "$C" surgery meta validate "$BIG"
rc_is surgery/meta-validate-bad 1 "$C" surgery meta validate "$T/meta.db"
rc_is surgery/revert-needs-two 1 "$C" surgery revert-meta-page "$T/torn.db" --output "$T/x1.db"
cp "$S" "$T/two.db"
"$C" replay "$T/two.db" <<<$'w begin rw\nw put 7a 02 02\nw commit' >/dev/null
rc_is surgery/revert-ok 0 "$C" surgery revert-meta-page "$T/two.db" --output "$T/rev.db"
if "$C" dump "$T/rev.db" | cmp -s - <("$C" dump "$S") && [ "$("$C" check "$T/rev.db")" = OK ]; then ok surgery/revert-older; else bad surgery/revert-older "not the older commit"; fi
rc_is surgery/abandon 0 "$C" surgery freelist abandon "$BIG" --output "$T/ab.db"
rc_is surgery/abandon-check 0 "$C" check "$T/ab.db"
rc_is surgery/rebuild 0 "$C" surgery freelist rebuild "$T/ab.db" --output "$T/rb.db"
if "$C" info "$T/rb.db" | grep -q 'freelist      synced' && [ "$("$C" check "$T/rb.db")" = OK ] &&
    "$C" dump "$T/rb.db" | cmp -s - "$T/big.dump"; then ok surgery/rebuilt; else bad surgery/rebuilt "not synced or differs"; fi
rc_is surgery/rebuild-has-one 1 "$C" surgery freelist rebuild "$BIG" --output "$T/rb2.db"
rc_is surgery/clear-elements 0 "$C" surgery clear-page-elements "$BIG" --output "$T/ce.db" --pageId "$leaf" --from-index 0 --to-index 3
n0=$("$C" page "$BIG" "$leaf" | grep -c '^  \[')
n1=$("$C" page "$T/ce.db" "$leaf" | grep -c '^  \[')
if [ "$n1" = $((n0 - 3)) ] && [ "$("$C" check "$T/ce.db")" = OK ]; then ok surgery/cleared-3; else bad surgery/cleared-3 "$n0 -> $n1"; fi
rc_is surgery/clear-page 0 "$C" surgery clear-page "$BIG" --output "$T/cp.db" --pageId "$leaf"
if [ "$("$C" page "$T/cp.db" "$leaf" | grep -c '^  \[')" = 0 ]; then ok surgery/cleared-all; else bad surgery/cleared-all "elements left"; fi
rc_is surgery/copy-page 0 "$C" surgery copy-page "$T/dleaf.db" --output "$T/fix.db" --from-page "$leaf" --to-page "$leaf"
rc_is surgery/copy-page-fix 0 "$C" surgery copy-page "$BIG" --output "$T/cp2.db" --from-page "$leaf" --to-page "$leaf"
if cmp -s "$BIG" "$T/cp2.db"; then ok surgery/copy-self; else bad surgery/copy-self "a page copied onto itself changed the file"; fi
rc_is surgery/meta-update 0 "$C" surgery meta update "$BIG" --output "$T/mu.db" --fields txid:99
if "$C" info "$T/mu.db" | grep -q 'txid 99,.*in force'; then ok surgery/meta-updated; else bad surgery/meta-updated "txid not 99"; fi
rc_is surgery/meta-update-bad-field 1 "$C" surgery meta update "$BIG" --output "$T/mu2.db" --fields color:3
if [ ! -e "$T/mu2.db" ]; then ok surgery/failed-removed; else bad surgery/failed-removed "OUT left behind"; fi
rc_is surgery/no-output 2 "$C" surgery freelist abandon "$BIG"
rc_is surgery/output-exists 2 "$C" surgery freelist abandon "$BIG" --output "$T/ab.db"
rc_is surgery/unknown 2 "$C" surgery frobnicate "$BIG" --output "$T/y.db"

# ---- read-only: no inspection command changed its file ----------------------
chmod 0444 "$S"
for c in check dump stats info pages buckets; do
    check "read-only/$c" "fails on a 0444 file" "$C" "$c" "$S"
done
chmod 0644 "$S"
if [ "$(md5sum "$S" "$BIG")" = "$sum_before" ]; then ok read-only/unchanged; else bad read-only/unchanged "an input file changed"; fi

# ---- the man page names every command ----------------------------------------
for c in $cmds; do
    if grep -q "^\.SS $c\b" doc/cbolt.1; then ok "man/$c"; else bad "man/$c" "doc/cbolt.1 has no .SS $c"; fi
done

# ---- no sanitizer report --------------------------------------------------
if ls "$T"/san.* >/dev/null 2>&1; then
    bad sanitizer "$(cat "$T"/san.* | head -c 600)"
else
    ok sanitizer
fi

[ "$nfail" = 0 ]
