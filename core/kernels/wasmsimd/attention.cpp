// Multi-head (grouped-query) attention over the KV cache (SIMD128):
//   s_j = (q . k_j) / sqrt(head_dim),  a = softmax(s),  o = sum_j a_j v_j
// Scores take 4 cache rows at a time (4 dot products folded into one f32x4); the weighted sum
// keeps 16 output floats in registers while it walks the positions, accumulating in position
// order like ref.
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

// ah[j] = (qh . k_j) * scale for j < n_pos.
void attention_scores(const float* qh, const float* k, int64_t kv_stride, int64_t n_pos,
                      int64_t head_dim, float scale, float* ah) {
  const int64_t head_dim4 = head_dim & ~int64_t{3};
  const v128_t vscale = wasm_f32x4_splat(scale);
  int64_t j = 0;
  for (; j + 4 <= n_pos; j += 4) {
    const float* k0 = k + j * kv_stride;
    const v128_t s =
        simd::f32x4_hsum4(dot4_lanes(qh, k0, head_dim4), dot4_lanes(qh, k0 + kv_stride, head_dim4),
                          dot4_lanes(qh, k0 + 2 * kv_stride, head_dim4),
                          dot4_lanes(qh, k0 + 3 * kv_stride, head_dim4));
    v128_t tails = wasm_f32x4_splat(0.0f);
    if (head_dim4 < head_dim) {
      tails = wasm_f32x4_make(dot_tail(qh, k0, head_dim4, head_dim),
                              dot_tail(qh, k0 + kv_stride, head_dim4, head_dim),
                              dot_tail(qh, k0 + 2 * kv_stride, head_dim4, head_dim),
                              dot_tail(qh, k0 + 3 * kv_stride, head_dim4, head_dim));
    }
    wasm_v128_store(ah + j, wasm_f32x4_mul(wasm_f32x4_add(s, tails), vscale));
  }
  for (; j < n_pos; ++j) {
    const float* kj = k + j * kv_stride;
    ah[j] =
        (simd::f32x4_hsum(dot4_lanes(qh, kj, head_dim4)) + dot_tail(qh, kj, head_dim4, head_dim)) *
        scale;
  }
}

// oh (head_dim) = sum_j ah[j] v_j, in position order.
void attention_values(const float* ah, const float* v, int64_t kv_stride, int64_t n_pos,
                      int64_t head_dim, float* oh) {
  int64_t d = 0;
  for (; d + 16 <= head_dim; d += 16) {
    v128_t o0 = wasm_f32x4_splat(0.0f), o1 = o0, o2 = o0, o3 = o0;
    const float* vd = v + d;
    for (int64_t j = 0; j < n_pos; ++j) {
      const v128_t a = wasm_v128_load32_splat(ah + j);
      const float* vj = vd + j * kv_stride;
      o0 = wasm_f32x4_add(o0, wasm_f32x4_mul(a, wasm_v128_load(vj)));
      o1 = wasm_f32x4_add(o1, wasm_f32x4_mul(a, wasm_v128_load(vj + 4)));
      o2 = wasm_f32x4_add(o2, wasm_f32x4_mul(a, wasm_v128_load(vj + 8)));
      o3 = wasm_f32x4_add(o3, wasm_f32x4_mul(a, wasm_v128_load(vj + 12)));
    }
    wasm_v128_store(oh + d, o0);
    wasm_v128_store(oh + d + 4, o1);
    wasm_v128_store(oh + d + 8, o2);
    wasm_v128_store(oh + d + 12, o3);
  }
  for (; d + 4 <= head_dim; d += 4) {
    v128_t o = wasm_f32x4_splat(0.0f);
    for (int64_t j = 0; j < n_pos; ++j) {
      o = wasm_f32x4_add(
          o, wasm_f32x4_mul(wasm_v128_load32_splat(ah + j), wasm_v128_load(v + d + j * kv_stride)));
    }
    wasm_v128_store(oh + d, o);
  }
  for (; d < head_dim; ++d) {
    float o = 0.0f;
    for (int64_t j = 0; j < n_pos; ++j) o += ah[j] * v[d + j * kv_stride];
    oh[d] = o;
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
  for (int64_t h = 0; h < shape.n_head; ++h) {
    const int64_t kv_offset = (h / group) * head_dim;
    float* ah = att + h * att_stride;  // (n_pos)
    attention_scores(q + h * head_dim, k + kv_offset, kv_stride, n_pos, head_dim, scale, ah);
    f32_softmax__wasmsimd(ah, n_pos);
    attention_values(ah, v + kv_offset, kv_stride, n_pos, head_dim, out + h * head_dim);
  }
}

void f32_attention_causal__wasmsimd(const float* q, const float* k, const float* v, int64_t pos0,
                                    int64_t n_tok, const attention_shape& shape, float* att,
                                    int64_t att_stride, float* out) {
  assert(pos0 >= 0 && n_tok > 0 && pos0 + n_tok <= att_stride);
  const int64_t q_stride = shape.n_head * shape.head_dim;
  // Query i sees positions 0 .. pos0 + i, exactly as if it were decoded alone.
  for (int64_t i = 0; i < n_tok; ++i) {
    f32_attention__wasmsimd(q + i * q_stride, k, v, pos0 + i + 1, shape, att, att_stride,
                            out + i * q_stride);
  }
}

}  // namespace inkstone
