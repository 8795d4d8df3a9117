#!/usr/bin/env bash
# proofs/run.sh - proves the ACSL contracts of page.c, meta.c,
# freelist.c, split.c (and the loads of format.h they use), the merge of
# alloc.c, store.c's page door and open path, the read side of
# cursor.c's accessors, walk.c's bookkeeping, u64map.c's hash map,
# check.c's sweep of the marks, error.c's names, the first of node.c and
# bucket.c's bucket values and handles with Frama-C WP.
#
#   bash proofs/run.sh                 every module
#   bash proofs/run.sh meta page       some modules (meta, freelist, page, split,
#                                      alloc, store, cursor, walk, u64map,
#                                      check, error, node, tx, bucket, dump, os)
#   WP_LANES=1 bash proofs/run.sh      one frama-c run at a time (2 by
#                                      default, at most 4)
#   WP_CACHE=none bash proofs/run.sh   every goal proved from scratch
#                                      (make proofs-scratch)
#   WP_CACHE=update bash proofs/run.sh proofs/cache/ updated with what is
#                                      proved (make proofs-cache rebuilds it)
#
# By default the run replays the committed cache of prover verdicts,
# proofs/cache/ (-wp-cache replay): a goal whose verdict is there, for
# the same goal text, prover and limits, is not sent to a prover again;
# every other goal is proved as without a cache, and nothing is stored.
# Each run's line says how many verdicts came from the cache. The cache
# holds only verdicts the provers gave on this code: an auditor re-proves
# everything with make proofs-scratch.
#
# The verdict does not depend on the machine's load: each prover call is
# bounded by a number of prover steps (-wp-steps: CVC4's and Z3's
# resource limits, deterministic for a given goal), not by time. A
# generous wall-clock limit per goal (-wp-timeout) and per frama-c run
# (WP_RUN_CAP) stay as safety nets only; a run they stop is reported as
# TIMEOUT, never as proved.
#
# Prints one line per frama-c run as it ends (goals proved and seconds),
# then one line per module and a total, and exits non-zero unless every
# goal of every run is proved. Logs go to build/proofs/<run>.log. See
# proofs/README.md for what is proved.
set -u
cd "$(dirname "$0")/.."

STEPS=${WP_STEPS:-2000000}         # prover steps per goal and prover
TIMEOUT=${WP_TIMEOUT:-600}         # seconds per goal and prover: safety net
RUN_CAP=${WP_RUN_CAP:-3000}        # seconds per frama-c run: safety net
LANES=${WP_LANES:-2}               # frama-c runs side by side (2 cores)
[ "$LANES" -gt 4 ] && LANES=4
[ "$LANES" -lt 1 ] && LANES=1
LOGS=build/proofs
mkdir -p "$LOGS"

# One prover process per frama-c run: with two lanes that is two provers
# at once, the machine's two shared cores. (The test run takes four lanes:
# replaying the cache, a lane is mostly frama-c's own work, and on a
# machine busy with other work four processes hold twice the share of
# two; WP_LANES is at most 4.) Provers in a fixed order: cvc4
# proves most goals, z3 some arithmetic ones.
COMMON=(-machdep x86_64 -wp -wp-rte
        -wp-steps "$STEPS" -wp-timeout "$TIMEOUT" -wp-par 1)
# A few goals only Z3 proves, and it needs more steps than CVC4 may spend
# (CVC4's steps cost far more time): the struct-copy frame goal keep_lo of
# inodes_shift_up (about 9.1M Z3 steps), inodes_put's assigns goals (up
# to 3.9M) and the lemma Lsl32Step (6.9M). They have runs of their own
# with Z3 alone, or (the lemma runs, where CVC4 gives up at once on the
# Lsl* lemmas) with the larger limit.
Z3_STEPS=${WP_Z3_STEPS:-20000000}
CACHE_DIR=${WP_CACHE_DIR:-proofs/cache}
CACHE=${WP_CACHE:-}
[ -z "$CACHE" ] && { [ -d "$CACHE_DIR" ] && CACHE=replay || CACHE=none; }
if [ "$CACHE" = none ]; then
    # explicitly: without the option this WP still reads and writes a
    # cache in its session directory (.frama-c/wp/cache)
    COMMON+=(-wp-cache none)
else
    mkdir -p "$CACHE_DIR"
    COMMON+=(-wp-cache "$CACHE" -wp-cache-dir "$CACHE_DIR")
fi
# No unsigned wrap-around and no truncating conversion anywhere, except in
# the functions of the "wrap" run below.
STRICT=(-warn-unsigned-overflow -warn-unsigned-downcast)
# The one function whose wrap-around is its job: the FNV-1a multiply
# (modulo 2^64 by definition). It is proved without the two warnings, in
# the meta module.
WRAP_FCTS=fnv1a64
# The stores of format.h, proved once, in the meta run (meta_encode is
# their caller); the other modules skip them.
STORES=st16,st32,st64
# The functions of split.c, all with contracts, in three runs.
SPLIT_FCTS=split_index,split_size_less_than,split_plan
SPLIT_FCTS=$SPLIT_FCTS,split_part_valid,split_valid,inodes_size
SPLIT_FCTS=$SPLIT_FCTS,inodes_search,inodes_replace_at
SPLIT_MOVE_FCTS=inodes_shift_up,inodes_insert_at,inodes_remove_at
# The allocator functions proved (alloc.c); the others are listed as not
# proved in proofs/README.md.
ALLOC_FCTS=fl_free_count,sort_check,sorted_merge,merge_into
ALLOC_FCTS=$ALLOC_FCTS,ids_copy,make_room,merge_cut,merge_check
ALLOC_FCTS=$ALLOC_FCTS,fl_pending_count,pending_ids,fl_encode
ALLOC_FCTS=$ALLOC_FCTS,merge_spans,fl_count,fl_page_bytes,fl_note_alloc
# Functions left out of the proof, each listed as NOT proved, with the
# reason, in proofs/README.md.
PAGE_UNPROVED=page_encode
# The functions of store.c with contracts: the page door, and the open
# path's decisions, the writes and syncs (the rest of store.c is glue on the os layer and
# threads, listed as NOT proved in proofs/README.md).
STORE_DOOR_FCTS=page_corrupt,marked_view,mark_page,snap_page
STORE_DOOR_FCTS=$STORE_DOOR_FCTS,snap_page_run,snap_meta_page
STORE_OPEN_FCTS=mmap_size,open_map_size,accept_page_size,meta_choose
STORE_OPEN_FCTS=$STORE_OPEN_FCTS,read_meta,find_page_size,load_meta,io_error
STORE_OPEN_FCTS=$STORE_OPEN_FCTS,too_small,no_meta,meta_corrupt
# The mapping a writer reserves (against max_size), and the settings and
# flags set under mu (pthread's contracts of Frama-C's libc), a snapshot.
STORE_OPEN_FCTS=$STORE_OPEN_FCTS,store_reserve,store_busy,store_set,store_poison,snap_fill,writer_wait
STORE_READERS_FCTS=readers_add,readers_remove
# The writes and syncs through the os layer's model (proofs/README.md,
# "store": cb_vfs_disk, cb_vfs_durable).
STORE_DURABLE_FCTS=store_write,store_sync,store_fsync,put_meta_page,bytes_copy
STORE_DURABLE_FCTS=$STORE_DURABLE_FCTS,store_grow,grow_size
STORE_LEMMAS=ElemsOkInBounds
# The read side of cursor.c: the levels' accessors, the search, the
# descent and the moves (proofs/README.md, "cursor").
CURSOR_FCTS=cursor_init,top,ref_count,ref_is_leaf,ref_key,ref_child
CURSOR_FCTS=$CURSOR_FCTS,ref_lower_bound,child_in_range,leaf_item
CURSOR_FCTS=$CURSOR_FCTS,cursor_on_item,cursor_at,cursor_item,cursor_leaf_id
CURSOR_FCTS=$CURSOR_FCTS,usable,emit,has_next,seek_index
# The bookkeeping of walk.c: the reach marks, the problems reported, the
# freelist page's marks (proofs/README.md, "walk"); walk_problem
# (variadic) is assumed, and the traversal is listed as not proved.
WALK_FCTS=walk_mark,callee_problem,walk_free,walk_freelist,push_bucket
# The traversal proved so far: a leaf's elements queued, a page visited,
# a child read through the door, the root bucket (one goal per path out:
# -wp-split).
WALK_TRAV_FCTS=bucket_decode,leaf_elem,visit_leaf,visit_page,run_overflow,key_range
WALK_TRAV_FCTS=$WALK_TRAV_FCTS,read_child,walk_root
# check.c's per-page bookkeeping: the sweep of the reach and free marks
# (proofs/README.md, "check").
CHECK_FCTS=check_unreachable,page_stats,bucket_stats,meta_page_rule,stats_start
# The names of error.c (proofs/README.md, "error"); its record of the last
# error (thread-local, written with vsnprintf) is not proved.
ERROR_FCTS=cbolt_version,cbolt_strerror,cb_rule_name,cb_is_hard
ERROR_FCTS=$ERROR_FCTS,cb_last_rule,cb_last_detail,cbolt_last_error
# The node glue proved so far (proofs/README.md, "node").
NODE_FCTS=node_del,node_size,ntree_init,ntree_release,ntree_inlineable
NODE_FCTS=$NODE_FCTS,ntree_inline_size,is_virtual,child_index,rekey,frame_count
NODE_FCTS=$NODE_FCTS,frame_leaf,children_remove_at,remove_child,reserve_inodes
NODE_FCTS=$NODE_FCTS,add_child,carried_bucket_ok,read_inode
# The in-memory vfs's lock counters and trivial entries (proofs/README.md, "os").
OS_FCTS=drop_lock,try_lock,mv_lock,mv_unlock,mv_size,mv_sync,mv_unmap,grow_cap
# os_posix.c's pread / pwrite loops, over assumed contracts of the two
# POSIX primitives (Frama-C's libc has none).
OS_POSIX_FCTS=px_read,px_write,px_sync,px_truncate,px_unlock
# The transaction's and the handle's accessors (proofs/README.md, "tx").
TX_FCTS=cbolt_tx_writable,cbolt_tx_id,cbolt_tx_size,cbolt_tx_stats_get
TX_FCTS=$TX_FCTS,cbolt_tx_root,cbolt_tx_on_commit,type_name,begin_meta
# cbolt_tx_page_info's decoding of a page (its free ids found by the
# unproved walk_free_ids are its caller's): a run of its own.
TX_PAGE_FCTS=page_info_of
DB_FCTS=cbolt_db_page_size,cbolt_db_path,cbolt_db_read_only
DB_FCTS=$DB_FCTS,stats_locked,settings_of,opts_take
# bucket.c: the bucket value's decoding into a handle, the empty value
# CreateBucket writes, the transaction's checks (proofs/README.md,
# "bucket"); the rest of bucket.c is listed as not proved there.
BUCKET_FCTS=btx_usable,btx_result,tx_pager,handle_init,bucket_init_root
BUCKET_FCTS=$BUCKET_FCTS,bucket_from_value,cbolt_bucket_root
BUCKET_FCTS=$BUCKET_FCTS,cbolt_bucket_sequence,empty_value_bytes,name_tail
BUCKET_FCTS=$BUCKET_FCTS,is_ancestor
# The name hash of the cache of sub-buckets, whose multiplies wrap modulo
# 2^64 by design (proofs/README.md, "bucket").
BUCKET_WRAP_FCTS=mix64,name_hash
BUCKET_LEMMAS=LeafFlagsType,InlineWantLeaf
# dump.c's output: the buffers' growth, the hex of keys and values, the
# flushes to the caller's callback, the bucket roots entered
# (proofs/README.md, "dump"); the traversal is listed as not proved.
DUMP_FCTS=grow,hex_digit,hex,copy_chars,flush,put,put_hex,enter_root
# The hash of u64map.c, whose multiply wraps by design (proofs/README.md,
# "u64map").
U64MAP_WRAP_FCTS=slot

# --- the frama-c runs -----------------------------------------------------
# One line per run: module, run name, then the arguments (file first).
# Runs that see the same lemmas skip them (-wp-fct leaves lemmas out);
# each module has a lemma run, except that split.c sees every lemma there
# is (format.acsl, page.acsl, key.acsl, split.acsl; meta.acsl and
# freelist.acsl have none), so when split is among the modules run,
# split-lemmas proves them all once and the other lemma runs are left out.
jobs_of() {
    case $1 in
    meta)
        echo "meta meta src/meta.c ${STRICT[*]} -wp-skip-fct $WRAP_FCTS"
        echo "meta meta-wrap src/meta.c -wp-fct $WRAP_FCTS"
        # The meta round trip: encode, validate, decode
        # (proofs/roundtrip.c, which the unit tests also run).
        echo "meta meta-roundtrip proofs/roundtrip.c ${STRICT[*]}" \
             "-wp-fct meta_roundtrip src/meta.c"
        # Each macro of format.h equals the literal spec/format.acsl pins.
        echo "meta meta-pins proofs/pins.c ${STRICT[*]} -wp-fct pins"
        ;;
    freelist)
        echo "freelist freelist src/freelist.c ${STRICT[*]}" \
             "-wp-skip-fct $STORES,ids_merge,ids_merge_up,ids_merge_down,pending_release"
        echo "freelist freelist-release src/freelist.c ${STRICT[*]}" \
             "-wp-fct pending_release"
        # The merge's goals have disjunctions: -wp-split.
        echo "freelist freelist-merge src/freelist.c ${STRICT[*]}" \
             "-wp-fct ids_merge -wp-split"
        # The merges in place (the room above or below the free ids).
        echo "freelist freelist-inplace src/freelist.c ${STRICT[*]}" \
             "-wp-fct ids_merge_up,ids_merge_down -wp-split"
        # The page round trip as one goal set: encode, header, decode
        # (proofs/roundtrip.c, a harness the unit tests also run).
        echo "freelist freelist-roundtrip proofs/roundtrip.c ${STRICT[*]}" \
             "-wp-fct freelist_roundtrip,sorted_same src/freelist.c"
        ;;
    page)
        # key_cmp alone: its eight-byte steps are the longest proof.
        echo "page page src/page.c ${STRICT[*]} -wp-skip-fct $STORES,key_cmp,$PAGE_UNPROVED"
        echo "page page-keycmp src/page.c ${STRICT[*]} -wp-fct key_cmp"
        ;;
    split)
        echo "split split src/split.c ${STRICT[*]} -wp-fct $SPLIT_FCTS"
        # The struct copies (their frame goals are the slow ones); keep_lo
        # in a Z3 run.
        echo "split split-move src/split.c ${STRICT[*]} -wp-fct $SPLIT_MOVE_FCTS" \
             "-wp-prop=-keep_lo"
        echo "split split-move-z3 src/split.c ${STRICT[*]} -wp-fct inodes_shift_up" \
             "-wp-prop keep_lo -wp-prover z3 -wp-steps $Z3_STEPS"
        # node_put's array step keeps the entries ordered; its goals have
        # disjunctions (replace or insert): -wp-split. Its assigns goals
        # in a Z3 run.
        echo "split split-put src/split.c ${STRICT[*]} -wp-fct inodes_put -wp-split" \
             "-wp-prop=-@assigns"
        echo "split split-put-z3 src/split.c ${STRICT[*]} -wp-fct inodes_put -wp-split" \
             "-wp-prop @assigns -wp-prover z3 -wp-steps $Z3_STEPS"
        ;;
    alloc)
        # The allocator's free ids stay FreeIds (spec/alloc.acsl) through
        # an allocation and a merge; contracts assumed of u64map.h, mem.h
        # and error.h (proofs/README.md). The goals have disjunctions
        # (which path returned): -wp-split.
        echo "alloc alloc src/alloc.c ${STRICT[*]} -wp-fct $ALLOC_FCTS -wp-split"
        ;;
    store)
        # The door: snap_page and the marks' invariant, snap_page_run,
        # snap_meta_page.
        echo "store store src/store.c ${STRICT[*]} -wp-fct $STORE_DOOR_FCTS"
        # The open path: the page size accepted before any division, the
        # meta's pgid * page_size within the file and the mapping.
        echo "store store-open src/store.c ${STRICT[*]} -wp-fct $STORE_OPEN_FCTS"
        # The registry of readers: sorted, one txid added or removed
        # (one goal per case of the insertion's sortedness: -wp-split).
        echo "store store-readers src/store.c ${STRICT[*]} -wp-fct $STORE_READERS_FCTS -wp-split"
        # The writes and syncs: the model of the file in memory (its
        # bytes are read through pointers by the contracts).
        echo "store store-durable src/store.c ${STRICT[*]} -wp-fct $STORE_DURABLE_FCTS" \
             "-wp-split -wp-alias-vars cb_vfs_disk -cpp-extra-args=-DCB_STORE_MODEL"
        # The lemma of spec/store.acsl (the lemmas of the other spec
        # files it sees are proved by their own modules' lemma runs).
        echo "store store-lemmas src/store.c -wp-prop $STORE_LEMMAS" \
             "-wp-steps $Z3_STEPS"
        return 0
        ;;
    cursor)
        echo "cursor cursor src/cursor.c ${STRICT[*]} -wp-fct $CURSOR_FCTS"
        ;;
    walk)
        echo "walk walk src/walk.c ${STRICT[*]} -wp-fct $WALK_FCTS"
        echo "walk walk-trav src/walk.c ${STRICT[*]} -wp-fct $WALK_TRAV_FCTS -wp-split"
        ;;
    check)
        echo "check check src/check.c ${STRICT[*]} -wp-fct $CHECK_FCTS"
        ;;
    node)
        echo "node node src/node.c ${STRICT[*]} -wp-fct $NODE_FCTS"
        ;;
    tx)
        # tx.c's and db.c's lemmas are those of the spec files they see,
        # proved by the other modules' lemma runs: no lemma run.
        echo "tx tx src/tx.c ${STRICT[*]} -wp-fct $TX_FCTS"
        echo "tx tx-page src/tx.c ${STRICT[*]} -wp-fct $TX_PAGE_FCTS"
        echo "tx db src/db.c ${STRICT[*]} -wp-fct $DB_FCTS"
        return 0
        ;;
    bucket)
        echo "bucket bucket src/bucket.c ${STRICT[*]} -wp-fct $BUCKET_FCTS"
        # The hash's multiplies wrap modulo 2^64 by design: without the
        # two warnings (its value, and a key >= 2, are still proved).
        echo "bucket bucket-wrap src/bucket.c -wp-fct $BUCKET_WRAP_FCTS"
        # The lemmas of spec/bucket.acsl, which split.c does not see (the
        # other lemmas bucket.c sees are proved by their modules' runs).
        echo "bucket bucket-lemmas src/bucket.c -wp-prop $BUCKET_LEMMAS" \
             "-wp-steps $Z3_STEPS"
        return 0
        ;;
    os)
        # os_mem.c's lock state machine; no lemma in os_mem.c: no lemma run.
        echo "os os src/os_mem.c ${STRICT[*]} -wp-fct $OS_FCTS"
        echo "os os-posix src/os_posix.c ${STRICT[*]} -wp-fct $OS_POSIX_FCTS"
        return 0
        ;;
    error)
        # -c11: the record is _Thread_local. error.c's lemmas are those
        # of format.acsl, proved by the other modules' lemma runs: no
        # lemma run.
        echo "error error src/error.c -c11 ${STRICT[*]} -wp-fct $ERROR_FCTS -wp-split"
        return 0
        ;;
    u64map)
        # The map's invariants (spec/u64map.acsl) through every function;
        # put's goals have one case per path out: -wp-split.
        echo "u64map u64map src/u64map.c ${STRICT[*]} -wp-skip-fct $U64MAP_WRAP_FCTS" \
             "-wp-split"
        # The hash's multiply wraps modulo 2^64 by design: slot without
        # the two warnings (its result below cap is still proved).
        echo "u64map u64map-wrap src/u64map.c -wp-fct $U64MAP_WRAP_FCTS"
        # No lemma in spec/u64map.acsl or src/u64map.c: no lemma run.
        return 0
        ;;
    dump)
        # dump.c's lemmas are those of the spec files it sees, proved by
        # the other modules' lemma runs: no lemma run.
        echo "dump dump src/dump.c ${STRICT[*]} -wp-fct $DUMP_FCTS"
        return 0
        ;;
    *)
        echo "unknown module $1 (meta, freelist, page, split, alloc, store, cursor, walk, u64map, check, error, node, tx, bucket, dump, os)" >&2
        return 2
        ;;
    esac
    if [ "$1" = split ] || [ "$with_split" = 0 ]; then
        echo "$1 $1-lemmas src/$1.c -wp-prop @lemma -wp-steps $Z3_STEPS"
    fi
}

# The proofs rest on no axiom and no admitted goal: refuse to run if one
# crept into the specifications.
if grep -nE '\b(axiom|admit)\b' spec/*.acsl src/page.[ch] src/meta.[ch] \
        src/freelist.[ch] src/format.h src/split.[ch] src/alloc.[ch] \
        src/store.[ch] src/cursor.[ch] src/walk.[ch] src/u64map.[ch] src/check.c src/error.c src/node.c \
        src/tx.[ch] src/db.[ch] \
        src/node.h src/mem.h src/bucket.c src/bucket.h \
        src/error.h src/dump.c src/os_mem.c src/os_posix.c \
        proofs/roundtrip.c proofs/pins.c; then
    echo "axiom or admit found in the specification" >&2
    exit 1
fi

command -v frama-c >/dev/null || { echo "frama-c not found" >&2; exit 1; }
why3 config list-provers 2>/dev/null | grep -q CVC4 ||
    why3 config detect >/dev/null 2>&1

mods=("$@")
[ ${#mods[@]} -eq 0 ] && mods=(meta freelist page split alloc store cursor walk u64map check error node tx bucket dump os)
with_split=0
for m in "${mods[@]}"; do [ "$m" = split ] && with_split=1; done
all_jobs=()
for m in "${mods[@]}"; do
    out=$(jobs_of "$m") || exit 2
    while IFS= read -r j; do all_jobs+=("$j"); done <<<"$out"
done

# Seconds each run took on an idle 2-core machine (proofs/README.md):
# the lanes take the longest runs first.
cost() {
    case $1 in
    freelist) echo 230 ;; freelist-merge) echo 150 ;; page) echo 280 ;;
    page-keycmp) echo 60 ;; split) echo 200 ;; split-move) echo 250 ;;
    split-put) echo 300 ;; meta) echo 50 ;; freelist-release) echo 60 ;;
    split-lemmas) echo 60 ;; alloc) echo 240 ;; store) echo 150 ;;
    store-open) echo 60 ;; store-readers) echo 120 ;; cursor) echo 120 ;; walk) echo 120 ;;
    u64map) echo 120 ;; freelist-inplace) echo 150 ;; error) echo 150 ;;
    bucket) echo 120 ;; tx-page) echo 250 ;;
    *) echo 20 ;;
    esac
}

# run LANE MODULE NAME FILE ARGS...: one frama-c run; appends
# "module name status ok all seconds" to the lane's result file and
# prints a progress line.
run() {
    local lane=$1 mod=$2 name=$3 log line ok=0 all=0 st t0=$SECONDS rc hits miss
    shift 3
    log=$LOGS/$name.log
    # shellcheck disable=SC2086
    local prover=(-wp-prover cvc4,z3)
    case " $* " in *" -wp-prover "*) prover=() ;; esac
    # in the background, its pid noted, so that stop_lanes can stop it
    timeout -k 10 "$RUN_CAP" frama-c "${COMMON[@]}" "${prover[@]}" "$@" \
        >"$log" 2>&1 &
    echo $! >"$LOGS/lane-$lane.pid"
    wait $!
    rc=$?
    # verdicts taken from the cache: WP's "(cached: N)" per prover
    hits=$(grep -aoE '\(cached: [0-9]+\)' "$log" | grep -oE '[0-9]+' |
           awk '{s += $1} END {print s + 0}')
    # goals sent to a prover because the cache had no verdict for them
    # (WP's "[Cache] found:N, missed:M"): after a change to the code or
    # the specification, until the cache is updated (make proofs-cache)
    miss=0
    [ "$CACHE" = none ] ||
        miss=$(grep -aoE '\[Cache\].*missed:[0-9]+' "$log" | grep -oE '[0-9]+$' |
               awk '{s += $1} END {print s + 0}')
    line=$(grep -a 'Proved goals:' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        ok=$(echo "$line" | sed -E 's/.*Proved goals: *([0-9]+) *\/ *([0-9]+).*/\1/')
        all=$(echo "$line" | sed -E 's/.*Proved goals: *([0-9]+) *\/ *([0-9]+).*/\2/')
    fi
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        st=TIMEOUT
    elif [ "$rc" != 0 ] || [ -z "$line" ]; then
        st=ERROR
    elif [ "$ok" != "$all" ]; then
        st=FAILED
    else
        st=ok
    fi
    echo "$mod $name $st $ok $all $((SECONDS - t0)) $miss" >>"$LOGS/lane-$lane.res"
    case $st in
    ok)
        printf '  %-20s %5d / %-5d goals proved  (%d s, %d verdicts from the cache, %d not in it)\n' \
            "$name" "$ok" "$all" $((SECONDS - t0)) "$hits" "$miss" ;;
    TIMEOUT)
        printf '  %-20s TIMEOUT: killed after %d s (WP_RUN_CAP), goals unknown (see %s)\n' \
            "$name" $((SECONDS - t0)) "$log" ;;
    ERROR)
        printf '  %-20s ERROR: frama-c exit %d, no result (see %s)\n' \
            "$name" "$rc" "$log"
        tail -n 20 "$log" | sed 's/^/    /' ;;
    FAILED)
        printf '  %-20s %5d / %-5d goals proved: %d NOT proved (%d s)\n' \
            "$name" "$ok" "$all" $((all - ok)) $((SECONDS - t0))
        # Why each goal failed: prover answers (Timeout here means the
        # wall-clock safety net, Unknown/Failed the step limit or a
        # prover that gave up).
        grep -a -A2 '^\[wp\] \[Failed\]' "$log" | sed 's/^/    /' ;;
    esac
}

t0=$SECONDS
rm -f "$LOGS"/lane-*.res
if [ "$CACHE" = none ]; then cache_said="none (every goal proved)"
else cache_said="$CACHE ($CACHE_DIR)"; fi
echo "proofs: ${#all_jobs[@]} frama-c runs in $LANES lane(s)," \
     "-wp-steps $STEPS, -wp-timeout $TIMEOUT s, run cap $RUN_CAP s," \
     "cache: $cache_said"
# Longest first; each lane takes the next run when its last one ends
# (a counter in $LOGS/.next, under flock), so the lanes finish together
# whatever the load.
sorted=()
while IFS= read -r j; do sorted+=("$j"); done < <(
    for j in "${all_jobs[@]}"; do
        set -- $j
        echo "$(cost "$2") $j"
    done | sort -rn -s -k1,1 | cut -d' ' -f2-)
echo 0 >"$LOGS/.next"
next_job() {
    (
        flock 9
        read -r n <"$LOGS/.next"
        echo $((n + 1)) >"$LOGS/.next"
        echo "$n"
    ) 9>"$LOGS/.next.lock"
}
# Killed or interrupted, the script stops its lanes and their frama-c
# runs (timeout passes the signal on to frama-c and its provers), so that
# no orphaned run appends to the next run's result files.
lane_pids=()
stop_lanes() {
    local p f
    trap - INT TERM HUP
    for p in "${lane_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for f in "$LOGS"/lane-*.pid; do
        [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
    done
    echo "proofs: stopped; runs not finished are not counted" >&2
    exit 130
}
trap stop_lanes INT TERM HUP
rm -f "$LOGS"/lane-*.pid
for ((l = 1; l <= LANES; l++)); do
    (
        trap - INT TERM HUP
        while :; do
            i=$(next_job)
            [ "$i" -lt ${#sorted[@]} ] || break
            # shellcheck disable=SC2086
            run "$l" ${sorted[$i]}
        done
    ) &
    lane_pids+=($!)
done
wait "${lane_pids[@]}"
trap - INT TERM HUP

# Totals per module, then overall. A run that did not finish contributes
# no goal count: its module says so instead of a goal total.
cat "$LOGS"/lane-*.res >"$LOGS/results" 2>/dev/null
failed=0
total_ok=0 total_all=0 bad_runs="" total_miss=0
for m in "${mods[@]}"; do
    mod_ok=0 mod_all=0 mod_bad="" n_runs=0
    while read -r mod name st ok all secs miss; do
        [ "$mod" = "$m" ] || continue
        n_runs=$((n_runs + 1))
        total_miss=$((total_miss + ${miss:-0}))
        mod_ok=$((mod_ok + ok))
        mod_all=$((mod_all + all))
        if [ "$st" != ok ]; then
            mod_bad="$mod_bad $name:$st"
        fi
    done <"$LOGS/results"
    expected=$(jobs_of "$m" | wc -l)
    if [ "$n_runs" != "$expected" ]; then
        mod_bad="$mod_bad $((expected - n_runs))-run(s)-missing"
    fi
    if [ -n "$mod_bad" ]; then
        failed=1
        bad_runs="$bad_runs$mod_bad"
        printf '%-9s INCOMPLETE: runs not proved:%s (finished runs: %d / %d goals)\n' \
            "$m" "$mod_bad" "$mod_ok" "$mod_all"
    else
        printf '%-9s Proved goals: %d / %d\n' "$m" "$mod_ok" "$mod_all"
    fi
    total_ok=$((total_ok + mod_ok))
    total_all=$((total_all + mod_all))
done
# With a cache, the goals it had no verdict for: 0 when the committed
# cache is up to date (the test run checks it: a stale cache is proved
# again on every run, and a loaded machine pays for it).
[ "$CACHE" = none ] ||
    printf '%-9s %d goals not in the cache (%s)\n' cache "$total_miss" "$CACHE_DIR"
if [ "$failed" = 0 ] && [ "$total_ok" = "$total_all" ]; then
    printf '%-9s Proved goals: %d / %d  (%d s wall)\n' total "$total_ok" \
        "$total_all" $((SECONDS - t0))
    exit 0
fi
printf '%-9s FAILED: %d / %d goals in finished runs; failed runs:%s  (%d s wall)\n' \
    total "$total_ok" "$total_all" "$bad_runs" $((SECONDS - t0))
exit 1
