# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
JOBS ?= $(shell nproc)
BUILD ?= build
SAN_BUILD ?= build-san
FUZZ_SECONDS ?= 20
ARGS ?=

.PHONY: all deps test-deps kernel-deps build run test test-unit test-san test-kernel bench fidelity clean
KERNEL_BUILD ?= build-kernel

all: build

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

kernel-deps:
	@scripts/install-deps.sh kernel

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISOGROUP_TESTS=OFF -DISOGROUP_BENCH=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@$(BUILD)/tools/isogroup/isogroup $(ARGS)

# All tests: the real kernel booted under QEMU on generated topologies (docs/kernel-tests.md),
# the optimised build (unit tests, benchmarks built), then the clang ASan+UBSan build with
# the libFuzzer targets, each fuzzed for FUZZ_SECONDS.
test: kernel-deps test-kernel test-unit test-san

test-unit:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISOGROUP_TESTS=ON -DISOGROUP_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-san:
	@CXX=clang++ cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DISOGROUP_SANITIZE=ON \
	  -DISOGROUP_FUZZ=ON -DISOGROUP_BENCH=OFF -DISOGROUP_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	@cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# A static isogroup for the guests, then tests/kernel/run.sh (40 fixed seeds plus
# ISOGROUP_KERNEL_FRESH_SEEDS fresh ones, printed so they can be replayed).
test-kernel:
	@cmake -S . -B $(KERNEL_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DISOGROUP_TESTS=OFF -DISOGROUP_BENCH=OFF \
	  -DISOGROUP_STATIC=ON >/dev/null
	@cmake --build $(KERNEL_BUILD) -j $(JOBS) --target isogroup
	@ISOGROUP_KERNEL_FRESH_SEEDS=$${ISOGROUP_KERNEL_FRESH_SEEDS:-4} tests/kernel/run.sh
	@ISOGROUP_BIN=$${ISOGROUP_BIN:-$(KERNEL_BUILD)/tools/isogroup/isogroup} tests/kernel/vfio_e2e.sh

fidelity: build
	@scripts/fidelity.sh --update $(BUILD)/tools/isogroup/isogroup

bench: test-deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISOGROUP_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target isogroup_bench
	@$(BUILD)/bench/isogroup_bench

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
