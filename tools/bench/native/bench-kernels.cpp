// Native kernel micro-benchmarks: ref vs avx2 (every format, when the CPU has it) vs XNNPACK's
// prepacked F32 fully-connected operator vs a plain loop (what the compiler makes of the obvious
// code), on the shapes of the wasm kernel benchmark (tools/bench/kernel-bench.h), so the wasm
// numbers can be read against native ones. One thread: the kernels' own speed.
//   ./build/inkstone_bench [--model S110] [--format f32] [--n 1|64] [--json] [--quick]
//   ./build/inkstone_bench constraints [model.gguf]   the constraint-mask benchmark
//                                                     (bench-constraints.cpp, whose main is weak)
#include <cstdio>
#include <string>

#include "../kernel-bench.h"
#include "quant-blocks.h"
#include "ref/ref-kernels.h"

using namespace inkstone;
using namespace inkstone::bench;

namespace {

// The obvious loops, compiled with the build's flags (-O3, no -march): 8 partial sums so the
// compiler may vectorize without reassociating.
void f32_plain(const float* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y) {
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* wr = w + r * cols;
      const float* xt = x + t * cols;
      float acc[8] = {};
      int64_t c = 0;
      for (; c + 8 <= cols; c += 8) {
        for (int k = 0; k < 8; ++k) acc[k] += wr[c + k] * xt[c + k];
      }
      float s = 0;
      for (int k = 0; k < 8; ++k) s += acc[k];
      for (; c < cols; ++c) s += wr[c] * xt[c];
      y[t * rows + r] = s;
    }
  }
}

}  // namespace

// bench-constraints.cpp, when it is linked in.
[[gnu::weak]] int bench_constraints_main(int argc, char** argv);

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "constraints") {
    if (bench_constraints_main == nullptr) {
      std::fputs("inkstone_bench: the constraints benchmark is not built in\n", stderr);
      return 2;
    }
    return bench_constraints_main(argc - 1, argv + 1);
  }
  const options o = parse_options(argc, argv);
  const kernel_table& ref = ref_kernels();
  const kernel_table* xnn = select_kernels("xnnpack");
  const kernel_table* avx2 = select_kernels("avx2");
  std::printf(
      "native kernels (%s): GOP/s = 2 * rows * cols * n / time; xK = speed relative to the "
      "first%s%s\n",
      clock_name(), xnn == nullptr ? " (XNNPACK not available)" : "",
      avx2 == nullptr ? " (avx2 not available)" : "");
  const weight_format formats[] = {weight_format::q8_0, weight_format::f32, weight_format::q4_0,
                                   weight_format::f16};
  for (weight_format f : formats) {
    for (const matrix_shape& s : kShapes) {
      // --n N: that batch size only (any N, e.g. to find where XNNPACK starts to win).
      const std::vector<int64_t> batches =
          o.n != 0 ? std::vector<int64_t>{o.n}
                   : std::vector<int64_t>(std::begin(kBenchBatch), std::end(kBenchBatch));
      for (int64_t n : batches) {
        if (!wanted(o, s, f, n)) continue;
        const std::vector<uint8_t> w =
            fixtures::make_weights(f, s.rows, s.cols, uint64_t(s.rows * 7 + s.cols), false).bytes;
        fixtures::lcg rng{uint64_t(s.cols)};
        const std::vector<float> x = fixtures::random_vec(rng, size_t(n * s.cols));
        std::vector<float> y(size_t(n * s.rows));
        const int fi = int(f);
        std::vector<candidate> c;
        const bool big = double(s.rows) * s.cols * n > 2e8;
        if (!(o.quick && big)) {
          c.push_back({"ref", [&, fi] {
                         ref.matmul[fi](w.data(), s.rows, s.cols, x.data(), n, y.data(), 0, s.rows);
                       }});
        }
        if (avx2 != nullptr) {
          c.push_back({"avx2", [&, fi] {
                         avx2->matmul[fi](w.data(), s.rows, s.cols, x.data(), n, y.data(), 0,
                                          s.rows);
                       }});
        }
        void* fc = nullptr;
        if (f == weight_format::f32) {
          const float* wf = reinterpret_cast<const float*>(w.data());
          if (xnn != nullptr && xnn->f32_fc_create != nullptr) {
            const int64_t whole[] = {0, s.rows};
            fc = xnn->f32_fc_create(wf, s.rows, s.cols, whole, 1);
            if (fc != nullptr) {
              c.push_back(
                  {"xnnpack", [&, fc] { xnn->f32_fc_run(fc, x.data(), n, y.data(), 0, s.rows); }});
            }
          }
          c.push_back({"plain", [&, wf] { f32_plain(wf, s.rows, s.cols, x.data(), n, y.data()); }});
        }
        report_row("native", f, s, n, c, o.json);
        if (fc != nullptr) xnn->f32_fc_delete(fc);
      }
    }
  }
  return 0;
}
