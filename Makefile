# Granary — build, test, bench.
#
#   make          build build/libgranary.a and build/granary
#   make demo     install dependencies, build, run the main job on ./demo-hub
#   make test     install dependencies, build, run unit, end-to-end and fuzz-corpus tests
#   make asan     the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench    ingest, daemon, WARC, PII, filter benchmarks (zstd and rg side by side)
#   make deps     install the Debian packages the build needs (when missing)

CC      ?= cc
BUILD   ?= build
PKGS    := sqlite3 libgit2 libzstd libarchive libcrypto libcjson libmicrohttpd libcurl zlib libbrotlidec libhs libpcre2-8
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wno-format-nonliteral
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(WARN) -Isrc $(PKG_CFLAGS) $(CFLAGS) $(SAN) -MMD -MP
LDLIBS  := -Wl,--as-needed $(PKG_LIBS) -ldl -lpthread -lm $(SAN)

LIB_SRCS := $(sort $(wildcard src/*/*.c))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS)) $(BUILD)/gen/schema.o $(BUILD)/gen/access_schema.o
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAYS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%-replay,$(FUZZ_SRCS))
TOOL_SRCS := $(sort $(wildcard tests/bench/*.c))
TOOL_BINS := $(patsubst tests/bench/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))
SCHEMA   := $(sort $(wildcard schema/[0-9][0-9][0-9]_*.sql))
ACCESS_SCHEMA := $(sort $(wildcard schema/access/[0-9][0-9][0-9]_*.sql))

.PHONY: all deps demo test unit e2e asan bench lint clean fuzz
all: $(BUILD)/libgranary.a $(BUILD)/granary $(BUILD)/granaryd $(UNIT_BINS) $(TOOL_BINS) $(FUZZ_REPLAYS)

deps:
	@sh .ci/deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The migrations are compiled into the library so the binary needs no data files.
$(BUILD)/gen/schema.c: $(SCHEMA) tests/schema_embed.sh
	@mkdir -p $(dir $@)
	sh tests/schema_embed.sh $(SCHEMA) > $@

$(BUILD)/gen/access_schema.c: $(ACCESS_SCHEMA) tests/schema_embed.sh
	@mkdir -p $(dir $@)
	sh tests/schema_embed.sh -n gr_access_migrations $(ACCESS_SCHEMA) > $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libgranary.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/granary: $(BUILD)/cli/granary.o $(BUILD)/libgranary.a
	$(CC) -o $@ $^ $(LDLIBS)

$(BUILD)/granaryd: $(BUILD)/cli/granaryd.o $(BUILD)/libgranary.a
	$(CC) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libgranary.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libgranary.a $(LDLIBS) -lcmocka

# Each fuzz target also builds as a plain program that replays its corpus (make test).
$(BUILD)/fuzz/%-replay: tests/fuzz/%.c $(BUILD)/libgranary.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DGR_FUZZ_REPLAY -o $@ $< $(BUILD)/libgranary.a $(LDLIBS)

# libFuzzer builds (clang): make fuzz FUZZ_TIME=600 runs each target that long.
FUZZ_TIME ?= 60
fuzz:
	@mkdir -p build/libfuzzer
	@for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
	  clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -pthread -Isrc $(PKG_CFLAGS) \
	    $$f $(LIB_SRCS) build/gen/schema.c build/gen/access_schema.c -o build/libfuzzer/$$n $(PKG_LIBS) -lpthread || exit 1; \
	  mkdir -p build/libfuzzer/$$n.corpus; \
	  build/libfuzzer/$$n -max_total_time=$(FUZZ_TIME) build/libfuzzer/$$n.corpus tests/fuzz/corpus/$${n#fuzz_} || exit 1; \
	done

$(BUILD)/tools/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

unit: all
	@sh tests/run_unit.sh $(BUILD)

e2e: all
	@sh tests/run_e2e.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory all
	@sh tests/run_unit.sh $(BUILD) && sh tests/run_fuzz_replay.sh $(BUILD) && sh tests/run_e2e.sh $(BUILD)

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    GRANARY_ASAN=1 sh tests/run_unit.sh build-asan && sh tests/run_fuzz_replay.sh build-asan && \
	 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    GRANARY_ASAN=1 sh tests/run_e2e.sh build-asan

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh tests/bench/bench.sh $(BUILD)

lint:
	cppcheck --error-exitcode=1 --enable=warning,portability --inline-suppr -q -Isrc \
	    -I/usr/include/cjson --include=/usr/include/cjson/cJSON.h src cli

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) build-asan -name '*.d' 2>/dev/null)
