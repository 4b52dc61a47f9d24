// Vector kernels of the forward pass (AVX2): RMSNorm, RoPE, softmax, SiLU·mul, add — wasmsimd's
// operations per element. Element-wise work runs 8 lanes at a time; the sums (RMSNorm's sum of
// squares, softmax's normaliser) keep wasmsimd's single 4-lane chain so that they round the same
// way; the scalar loops finish the tails, and exp-based tails use the same SIMD exp on one lane.
#include <cassert>
#include <cmath>

#include "avx2/avx2-kernels.h"
#include "avx2/simd-common.h"

namespace inkstone {

void f32_rmsnorm__avx2(const float* x, const float* weight, int64_t n, float eps, float* out) {
  assert(x != nullptr && weight != nullptr && out != nullptr && n > 0);
  __m128 acc = _mm_setzero_ps();
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128 v = _mm_loadu_ps(x + i);
    acc = _mm_add_ps(acc, _mm_mul_ps(v, v));
  }
  float sum_sq = avx2::hsum(acc);
  for (; i < n; ++i) sum_sq += x[i] * x[i];
  const float scale = 1.0f / __builtin_sqrtf(sum_sq / static_cast<float>(n) + eps);
  const __m256 vscale = _mm256_set1_ps(scale);
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vscale);
    _mm256_storeu_ps(out + i, _mm256_mul_ps(v, _mm256_loadu_ps(weight + i)));
  }
  for (; i < n; ++i) out[i] = x[i] * scale * weight[i];
}

// Pairs (x[2i], x[2i+1]) -> (x0 c - x1 s, x1 c + x0 s): vaddsubps of x * (c, c) and
// swap(x) * (s, s), the same products and sums as ref (so bit-exact with it).
void f32_rope__avx2(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                    const float* sin) {
  assert(x != nullptr && cos != nullptr && sin != nullptr && head_dim % 2 == 0);
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < n_head; ++h) {
    float* xh = x + h * head_dim;
    int64_t i = 0;  // pair index
    for (; i + 4 <= half; i += 4) {
      const __m128 c = _mm_loadu_ps(cos + i);
      const __m128 s = _mm_loadu_ps(sin + i);
      const __m256 cc = avx2::pair(_mm_unpacklo_ps(c, c), _mm_unpackhi_ps(c, c));
      const __m256 ss = avx2::pair(_mm_unpacklo_ps(s, s), _mm_unpackhi_ps(s, s));
      const __m256 v = _mm256_loadu_ps(xh + 2 * i);
      const __m256 swapped = _mm256_permute_ps(v, _MM_SHUFFLE(2, 3, 0, 1));
      _mm256_storeu_ps(xh + 2 * i,
                       _mm256_addsub_ps(_mm256_mul_ps(v, cc), _mm256_mul_ps(swapped, ss)));
    }
    for (; i < half; ++i) {
      const float x0 = xh[2 * i];
      const float x1 = xh[2 * i + 1];
      xh[2 * i] = x0 * cos[i] - x1 * sin[i];
      xh[2 * i + 1] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

// Pairs (x[i], x[i + head_dim/2]): 8 pairs at a time from the two halves, then 4, then scalar;
// ref's products and sums (no FMA), so bit-exact with it.
void f32_rope_neox__avx2(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                         const float* sin) {
  assert(x != nullptr && cos != nullptr && sin != nullptr && head_dim % 2 == 0);
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < n_head; ++h) {
    float* lo = x + h * head_dim;
    float* hi = lo + half;
    int64_t i = 0;
    for (; i + 8 <= half; i += 8) {
      const __m256 c = _mm256_loadu_ps(cos + i);
      const __m256 s = _mm256_loadu_ps(sin + i);
      const __m256 x0 = _mm256_loadu_ps(lo + i);
      const __m256 x1 = _mm256_loadu_ps(hi + i);
      _mm256_storeu_ps(lo + i, _mm256_sub_ps(_mm256_mul_ps(x0, c), _mm256_mul_ps(x1, s)));
      _mm256_storeu_ps(hi + i, _mm256_add_ps(_mm256_mul_ps(x0, s), _mm256_mul_ps(x1, c)));
    }
    for (; i + 4 <= half; i += 4) {
      const __m128 c = _mm_loadu_ps(cos + i);
      const __m128 s = _mm_loadu_ps(sin + i);
      const __m128 x0 = _mm_loadu_ps(lo + i);
      const __m128 x1 = _mm_loadu_ps(hi + i);
      _mm_storeu_ps(lo + i, _mm_sub_ps(_mm_mul_ps(x0, c), _mm_mul_ps(x1, s)));
      _mm_storeu_ps(hi + i, _mm_add_ps(_mm_mul_ps(x0, s), _mm_mul_ps(x1, c)));
    }
    for (; i < half; ++i) {
      const float x0 = lo[i];
      const float x1 = hi[i];
      lo[i] = x0 * cos[i] - x1 * sin[i];
      hi[i] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

void f32_softmax__avx2(float* x, int64_t n) {
  assert(x != nullptr && n > 0);
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + i));
  float max_value = avx2::hmax(vmax);
  for (; i < n; ++i) max_value = x[i] > max_value ? x[i] : max_value;
  assert(max_value > -INFINITY && "softmax of an all -inf vector");

  // exp(x - max), summed in one 4-lane chain in index order (wasmsimd's order), then the tail.
  const __m256 shift = _mm256_set1_ps(max_value);
  __m128 vsum = _mm_setzero_ps();
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = avx2::exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift));
    _mm256_storeu_ps(x + i, e);
    vsum = _mm_add_ps(vsum, _mm256_castps256_ps128(e));
    vsum = _mm_add_ps(vsum, _mm256_extractf128_ps(e, 1));
  }
  if (i + 4 <= n) {
    const __m128 e = _mm256_castps256_ps128(avx2::exp8(
        _mm256_zextps128_ps256(_mm_sub_ps(_mm_loadu_ps(x + i), _mm256_castps256_ps128(shift)))));
    _mm_storeu_ps(x + i, e);
    vsum = _mm_add_ps(vsum, e);
    i += 4;
  }
  float sum = avx2::hsum(vsum);
  for (; i < n; ++i) {
    x[i] = avx2::exp1(x[i] - max_value);
    sum += x[i];
  }

  const float inv_sum = 1.0f / sum;
  const __m256 vinv = _mm256_set1_ps(inv_sum);
  i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
  for (; i < n; ++i) x[i] *= inv_sum;
}

void f32_silu_mul__avx2(float* gate, const float* up, int64_t n) {
  assert(gate != nullptr && up != nullptr);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = avx2::exp8(_mm256_xor_ps(g, sign));
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, e));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  for (; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + avx2::exp1(-g)) * up[i];
  }
}

void f32_add__avx2(float* x, const float* y, int64_t n) {
  assert(x != nullptr && y != nullptr);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(x + i, _mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) x[i] += y[i];
}

}  // namespace inkstone
