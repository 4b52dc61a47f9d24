// The randomized checks of a SIMD kernel table against ref, shared by tests/wasm/test-wasmsimd.cpp
// (SIMD128, in the wasm build under node) and tests/cpp/test-avx2.cpp (AVX2, native): every
// kernel over awkward sizes (sub-tile, odd, tails). A kernel's tolerance is an error model
// (relative error times sum |w x|, plus half an activation quantization step times sum |w| for
// the integer paths); besides it, the row-splitting invariants are checked bit for bit: any split
// of the rows (as a thread pool makes) and a batch vs its tokens one at a time give identical
// floats. Include after doctest.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernel-fixtures.h"
#include "kernel-table.h"

namespace inkstone::simd_checks {

using namespace inkstone::fixtures;

// Float reductions of up to ~2000 terms in a different order than ref: error relative to
// sum_j |w_j x_j| stays ~sqrt(n) eps.
inline constexpr double kMaxRelErrF32 = 2e-5;
inline constexpr double kMaxRelErrF16 = 2e-5;  // weights widened exactly; same float reduction
// Q8_0 / Q4_0 / Q4_1 / Q5_0 / Q5_1 (integer path): the weight side is exact; the activation is rounded to the nearest
// multiple of d_x = max|x_block| / 127, so per element the error is at most half a step. Bound:
//   |y - y_ref| <= kMaxRelErrQ8_0 * sum|w x| + kActQuantHalfStep * sum_b d_x,b * sum_j |w_bj|
inline constexpr double kMaxRelErrQ8_0 = 2e-5;
inline constexpr double kMaxRelErrQ4_0 = 2e-5;
// K-quants (integer path, the same activation quantization): weight integers and sub-block scales
// exact, then a few float products per 32-value sub-block; the same bound.
inline constexpr double kMaxRelErrKQuant = 2e-5;
inline constexpr double kActQuantHalfStep = 0.5 * (1 + 1e-4);  // + f32 rounding of d_x, 1 / d_x
inline constexpr double kMaxRelErrElementwise = 1e-5;  // exp is a ~2 ulp polynomial; sums reordered
inline constexpr double kMaxAbsErrAttention = 1e-5;    // outputs and weights are O(1)

// Shapes: the tile edges of both tables (4-row quarters and their remainders, 2-token tiles,
// 4- and 8-lane column loops with tails) and sizes of the benchmark models.
inline const int64_t kQuantCols[] = {32, 64, 96, 160, 288, 416, 768, 2048 + 32};
inline const int64_t kKQuantCols[] = {256, 512, 768, 2048 + 256};  // 1, 2, 3, 9 super-blocks
inline const int64_t kFloatCols[] = {1, 3, 7, 13, 32, 33, 64, 96, 100, 129, 288, 768, 2048 + 32};
inline const int64_t kRows[] = {1, 3, 5, 17, 33, 64};
inline const int64_t kBatch[] = {1, 2, 3, 5, 16};

inline double rel_tolerance(weight_format f) {
  switch (f) {
    case weight_format::f32:
      return kMaxRelErrF32;
    case weight_format::f16:
      return kMaxRelErrF16;
    case weight_format::q4_0:
    case weight_format::q4_1:
    case weight_format::q5_0:
    case weight_format::q5_1:
      return kMaxRelErrQ4_0;
    case weight_format::q8_0:
      return kMaxRelErrQ8_0;
    case weight_format::q4_k:
    case weight_format::q5_k:
    case weight_format::q6_k:
      return kMaxRelErrKQuant;
  }
  return 0;
}

inline std::vector<int64_t> swept_cols(weight_format f) {
  if (is_k_quant(f)) return {std::begin(kKQuantCols), std::end(kKQuantCols)};
  if (is_quant(f)) return {std::begin(kQuantCols), std::end(kQuantCols)};
  return {std::begin(kFloatCols), std::end(kFloatCols)};
}

// Allowed |y - y_ref| for output row i of token x (see the constants above).
inline double allowed_error(const weights& w, weight_format f, int64_t i, int64_t cols,
                            const float* x, bool activation_quantized) {
  double mag = 0, quant = 0;
  for (int64_t b = 0; b * 32 < cols; ++b) {
    double amax = 0, wabs = 0;
    for (int64_t j = b * 32; j < std::min(cols, b * 32 + 32); ++j) {
      const double wj = w.dense[size_t(i * cols + j)];
      mag += std::fabs(wj * x[j]);
      amax = std::max(amax, std::fabs(double(x[j])));
      wabs += std::fabs(wj);
    }
    quant += amax / 127.0 * wabs;
  }
  return rel_tolerance(f) * mag + (activation_quantized ? kActQuantHalfStep * quant : 0.0) + 1e-30;
}

inline bool same_bits(const float* a, const float* b, size_t n) {
  return std::memcmp(a, b, n * sizeof(float)) == 0;
}

// Activation quantization (quantize(x, n, cols) returns {q, d, sum} views): d = max|x| / 127 per
// 32-block, every value within half a step, |q| <= 127, the sums right, an all-zero block d = 0.
template <class Quantize>
void check_activation_quantization(Quantize quantize) {
  for (int64_t cols : {32, 96, 2080}) {
    CAPTURE(cols);
    lcg r{uint64_t(cols)};
    std::vector<float> x = random_vec(r, size_t(3 * cols), -4, 4);
    for (int64_t j = 40; j < 3 * cols; j += 77) x[j] = 0.0f;
    std::fill(x.begin(), x.begin() + 32, 0.0f);  // an all-zero block: d = 0, q = 0
    const auto a = quantize(x.data(), 3, cols);
    int bad = 0;
    for (int64_t b = 0; b < 3 * cols / 32; ++b) {
      double amax = 0;
      int32_t sum = 0;
      for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(double(x[b * 32 + j])));
      bad += std::fabs(a.d[b] - amax / 127.0) > 1e-6 * amax;
      for (int j = 0; j < 32; ++j) {
        const int q = a.q[b * 32 + j];
        sum += q;
        bad += q < -127 || q > 127;
        bad += std::fabs(double(q) * a.d[b] - x[b * 32 + j]) > kActQuantHalfStep * a.d[b];
      }
      bad += sum != a.sum[b];
    }
    CHECK(a.d[0] == 0.0f);
    CHECK(bad == 0);
  }
}

// Every matmul against ref over the swept shapes, the row splits and batch == tokens one at a
// time bit for bit, get_rows bit-exact. Returns the number of (format, cols, rows, n) cases.
inline int check_matmul(const kernel_table& simd) {
  const kernel_table& ref = ref_kernels();
  int n_cases = 0;
  for (weight_format f : kFormats) {
    for (int64_t cols : swept_cols(f)) {
      for (int64_t rows : kRows) {
        const weights w = make_weights(f, rows, cols, uint64_t(cols * 131 + rows * 7 + int(f)));
        for (int64_t n : kBatch) {
          CAPTURE(format_name(f));
          CAPTURE(cols);
          CAPTURE(rows);
          CAPTURE(n);
          lcg r{uint64_t(cols + 1000 * n + rows)};
          const std::vector<float> x = random_vec(r, size_t(n * cols), -2, 2);
          const size_t ny = size_t(n * rows);
          std::vector<float> y_ref(ny), y(ny, NAN), y_split(ny, NAN);
          ref.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), n, y_ref.data(), 0, rows);
          simd.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), n, y.data(), 0, rows);

          // Against ref, every output.
          double worst = 0;  // error / allowed
          for (int64_t t = 0; t < n; ++t) {
            for (int64_t i = 0; i < rows; ++i) {
              const double err = std::fabs(double(y[t * rows + i]) - y_ref[t * rows + i]);
              worst = std::max(
                  worst, err / allowed_error(w, f, i, cols, x.data() + t * cols, is_quant(f)));
            }
          }
          CHECK(worst <= 1.0);

          // Rows split at awkward places (1, rows/2 + 1) as a thread pool might: same bits.
          const int64_t a = std::min<int64_t>(1, rows),
                        b = std::max(a, std::min(rows, rows / 2 + 1));
          simd.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), n, y_split.data(), 0, a);
          simd.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), n, y_split.data(), a, b);
          simd.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), n, y_split.data(), b, rows);
          CHECK(same_bits(y.data(), y_split.data(), ny));

          // Token t alone (n = 1) == row t of the batch (decode and prefill agree bit for bit).
          bool mv_same = true;
          for (int64_t t = 0; t < n; ++t) {
            std::vector<float> yv(rows, NAN);
            simd.matmul[int(f)](w.bytes.data(), rows, cols, x.data() + t * cols, 1, yv.data(), 0,
                                rows);
            mv_same &= same_bits(yv.data(), y.data() + t * rows, rows);
          }
          CHECK(mv_same);
          ++n_cases;
        }
        // get_rows is the exact dequantization, like ref.
        std::vector<float> row_ref(cols), row(cols);
        ref.get_rows[int(f)](w.bytes.data(), cols, rows - 1, row_ref.data());
        simd.get_rows[int(f)](w.bytes.data(), cols, rows - 1, row.data());
        CHECK(same_bits(row.data(), row_ref.data(), cols));
      }
    }
  }
  return n_cases;
}

inline constexpr int kNumMatmulCases =
    int(std::size(kRows) * std::size(kBatch) *
        (5 * std::size(kQuantCols) + 2 * std::size(kFloatCols) + 3 * std::size(kKQuantCols)));

// rmsnorm, softmax, silu_mul, add against ref (add bit-exact), the exp edge cases, and RoPE
// bit-exact (the same products and sums as ref).
inline void check_elementwise(const kernel_table& simd) {
  const kernel_table& ref = ref_kernels();
  for (int64_t n : {1, 3, 4, 7, 8, 9, 15, 17, 64, 288, 4099}) {
    CAPTURE(n);
    lcg r{uint64_t(n) + 17};
    const std::vector<float> x = random_vec(r, n, -6, 6);
    const std::vector<float> w = random_vec(r, n, 0.5, 1.5);
    auto rel = [](float got, float want) {
      return std::fabs(double(got) - want) / std::max(std::fabs(double(want)), 1e-6);
    };

    std::vector<float> a(n), b(n);
    ref.f32_rmsnorm(x.data(), w.data(), n, 1e-5f, a.data());
    simd.f32_rmsnorm(x.data(), w.data(), n, 1e-5f, b.data());
    double worst = 0;
    for (int64_t i = 0; i < n; ++i) worst = std::max(worst, rel(b[i], a[i]));
    CHECK(worst <= kMaxRelErrElementwise);
    b = x;  // in place (out aliases x)
    simd.f32_rmsnorm(b.data(), w.data(), n, 1e-5f, b.data());
    worst = 0;
    for (int64_t i = 0; i < n; ++i) worst = std::max(worst, rel(b[i], a[i]));
    CHECK(worst <= kMaxRelErrElementwise);

    a = x;
    b = x;
    ref.f32_softmax(a.data(), n);
    simd.f32_softmax(b.data(), n);
    worst = 0;
    for (int64_t i = 0; i < n; ++i) worst = std::max(worst, rel(b[i], a[i]));
    CHECK(worst <= kMaxRelErrElementwise);

    a = x;
    b = x;
    ref.f32_silu_mul(a.data(), w.data(), n);
    simd.f32_silu_mul(b.data(), w.data(), n);
    worst = 0;
    for (int64_t i = 0; i < n; ++i) worst = std::max(worst, rel(b[i], a[i]));
    CHECK(worst <= kMaxRelErrElementwise);

    a = x;
    b = x;
    ref.f32_add(a.data(), w.data(), n);
    simd.f32_add(b.data(), w.data(), n);
    CHECK(same_bits(a.data(), b.data(), n));
  }

  // silu of large |g| (exp over/underflow) and softmax with -inf entries and a huge spread.
  {
    std::vector<float> g = {-100.0f, -90.0f, -20.0f, 0.0f, 20.0f, 90.0f, 100.0f}, up(7, 1.0f);
    std::vector<float> g_ref = g;
    ref.f32_silu_mul(g_ref.data(), up.data(), 7);
    simd.f32_silu_mul(g.data(), up.data(), 7);
    for (int i = 0; i < 7; ++i)
      CHECK(std::fabs(double(g[i]) - g_ref[i]) <=
            1e-5 * std::max(1.0, std::fabs(double(g_ref[i]))));
    for (int n : {7, 11}) {  // 11: the -inf entries also in an 8-lane block
      std::vector<float> s = {1.0f,      -INFINITY, 2.0f,  -INFINITY, -200.0f, 0.5f,
                              -INFINITY, -INFINITY, 0.25f, -INFINITY, 3.0f};
      simd.f32_softmax(s.data(), n);
      CHECK(s[1] == 0.0f);
      CHECK(s[3] == 0.0f);
      CHECK(s[6] == 0.0f);
      CHECK(s[4] == 0.0f);  // exp(-202) underflows
      double total = 0;
      for (int i = 0; i < n; ++i) total += s[i];
      CHECK(total == doctest::Approx(1.0).epsilon(1e-6));
    }
  }

  // RoPE, both layouts: the same products and sums as ref, so bit-exact (odd pair counts hit the
  // tails; 24, 40 and 128 the 8-, 4- and 1-pair loops of the NEOX halves).
  for (int64_t head_dim : {2, 6, 8, 10, 16, 18, 24, 40, 48, 64, 128}) {
    for (int64_t n_head : {1, 3, 6}) {
      CAPTURE(head_dim);
      CAPTURE(n_head);
      lcg r{uint64_t(head_dim * 10 + n_head)};
      const std::vector<float> x = random_vec(r, size_t(n_head * head_dim), -3, 3);
      const std::vector<float> cs = random_vec(r, size_t(head_dim / 2));
      const std::vector<float> sn = random_vec(r, size_t(head_dim / 2));
      std::vector<float> a = x, b = x;
      ref.f32_rope(a.data(), n_head, head_dim, cs.data(), sn.data());
      simd.f32_rope(b.data(), n_head, head_dim, cs.data(), sn.data());
      CHECK(same_bits(a.data(), b.data(), a.size()));
      a = x;
      b = x;
      ref.f32_rope_neox(a.data(), n_head, head_dim, cs.data(), sn.data());
      simd.f32_rope_neox(b.data(), n_head, head_dim, cs.data(), sn.data());
      CHECK(same_bits(a.data(), b.data(), a.size()));
    }
  }
}

// Attention against ref: grouped-query heads, head counts around the 4- and 8-head groups,
// head_dim with and without a tail.
inline void check_attention(const kernel_table& simd) {
  const kernel_table& ref = ref_kernels();
  const attention_shape shapes[] = {{6, 6, 48},   {4, 2, 64}, {2, 1, 10},  {3, 3, 6},
                                    {12, 12, 64}, {8, 8, 16}, {16, 4, 64}, {9, 3, 20}};
  for (const attention_shape& shape : shapes) {
    const int64_t kv_dim = shape.n_head_kv * shape.head_dim, q_dim = shape.n_head * shape.head_dim;
    const int64_t n_ctx = 96;
    lcg r{uint64_t(shape.n_head * 100 + shape.head_dim)};
    const std::vector<float> k = random_vec(r, n_ctx * kv_dim, -2, 2);
    const std::vector<float> v = random_vec(r, n_ctx * kv_dim);
    const std::vector<float> q = random_vec(r, q_dim, -2, 2);
    auto worst_diff = [](const std::vector<float>& a, const std::vector<float>& b) {
      double w = 0;
      for (size_t i = 0; i < a.size(); ++i) w = std::max(w, std::fabs(double(a[i]) - b[i]));
      return w;
    };
    for (int64_t n_pos : {1, 3, 9, 17, 64}) {
      CAPTURE(shape.n_head);
      CAPTURE(shape.n_head_kv);
      CAPTURE(shape.head_dim);
      CAPTURE(n_pos);
      std::vector<float> att_ref(shape.n_head * n_ctx, 0.0f), att(shape.n_head * n_ctx, 0.0f);
      std::vector<float> out_ref(q_dim), out(q_dim);
      ref.f32_attention(q.data(), k.data(), v.data(), n_pos, shape, att_ref.data(), n_ctx,
                        out_ref.data());
      simd.f32_attention(q.data(), k.data(), v.data(), n_pos, shape, att.data(), n_ctx, out.data());
      CHECK(worst_diff(att, att_ref) <= kMaxAbsErrAttention);
      CHECK(worst_diff(out, out_ref) <= kMaxAbsErrAttention);
    }
  }
}

}  // namespace inkstone::simd_checks
