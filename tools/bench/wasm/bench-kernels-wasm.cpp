// Kernel micro-benchmarks in wasm (run under node): wasmsimd vs ref, plus the f32-activation
// ("dequantize") Q8_0 variant vs the integer path. Mirrors tests/wasm/test-wasmsimd.cpp.
//   node build-wasm-simd/tools/bench/wasm/inkstone_wasm_bench.js [--model S110] [--format q8_0]
//        [--n 1|64] [--json] [--quick]
//   node .../inkstone_wasm_bench.js --bandwidth [--json]   read bandwidth (DRAM and cache)
#include <wasm_simd128.h>

#include <cstdio>
#include <string>

#include "../kernel-bench.h"
#include "q8_0-f32-activations.h"
#include "ref/ref-kernels.h"
#include "wasmsimd/wasmsimd-kernels.h"

using namespace inkstone;
using namespace inkstone::bench;

namespace {

// Sum of n floats with SIMD128 loads (8 independent accumulators): a read-bandwidth probe.
float read_sum(const float* p, size_t n) {
  v128_t a[8];
  for (auto& v : a) v = wasm_f32x4_splat(0.0f);
  for (size_t i = 0; i + 32 <= n; i += 32) {
    for (int k = 0; k < 8; ++k) a[k] = wasm_f32x4_add(a[k], wasm_v128_load(p + i + 4 * k));
  }
  for (int k = 1; k < 8; ++k) a[0] = wasm_f32x4_add(a[0], a[k]);
  return wasm_f32x4_extract_lane(a[0], 0) + wasm_f32x4_extract_lane(a[0], 2);
}

// Read bandwidth from wasm SIMD128: a 256 MiB buffer (DRAM) and a 4 MiB one (cache), GB/s.
void bandwidth(bool json) {
  float sink = 0;
  for (size_t mib : {size_t(256), size_t(4)}) {
    const size_t n = mib * 1024 * 1024 / sizeof(float);
    std::vector<float> buf(n, 1.0f);
    const std::vector<double> t = time_alternating({[&] { sink += read_sum(buf.data(), n); }}, 5);
    const double gbps = double(n * sizeof(float)) / t[0] * 1e-9;
    std::printf("bandwidth %s: read %zu MiB with SIMD128: %.2f GB/s\n",
                mib >= 64 ? "dram" : "cache", mib, gbps);
    if (json)
      std::printf("JSON {\"platform\":\"wasm\",\"bandwidth\":\"%s\",\"mib\":%zu,\"gbps\":%.4f}\n",
                  mib >= 64 ? "dram" : "cache", mib, gbps);
  }
  if (sink == 12345.0f) std::printf(" ");
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse_options(argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--bandwidth") {
      bandwidth(o.json);
      return 0;
    }
  }
  const kernel_table& ref = ref_kernels();
  const kernel_table& simd = *wasmsimd_kernels();
  std::printf(
      "wasm kernels (%s): GOP/s = 2 * rows * cols * n / time; xK = speed relative to the first\n",
      clock_name());
  const weight_format formats[] = {weight_format::q8_0, weight_format::f32, weight_format::q4_0,
                                   weight_format::f16};
  for (weight_format f : formats) {
    for (const matrix_shape& s : kShapes) {
      for (int64_t n : kBenchBatch) {
        if (!wanted(o, s, f, n)) continue;
        const std::vector<uint8_t> w =
            fixtures::make_weights(f, s.rows, s.cols, uint64_t(s.rows * 7 + s.cols), false).bytes;
        fixtures::lcg rng{uint64_t(s.cols)};
        const std::vector<float> x = fixtures::random_vec(rng, size_t(n * s.cols));
        std::vector<float> y(size_t(n * s.rows));
        const int fi = int(f);
        auto run = [&, fi](const kernel_table& k) {
          return
              [&, fi] { k.matmul[fi](w.data(), s.rows, s.cols, x.data(), n, y.data(), 0, s.rows); };
        };
        std::vector<candidate> c;
        const bool big = double(s.rows) * s.cols * n > 2e8;
        if (!(o.quick && big)) c.push_back({"ref", run(ref)});
        c.push_back({"wasmsimd", run(simd)});
        if (f == weight_format::q8_0) {
          c.push_back({"wasmsimd_f32act", [&] {
                         q8_0_matmul__wasmsimd_f32(w.data(), s.rows, s.cols, x.data(), n, y.data(),
                                                   0, s.rows);
                       }});
        }
        report_row("wasm", f, s, n, c, o.json);
      }
    }
  }

  // Vector kernels at S110 sizes (n_embd 768, n_ff 2048, 12 heads of 64, 128 cached positions).
  if (o.format.empty() && o.n == 0) {
    const int64_t n_embd = 768, n_ff = 2048, n_pos = 128;
    const attention_shape shape{12, 12, 64};
    fixtures::lcg rng{1};
    std::vector<float> x = fixtures::random_vec(rng, n_ff), wv = fixtures::random_vec(rng, n_ff);
    std::vector<float> out(n_ff);
    std::vector<float> kc = fixtures::random_vec(rng, size_t(n_pos * 768)),
                       vc = fixtures::random_vec(rng, size_t(n_pos * 768));
    std::vector<float> q = fixtures::random_vec(rng, 768), att(size_t(12 * n_pos)), ao(768);
    std::vector<float> cs = fixtures::random_vec(rng, 32), sn = fixtures::random_vec(rng, 32);
    struct vec_case {
      const char* name;
      std::function<void(const kernel_table&)> fn;
    };
    const vec_case cases[] = {
        {"rmsnorm 768",
         [&](const kernel_table& k) {
           k.f32_rmsnorm(x.data(), wv.data(), n_embd, 1e-5f, out.data());
         }},
        {"silu_mul 2048",
         [&](const kernel_table& k) { k.f32_silu_mul(out.data(), wv.data(), n_ff); }},
        {"softmax 2048",
         [&](const kernel_table& k) {
           std::copy(x.begin(), x.end(), out.begin());
           k.f32_softmax(out.data(), n_ff);
         }},
        {"rope 12x64",
         [&](const kernel_table& k) { k.f32_rope(q.data(), 12, 64, cs.data(), sn.data()); }},
        {"add 768", [&](const kernel_table& k) { k.f32_add(out.data(), wv.data(), n_embd); }},
        {"attention 12x64 pos128",
         [&](const kernel_table& k) {
           k.f32_attention(q.data(), kc.data(), vc.data(), n_pos, shape, att.data(), n_pos,
                           ao.data());
         }},
    };
    for (const vec_case& vcase : cases) {
      const std::vector<double> t =
          time_alternating({[&] { vcase.fn(ref); }, [&] { vcase.fn(simd); }}, 3);
      std::printf("%-24s ref %9.3f us | wasmsimd %9.3f us x%.2f\n", vcase.name, t[0] * 1e6,
                  t[1] * 1e6, t[0] / t[1]);
      if (o.json) {
        std::printf(
            "JSON "
            "{\"platform\":\"wasm\",\"kernel\":\"%s\",\"results\":{\"ref\":{\"us\":%.3f},"
            "\"wasmsimd\":{\"us\":%.3f}}}\n",
            vcase.name, t[0] * 1e6, t[1] * 1e6);
      }
    }
  }
  return 0;
}
