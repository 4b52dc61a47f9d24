// F16 weights: matmul and row lookup (scalar reference). Weights are widened to f32
// exactly; products and sums are f32 in index order.
#include <cassert>
#include <cstring>

#include "quant-blocks.h"
#include "ref/ref-kernels.h"

namespace inkstone {

namespace {
float f16_at(const uint8_t* row, int64_t j) {
  uint16_t h;
  std::memcpy(&h, row + j * 2, 2);
  return fp16_to_fp32(h);
}

float f16_row_dot(const uint8_t* row, int64_t cols, const float* x) {
  float acc = 0.0f;
  for (int64_t j = 0; j < cols; ++j) acc += f16_at(row, j) * x[j];
  return acc;
}
}  // namespace

void f16_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                     float* y, int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr);
  assert(0 <= row_begin && row_begin <= row_end && row_end <= rows);
  const size_t row_bytes = weight_row_bytes(weight_format::f16, cols);
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = row_begin; r < row_end; ++r)
      y[t * rows + r] = f16_row_dot(w + r * row_bytes, cols, x + t * cols);
  }
}

void f16_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(row >= 0);
  const uint8_t* src = w + row * weight_row_bytes(weight_format::f16, cols);
  for (int64_t j = 0; j < cols; ++j) out[j] = f16_at(src, j);
}

}  // namespace inkstone
