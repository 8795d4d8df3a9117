# cbolt - build, test, install.
#   make            static and shared library, header, build/cbolt
#   make asan       build/asan/cbolt with AddressSanitizer + UBSan
#   make test       every test (tests/run.sh); ends with "N passed, N failed"
#   make install PREFIX=/usr/local
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS = -std=c11 -D_DEFAULT_SOURCE -Isrc
PREFIX  ?= /usr/local
VERSION  = 0.2.0
B        = build

SRCS = src/error.c src/mem.c src/u64map.c src/os_posix.c src/os_mem.c \
       src/page.c src/meta.c src/freelist.c src/split.c src/alloc.c \
       src/store.c src/pager.c src/walk.c src/node.c src/cursor.c \
       src/bucket.c src/tx.c src/db.c src/check.c src/dump.c \
       src/backup.c src/batch.c
HDRS = $(wildcard src/*.h)
OBJS = $(SRCS:src/%.c=$(B)/obj/%.o)
ASAN_OBJS = $(SRCS:src/%.c=$(B)/asan/obj/%.o)
ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer -DCBOLT_DEBUG

GO_ENV = GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$(CURDIR)/$(B)/gocache \
         GOFLAGS=-buildvcs=false

.PHONY: all asan tsan test install clean bolttool unit bench bench-drivers diff graph
all: $(B)/libcbolt.a $(B)/libcbolt.so $(B)/include/cbolt.h $(B)/cbolt

# The release objects also bound every frame (STACK_MAX bytes, README's
# "Reading the source") and write GCC's call graph (.ci, with frame
# sizes) beside each object for tests/graph.py.
STACK_MAX = 2048
GRAPH_FLAGS = -Werror=stack-usage=$(STACK_MAX) -fcallgraph-info=su
$(B)/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(GRAPH_FLAGS) -fPIC -c $< -o $@

$(B)/libcbolt.a: $(OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/libcbolt.so: $(OBJS)
	$(CC) -shared -Wl,-soname,libcbolt.so.0 -o $@ $^ -lpthread

$(B)/include/cbolt.h: src/cbolt.h
	@mkdir -p $(dir $@) && cp $< $@

TOOL_SRCS = $(wildcard src/tool/*.c)
TOOL_OBJS = $(TOOL_SRCS:src/tool/%.c=$(B)/obj/tool_%.o)
$(B)/obj/tool_%.o: src/tool/%.c $(wildcard src/tool/*.h) src/cbolt.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(GRAPH_FLAGS) -c $< -o $@
$(B)/cbolt: $(TOOL_OBJS) $(B)/libcbolt.a
	$(CC) $(CFLAGS) -o $@ $(TOOL_OBJS) $(B)/libcbolt.a -lpthread

asan: $(B)/asan/cbolt
$(B)/asan/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ASAN_FLAGS) $(WARN) -c $< -o $@
$(B)/asan/libcbolt.a: $(ASAN_OBJS)
	rm -f $@ && ar rcs $@ $^
$(B)/asan/cbolt: $(TOOL_SRCS) $(wildcard src/tool/*.h) $(B)/asan/libcbolt.a
	$(CC) $(CPPFLAGS) $(ASAN_FLAGS) $(WARN) -o $@ $(TOOL_SRCS) $(B)/asan/libcbolt.a -lpthread

# Unit tests: one binary per module, built with the sanitizers.
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
unit: $(UNIT_BINS)
$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(B)/asan/libcbolt.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ASAN_FLAGS) $(WARN) -Itests/unit -o $@ $< $(B)/asan/libcbolt.a -lpthread
# The freelist and meta tests run the round-trip harness the proofs prove.
$(B)/tests/test_freelist $(B)/tests/test_meta: proofs/roundtrip.c

# ThreadSanitizer: the library and the multi-threaded test.
TSAN_OBJS = $(SRCS:src/%.c=$(B)/tsan/obj/%.o)
TSAN_FLAGS = -O1 -g -fsanitize=thread -DCBOLT_DEBUG
tsan: $(B)/tsan/test_threads
$(B)/tsan/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TSAN_FLAGS) $(WARN) -c $< -o $@
$(B)/tsan/libcbolt.a: $(TSAN_OBJS)
	rm -f $@ && ar rcs $@ $^
$(B)/tsan/test_threads: tests/tsan/test_threads.c $(B)/tsan/libcbolt.a
	$(CC) $(CPPFLAGS) $(TSAN_FLAGS) $(WARN) -o $@ $< $(B)/tsan/libcbolt.a -lpthread

$(B)/tests/corrupt: tests/corrupt/corrupt.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -o $@ $<

bolttool: $(B)/bolttool
$(B)/bolttool: $(wildcard tests/go/bolttool/*.go)
	@mkdir -p $(B)
	$(GO_ENV) go build -o $@ ./tests/go/bolttool

# The other Go programs of the differential tests (tests/diff/run.sh also
# builds them, offline, into a private copy for each run).
$(B)/boltdbtool: $(wildcard tests/go/boltdbtool/*.go)
	@mkdir -p $(B)
	$(GO_ENV) go build -o $@ ./tests/go/boltdbtool
$(B)/difftool: $(wildcard tests/go/difftool/*.go)
	@mkdir -p $(B)
	$(GO_ENV) go build -o $@ ./tests/go/difftool

$(B)/boltbench: tests/go/boltbench/main.go
	@mkdir -p $(B)
	$(GO_ENV) go build -o $@ ./tests/go/boltbench

# Speed: cbolt, LMDB and bbolt on the same workloads, interleaved; never
# part of `make test`. make bench [BENCH=quick] [ONLY=case] [REPS=n]
# (tests/bench/README.md).
BENCH_C = tests/bench/work.c tests/bench/util.c
BENCH_BINS = $(B)/bench/cbolt-bench $(B)/bench/lmdb-bench $(B)/bench/bbolt-bench
$(B)/bench/cbolt-bench: $(BENCH_C) tests/bench/eng_cbolt.c tests/bench/bench.h $(B)/libcbolt.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $(BENCH_C) tests/bench/eng_cbolt.c \
	    $(B)/libcbolt.a -lpthread
$(B)/bench/lmdb-bench: $(BENCH_C) tests/bench/eng_lmdb.c tests/bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $(BENCH_C) tests/bench/eng_lmdb.c -llmdb
$(B)/bench/bbolt-bench: $(wildcard tests/bench/bbolt/*.go)
	@mkdir -p $(dir $@)
	$(GO_ENV) go build -o $@ ./tests/bench/bbolt
bench-drivers: $(BENCH_BINS)
bench: all
	@bash tests/bench/run.sh --check
	@$(MAKE) --no-print-directory bench-drivers
	bash tests/bench/run.sh $(if $(filter quick,$(BENCH)),--quick) \
	    $(if $(ONLY),--only $(ONLY)) $(if $(REPS),--reps $(REPS))

# A long differential campaign: make diff MINUTES=10 (or TRACES=N).
MINUTES ?= 5
diff: all $(B)/bolttool $(B)/boltdbtool $(B)/difftool
	@if [ -n "$(TRACES)" ]; then bash tests/diff/run.sh --traces $(TRACES); \
	else bash tests/diff/run.sh --minutes $(MINUTES); fi

# The shape of src/: layers, no recursion, the deepest stack (tests/graph.py).
graph: all
	python3 tests/graph.py layers README.md src
	python3 tests/graph.py calls $(B)/obj README.md

test: all asan tsan unit $(B)/tests/test_model $(B)/tests/corrupt $(B)/bolttool $(B)/boltbench \
      $(B)/boltdbtool $(B)/difftool
	bash tests/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(B)/libcbolt.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/libcbolt.so $(DESTDIR)$(PREFIX)/lib/libcbolt.so.$(VERSION)
	ln -sf libcbolt.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libcbolt.so.0
	ln -sf libcbolt.so.0 $(DESTDIR)$(PREFIX)/lib/libcbolt.so
	install -m 644 src/cbolt.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(B)/cbolt $(DESTDIR)$(PREFIX)/bin/
	install -m 644 doc/cbolt.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' cbolt.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/cbolt.pc

clean:
	rm -rf $(B)

# Proofs (proofs/README.md) and fuzzing (fuzz/README.md).
include proofs/proofs.mk
include fuzz/fuzz.mk
