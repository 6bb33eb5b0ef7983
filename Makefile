# gatecap — build, test, sanitizers, fuzzing, benchmarks, demo.
# `make` builds build/gatecap; `make test` runs every test; `make check` does
# the same with AddressSanitizer + UBSan in build-check/; `make tsan` runs
# the unit tests that use threads under ThreadSanitizer in build-tsan/.

CC      ?= cc
BUILD   ?= build
# Compile on every core (the test runner itself is one recipe, run alone).
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
WERROR  ?= 0
SAN     ?= 0

PKGS    := libcurl libnghttp2 openssl yaml-0.1 jansson zlib libprotobuf-c snappy
WARN    := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla -Wundef -Wwrite-strings \
           -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN    += -Werror
endif
OPT     := -O2 -g
SANFLAGS := -fsanitize=address,undefined
ifeq ($(SAN),1)
OPT     := -O1 -g $(SANFLAGS) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += $(SANFLAGS)
endif
# SAN=thread: ThreadSanitizer (make tsan), which cannot share a build with ASan.
# -O2: at -O1, gcc 12 with -fsanitize=thread warns that an snprintf in
# cmd_run.c may truncate (-Wformat-truncation, an error with WERROR), which
# the other builds' optimisation levels do not report.
ifeq ($(SAN),thread)
OPT     := -O2 -g -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
endif
CPPFLAGS += -iquote harness -D_GNU_SOURCE -MMD -MP
# Code generated at build time (protoc-c): the remote-write messages of
# harness/output/prompb.proto, included as <prompb.pb-c.h>.
GEN      := $(BUILD)/gen
CPPFLAGS += -isystem $(GEN)
# pkg-config is asked on first use, inside a recipe: by then the stamp below
# has run tools/install-deps, which on a fresh machine is what installs the
# -dev packages (asked while the Makefile is read, it finds nothing there and
# the first link fails). Each answer is kept for later recipes; packages that
# pkg-config still cannot find stop the build with their names.
pkg = $(if $(filter undefined,$(origin PKG_$(1))),$(eval PKG_$(1) := $(shell \
          pkg-config --$(1) $(PKGS) 2>/dev/null || echo PKG_CONFIG_FAILED)))$(if \
      $(filter PKG_CONFIG_FAILED,$(PKG_$(1))),$(error pkg-config cannot find \
          $(shell pkg-config --print-errors --exists $(PKGS) 2>&1 | head -n 1); run \
          tools/install-deps as root),$(PKG_$(1)))
CFLAGS  += -std=c11 $(OPT) $(WARN) $(call pkg,cflags)
LIBS     = $(call pkg,libs) -lev -lm -lpthread

LIB_SRCS  := $(filter-out harness/cli/main.c,$(wildcard harness/*/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(GEN)/prompb.pb-c.o
LIB       := $(BUILD)/libgatecap.a
# The simulator shares only the base layer with gatecap (tools/lint/layers).
BASE_OBJS := $(filter $(BUILD)/harness/base/%,$(LIB_OBJS))
# Unit tests mirror harness/: tests/LAYER/test_MODULE.c.
TEST_SRCS := $(filter-out tests/gatewaysim/%,$(wildcard tests/*/test_*.c))
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
# The unit tests that run threads (their own, tests/testutil.h's FIFO
# guard's, or a worker's), found by what they call: ThreadSanitizer's
# subjects in `make tsan`.
TSAN_SRCS := $(shell grep -lE 'pthread_create|fifo_guard_start|worker_start' $(TEST_SRCS) /dev/null)
TSAN_BINS := $(TSAN_SRCS:tests/%.c=$(BUILD)/tests/%)
SIM_SRCS  := $(wildcard tools/gatewaysim/*.c)
SIM_OBJS  := $(SIM_SRCS:%.c=$(BUILD)/%.o)
# The simulator's modules have unit tests of their own (tests/gatewaysim/).
SIM_TEST_SRCS := $(wildcard tests/gatewaysim/test_*.c)
SIM_TEST_BINS := $(SIM_TEST_SRCS:%.c=$(BUILD)/%)
BENCH_SRCS := $(wildcard tools/bench/*.c)
BENCH_BINS := $(BENCH_SRCS:tools/bench/%.c=$(BUILD)/bench/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
# Stamps of tools/install-deps, one per package set a target needs.
STAMP     := $(BUILD)/.deps-build
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o) $(SIM_TEST_SRCS:%.c=$(BUILD)/%.o)

.PHONY: all test check tsan tsan-run fuzz fuzz-run bench demo clean deps fresh-check lint \
        example-report
# Keep intermediate objects (the tests' .o): make would otherwise remove
# them after the test run, and its "rm ..." line would follow the summary.
.SECONDARY:
all: $(BUILD)/gatecap $(if $(SIM_SRCS),$(BUILD)/gatewaysim)

# Install missing Debian packages once per build folder and package set:
# building needs only the build set; tests, fuzzing, the benchmarks and the
# demo ask for theirs when they run (tools/install-deps is idempotent and
# silent when everything is there).
$(BUILD)/.deps-%: tools/install-deps
	@BUILD=$(BUILD) tools/install-deps $*
	@mkdir -p $(@D) && touch $@
# The test set also runs npm ci into $(BUILD)/npm: again when the lock changes.
$(BUILD)/.deps-test: tests/node/package.json tests/node/package-lock.json
deps: $(STAMP)
$(TEST_OBJS) $(TEST_BINS) $(SIM_TEST_BINS): | $(BUILD)/.deps-test
# tests/testutil.h and tests/testcerts.h, for the tests in their folders
$(TEST_OBJS): CPPFLAGS += -iquote tests
# One apt-get at a time under make -j: every other set waits for the build set.
$(addprefix $(BUILD)/.deps-,test fuzz bench demo lint): | $(STAMP)

$(BUILD)/%.o: %.c | $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# protoc-c (protobuf-c-compiler, the build set) writes the .c and .h at
# once; every object may include the header, so it comes first.
$(GEN)/prompb.pb-c.c: harness/output/prompb.proto | $(STAMP)
	@mkdir -p $(@D)
	protoc-c --proto_path=harness/output --c_out=$(GEN) prompb.proto
$(GEN)/prompb.pb-c.h: $(GEN)/prompb.pb-c.c
$(filter-out $(GEN)/%,$(LIB_OBJS)) $(BUILD)/harness/cli/main.o $(TEST_OBJS): | $(GEN)/prompb.pb-c.h
# protoc-c's initialisers cast its empty string's const away.
$(GEN)/prompb.pb-c.o: $(GEN)/prompb.pb-c.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-cast-qual -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/gatecap: $(BUILD)/harness/cli/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/gatewaysim: $(SIM_OBJS) $(BASE_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/gatewaysim/%: $(BUILD)/tests/gatewaysim/%.o $(filter-out %/main.o,$(SIM_OBJS)) $(BASE_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(BUILD)/bench/%: $(BUILD)/tools/bench/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Integration scripts run TEST_JOBS at a time, each in a network namespace
# of its own; those marked "# test: alone" with nothing beside them
# (tests/run-tests).
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
test: all $(TEST_BINS) $(SIM_TEST_BINS) | $(BUILD)/.deps-test
	@BUILD=$(BUILD) TESTS_SKIP="$(TESTS_SKIP)" TEST_JOBS="$(TEST_JOBS)" tests/run-tests

# Under the sanitizers, tests whose subject is not gatecap's memory are
# skipped: report_chromium (Chromium's rendering), hlog_java_interop and
# docs_wso2 (the Java library and keytool), and the accuracy tests against
# planted capacities (plan_capacity_truth, plan_known_capacity,
# run_capacity_model and its HTTP/2 run h2/run_capacity_model,
# search_known_capacity, run_flow_truth: how close gatecap's numbers
# come to a known truth,
# four minutes of steady load), run_examples (the example scenarios run as
# their comments say: documentation, whose requests, certificates, tokens
# and templates run_auth, run_feeders, run_tls_server_name and the rest
# drive), and the distributed runs on real
# engines (distributed_slurm: Slurm's daemons; distributed_netns: network
# namespaces and libfaketime, whose LD_PRELOAD cannot come before ASan's
# runtime). Every code path they drive runs under the sanitizers in the
# other tests (staircases and stop rules, plan, search, closed model,
# stalls, TLS, reports; shards and merge in run_shards and merge_shards),
# and they all run in make test. So do the simulator's own behaviour tests
# (gatewaysim/: the simulator runs under the sanitizers in every other
# test, and its unit tests too) and the tools' (tools/: scripts, the
# Kubernetes manifests; no gatecap code under test).
CHECK_SKIP = report_chromium hlog_java_interop docs_wso2 plan_capacity_truth \
             plan_known_capacity run_capacity_model search_known_capacity run_examples \
             run_flow_truth h2/run_capacity_model distributed_slurm distributed_netns \
             gatewaysim/ tools/
check:
	$(MAKE) BUILD=build-check SAN=1 TESTS_SKIP="$(CHECK_SKIP)" test

# ThreadSanitizer (gcc) over the unit tests that use threads (TSAN_SRCS);
# the first report fails the test (halt_on_error). Only unit tests: they
# race their threads on purpose and finish in seconds, where a whole run
# under TSan would take minutes.
tsan:
	$(MAKE) BUILD=build-tsan SAN=thread CC=gcc tsan-run

tsan-run: $(TSAN_BINS) | $(BUILD)/.deps-test
	@mkdir -p $(BUILD)/test-logs/tsan; fail=0; \
	for t in $(TSAN_BINS); do \
	    n=$${t##*/}; log=$(BUILD)/test-logs/tsan/$$n.log; start=$$(date +%s); \
	    if TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" timeout 600 $$t > $$log 2>&1; then \
	        echo "PASS tsan $$n ($$(( $$(date +%s) - start ))s)"; \
	    else \
	        fail=1; echo "FAIL tsan $$n ($$(( $$(date +%s) - start ))s) — log: $$log"; \
	        tail -n 40 $$log | sed 's/^/    /'; \
	        if grep -q 'unexpected memory mapping' $$log; then \
	            echo "    (this kernel maps memory where gcc's TSan cannot run: sysctl vm.mmap_rnd_bits=28)"; \
	        fi; \
	    fi; \
	done; exit $$fail

# libFuzzer targets (clang) for the decoders; FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -std=c11 -g -O1 -iquote harness -isystem $(GEN) -D_GNU_SOURCE $(call pkg,cflags)
FUZZ_OBJS := $(LIB_SRCS:harness/%.c=build-fuzz/obj/%.o) build-fuzz/obj/prompb.pb-c.o

# The library is compiled once for all targets (instrumented for coverage,
# not linked with libFuzzer's main); each target links it.
build-fuzz/obj/%.o: harness/%.c | $(STAMP) $(BUILD)/.deps-fuzz $(GEN)/prompb.pb-c.h
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

build-fuzz/obj/prompb.pb-c.o: $(GEN)/prompb.pb-c.c | $(BUILD)/.deps-fuzz
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

build-fuzz/libfuzz.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

fuzz: $(STAMP) $(BUILD)/.deps-fuzz build-fuzz/libfuzz.a
	@for f in $(FUZZ_SRCS); do \
	    n=$$(basename $$f .c); \
	    clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined \
	        -o build-fuzz/$$n $$f build-fuzz/libfuzz.a $(LIBS) || exit 1; \
	done
	@echo "fuzz targets built in build-fuzz/"

fuzz-run: fuzz
	@tests/fuzz/run $(FUZZ_SECONDS)

bench: all $(BENCH_BINS) | $(BUILD)/.deps-bench
	@BUILD=$(BUILD) tools/bench/run

demo: all | $(BUILD)/.deps-demo
	@BUILD=$(BUILD) tools/demo

# The checks that keep the tree as docs/ARCHITECTURE.md describes it:
# clang-format, banned calls by place, layers (tools/lint/check).
lint: | $(BUILD)/.deps-lint
	@tools/lint/check

# reports/example/: the demo's reports and plan, committed (reports/README.md).
example-report: all | $(BUILD)/.deps-demo
	@BUILD=$(BUILD) tools/demo
	@mkdir -p reports/example
	cp reports/demo/report.html reports/demo/report.md reports/demo/plan.json reports/example/

# A clone of HEAD built and run as on a new machine (tools/fresh-check).
fresh-check:
	@tools/fresh-check $(FRESH_STEPS)

clean:
	rm -rf build build-check build-tsan build-fuzz

-include $(shell find $(BUILD) build-fuzz/obj -name '*.d' 2>/dev/null)
