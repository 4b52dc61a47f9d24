// Activation quantization for the integer Q8_0/Q4_0 paths (SIMD128): per 32-block of x,
//   d = max|x| / 127,  q_j = round(x_j / d) in [-127, 127] (round half to even),  sum = sum_j q_j
// stored with q widened to int16. The buffer is per thread (a pool thread quantizes the same x
// as its siblings: cheap next to its share of rows, and no synchronisation) and only grows.
#include <cassert>
#include <vector>

#include "wasmsimd/simd-common.h"
#include "wasmsimd/wasmsimd-kernels.h"

namespace inkstone {

namespace {

struct activation_buffer {
  std::vector<int16_t> q;
  std::vector<float> d;
  std::vector<int32_t> sum;
};

// One 32-block: writes 32 int16 values, returns its scale and integer sum.
inline void quantize_block(const float* x, int16_t* q, float* d_out, int32_t* sum_out) {
  v128_t v[8];
  v128_t amax = wasm_f32x4_splat(0.0f);
  for (int k = 0; k < 8; ++k) {
    v[k] = wasm_v128_load(x + 4 * k);
    amax = wasm_f32x4_max(amax, wasm_f32x4_abs(v[k]));
  }
  const float max_abs = simd::f32x4_hmax(amax);
  const float d = max_abs / 127.0f;
  const v128_t id = wasm_f32x4_splat(d != 0.0f ? 1.0f / d : 0.0f);
  v128_t s = wasm_i32x4_splat(0);
  for (int k = 0; k < 8; k += 2) {
    const v128_t q0 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(v[k], id)));
    const v128_t q1 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(v[k + 1], id)));
    s = wasm_i32x4_add(s, wasm_i32x4_add(q0, q1));
    wasm_v128_store(q + 4 * k, wasm_i16x8_narrow_i32x4(q0, q1));
  }
  *d_out = d;
  *sum_out = simd::i32x4_hsum(s);
}

}  // namespace

q8_activations quantize_activations_q8__wasmsimd(const float* x, int64_t n, int64_t cols) {
  assert(x != nullptr && n > 0 && cols > 0 && cols % 32 == 0);
  thread_local activation_buffer buf;
  const size_t n_values = static_cast<size_t>(n * cols);
  const size_t n_blocks = n_values / 32;
  if (buf.q.size() < n_values) buf.q.resize(n_values);
  if (buf.d.size() < n_blocks) {
    buf.d.resize(n_blocks);
    buf.sum.resize(n_blocks);
  }
  for (size_t b = 0; b < n_blocks; ++b) {
    quantize_block(x + b * 32, buf.q.data() + b * 32, buf.d.data() + b, buf.sum.data() + b);
  }
  return {buf.q.data(), buf.d.data(), buf.sum.data()};
}

}  // namespace inkstone
