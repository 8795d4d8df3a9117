# fuzz/fuzz.mk - fuzz harnesses of cbolt: build rules, regression replay,
# campaigns. Included by the main Makefile (`include fuzz/fuzz.mk`); also
# usable on its own: `make -f fuzz/fuzz.mk fuzz-regress`.
#
#   make fuzz-regress    replay every corpus/<harness>/ input through the
#                        plain replay programs (cc, ASan + UBSan); one line
#                        `ok fuzz-regress <harness> (<N> inputs)` or
#                        `FAIL fuzz-regress <harness> ...` per harness
#   make fuzz FUZZ_MINUTES=N FUZZ_ENGINE=libfuzzer|afl [FUZZ_JOBS=J]
#                        [FUZZ_HARNESSES="ops crash"]
#                        [FUZZ_LIBFUZZER_MODE=fork|jobs]
#                        a campaign: each harness N minutes (J parallel
#                        processes: libFuzzer -fork or -jobs, AFL++ -M/-S),
#                        results in fuzz-out/<engine>/<harness>/; ends with
#                        a markdown table (harness, mode, execs, exec/s,
#                        crashes), also in fuzz-out/<engine>/summary.md
#   make fuzz-smoke [FUZZ_SECONDS=30] [FUZZ_ENGINE=...]
#                        each harness FUZZ_SECONDS seconds, one process,
#                        from the seeds (fuzz-out/smoke/, emptied first);
#                        the same table; fails when a crash was saved
#   make fuzz-build      every build/fuzz/<harness>_{libfuzzer,afl,replay}
#   make model-test      builds and runs build/tests/test_model (the model
#                        oracle's unit test: `ok model/...` lines)
#   make oss-fuzz-build  runs fuzz/oss-fuzz-build.sh into build/oss-fuzz-out
#
# Library sources are every src/*.c (src/tool/ excluded), compiled here
# once per flavour into build/fuzz/obj/<flavour>/, so the fuzz builds do
# not depend on the main Makefile's object lists.

# Included anywhere in the main Makefile, this file must not change its
# default goal: remember it here, restore it at the end.
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

B ?= build
CC ?= cc
FUZZ_DIR = $(B)/fuzz
FUZZ_HARNESSES ?= parse ops crash schedule
FUZZ_ALL_HARNESSES = parse ops crash schedule
FUZZ_MINUTES ?= 10
FUZZ_SECONDS ?= 30
FUZZ_ENGINE ?= libfuzzer
FUZZ_JOBS ?= 1
FUZZ_CLANG ?= clang
FUZZ_AFL_CC ?= afl-clang-fast

FUZZ_LIB_SRCS = $(wildcard src/*.c)
FUZZ_SUPPORT_SRCS = fuzz/fuzzlib.c fuzz/simdisk.c tests/model/model.c
FUZZ_HDRS = $(wildcard src/*.h) $(wildcard fuzz/*.h) tests/model/model.h
FUZZ_CPPFLAGS = -std=c11 -D_DEFAULT_SOURCE -DCBOLT_DEBUG -Isrc -Ifuzz -Itests/model
FUZZ_WARN = -Wall -Wextra -Wno-unused-parameter
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer
FUZZ_OPT = -O1 -g

# Per flavour: compiler, compile flags, link flags.
FUZZ_replay_CC = $(CC)
FUZZ_replay_CFLAGS = $(FUZZ_OPT) $(FUZZ_SAN)
FUZZ_replay_LDFLAGS = $(FUZZ_SAN)
FUZZ_libfuzzer_CC = $(FUZZ_CLANG)
FUZZ_libfuzzer_CFLAGS = $(FUZZ_OPT) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
                        -fsanitize-coverage-ignorelist=fuzz/coverage-ignore.txt
FUZZ_libfuzzer_LDFLAGS = $(FUZZ_SAN) -fsanitize=fuzzer
FUZZ_afl_CC = $(FUZZ_AFL_CC)
FUZZ_afl_CFLAGS = $(FUZZ_OPT) $(FUZZ_SAN)
FUZZ_afl_LDFLAGS = $(FUZZ_SAN) -fsanitize=fuzzer

# Object lists: build/fuzz/obj/<flavour>/<source path with / as _>.o
fuzz_obj = $(foreach s,$(2),$(FUZZ_DIR)/obj/$(1)/$(subst /,_,$(s:.c=.o)))
FUZZ_LIB_OBJS_replay = $(call fuzz_obj,replay,$(FUZZ_LIB_SRCS) $(FUZZ_SUPPORT_SRCS))
FUZZ_LIB_OBJS_libfuzzer = $(call fuzz_obj,libfuzzer,$(FUZZ_LIB_SRCS) $(FUZZ_SUPPORT_SRCS))
FUZZ_LIB_OBJS_afl = $(call fuzz_obj,afl,$(FUZZ_LIB_SRCS) $(FUZZ_SUPPORT_SRCS))

# The oracle and the simulated disk are the harnesses' own machinery, not
# the code under test: in the libFuzzer flavour they are built without
# coverage and comparison tracing (their byte loops were a third of the
# write-side harnesses' time, and their branches fed the fuzzer features
# that say nothing about the engine); sanitizers stay.
FUZZ_NOCOV_OBJS = $(call fuzz_obj,libfuzzer,tests/model/model.c fuzz/simdisk.c)
$(FUZZ_NOCOV_OBJS): FUZZ_libfuzzer_CFLAGS = $(FUZZ_OPT) $(FUZZ_SAN)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-replay-build fuzz-libfuzzer-build \
        fuzz-afl-build fuzz-regress model-test oss-fuzz-build

# One compile rule per flavour and source directory.
define FUZZ_FLAVOUR
$(FUZZ_DIR)/obj/$(1)/src_%.o: src/%.c $(FUZZ_HDRS)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_$(1)_CC) $$(FUZZ_CPPFLAGS) $$(FUZZ_$(1)_CFLAGS) $$(FUZZ_WARN) -c $$< -o $$@
$(FUZZ_DIR)/obj/$(1)/fuzz_%.o: fuzz/%.c $(FUZZ_HDRS)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_$(1)_CC) $$(FUZZ_CPPFLAGS) $$(FUZZ_$(1)_CFLAGS) $$(FUZZ_WARN) -c $$< -o $$@
$(FUZZ_DIR)/obj/$(1)/tests_model_%.o: tests/model/%.c $(FUZZ_HDRS)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_$(1)_CC) $$(FUZZ_CPPFLAGS) $$(FUZZ_$(1)_CFLAGS) $$(FUZZ_WARN) -c $$< -o $$@
$(FUZZ_DIR)/lib$(1).a: $$(FUZZ_LIB_OBJS_$(1))
	rm -f $$@ && ar rcs $$@ $$^
endef
$(eval $(call FUZZ_FLAVOUR,replay))
$(eval $(call FUZZ_FLAVOUR,libfuzzer))
$(eval $(call FUZZ_FLAVOUR,afl))

# build/fuzz/<harness>_<flavour>
$(FUZZ_DIR)/%_replay: $(FUZZ_DIR)/obj/replay/fuzz_%.o \
        $(FUZZ_DIR)/obj/replay/fuzz_replay_main.o $(FUZZ_DIR)/libreplay.a
	$(FUZZ_replay_CC) $(FUZZ_replay_LDFLAGS) -o $@ $^ -lpthread
$(FUZZ_DIR)/%_libfuzzer: $(FUZZ_DIR)/obj/libfuzzer/fuzz_%.o \
        $(FUZZ_DIR)/liblibfuzzer.a
	$(FUZZ_libfuzzer_CC) $(FUZZ_libfuzzer_LDFLAGS) -o $@ $^ -lpthread
$(FUZZ_DIR)/%_afl: $(FUZZ_DIR)/obj/afl/fuzz_%.o $(FUZZ_DIR)/libafl.a
	$(FUZZ_afl_CC) $(FUZZ_afl_LDFLAGS) -o $@ $^ -lpthread

FUZZ_REPLAY_BINS = $(FUZZ_ALL_HARNESSES:%=$(FUZZ_DIR)/%_replay)
FUZZ_LIBFUZZER_BINS = $(FUZZ_ALL_HARNESSES:%=$(FUZZ_DIR)/%_libfuzzer)
FUZZ_AFL_BINS = $(FUZZ_ALL_HARNESSES:%=$(FUZZ_DIR)/%_afl)

fuzz-replay-build: $(FUZZ_REPLAY_BINS)
fuzz-libfuzzer-build: $(FUZZ_LIBFUZZER_BINS)
fuzz-afl-build: $(FUZZ_AFL_BINS)
fuzz-build: fuzz-replay-build fuzz-libfuzzer-build fuzz-afl-build

# Replays every corpus/<harness>/ file (seeds and regress-* inputs), each
# in its own child process; the failing ones are listed with the first
# lines of what they printed (full output in build/fuzz/regress-<h>.log).
fuzz-regress: $(FUZZ_REPLAY_BINS)
	@for h in $(FUZZ_ALL_HARNESSES); do \
	    log=$(FUZZ_DIR)/regress-$$h.log; \
	    if [ ! -d corpus/$$h ]; then \
	        echo "FAIL fuzz-regress $$h (no corpus/$$h)"; continue; fi; \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	        $(FUZZ_DIR)/$${h}_replay -k corpus/$$h >$$log 2>&1; \
	    n=$$(tail -n 1 $$log | awk '{print $$1}'); \
	    k=$$(grep -c '^FAILED ' $$log); \
	    if [ "$$k" = 0 ] && tail -n 1 $$log | grep -q ' 0 failed$$'; then \
	        echo "ok fuzz-regress $$h ($$n inputs)"; \
	    else \
	        echo "FAIL fuzz-regress $$h: $$k of $${n:-?} inputs (log: $$log)"; \
	        grep '^FAILED ' $$log | sed 's/^FAILED /    /'; \
	        grep -E 'FUZZ FAILURE|ERROR: |runtime error' $$log | sort -u | head -n 5 | sed 's/^/      /'; \
	    fi; \
	done

FUZZ_ENGINE_BUILD = $(if $(filter afl,$(FUZZ_ENGINE)),fuzz-afl-build,fuzz-libfuzzer-build)

fuzz: $(FUZZ_ENGINE_BUILD)
	FUZZ_OUT=fuzz-out FUZZ_BIN=$(FUZZ_DIR) \
	    FUZZ_TABLE=fuzz-out/$(FUZZ_ENGINE)/summary.md bash fuzz/campaign.sh \
	    "$(FUZZ_ENGINE)" "$(FUZZ_MINUTES)" "$(FUZZ_JOBS)" $(FUZZ_HARNESSES)

# A short run of every harness (CI, a ClusterFuzzLite PR run's budget):
# FUZZ_SECONDS each, one process, from the seeds alone.
fuzz-smoke: $(FUZZ_ENGINE_BUILD)
	rm -rf fuzz-out/smoke
	FUZZ_OUT=fuzz-out/smoke FUZZ_BIN=$(FUZZ_DIR) FUZZ_FAIL_ON_CRASH=1 \
	    FUZZ_TABLE=fuzz-out/smoke/summary.md bash fuzz/campaign.sh \
	    "$(FUZZ_ENGINE)" "$(FUZZ_SECONDS)s" 1 $(FUZZ_HARNESSES)

# The model oracle's unit test (tests/run.sh runs build/tests/test_*).
$(B)/tests/test_model: tests/model/test_model.c $(FUZZ_DIR)/libreplay.a
	@mkdir -p $(dir $@)
	$(FUZZ_replay_CC) $(FUZZ_CPPFLAGS) $(FUZZ_replay_CFLAGS) $(FUZZ_WARN) \
	    -o $@ $^ -lpthread
model-test: $(B)/tests/test_model
	$(B)/tests/test_model

oss-fuzz-build:
	CC=$(FUZZ_CLANG) CFLAGS="$(FUZZ_OPT) -fsanitize=address,undefined -fsanitize=fuzzer-no-link" \
	    LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=$(B)/oss-fuzz-out \
	    bash fuzz/oss-fuzz-build.sh

# Keep the harness objects (intermediates of the pattern rules above).
.SECONDARY: $(foreach f,replay libfuzzer afl,$(call fuzz_obj,$(f),$(FUZZ_ALL_HARNESSES:%=fuzz/%.c) fuzz/replay_main.c))

# Restore the including Makefile's default goal.
.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
