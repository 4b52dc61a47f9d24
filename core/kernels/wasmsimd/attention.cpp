// Multi-head (grouped-query) attention over the KV cache (SIMD128):
//   s_j = (q . k_j) / sqrt(head_dim),  a = softmax(s),  o = sum_j a_j v_j
// The cache is walked row by row (all heads of a position together); scores take 4 heads at a
// time (4 independent dot products in one loop, folded into one f32x4); the weighted sum
// accumulates each output in position order like ref.
#include <cassert>
#include <cmath>

#include "wasmsimd/simd-common.h"
#include "wasmsimd/wasmsimd-kernels.h"

namespace inkstone {

namespace {

// Partial dot in 4 lanes of head_dim4 = head_dim & ~3 elements.
inline v128_t dot4_lanes(const float* a, const float* b, int64_t head_dim4) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (int64_t d = 0; d < head_dim4; d += 4) {
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + d), wasm_v128_load(b + d)));
  }
  return acc;
}

inline float dot_tail(const float* a, const float* b, int64_t from, int64_t to) {
  float s = 0.0f;
  for (int64_t d = from; d < to; ++d) s += a[d] * b[d];
  return s;
}

// Position-major: the cache rows are read in order, each once per pass (a row holds every kv
// head; walking one head at a time over all positions would read each row n_head times, in
// short strided pieces, after the weights streamed through have evicted it from cache).

// att[h * att_stride + j] = (q_h . k_j[kv head of h]) * scale for every head h, for one row.
void row_scores(const float* q, const float* kj, int64_t j, const attention_shape& shape,
                int64_t group, float scale, float* att, int64_t att_stride) {
  const int64_t head_dim = shape.head_dim;
  const int64_t head_dim4 = head_dim & ~int64_t{3};
  auto k_of = [&](int64_t h) { return kj + (h / group) * head_dim; };
  int64_t h = 0;
  for (; h + 4 <= shape.n_head; h += 4) {
    // Four heads at once: four independent chains, each summed as dot4_lanes would.
    v128_t acc[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f),
                     wasm_f32x4_splat(0.0f)};
    const float* qh = q + h * head_dim;
    const float* k0 = k_of(h);
    const float* k1 = k_of(h + 1);
    const float* k2 = k_of(h + 2);
    const float* k3 = k_of(h + 3);
    for (int64_t d = 0; d < head_dim4; d += 4) {
      acc[0] = wasm_f32x4_add(acc[0], wasm_f32x4_mul(wasm_v128_load(qh + d), wasm_v128_load(k0 + d)));
      acc[1] = wasm_f32x4_add(acc[1], wasm_f32x4_mul(wasm_v128_load(qh + head_dim + d), wasm_v128_load(k1 + d)));
      acc[2] = wasm_f32x4_add(acc[2], wasm_f32x4_mul(wasm_v128_load(qh + 2 * head_dim + d), wasm_v128_load(k2 + d)));
      acc[3] = wasm_f32x4_add(acc[3], wasm_f32x4_mul(wasm_v128_load(qh + 3 * head_dim + d), wasm_v128_load(k3 + d)));
    }
    float sums[4];
    wasm_v128_store(sums, simd::f32x4_hsum4(acc[0], acc[1], acc[2], acc[3]));
    for (int i = 0; i < 4; ++i) {
      const float tail = head_dim4 < head_dim
                             ? dot_tail(qh + i * head_dim, k_of(h + i), head_dim4, head_dim)
                             : 0.0f;
      att[(h + i) * att_stride + j] = (sums[i] + tail) * scale;
    }
  }
  for (; h < shape.n_head; ++h) {
    const float* qh = q + h * head_dim;
    att[h * att_stride + j] =
        (simd::f32x4_hsum(dot4_lanes(qh, k_of(h), head_dim4)) + dot_tail(qh, k_of(h), head_dim4, head_dim)) *
        scale;
  }
}

// out_h += a_hj * v_j[kv head of h] for every head h, for one row j.
void row_values(const float* vj, int64_t j, const attention_shape& shape, int64_t group,
                const float* att, int64_t att_stride, float* out) {
  const int64_t head_dim = shape.head_dim;
  const int64_t head_dim4 = head_dim & ~int64_t{3};
  for (int64_t h = 0; h < shape.n_head; ++h) {
    const float a = att[h * att_stride + j];
    const v128_t av = wasm_f32x4_splat(a);
    const float* vh = vj + (h / group) * head_dim;
    float* oh = out + h * head_dim;
    int64_t d = 0;
    for (; d < head_dim4; d += 4) {
      wasm_v128_store(oh + d, wasm_f32x4_add(wasm_v128_load(oh + d),
                                             wasm_f32x4_mul(av, wasm_v128_load(vh + d))));
    }
    for (; d < head_dim; ++d) oh[d] += a * vh[d];
  }
}

}  // namespace

void f32_attention__wasmsimd(const float* q, const float* k, const float* v, int64_t n_pos,
                             const attention_shape& shape, float* att, int64_t att_stride,
                             float* out) {
  assert(q != nullptr && k != nullptr && v != nullptr && att != nullptr && out != nullptr);
  assert(n_pos > 0 && n_pos <= att_stride && shape.n_head % shape.n_head_kv == 0);
  const int64_t head_dim = shape.head_dim;
  const int64_t kv_stride = shape.n_head_kv * head_dim;  // floats per cache row
  const int64_t group = shape.n_head / shape.n_head_kv;  // query heads per kv head
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int64_t j = 0; j < n_pos; ++j) row_scores(q, k + j * kv_stride, j, shape, group, scale, att, att_stride);
  for (int64_t h = 0; h < shape.n_head; ++h) f32_softmax__wasmsimd(att + h * att_stride, n_pos);
  // Every output element sums a_j v_j in position order, from 0, as ref does.
  for (int64_t i = 0; i < shape.n_head * head_dim; ++i) out[i] = 0.0f;
  for (int64_t j = 0; j < n_pos; ++j) row_values(v + j * kv_stride, j, shape, group, att, att_stride, out);
}

}  // namespace inkstone
