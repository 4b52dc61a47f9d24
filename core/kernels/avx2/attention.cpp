// Multi-head (grouped-query) attention over the KV cache (AVX2), wasmsimd's arithmetic:
//   s_j = (q . k_j) / sqrt(head_dim),  a = softmax(s),  o = sum_j a_j v_j
// The cache is walked row by row (all heads of a position together). A score is a 4-lane dot
// product (lane k sums dimensions k, k+4, ...; product then sum), lanes added (l0+l2)+(l1+l3),
// plus the scalar tail of head_dim % 4; a ymm register holds the lanes of two heads, so 8 heads
// run as 4 independent chains. The weighted sum accumulates each output in position order like
// ref (product then sum), 8 dimensions at a time.
#include <cassert>
#include <cmath>

#include "avx2/avx2-kernels.h"
#include "avx2/simd-common.h"

namespace inkstone {

namespace {

inline float dot_tail(const float* a, const float* b, int64_t from, int64_t to) {
  float s = 0.0f;
  for (int64_t d = from; d < to; ++d) s += a[d] * b[d];
  return s;
}

// The 4-lane partial dots of heads h, h+1 (q rows qa, qb against k rows ka, kb): [h | h+1].
inline __m256 dot_lanes2(const float* qa, const float* qb, const float* ka, const float* kb,
                         int64_t head_dim4) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t d = 0; d < head_dim4; d += 4) {
    acc = _mm256_add_ps(
        acc, _mm256_mul_ps(_mm256_loadu2_m128(qb + d, qa + d), _mm256_loadu2_m128(kb + d, ka + d)));
  }
  return acc;
}

// att[h * att_stride + j] = (q_h . k_j[kv head of h]) * scale for every head h, for one row.
void row_scores(const float* q, const float* kj, int64_t j, const attention_shape& shape,
                int64_t group, float scale, float* att, int64_t att_stride) {
  const int64_t head_dim = shape.head_dim;
  const int64_t head_dim4 = head_dim & ~int64_t{3};
  auto k_of = [&](int64_t h) { return kj + (h / group) * head_dim; };
  auto q_of = [&](int64_t h) { return q + h * head_dim; };
  auto store4 = [&](int64_t h, __m128 sums) {
    float s[4];
    _mm_storeu_ps(s, sums);
    for (int i = 0; i < 4; ++i) {
      const float tail =
          head_dim4 < head_dim ? dot_tail(q_of(h + i), k_of(h + i), head_dim4, head_dim) : 0.0f;
      att[(h + i) * att_stride + j] = (s[i] + tail) * scale;
    }
  };
  int64_t h = 0;
  for (; h + 8 <= shape.n_head; h += 8) {
    // Four independent chains (two heads each) in one loop.
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    for (int64_t d = 0; d < head_dim4; d += 4) {
      for (int p = 0; p < 4; ++p) {
        const int64_t a = h + 2 * p;
        acc[p] =
            _mm256_add_ps(acc[p], _mm256_mul_ps(_mm256_loadu2_m128(q_of(a + 1) + d, q_of(a) + d),
                                                _mm256_loadu2_m128(k_of(a + 1) + d, k_of(a) + d)));
      }
    }
    store4(h, avx2::hsum4_pairs(acc[0], acc[1]));
    store4(h + 4, avx2::hsum4_pairs(acc[2], acc[3]));
  }
  for (; h + 4 <= shape.n_head; h += 4) {
    const __m256 a01 = dot_lanes2(q_of(h), q_of(h + 1), k_of(h), k_of(h + 1), head_dim4);
    const __m256 a23 = dot_lanes2(q_of(h + 2), q_of(h + 3), k_of(h + 2), k_of(h + 3), head_dim4);
    store4(h, avx2::hsum4_pairs(a01, a23));
  }
  for (; h < shape.n_head; ++h) {
    __m128 acc = _mm_setzero_ps();
    for (int64_t d = 0; d < head_dim4; d += 4) {
      acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(q_of(h) + d), _mm_loadu_ps(k_of(h) + d)));
    }
    att[h * att_stride + j] =
        (avx2::hsum(acc) + dot_tail(q_of(h), k_of(h), head_dim4, head_dim)) * scale;
  }
}

// out_h += a_hj * v_j[kv head of h] for every head h, for one row j.
void row_values(const float* vj, int64_t j, const attention_shape& shape, int64_t group,
                const float* att, int64_t att_stride, float* out) {
  const int64_t head_dim = shape.head_dim;
  for (int64_t h = 0; h < shape.n_head; ++h) {
    const float a = att[h * att_stride + j];
    const __m256 av = _mm256_set1_ps(a);
    const float* vh = vj + (h / group) * head_dim;
    float* oh = out + h * head_dim;
    int64_t d = 0;
    for (; d + 8 <= head_dim; d += 8) {
      _mm256_storeu_ps(oh + d, _mm256_add_ps(_mm256_loadu_ps(oh + d),
                                             _mm256_mul_ps(av, _mm256_loadu_ps(vh + d))));
    }
    for (; d < head_dim; ++d) oh[d] += a * vh[d];
  }
}

}  // namespace

void f32_attention__avx2(const float* q, const float* k, const float* v, int64_t n_pos,
                         const attention_shape& shape, float* att, int64_t att_stride, float* out) {
  assert(q != nullptr && k != nullptr && v != nullptr && att != nullptr && out != nullptr);
  assert(n_pos > 0 && n_pos <= att_stride && shape.n_head % shape.n_head_kv == 0);
  const int64_t head_dim = shape.head_dim;
  const int64_t kv_stride = shape.n_head_kv * head_dim;  // floats per cache row
  const int64_t group = shape.n_head / shape.n_head_kv;  // query heads per kv head
  const float scale = 1.0f / __builtin_sqrtf(static_cast<float>(head_dim));
  for (int64_t j = 0; j < n_pos; ++j) {
    row_scores(q, k + j * kv_stride, j, shape, group, scale, att, att_stride);
  }
  for (int64_t h = 0; h < shape.n_head; ++h) f32_softmax__avx2(att + h * att_stride, n_pos);
  // Every output element sums a_j v_j in position order, from 0, as ref does.
  for (int64_t i = 0; i < shape.n_head * head_dim; ++i) out[i] = 0.0f;
  for (int64_t j = 0; j < n_pos; ++j) {
    row_values(v + j * kv_stride, j, shape, group, att, att_stride, out);
  }
}

}  // namespace inkstone
