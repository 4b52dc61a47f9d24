// Kernel micro-benchmark harness shared by the native (tools/bench/native) and wasm
// (tools/bench/wasm) benchmark executables. The shapes mirror the kernel tests and the weight
// matrices of the benchmark models (S15, P8, S110; see make_bench_models.py): every matrix
// product of one layer plus the output projection, at n = 1 (decode) and n = 64 (a prefill chunk,
// the session's default n_batch). Weights and activations come from the kernel tests' fixtures
// (tests/common/kernel-fixtures.h).
//
// Timing: each implementation is warmed up (several calls, so V8 tiers the wasm function up to
// TurboFan), then timed for at least kMinSeconds; implementations are measured in alternation,
// kTrials times, and the median is kept. Only ratios within one run mean anything on a shared
// machine. Output: a table on stdout and, per line, JSON on request (--json).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#endif
#include <time.h>

#include "../../tests/common/kernel-fixtures.h"
#include "kernel-table.h"

namespace inkstone::bench {

using fixtures::format_name;

struct matrix_shape {
  const char* model;
  const char* name;
  int64_t rows;
  int64_t cols;
};

// (rows, cols) of each weight of one layer + the output projection, per benchmark model.
inline const matrix_shape kShapes[] = {
    {"S15", "attn_q", 288, 288},   {"S15", "ffn_up", 768, 288},     {"S15", "ffn_down", 288, 768},
    {"S15", "output", 32000, 288}, {"P8", "attn_q", 384, 384},      {"P8", "ffn_up", 1024, 384},
    {"P8", "ffn_down", 384, 1024}, {"P8", "output", 8000, 384},     {"S110", "attn_q", 768, 768},
    {"S110", "ffn_up", 2048, 768}, {"S110", "ffn_down", 768, 2048}, {"S110", "output", 32000, 768},
};

inline constexpr double kMinSeconds = 0.15;
inline constexpr int kTrials = 5;
inline constexpr int kWarmupCalls = 20;

// The clock: CPU time of this thread (native) or of the node process (wasm, via
// process.cpuUsage(); the kernels are single-threaded and V8's compiler threads are idle after the
// warm-up), so that a machine shared with other jobs does not inflate the times; wall time where
// neither is available. kClockName says which.
#if defined(__EMSCRIPTEN__)
EM_JS(double, ink_bench_cpu_seconds, (), {
  if (typeof process == 'object' && process.cpuUsage) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  return -1;
});
inline double now_s() {
  const double t = ink_bench_cpu_seconds();
  if (t >= 0) return t;
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
inline const char* clock_name() {
  return ink_bench_cpu_seconds() >= 0 ? "process CPU time" : "wall time";
}
#else
inline double now_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}
inline const char* clock_name() { return "thread CPU time"; }
#endif

// Seconds per call of fn: warm-up, then repeat until kMinSeconds have passed.
inline double time_per_call(const std::function<void()>& fn, double min_seconds = kMinSeconds) {
  int calls = 0;
  const double t_warm = now_s();
  // At least 3 calls (V8 tiers a hot function up in the background; the next call runs the
  // optimized code), then up to kWarmupCalls or 0.05 s.
  while (calls < 3 || (calls < kWarmupCalls && now_s() - t_warm < 0.05)) {
    fn();
    ++calls;
  }
  int64_t n = 0;
  const double t0 = now_s();
  double t1 = t0;
  do {
    fn();
    ++n;
    t1 = now_s();
  } while (t1 - t0 < min_seconds);
  return (t1 - t0) / double(n);
}

// Median seconds per call of each candidate, measured in alternation.
inline std::vector<double> time_alternating(const std::vector<std::function<void()>>& fns,
                                            int trials = kTrials) {
  std::vector<std::vector<double>> t(fns.size());
  for (int k = 0; k < trials; ++k) {
    for (size_t i = 0; i < fns.size(); ++i) t[i].push_back(time_per_call(fns[i]));
  }
  std::vector<double> med;
  for (auto& v : t) {
    std::sort(v.begin(), v.end());
    med.push_back(v[v.size() / 2]);
  }
  return med;
}

// One benchmark row: candidates (name, fn) for one (format, shape, n); prints GOP/s (2 ops per
// multiply-add), GB/s of weights and each candidate's speed relative to the first.
struct candidate {
  std::string name;
  std::function<void()> fn;
};

inline void report_row(const char* platform, weight_format f, const matrix_shape& s, int64_t n,
                       const std::vector<candidate>& cands, bool json) {
  std::vector<std::function<void()>> fns;
  for (const auto& c : cands) fns.push_back(c.fn);
  const std::vector<double> t = time_alternating(fns);
  const double ops = 2.0 * double(s.rows) * double(s.cols) * double(n);
  const double bytes = double(weight_row_bytes(f, s.cols)) * double(s.rows);
  std::printf("%-5s %-4s %-9s %5lld x %-5lld n=%-3lld", s.model, format_name(f), s.name,
              (long long)s.rows, (long long)s.cols, (long long)n);
  for (size_t i = 0; i < cands.size(); ++i) {
    std::printf(" | %s %7.2f GOP/s %6.2f GB/s x%.2f", cands[i].name.c_str(), ops / t[i] * 1e-9,
                bytes / t[i] * 1e-9, t[0] / t[i]);
  }
  std::printf("\n");
  if (json) {
    std::printf(
        "JSON {\"platform\":\"%s\",\"model\":\"%s\",\"matrix\":\"%s\",\"format\":\"%s\","
        "\"rows\":%lld,\"cols\":%lld,\"n\":%lld,\"results\":{",
        platform, s.model, s.name, format_name(f), (long long)s.rows, (long long)s.cols,
        (long long)n);
    for (size_t i = 0; i < cands.size(); ++i) {
      std::printf("%s\"%s\":{\"gops\":%.4f,\"gbps\":%.4f,\"us\":%.3f}", i ? "," : "",
                  cands[i].name.c_str(), ops / t[i] * 1e-9, bytes / t[i] * 1e-9, t[i] * 1e6);
    }
    std::printf("}}\n");
  }
  std::fflush(stdout);
}

// Filters from the command line: --model S15, --format q8_0, --n 1, --json, --quick.
struct options {
  std::string model, format;
  int64_t n = 0;  // 0: both 1 and 64
  bool json = false;
  bool quick = false;  // skip ref on the largest shapes
};

inline options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json")
      o.json = true;
    else if (a == "--quick")
      o.quick = true;
    else if (a == "--model" && i + 1 < argc)
      o.model = argv[++i];
    else if (a == "--format" && i + 1 < argc)
      o.format = argv[++i];
    else if (a == "--n" && i + 1 < argc)
      o.n = std::atoll(argv[++i]);
  }
  return o;
}

inline bool wanted(const options& o, const matrix_shape& s, weight_format f, int64_t n) {
  if (!o.model.empty() && o.model != s.model) return false;
  if (!o.format.empty() && o.format != format_name(f)) return false;
  if (o.n != 0 && o.n != n) return false;
  return true;
}

inline constexpr int64_t kBenchBatch[] = {1, 64};

}  // namespace inkstone::bench
