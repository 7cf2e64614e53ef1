# The front door. Targets stay stable: make, make test, make run [WORKERS=N], make install,
# make conformance-server PORT=N [WORKERS=N] [FLAGS=...], make bench-server
# PORT=N [WORKERS=N] [FLAGS=...], make test-asan.
BUILD ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
PORT ?= 3000
# Worker threads of the demo (make run), conformance-server and bench-server
# (--workers; 0: one per core).
WORKERS ?= 1
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# Extra flags for the conformance and bench servers, e.g. FLAGS="--allow-eio3".
FLAGS ?=

.PHONY: all deps build test test-asan test-tsan run install conformance-server bench-server fuzz valgrind valgrind-interop clean format format-check

all: build

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

# Quiet: prints nothing unless the build fails (then the whole log).
build: $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) >$(BUILD)/build.log 2>&1 || { cat $(BUILD)/build.log; exit 1; }

# Installs what is missing (Debian packages, npm packages from the lockfile).
deps:
	@bash scripts/deps.sh

test: deps build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(BUILD_ASAN)/CMakeCache.txt:
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DSIO_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null

test-asan: deps $(BUILD_ASAN)/CMakeCache.txt
	@cmake --build $(BUILD_ASAN) -j $(JOBS) >$(BUILD_ASAN)/build.log 2>&1 || { cat $(BUILD_ASAN)/build.log; exit 1; }
	@cd $(BUILD_ASAN) && export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 && \
	  ctest --output-on-failure -j $(JOBS) -E '@w[0-9]+$$' && \
	  ctest --output-on-failure -j $(JOBS) -R '@w[0-9]+$$' -L threads

# ThreadSanitizer on the tests that use threads (CTest label "threads": the
# simple client, clients on loops of their own, sio_server_post).
$(BUILD_TSAN)/CMakeCache.txt:
	@cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=Debug -DSIO_TSAN=ON $(CMAKE_FLAGS) >/dev/null

test-tsan: deps $(BUILD_TSAN)/CMakeCache.txt
	@cmake --build $(BUILD_TSAN) -j $(JOBS) >$(BUILD_TSAN)/build.log 2>&1 || { cat $(BUILD_TSAN)/build.log; exit 1; }
	@cd $(BUILD_TSAN) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -j $(JOBS) -L threads

run: deps build
	@$(BUILD)/demo --port 5000 --workers $(WORKERS)

conformance-server: build
	@$(BUILD)/conformance_server --port $(PORT) --workers $(WORKERS) $(FLAGS)

# libFuzzer targets of every codec (clang), each run FUZZ_SECS seconds.
FUZZ_SECS ?= 10
fuzz: deps
	@bash fuzz/run.sh $(FUZZ_SECS)

# The unit tests under valgrind memcheck (a non-sanitizer build).
valgrind: build
	@bash scripts/valgrind.sh $(BUILD)

# One interop test with the servers it starts under valgrind memcheck (slow:
# not part of `make test`): make valgrind-interop INTEROP=sio_basic
INTEROP ?= sio_basic
valgrind-interop: deps build
	@cd tests/interop && SIO_VALGRIND=1 SIO_BIN_DIR=$(abspath $(BUILD)) \
	  SIO_SOURCE_DIR=$(CURDIR) node --test --test-reporter=spec $(INTEROP).test.mjs

bench-server: build
	@$(BUILD)/bench_server --port $(PORT) --workers $(WORKERS) $(FLAGS)

install: build
	@cmake --install $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

format-check: deps
	@clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	@rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN)
