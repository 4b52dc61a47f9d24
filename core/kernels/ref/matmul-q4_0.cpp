// Q4_0 weights: matmul and row lookup (scalar reference). Activations stay f32:
// per block, s = sum_j (nibble_j - 8) * x[j] in element order j = 0..31, then acc += d * s.
#include <cassert>

#include "quant-blocks.h"
#include "ref/ref-kernels.h"

namespace inkstone {

namespace {
// Element j (0..31) of a Q4_0 block as its integer value in [-8, 7].
int q4_0_value(const block_q4_0& block, int j) {
  const int nibble = j < kQk4_0 / 2 ? (block.qs[j] & 0x0F) : (block.qs[j - kQk4_0 / 2] >> 4);
  return nibble - 8;
}

float q4_0_row_dot(const uint8_t* row, int64_t cols, const float* x) {
  const auto* blocks = reinterpret_cast<const block_q4_0*>(row);
  float acc = 0.0f;
  for (int64_t b = 0; b < cols / kQk4_0; ++b) {
    const float* xb = x + b * kQk4_0;
    float s = 0.0f;
    for (int j = 0; j < kQk4_0; ++j) s += static_cast<float>(q4_0_value(blocks[b], j)) * xb[j];
    acc += fp16_to_fp32(blocks[b].d) * s;
  }
  return acc;
}
}  // namespace

void q4_0_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr);
  assert(cols % kQk4_0 == 0 && 0 <= row_begin && row_begin <= row_end && row_end <= rows);
  const size_t row_bytes = weight_row_bytes(weight_format::q4_0, cols);
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = row_begin; r < row_end; ++r)
      y[t * rows + r] = q4_0_row_dot(w + r * row_bytes, cols, x + t * cols);
  }
}

void q4_0_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(cols % kQk4_0 == 0 && row >= 0);
  const auto* blocks =
      reinterpret_cast<const block_q4_0*>(w + row * weight_row_bytes(weight_format::q4_0, cols));
  for (int64_t b = 0; b < cols / kQk4_0; ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    for (int j = 0; j < kQk4_0; ++j)
      out[b * kQk4_0 + j] = d * static_cast<float>(q4_0_value(blocks[b], j));
  }
}

}  // namespace inkstone
