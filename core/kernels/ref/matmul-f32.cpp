// F32 weights: matmul and row lookup (scalar reference).
#include <cassert>
#include <cstring>

#include "ref/ref-kernels.h"

namespace inkstone {

namespace {
// dot (cols) of one F32 weight row with x, accumulated in index order.
float f32_row_dot(const uint8_t* row, int64_t cols, const float* x) {
  float acc = 0.0f;
  for (int64_t j = 0; j < cols; ++j) {
    float wj;
    std::memcpy(&wj, row + j * 4, 4);
    acc += wj * x[j];
  }
  return acc;
}
}  // namespace

void f32_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                     float* y, int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr);
  assert(0 <= row_begin && row_begin <= row_end && row_end <= rows);
  const size_t row_bytes = weight_row_bytes(weight_format::f32, cols);
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = row_begin; r < row_end; ++r)
      y[t * rows + r] = f32_row_dot(w + r * row_bytes, cols, x + t * cols);
  }
}

void f32_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(row >= 0);
  std::memcpy(out, w + row * weight_row_bytes(weight_format::f32, cols), cols * sizeof(float));
}

}  // namespace inkstone
