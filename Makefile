# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
JOBS ?= $(shell nproc)
BUILD ?= build
SAN_BUILD ?= build-san
FUZZ_SECONDS ?= 20
ARGS ?=

.PHONY: all deps test-deps build run test test-unit test-san bench clean

all: build

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISOGROUP_TESTS=OFF -DISOGROUP_BENCH=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@$(BUILD)/tools/isogroup/isogroup $(ARGS)

# All tests: the optimised build (unit tests, benchmarks built), then the clang
# ASan+UBSan build with the libFuzzer targets, each fuzzed for FUZZ_SECONDS.
test: test-deps test-unit test-san

test-unit:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISOGROUP_TESTS=ON -DISOGROUP_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-san:
	@CXX=clang++ cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DISOGROUP_SANITIZE=ON \
	  -DISOGROUP_FUZZ=ON -DISOGROUP_BENCH=OFF -DISOGROUP_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	@cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

bench: test-deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISOGROUP_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target isogroup_bench
	@$(BUILD)/bench/isogroup_bench

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
