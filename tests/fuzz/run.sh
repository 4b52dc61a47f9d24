#!/usr/bin/env bash
# Runs every fuzz harness for N seconds each (default 20) and fails on a crash. Inputs in
# tests/fuzz/regressions/ (named <harness without "fuzz-">-*) are replayed first.
#   tests/fuzz/run.sh [SECONDS] [BUILD_DIR=build-fuzz]
#   FUZZ_ONLY=fuzz-gguf tests/fuzz/run.sh 600     # one harness (fuzz-gguf, fuzz-tokenizer,
#                                                 # fuzz-form-spec, fuzz-share)
# The libFuzzer harnesses start from tests/fuzz/corpus/<name>/ (plus tests/fixtures/broken for
# fuzz-gguf) and write what they find to BUILD_DIR/corpus/<name>/ (the committed seeds stay
# untouched); crash inputs go to BUILD_DIR/crashes/. Final stats (execs, cov) are printed per
# harness and the log is kept in BUILD_DIR/fuzz-logs/<name>.log.
# Runs under `nice`: the machines are shared.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
SECONDS_EACH="${1:-20}"
BUILD="${2:-build-fuzz}"
mkdir -p "$BUILD/crashes" "$BUILD/fuzz-logs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0

wanted() { [ -z "${FUZZ_ONLY:-}" ] || [ "$FUZZ_ONLY" = "$1" ]; }

run_libfuzzer() {
  local name="$1"; shift
  wanted "$name" || return 0
  local bin="$BUILD/tests/fuzz/$name"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is not built (cmake --build $BUILD --target fuzzers)" >&2
    return 1
  fi
  local seeds="tests/fuzz/corpus/${name#fuzz-}"
  local work="$BUILD/corpus/$name"
  mkdir -p "$work"
  local log="$BUILD/fuzz-logs/$name.log"
  # Inputs that once failed (tests/fuzz/regressions/<short name>-*) run first, every time.
  local regressions=(tests/fuzz/regressions/"${name#fuzz-}"-*)
  if [ -e "${regressions[0]}" ] && ! "$bin" "${regressions[@]}" >"$log.regressions" 2>&1; then
    echo "fuzz: $name fails on a regression input — see $log.regressions" >&2
    status=1
  fi
  echo "fuzz: $name for ${SECONDS_EACH}s"
  # -rss_limit_mb: a GGUF that declares a huge tensor must be refused before allocating, so a
  # harness that needs more than 2 GB is a finding. -timeout: one input taking > 10 s is a hang.
  if ! nice -n "${FUZZ_NICE:-10}" "$bin" "$work" "$seeds" "$@" \
      ${FUZZ_SEED:+-seed=$FUZZ_SEED} -max_total_time="$SECONDS_EACH" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$BUILD/crashes/$name-" >"$log" 2>&1; then
    echo "fuzz: $name FAILED — see $log and $BUILD/crashes/" >&2
    grep -E "ERROR|SUMMARY|FUZZ_CHECK|Test unit written" "$log" | head -20 >&2 || true
    status=1
  fi
  grep -E "^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" | sed "s/^/  $name: /" || true
}

run_libfuzzer fuzz-gguf tests/fixtures/broken -max_len=65536
run_libfuzzer fuzz-tokenizer -max_len=4096
run_libfuzzer fuzz-form-spec -max_len=4096 -dict=tests/fuzz/form-spec.dict

if wanted fuzz-share; then
echo "fuzz: fuzz-share for ${SECONDS_EACH}s"
if ! (cd "$BUILD/crashes" && nice -n "${FUZZ_NICE:-10}" node "$ROOT/tests/fuzz/fuzz-share.mjs" "$SECONDS_EACH" ${FUZZ_SEED:+--seed=$FUZZ_SEED} --coverage) \
    >"$BUILD/fuzz-logs/fuzz-share.log" 2>&1; then
  echo "fuzz: fuzz-share FAILED — see $BUILD/fuzz-logs/fuzz-share.log" >&2
  status=1
fi
sed "s/^/  /" "$BUILD/fuzz-logs/fuzz-share.log"
fi
exit $status
