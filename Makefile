# Inkstone — thin entry points. `make serve` and `make test` are the two commands that matter.
#   make serve   build everything, serve the site on http://127.0.0.1:$(PORT)/
#   make test    deps → configure → build (native, ASan+UBSan, wasm) → every test suite
JOBS ?= 2
PORT ?= 8080
CMAKE_NATIVE := cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
CMAKE_ASAN   := cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DINK_SANITIZE=ON -DINK_XNNPACK=OFF
CMAKE_WASM   := emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release
CMAKE_FUZZ   := CC=clang CXX=clang++ cmake -S . -B build-fuzz -DINK_FUZZ=ON -DINK_XNNPACK=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Seconds per fuzz harness: `make fuzz` (long runs), `make test-fuzz` (bounded, part of make test).
FUZZ_SECONDS ?= 600
# Debian's emscripten optimizer needs Debian's acorn.
export NODE_PATH := /usr/share/nodejs

.PHONY: all deps native asan wasm site package serve test test-cpp test-asan test-wasm test-py test-js test-e2e typecheck clean fuzz-build fuzz test-fuzz

all: native wasm

deps:
	bash tools/deps.sh

native: deps
	$(CMAKE_NATIVE) >/dev/null
	cmake --build build -j$(JOBS)

asan: deps
	$(CMAKE_ASAN) >/dev/null
	cmake --build build-asan -j$(JOBS)

wasm: deps
	$(CMAKE_WASM) >/dev/null
	cmake --build build-wasm -j$(JOBS)

fuzz-build: deps
	$(CMAKE_FUZZ) >/dev/null
	cmake --build build-fuzz --target fuzzers -j$(JOBS)

site: wasm
	node tools/site/build.mjs

# The npm package (web/ + the painter + the share codec + both wasm builds + .d.ts) in
# build-package/; `cd build-package && npm pack` makes the tarball. Not part of `make test`'s
# build: tests/e2e/package.test.mjs builds, packs and installs its own copy.
package: wasm
	node tools/package/build.mjs build-package

serve: site
	node tools/site/serve.mjs dist $(PORT)

# INK_REQUIRE_ALL=1: a suite that finds something missing (wasm build, Chromium, playwright-core,
# XNNPACK, an asset) fails instead of skipping, so a green `make test` means every suite ran.
# CI=true does the same for the single-suite targets.
test: deps native asan wasm site fuzz-build
	INK_REQUIRE_ALL=1 $(MAKE) --no-print-directory test-cpp test-asan test-wasm test-py typecheck test-js test-e2e test-fuzz

test-cpp:
	./build/inkstone_tests

# The 1000-poem runs (model and random logits) are the slow proofs of the constraint engine (and
# the 300-step training run on 200 poems the slow proof of the trainer); under the sanitizers they
# would take most of CI's budget (the random-logit run alone ~4 min of CPU), so the sanitized
# suite runs everything else, which still drives the engine through every form, rhyme book,
# custom form and 詞牌 (the smaller random-logit and 詞 runs).
test-asan:
	ASAN_OPTIONS=detect_leaks=1 ./build-asan/inkstone_tests -tce='*with the poetry model*,*steps on 200 poems*,*1000 random-logit*'

# The SIMD128 kernels against their ref twins, inside wasm, under Node.
test-wasm:
	node build-wasm/tests/wasm/inkstone_wasm_tests.js

test-py:
	/usr/bin/python3 -m unittest discover -s tests/py -v

# JSDoc types of every browser module, checked by TypeScript (no build step, no emit).
TS_PROJECTS := web site/app site/art site/pwa site/classroom site/embed
typecheck:
	for p in $(TS_PROJECTS); do npx tsc -p $$p/tsconfig.json || exit 1; done

test-js:
	node --test tests/js/*.test.mjs

test-e2e:
	node --test --test-concurrency=1 tests/e2e/*.test.mjs

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# A fixed seed keeps CI's bounded run repeatable; `make fuzz` explores with fresh seeds.
test-fuzz:
	FUZZ_SEED=1 tests/fuzz/run.sh 20

clean:
	rm -rf build build-asan build-wasm build-fuzz build-package dist
