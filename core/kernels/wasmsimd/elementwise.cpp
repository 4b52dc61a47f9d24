// Vector kernels of the forward pass (SIMD128): RMSNorm, RoPE, softmax, SiLU·mul, add.
// Each is a SIMD loop over 4 floats followed by the scalar loop that finishes the tail; the
// exp-based tails use the same SIMD exp on one lane, so a value never depends on where it sits.
#include <cassert>
#include <cmath>

#include "wasmsimd/simd-common.h"
#include "wasmsimd/wasmsimd-kernels.h"

namespace inkstone {

namespace {
inline float exp1(float x) {
  return wasm_f32x4_extract_lane(simd::f32x4_exp(wasm_f32x4_splat(x)), 0);
}
}  // namespace

void f32_rmsnorm__wasmsimd(const float* x, const float* weight, int64_t n, float eps, float* out) {
  assert(x != nullptr && weight != nullptr && out != nullptr && n > 0);
  v128_t acc = wasm_f32x4_splat(0.0f);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(v, v));
  }
  float sum_sq = simd::f32x4_hsum(acc);
  for (; i < n; ++i) sum_sq += x[i] * x[i];
  const float scale = 1.0f / std::sqrt(sum_sq / static_cast<float>(n) + eps);
  const v128_t vscale = wasm_f32x4_splat(scale);
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_f32x4_mul(wasm_v128_load(x + i), vscale);
    wasm_v128_store(out + i, wasm_f32x4_mul(v, wasm_v128_load(weight + i)));
  }
  for (; i < n; ++i) out[i] = x[i] * scale * weight[i];
}

// Pairs (x[2i], x[2i+1]): x' = x * (c, c) + swap(x) * (-s, s).
void f32_rope__wasmsimd(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                        const float* sin) {
  assert(x != nullptr && cos != nullptr && sin != nullptr && head_dim % 2 == 0);
  const int64_t half = head_dim / 2;
  const v128_t sign = wasm_f32x4_make(-1.0f, 1.0f, -1.0f, 1.0f);
  for (int64_t h = 0; h < n_head; ++h) {
    float* xh = x + h * head_dim;
    int64_t i = 0;  // pair index
    for (; i + 2 <= half; i += 2) {
      const v128_t c = wasm_v128_load64_zero(cos + i);  // c0 c1 0 0
      const v128_t s = wasm_v128_load64_zero(sin + i);
      const v128_t cc = wasm_i32x4_shuffle(c, c, 0, 0, 1, 1);
      const v128_t ss = wasm_f32x4_mul(wasm_i32x4_shuffle(s, s, 0, 0, 1, 1), sign);
      const v128_t v = wasm_v128_load(xh + 2 * i);
      const v128_t swapped = wasm_i32x4_shuffle(v, v, 1, 0, 3, 2);
      wasm_v128_store(xh + 2 * i,
                      wasm_f32x4_add(wasm_f32x4_mul(v, cc), wasm_f32x4_mul(swapped, ss)));
    }
    for (; i < half; ++i) {
      const float x0 = xh[2 * i];
      const float x1 = xh[2 * i + 1];
      xh[2 * i] = x0 * cos[i] - x1 * sin[i];
      xh[2 * i + 1] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

// Pairs (x[i], x[i + head_dim/2]): 4 pairs at a time from the two halves, ref's products and sums.
void f32_rope_neox__wasmsimd(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                             const float* sin) {
  assert(x != nullptr && cos != nullptr && sin != nullptr && head_dim % 2 == 0);
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < n_head; ++h) {
    float* lo = x + h * head_dim;
    float* hi = lo + half;
    int64_t i = 0;
    for (; i + 4 <= half; i += 4) {
      const v128_t c = wasm_v128_load(cos + i);
      const v128_t s = wasm_v128_load(sin + i);
      const v128_t x0 = wasm_v128_load(lo + i);
      const v128_t x1 = wasm_v128_load(hi + i);
      wasm_v128_store(lo + i, wasm_f32x4_sub(wasm_f32x4_mul(x0, c), wasm_f32x4_mul(x1, s)));
      wasm_v128_store(hi + i, wasm_f32x4_add(wasm_f32x4_mul(x0, s), wasm_f32x4_mul(x1, c)));
    }
    for (; i < half; ++i) {
      const float x0 = lo[i];
      const float x1 = hi[i];
      lo[i] = x0 * cos[i] - x1 * sin[i];
      hi[i] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

void f32_softmax__wasmsimd(float* x, int64_t n) {
  assert(x != nullptr && n > 0);
  v128_t vmax = wasm_f32x4_splat(-INFINITY);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vmax = wasm_f32x4_max(vmax, wasm_v128_load(x + i));
  float max_value = simd::f32x4_hmax(vmax);
  for (; i < n; ++i) max_value = x[i] > max_value ? x[i] : max_value;
  assert(max_value > -INFINITY && "softmax of an all -inf vector");

  const v128_t shift = wasm_f32x4_splat(max_value);
  v128_t vsum = wasm_f32x4_splat(0.0f);
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t e = simd::f32x4_exp(wasm_f32x4_sub(wasm_v128_load(x + i), shift));
    wasm_v128_store(x + i, e);
    vsum = wasm_f32x4_add(vsum, e);
  }
  float sum = simd::f32x4_hsum(vsum);
  for (; i < n; ++i) {
    x[i] = exp1(x[i] - max_value);
    sum += x[i];
  }

  const float inv_sum = 1.0f / sum;
  const v128_t vinv = wasm_f32x4_splat(inv_sum);
  i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, wasm_f32x4_mul(wasm_v128_load(x + i), vinv));
  for (; i < n; ++i) x[i] *= inv_sum;
}

void f32_silu_mul__wasmsimd(float* gate, const float* up, int64_t n) {
  assert(gate != nullptr && up != nullptr);
  const v128_t one = wasm_f32x4_splat(1.0f);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t g = wasm_v128_load(gate + i);
    const v128_t e = simd::f32x4_exp(wasm_f32x4_neg(g));
    const v128_t silu = wasm_f32x4_div(g, wasm_f32x4_add(one, e));
    wasm_v128_store(gate + i, wasm_f32x4_mul(silu, wasm_v128_load(up + i)));
  }
  for (; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + exp1(-g)) * up[i];
  }
}

void f32_add__wasmsimd(float* x, const float* y, int64_t n) {
  assert(x != nullptr && y != nullptr);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    wasm_v128_store(x + i, wasm_f32x4_add(wasm_v128_load(x + i), wasm_v128_load(y + i)));
  }
  for (; i < n; ++i) x[i] += y[i];
}

}  // namespace inkstone
