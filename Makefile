# Complexchain: the two commands a newcomer runs are `make localnet` and `make test`.
BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
FUZZ_RUNS  ?= 300000
# Also listed in tests/fuzz/CMakeLists.txt and tests/fuzz/run.sh.
FUZZ_TARGETS = fuzz_tx_json fuzz_block_decode fuzz_p2p_messages fuzz_vote_records fuzz_rpc_dispatcher \
               fuzz_ws_monitor fuzz_genesis fuzz_config fuzz_deploy_package fuzz_lua_contract

.PHONY: all deps web build localnet localnet-stop test test-unit test-fuzz test-functional test-long test-tsan bench bench-reconfig bench-follower fuzz-build tsan-build clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps web $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The explorer and the GAPP (web/) are plain ES modules the node serves as they are; the one piece
# from npm is icon-sdk-js's browser bundle, copied into web/vendor/ (gitignored) when missing.
WEB_VENDOR = web/vendor/icon-sdk-js.web.min.js
web: $(WEB_VENDOR)

$(WEB_VENDOR): web/package.json web/package-lock.json
	@[ -f web/node_modules/icon-sdk-js/build/icon-sdk-js.web.min.js ] || \
	  (cd web && npm ci --no-audit --no-fund --loglevel=error)
	mkdir -p web/vendor
	cp web/node_modules/icon-sdk-js/build/icon-sdk-js.web.min.js $@

localnet: build
	./$(BUILD)/complexchain localnet start --dir localnet --validators 4

localnet-stop:
	./$(BUILD)/complexchain localnet stop --dir localnet

# Every test: unit tests and lint (ctest), fuzz targets for a fixed number of runs, the threaded
# tests under ThreadSanitizer, and the functional tests that start real node processes and drive
# them with icon-sdk-js, then the explorer and the GAPP in headless Chromium against a localnet.
test: build fuzz-build tsan-build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_RUNS)
	bash tests/tsan/run.sh $(TSAN_BUILD)
	bash tests/functional/run.sh $(BUILD)
	bash tests/browser/run.sh $(BUILD)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

fuzz-build: deps
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCX_FUZZ=ON -DCX_TESTS=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)

# A clang build with ThreadSanitizer: the p2p and channel tests, and (thread_safety_check) the
# libraries they do not need, compiled for the analyses only, so that -Werror=thread-safety covers
# every cx_* library.
tsan-build: deps
	@[ -f $(TSAN_BUILD)/build.ninja ] || CC=clang CXX=clang++ cmake -S . -B $(TSAN_BUILD) -G Ninja \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCX_TSAN=ON
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target p2p_test channel_test thread_safety_check

test-tsan: tsan-build
	bash tests/tsan/run.sh $(TSAN_BUILD)

test-long: build fuzz-build
	cd $(BUILD) && ctest -L sim -j $(JOBS) --output-on-failure
	./$(BUILD)/tests/sim/cx_sim --seeds 10001..60000 --validators 4 --twins 1 --heights 4
	./$(BUILD)/tests/sim/cx_sim --seeds 10001..30000 --validators 7 --twins 2 --heights 4
	./$(BUILD)/tests/sim/cx_sim --seeds 1..5000 --validators 4 --twins 1 --withholding-twins
	./$(BUILD)/tests/sim/cx_sim --seeds 301..5000 --validators 4 --silent 1 --heights 6
	./$(BUILD)/tests/sim/cx_sim --seeds 301..5000 --validators 4 --wal-crash --heights 6
	./$(BUILD)/tests/sim/cx_sim --seeds 171..5000 --validators 4 --faulty 1 --heights 4
	./$(BUILD)/tests/sim/cx_sim --seeds 61..2000 --validators 7 --twins 1 --faulty 1 --heights 4
	./$(BUILD)/tests/sim/cx_sim --seeds 301..5000 --validators 4 --twins 1 --heights 4 --alpha --expect-alpha-outcomes
	./$(BUILD)/tests/sim/cx_sim --seeds 181..2000 --validators 7 --twins 2 --heights 4 --alpha --expect-alpha-outcomes
	bash tests/fuzz/run.sh $(FUZZ_BUILD) 2000000
	CX_LONG=1 bash tests/functional/run.sh $(BUILD)

bench: build
	./$(BUILD)/complexchain bench --accounts-file localnet/accounts.json

# Issue 13's two membership benchmarks, each on a fresh localnet (docs/governance.md, docs/membership.md "How fast").
FUNCTIONAL_DEPS = @[ -d tests/functional/node_modules/icon-sdk-js ] || \
	  (cd tests/functional && npm ci --no-audit --no-fund --loglevel=error)

bench-reconfig: build
	$(FUNCTIONAL_DEPS)
	CX_BIN=$(CURDIR)/$(BUILD)/complexchain node scripts/bench_reconfig.mjs

bench-follower: build
	$(FUNCTIONAL_DEPS)
	CX_BIN=$(CURDIR)/$(BUILD)/complexchain node scripts/bench_follower.mjs

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(TSAN_BUILD)
