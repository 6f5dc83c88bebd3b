# ducha: one binary (build/ducha), a web application (web/dist), tests and benchmarks.
#   make            build build/ducha (release flags)
#   make run        install dependencies, build everything, serve with demo data on :8080
#   make test       install dependencies, build, run every test (unit, the fuzz targets over their corpus,
#                   API on SQLite and PostgreSQL, browser)
#   make bench      performance figures (wrk against ducha and nginx)
#   make fuzz       libFuzzer targets (JSON bodies, router and query strings, multipart uploads, CSV imports,
#                   the calendar import, the public clue form and photo stripping), 60 s each (FUZZ_SECONDS)
#   make test-security  a 10,000-connection flood and sqlmap on every parameterised route
#   make test-long  the crash test with 100 kill -9 cycles, the ledger walk of 10,000 actions and the whole to-do
#                   matrix, on both databases
#   make format     clang-format the C sources (make check-format: fail if that would change anything)
#   make lint-openapi  lint docs/openapi.yaml with Redocly CLI (pinned in tools/openapi)

CC      ?= cc
PKGS    := libmicrohttpd sqlite3 jansson libsodium libcrypto libpq libcurl cairo pangocairo xlsxwriter libzip libmagic zlib
VERSION := 0.1.0
# -Wcast-qual is left out: jansson's API is not const-correct; -Wmissing-field-initializers too: tables
# (request specs, routes) leave their trailing optional members (a field's label) at zero
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-format-nonliteral -Wvla -Wno-missing-field-initializers
CFLAGS_COMMON = -std=c17 -D_GNU_SOURCE -Isrc -Ibuild/gen $(WARN) -DDUCHA_VERSION='"$(VERSION)"' \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

# release build in build/, sanitizer build (tests) in build/asan/
REL_CFLAGS  := -O2 -g
ASAN_CFLAGS := -O1 -g -DDUCHA_DEBUG -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

# every folder under src/ is built (scripts/check-layers.sh gives each its layer and checks this list)
SRC_DIRS := $(sort $(patsubst src/%/,%,$(wildcard src/*/)))
SRCS     := $(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.c)) src/main.c
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
GEN      := build/gen/migrations.c
GEN_OBJS := gen/migrations.o gen/demo_photo.o

REL_OBJS  := $(patsubst src/%.c,build/obj/%.o,$(SRCS)) $(addprefix build/obj/,$(GEN_OBJS))
ASAN_OBJS := $(patsubst src/%.c,build/asan/obj/%.o,$(SRCS)) $(addprefix build/asan/obj/,$(GEN_OBJS))
LIB_SRCS  := $(filter-out src/main.c src/cli/%,$(SRCS))

.PHONY: all deps run test test-unit test-fuzz test-api test-api-pg test-web web bench fuzz format check-format clean check-layers \
        lint-openapi check-web-types test-security test-long test-pg-ha test-midnight

all: build/ducha

deps:
	@scripts/deps.sh

$(GEN): $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	scripts/embed-migrations.sh $@ $(MIGRATIONS)

# the demo's field photo (drawn by scripts/demo-photo.py), in the binary
build/gen/demo_photo.c: src/cli/demo/fridge.jpg scripts/embed-file.sh
	@mkdir -p $(dir $@)
	scripts/embed-file.sh $@ demo_photo_jpg $<

$(addprefix build/obj/,$(GEN_OBJS)): build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(REL_CFLAGS) -c $< -o $@
$(addprefix build/asan/obj/,$(GEN_OBJS)): build/asan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(ASAN_CFLAGS) -c $< -o $@

build/obj/%.o: src/%.c | $(GEN)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_COMMON) $(REL_CFLAGS) -MMD -MP -c $< -o $@
build/asan/obj/%.o: src/%.c | $(GEN)
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(CFLAGS_COMMON) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

build/ducha: $(REL_OBJS)
	@echo "  LD      $@"
	@$(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)
build/asan/ducha: $(ASAN_OBJS)
	@echo "  LD asan $@"
	@$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

-include $(REL_OBJS:.o=.d) $(ASAN_OBJS:.o=.d)

# ---- web application ----
# npm ci installs exactly the committed lock files (written by npm on this platform, with every
# platform's optional packages) and never rewrites them, so that `make run` and `make test` leave a
# fresh clone's tracked files as they were; it installs again when a lock file changes.
NPM_CI := npm ci --no-audit --no-fund
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && $(NPM_CI) && touch node_modules/.installed
tests/web/node_modules/.installed: tests/web/package.json tests/web/package-lock.json
	cd tests/web && $(NPM_CI) && touch node_modules/.installed
# the build generates src/api-types.d.ts from docs/openapi.yaml and type-checks the API layer against it
web/dist/index.html: web/node_modules/.installed docs/openapi.yaml web/jsconfig.json \
    $(shell find web/src web/scripts web/index.html web/public.html web/vite.config.js web/vite.public.config.js -type f ! -name api-types.d.ts 2>/dev/null)
	cd web && npm run build
web: web/dist/index.html

# ---- run ----
run: deps build/ducha web
	@mkdir -p data
	@test -f data/ducha.db || build/ducha demo --db data/ducha.db
	build/ducha serve --db data/ducha.db --listen 127.0.0.1:8080

# ---- tests ----
UNIT_TESTS := $(patsubst tests/unit/%.c,build/asan/tests/%,$(wildcard tests/unit/test_*.c))
ASAN_LIB_OBJS := $(patsubst src/%.c,build/asan/obj/%.o,$(LIB_SRCS)) build/asan/obj/gen/migrations.o

build/asan/tests/%: tests/unit/%.c $(ASAN_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS_COMMON) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# quarantine_size_mb: a freed block stays poisoned (a use after free is reported) until 16 MB more have been freed,
# not ASan's default 256 MB: a test server never freed that much, so its heap only grew and every allocation
# touched a new page (the API suites' servers spent a fifth of their CPU in page faults; test_authz_matrix on
# SQLite 26 CPU-s with the default, 21-23 with 16 MB)
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:halt_on_error=1:quarantine_size_mb=16
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/lsan.supp

test-unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

# tests/api in API_JOBS pytest processes that share its modules (tests/api/modqueue.py: each module runs once, whole,
# in the process that claims it first; each process has its own PostgreSQL cluster and templates): one process
# waits on its server one request at a time, about one core, and the PostgreSQL suite, the longest of `make test`,
# ran its last minutes alone. API_TESTS: the files (all of tests/api by default). Each process's output (its own
# summary and durations) is printed when all have ended
API_JOBS ?= 2
API_TESTS ?= tests/api
define api_suite
	@q=$$(mktemp -d /tmp/ducha-api-queue.XXXXXX) && trap 'rm -rf "$$q"' EXIT && trap 'exit 130' INT TERM && \
	  mkdir $$q/claims && pids= && for i in $$(seq $(API_JOBS)); do \
	    env DUCHA_TEST_QUEUE=$$q/claims PYTHONPATH=$(CURDIR)/tests/api DUCHA_BIN=$(CURDIR)/build/asan/ducha $(1) \
	      /usr/bin/python3 -m pytest -q -p no:cacheprovider -p modqueue --durations=15 $(API_TESTS) >$$q/out.$$i 2>&1 & \
	    pids="$$pids $$!"; done; \
	  rc=0; for p in $$pids; do wait $$p || rc=1; done; \
	  for i in $$(seq $(API_JOBS)); do echo "== tests/api, process $$i of $(API_JOBS)"; cat $$q/out.$$i; done; exit $$rc
endef

test-api: build/asan/ducha
	$(call api_suite,DUCHA_TEST_BACKEND=sqlite)

test-api-pg: build/asan/ducha
	$(call api_suite,DUCHA_TEST_BACKEND=postgres)

# the demo data is made once (a template directory: the database and the keys and files the demo writes) and
# each browser test's server starts on a copy of it (tests/web/helper.js, startServer). Two test files at a time
# (node's default on this 2-core machine was one): each file has its own server and browser, and a file mostly
# waits on its pages (network idle, a toast, the next step's answer), so the other file runs meanwhile
test-web: build/ducha web tests/web/node_modules/.installed
	@tmpl=$$(mktemp -d /tmp/ducha-web-template.XXXXXX) && \
	  trap 'rm -rf "$$tmpl"' EXIT && trap 'exit 130' INT TERM && \
	  (cd $$tmpl && DUCHA_PASSWORD_HASH_COST=minimal $(CURDIR)/build/ducha demo --db demo.db >/dev/null) && \
	  (cd tests/web && DUCHA_WEB_TEMPLATE=$$tmpl DUCHA_BIN=$(CURDIR)/build/ducha node --test --test-concurrency=2)

check-layers:
	@scripts/check-layers.sh

# PostgreSQL cluster drills (minutes): Patroni + etcd + HAProxy failover, fencing. The release binary:
# the drills measure the cluster's timing, which the sanitizers' slowness would blur.
test-pg-ha: build/ducha
	scripts/deps.sh --ha
	DUCHA_BIN=$(CURDIR)/build/ducha DUCHA_TEST_BACKEND=postgres DUCHA_TEST_HA=1 /usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/api/test_pg_ha.py

# prints a variable (scripts/check-layers.sh reads SRC_DIRS): make -s print-SRC_DIRS
print-%:
	@echo $($*)

# the API description: Redocly CLI (pinned by tools/openapi/package-lock.json), zero problems except the
# ones accepted with a reason in tools/openapi/.redocly.lint-ignore.yaml
REDOCLY := tools/openapi/node_modules/.bin/redocly
$(REDOCLY): tools/openapi/package.json tools/openapi/package-lock.json
	cd tools/openapi && npm ci --no-audit --no-fund
	@touch $@
# the web app's API layer is typed from the document: a renamed field fails the web build
check-web-types: web/node_modules/.installed
	@tools/openapi/check-web-types.sh

lint-openapi: $(REDOCLY)
	cd tools/openapi && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	  ./node_modules/.bin/redocly lint --config redocly.yaml ../../docs/openapi.yaml

# the three suites are independent (each test starts its own server, database and port) and mostly wait on
# their servers, so they run side by side: about 25 minutes instead of 50 on the 2-core machine
# The checks and builds before them run two at a time (one after the other, the sanitizer build used one core while
# the other waited), and the browser suite's own (the release build, the web app, its packages) are made with
# them, so that all three suites start together
test: deps
	$(MAKE) --no-print-directory -j2 --output-sync=target check-layers check-format lint-openapi check-web-types \
	  test-unit test-fuzz build/ducha web tests/web/node_modules/.installed
	$(MAKE) --no-print-directory -j3 --output-sync=target test-api test-api-pg test-web

# hostile and long tests, kept out of `make test` (tests/security: a 10,000-connection flood on
# loopback against the release build, sqlmap on every parameterised route; DUCHA_TEST_BACKEND=postgres
# for PostgreSQL)
test-security: deps build/ducha build/asan/ducha
	scripts/deps.sh --security
	DUCHA_BIN=$(CURDIR)/build/asan/ducha /usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/security

# a run across Beijing midnight (16:00 UTC): each of a few API files that compare dates on a clock that reaches
# it MIDNIGHT_IN seconds after the file starts (tests/api/conftest.py, DUCHA_TEST_MIDNIGHT_IN; 2: 15:59:58 UTC),
# on SQLite and on PostgreSQL; not part of `make test`
MIDNIGHT_IN ?= 20
MIDNIGHT_FILES ?= test_items_lifecycle test_items_detail test_todos test_bulletins_public test_webhooks_objects
test-midnight: build/asan/ducha
	@set -e; for b in sqlite postgres; do for f in $(MIDNIGHT_FILES); do echo "== $$b $$f"; \
	  DUCHA_BIN=$(CURDIR)/build/asan/ducha DUCHA_TEST_BACKEND=$$b DUCHA_TEST_MIDNIGHT_IN=$(MIDNIGHT_IN) \
	  /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/api/$$f.py; done; done

# the long runs, on SQLite and on PostgreSQL: the crash test's 100 kill -9 cycles under write load (20 in `make test`),
# the ledger's random walk of 10,000 actions (1,000 in `make test`), and the to-dos of every transition of every
# workflow on PostgreSQL too (every third there in `make test`; all on SQLite)
LONG = DUCHA_CRASH_CYCLES=100 DUCHA_WALK_ACTIONS=10000 DUCHA_MATRIX_FULL=1 DUCHA_BIN=$(CURDIR)/build/asan/ducha
LONG_TESTS = tests/api/test_crash.py tests/api/test_ledger_scale.py::test_counters_equal_a_recount_after_random_actions \
             tests/api/test_todos_matrix.py
test-long: deps build/asan/ducha
	$(LONG) /usr/bin/python3 -m pytest -q -s -p no:cacheprovider $(LONG_TESTS)
	$(LONG) DUCHA_TEST_BACKEND=postgres /usr/bin/python3 -m pytest -q -s -p no:cacheprovider $(LONG_TESTS)

# ---- fuzz ----
# libFuzzer targets (clang, ASan + UBSan): tests/fuzz/fuzz_*.c, each run for FUZZ_SECONDS from its committed
# corpus (tests/fuzz/corpus/NAME) plus what it finds (build/fuzz/corpus/NAME). The whole tree is built once
# more with coverage for the fuzzer in build/fuzz/obj (kept between runs: .SECONDARY). The targets that
# send requests (FUZZ_WORLD_TARGETS) link tests/fuzz/fuzz_world.c, whose LLVMFuzzerInitialize makes the demo
# database before the first input. An input that crashes, leaks, times out or runs out of memory is kept in
# build/fuzz/artifacts/NAME/ and fails the run.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := jsonv router multipart import calendar form
FUZZ_WORLD_TARGETS := router multipart import calendar
FUZZ_CFLAGS = -std=c17 -D_GNU_SOURCE -Isrc -Ibuild/gen -Itests/fuzz -DDUCHA_VERSION='"$(VERSION)"' -g -O1 \
              -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJS := $(patsubst src/%.c,build/fuzz/obj/%.o,$(filter-out src/main.c,$(SRCS))) $(addprefix build/fuzz/obj/,$(GEN_OBJS))
.SECONDARY: $(FUZZ_OBJS)

build/fuzz/obj/%.o: src/%.c | $(GEN)
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
$(addprefix build/fuzz/obj/,$(GEN_OBJS)): build/fuzz/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	@clang $(FUZZ_CFLAGS) -c $< -o $@
-include $(FUZZ_OBJS:.o=.d)

$(addprefix build/fuzz/,$(filter-out $(FUZZ_WORLD_TARGETS),$(FUZZ_TARGETS))): build/fuzz/%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD fuzz $@"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(LDLIBS)
$(addprefix build/fuzz/,$(FUZZ_WORLD_TARGETS)): build/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_world.c \
    tests/fuzz/fuzz_world.h $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD fuzz $@"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(LDLIBS)
fuzz: deps $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  art=build/fuzz/artifacts/$$t; rm -rf $$art; mkdir -p build/fuzz/corpus/$$t $$art; \
	  echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; rc=0; \
	  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -timeout=10 -print_final_stats=1 -artifact_prefix=$$art/ build/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	    >build/fuzz/$$t.log 2>&1 || rc=$$?; \
	  grep -E "^#[0-9]+ *DONE|^stat::number_of_executed_units|ERROR|SUMMARY|Test unit written" build/fuzz/$$t.log || true; \
	  if [ $$rc -ne 0 ] || [ -n "$$(ls -A $$art)" ]; then \
	    echo "fuzz $$t failed (exit $$rc; build/fuzz/$$t.log): $$(ls $$art)"; exit 1; fi; \
	done

# the fuzz targets without libFuzzer, in `make test`: each compiled with the sanitizer build's flags (its
# LLVMFuzzerTestOneInput renamed fuzz_NAME_one) and linked with its objects into one program
# (tests/fuzz/replay.c) that runs every committed input once, the demo world made once for all: seconds
ASAN_FUZZ_OBJS := $(patsubst %,build/asan/fuzz/fuzz_%.o,$(FUZZ_TARGETS) world)
build/asan/fuzz/fuzz_%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_world.h
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(CFLAGS_COMMON) $(ASAN_CFLAGS) -Itests/fuzz -DLLVMFuzzerTestOneInput=fuzz_$*_one -c $< -o $@
build/asan/fuzz-replay: tests/fuzz/replay.c tests/fuzz/fuzz_world.h $(ASAN_FUZZ_OBJS) \
    $(filter-out build/asan/obj/main.o,$(ASAN_OBJS))
	@echo "  LD asan $@"
	@$(CC) $(CFLAGS_COMMON) $(ASAN_CFLAGS) -Itests/fuzz -o $@ $(filter %.c %.o,$^) $(LDLIBS)
test-fuzz: build/asan/fuzz-replay
	@build/asan/fuzz-replay $(foreach t,$(FUZZ_TARGETS),$(t)=tests/fuzz/corpus/$(t))

bench: deps build/ducha
	scripts/deps.sh --bench
	scripts/bench.sh
	scripts/bench-sched.sh
	scripts/bench-pg.sh
	scripts/bench-province.sh

FORMAT_FILES = $(sort $(SRCS) $(wildcard src/*/*.h) $(wildcard tests/unit/*.c) $(wildcard tests/fuzz/*.c))
format:
	@clang-format -i $(FORMAT_FILES)

# fails on any C file that `make format` would change
check-format:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format ok"

clean:
	rm -rf build
