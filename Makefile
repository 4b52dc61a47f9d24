# Inkstone — thin entry points. `make serve` and `make test` are the two commands that matter.
#   make serve   build everything, serve the site on http://127.0.0.1:$(PORT)/
#   make test    deps → configure → build (native, ASan+UBSan, wasm) → every test suite
JOBS ?= 2
PORT ?= 8080
CMAKE_NATIVE := cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
CMAKE_ASAN   := cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DINK_SANITIZE=ON -DINK_XNNPACK=OFF
CMAKE_WASM   := emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release
# Debian's emscripten optimizer needs Debian's acorn.
export NODE_PATH := /usr/share/nodejs

.PHONY: all deps native asan wasm site serve test test-cpp test-asan test-py test-js test-e2e typecheck clean

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

site: wasm
	node tools/site/build.mjs

serve: site
	node tools/site/serve.mjs dist $(PORT)

test: deps native asan wasm site
	$(MAKE) --no-print-directory test-cpp test-asan test-py typecheck test-js test-e2e

test-cpp:
	./build/inkstone_tests

test-asan:
	ASAN_OPTIONS=detect_leaks=1 ./build-asan/inkstone_tests

test-py:
	/usr/bin/python3 -m unittest discover -s tests/py -v

typecheck:
	npx tsc -p web/tsconfig.json

test-js:
	node --test tests/js/

test-e2e:
	node --test --test-concurrency=1 tests/e2e/

clean:
	rm -rf build build-asan build-wasm dist
