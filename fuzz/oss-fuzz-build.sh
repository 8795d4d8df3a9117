#!/usr/bin/env bash
# oss-fuzz-build.sh - builds cbolt's fuzzers the OSS-Fuzz / ClusterFuzzLite
# way: with $CC, $CFLAGS and $LIB_FUZZING_ENGINE, into $OUT:
#   $OUT/<harness>                   the fuzzer
#   $OUT/<harness>_seed_corpus.zip   corpus/<harness>/* (seeds + regressions)
#   $OUT/<harness>.dict              fuzz/<harness>.dict
#   $OUT/<harness>.options           libFuzzer options (max_len, dict)
# Called by .clusterfuzzlite/build.sh (with $SRC/cbolt as the source tree)
# and runnable here:
#   CC=clang CFLAGS="-O1 -g -fsanitize=address,undefined -fsanitize=fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=build/oss-fuzz-out \
#       bash fuzz/oss-fuzz-build.sh
# (`make oss-fuzz-build` does exactly that.)
set -eu
cd "$(dirname "$0")/.."
: "${CC:=clang}"
: "${CFLAGS:=-O1 -g}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=build/oss-fuzz-out}"
HARNESSES="parse ops crash schedule"
WORK=${WORK:-build/oss-fuzz-work}

mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
CPPFLAGS="-std=c11 -D_DEFAULT_SOURCE -DCBOLT_DEBUG -Isrc -Ifuzz -Itests/model"
objs=()
for src in src/*.c fuzz/fuzzlib.c fuzz/simdisk.c tests/model/model.c; do
    o=$WORK/$(echo "${src%.c}" | tr / _).o
    # shellcheck disable=SC2086  # CFLAGS is a list of flags
    $CC $CPPFLAGS $CFLAGS -c "$src" -o "$o"
    objs+=("$o")
done
for h in $HARNESSES; do
    # shellcheck disable=SC2086
    $CC $CPPFLAGS $CFLAGS -c "fuzz/$h.c" -o "$WORK/fuzz_$h.o"
    # shellcheck disable=SC2086
    $CC $CFLAGS "$WORK/fuzz_$h.o" "${objs[@]}" $LIB_FUZZING_ENGINE \
        -lpthread -o "$OUT/$h"
    rm -f "$OUT/${h}_seed_corpus.zip"
    if [ -d "corpus/$h" ] && [ -n "$(ls -A "corpus/$h")" ]; then
        (cd "corpus/$h" && zip -q -j "$OUT/${h}_seed_corpus.zip" ./*) ||
            python3 -c 'import sys, zipfile, os
z = zipfile.ZipFile(sys.argv[1], "w")
for f in sorted(os.listdir(sys.argv[2])):
    z.write(os.path.join(sys.argv[2], f), f)' \
                "$OUT/${h}_seed_corpus.zip" "corpus/$h"
    fi
    maxlen=4096
    [ "$h" = parse ] && maxlen=65536
    {
        echo "[libfuzzer]"
        echo "max_len = $maxlen"
        if [ -f "fuzz/$h.dict" ]; then
            cp "fuzz/$h.dict" "$OUT/$h.dict"
            echo "dict = $h.dict"
        fi
    } >"$OUT/$h.options"
done
echo "oss-fuzz-build: $HARNESSES in $OUT"
