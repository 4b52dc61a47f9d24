// The backward matrix products (scalar reference; contracts in train-kernels.h).
#include <cassert>

#include "train-kernels.h"

namespace inkstone {

void f32_matmul_nn_acc__ref(const float* dy, const float* w, int64_t rows, int64_t cols, float* dx,
                            int64_t t_begin, int64_t t_end) {
  assert(dy != nullptr && w != nullptr && dx != nullptr && 0 <= t_begin && t_begin <= t_end);
  for (int64_t t = t_begin; t < t_end; ++t) {
    const float* dy_t = dy + t * rows;  // (rows)
    float* dx_t = dx + t * cols;        // (cols)
    for (int64_t r = 0; r < rows; ++r) {
      const float a = dy_t[r];
      const float* w_r = w + r * cols;  // (cols)
      for (int64_t c = 0; c < cols; ++c) dx_t[c] += a * w_r[c];
    }
  }
}

void f32_matmul_tn_acc__ref(const float* dy, const float* x, int64_t n, int64_t rows, int64_t cols,
                            float* dw, int64_t r_begin, int64_t r_end) {
  assert(dy != nullptr && x != nullptr && dw != nullptr);
  assert(0 <= r_begin && r_begin <= r_end && r_end <= rows);
  for (int64_t r = r_begin; r < r_end; ++r) {
    float* dw_r = dw + r * cols;  // (cols)
    for (int64_t t = 0; t < n; ++t) {
      const float a = dy[t * rows + r];
      const float* x_t = x + t * cols;  // (cols)
      for (int64_t c = 0; c < cols; ++c) dw_r[c] += a * x_t[c];
    }
  }
}

}  // namespace inkstone
