// Q4_0, Q4_1, Q5_0 and Q5_1 weights: matmul and row lookup (scalar reference). Activations stay
// f32. Per block of 32, in element order j = 0..31:
//   Q4_0, Q5_0: s = sum_j (q_j - 8 or 16) * x[j];          acc += d * s
//   Q4_1, Q5_1: s = sum_j q_j * x[j], sx = sum_j x[j];     acc += d * s;  acc += m * sx
// with q_j the block's 4-bit (Q4_0, Q4_1) or 5-bit (Q5_0, Q5_1) integer (quant-blocks.h).
#include <cassert>

#include "quant-blocks.h"
#include "ref/ref-kernels.h"

namespace inkstone {

namespace {

// What the formats differ in: where the nibbles and high bits sit, the offset of the integers,
// and whether a block has a minimum m (kOffset == 0).
struct q4_0_format {
  using block = block_q4_0;
  static constexpr weight_format kFormat = weight_format::q4_0;
  static constexpr int kOffset = 8;
  static int q(const block& b, int j) { return block_nibble(b.qs, j); }
  static float m(const block&) { return 0.0f; }
};

struct q4_1_format {
  using block = block_q4_1;
  static constexpr weight_format kFormat = weight_format::q4_1;
  static constexpr int kOffset = 0;
  static int q(const block& b, int j) { return block_nibble(b.qs, j); }
  static float m(const block& b) { return fp16_to_fp32(b.m); }
};

struct q5_0_format {
  using block = block_q5_0;
  static constexpr weight_format kFormat = weight_format::q5_0;
  static constexpr int kOffset = 16;
  static int q(const block& b, int j) { return block_nibble(b.qs, j) | block_high_bit(b.qh, j) << 4; }
  static float m(const block&) { return 0.0f; }
};

struct q5_1_format {
  using block = block_q5_1;
  static constexpr weight_format kFormat = weight_format::q5_1;
  static constexpr int kOffset = 0;
  static int q(const block& b, int j) { return block_nibble(b.qs, j) | block_high_bit(b.qh, j) << 4; }
  static float m(const block& b) { return fp16_to_fp32(b.m); }
};

template <class F>
float row_dot(const uint8_t* row, int64_t cols, const float* x) {
  const auto* blocks = reinterpret_cast<const typename F::block*>(row);
  float acc = 0.0f;
  for (int64_t b = 0; b < cols / 32; ++b) {
    const float* xb = x + b * 32;
    float s = 0.0f;
    for (int j = 0; j < 32; ++j) s += static_cast<float>(F::q(blocks[b], j) - F::kOffset) * xb[j];
    acc += fp16_to_fp32(blocks[b].d) * s;
    if constexpr (F::kOffset == 0) {
      float sx = 0.0f;
      for (int j = 0; j < 32; ++j) sx += xb[j];
      acc += F::m(blocks[b]) * sx;
    }
  }
  return acc;
}

template <class F>
void matmul(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
            int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr);
  assert(cols % 32 == 0 && 0 <= row_begin && row_begin <= row_end && row_end <= rows);
  const size_t row_bytes = weight_row_bytes(F::kFormat, cols);
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = row_begin; r < row_end; ++r)
      y[t * rows + r] = row_dot<F>(w + r * row_bytes, cols, x + t * cols);
  }
}

template <class F>
void get_rows(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(cols % 32 == 0 && row >= 0);
  const auto* blocks =
      reinterpret_cast<const typename F::block*>(w + row * weight_row_bytes(F::kFormat, cols));
  for (int64_t b = 0; b < cols / 32; ++b) {
    const float d = fp16_to_fp32(blocks[b].d), m = F::m(blocks[b]);
    for (int j = 0; j < 32; ++j) {
      const float v = d * static_cast<float>(F::q(blocks[b], j) - F::kOffset);
      out[b * 32 + j] = F::kOffset == 0 ? v + m : v;
    }
  }
}

}  // namespace

void q4_0_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  matmul<q4_0_format>(w, rows, cols, x, n, y, row_begin, row_end);
}
void q4_1_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  matmul<q4_1_format>(w, rows, cols, x, n, y, row_begin, row_end);
}
void q5_0_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  matmul<q5_0_format>(w, rows, cols, x, n, y, row_begin, row_end);
}
void q5_1_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  matmul<q5_1_format>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q4_0_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  get_rows<q4_0_format>(w, cols, row, out);
}
void q4_1_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  get_rows<q4_1_format>(w, cols, row, out);
}
void q5_0_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  get_rows<q5_0_format>(w, cols, row, out);
}
void q5_1_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  get_rows<q5_1_format>(w, cols, row, out);
}

}  // namespace inkstone
