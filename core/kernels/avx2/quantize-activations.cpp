// Activation quantization for the integer Q8_0/Q4_0 paths (AVX2), wasmsimd's arithmetic: per
// 32-block of x,
//   d = max|x| / 127,  q_j = round(x_j * (1 / d)) in [-127, 127] (round half to even),
//   sum = sum_j q_j
// stored as int8 (vpmaddubsw reads them directly). The buffer is per thread (a pool thread
// quantizes the same x as its siblings: cheap next to its share of rows, and no
// synchronisation) and only grows.
#include <cassert>
#include <cstdlib>

#include "avx2/avx2-kernels.h"
#include "avx2/simd-common.h"

namespace inkstone {

namespace {

struct activation_buffer {
  int8_t* q = nullptr;
  float* d = nullptr;
  int32_t* sum = nullptr;
  size_t n_values = 0;  // capacity of q (d and sum hold n_values / 32)

  // malloc, not std::vector: see avx2-kernels.h (no shared inline code in AVX2 files).
  void reserve(size_t values) {
    if (values <= n_values) return;
    std::free(q);
    std::free(d);
    std::free(sum);
    q = static_cast<int8_t*>(std::malloc(values));
    d = static_cast<float*>(std::malloc(values / 32 * sizeof(float)));
    sum = static_cast<int32_t*>(std::malloc(values / 32 * sizeof(int32_t)));
    if (q == nullptr || d == nullptr || sum == nullptr) std::abort();
    n_values = values;
  }
  ~activation_buffer() {
    std::free(q);
    std::free(d);
    std::free(sum);
  }
};

// One 32-block: writes 32 int8 values, its scale and its integer sum.
inline void quantize_block(const float* x, int8_t* q, float* d_out, int32_t* sum_out) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  __m256 v[4];
  __m256 amax = _mm256_setzero_ps();
  for (int k = 0; k < 4; ++k) {
    v[k] = _mm256_loadu_ps(x + 8 * k);
    amax = _mm256_max_ps(amax, _mm256_and_ps(v[k], abs_mask));
  }
  const float max_abs = avx2::hmax(amax);
  const float d = max_abs / 127.0f;
  const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
  __m256i qi[4];
  for (int k = 0; k < 4; ++k) {
    qi[k] = _mm256_cvttps_epi32(
        _mm256_round_ps(_mm256_mul_ps(v[k], id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  const __m256i s =
      _mm256_add_epi32(_mm256_add_epi32(qi[0], qi[1]), _mm256_add_epi32(qi[2], qi[3]));
  // int32 -> int8 (no saturation: |q| <= 127). The packs interleave 128-bit halves; the
  // permutation puts the 4-byte groups back in element order.
  const __m256i p16a = _mm256_packs_epi32(qi[0], qi[1]);  // q0[0..3] q1[0..3] | q0[4..7] q1[4..7]
  const __m256i p16b = _mm256_packs_epi32(qi[2], qi[3]);
  const __m256i p8 = _mm256_packs_epi16(p16a, p16b);  // q0 q1 q2 q3 [0..3] | [4..7]
  const __m256i ordered =
      _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), ordered);
  *d_out = d;
  *sum_out = avx2::hsum_epi32(s);
}

}  // namespace

q8_activations_i8 quantize_activations_q8__avx2(const float* x, int64_t n, int64_t cols) {
  assert(x != nullptr && n > 0 && cols > 0 && cols % 32 == 0);
  thread_local activation_buffer buf;
  const size_t n_values = static_cast<size_t>(n * cols);
  buf.reserve(n_values);
  for (size_t b = 0; b < n_values / 32; ++b) {
    quantize_block(x + b * 32, buf.q + b * 32, buf.d + b, buf.sum + b);
  }
  return {buf.q, buf.d, buf.sum};
}

}  // namespace inkstone
