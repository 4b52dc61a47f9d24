#!/usr/bin/env bash
# Installs what Inkstone's build and tests need, only what is missing.
# Works as root or through sudo. Debian packages + the npm registry only.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  cmake make g++ clang lld libclang-rt-14-dev   # native build, sanitizers, libFuzzer
  libc++-14-dev libc++abi-14-dev               # the fuzz build (clang 14 + libc++)
  emscripten                                   # wasm build (Debian 3.1.6)
  doctest-dev                                  # C++ unit tests
  libxnnpack-dev libpthreadpool-dev            # native f32 fully-connected reference path
  chromium                                     # headless browser tests
  fonts-noto-cjk                               # CJK glyphs for rendering poems in headless Chromium
  python3-numpy                                # the independent numpy reference
  nodejs npm
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs may come from another repository under the same name; npm then ships with it.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | sed '/^$/d'))
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  echo "deps: Debian packages present"
fi

# `npm install` with the committed lock, not `npm ci`: node-llama-cpp (a test-only reference)
# lists its binaries for every platform as optional dependencies; .npmrc omits optional ones and
# the registry here does not serve most of them, so the lock cannot name them and `npm ci`
# refuses it ("Missing: @node-llama-cpp/win-x64@ from lock file"). The versions are pinned
# exactly in package.json, so install resolves the same tree.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
