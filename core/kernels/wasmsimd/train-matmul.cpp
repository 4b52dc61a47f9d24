// The backward matrix products in SIMD128 (contracts in train-kernels.h): four columns at a time,
// each lane doing ref's multiply then add in ref's order, then the scalar tail; equal to ref bit
// for bit.
#include <wasm_simd128.h>

#include <cassert>

#include "train-kernels.h"

namespace inkstone {

namespace {
// y (n) += a * x (n), four lanes then the tail.
inline void axpy(float a, const float* x, int64_t n, float* y) {
  const v128_t va = wasm_f32x4_splat(a);
  int64_t c = 0;
  for (; c + 4 <= n; c += 4) {
    const v128_t prod = wasm_f32x4_mul(va, wasm_v128_load(x + c));
    wasm_v128_store(y + c, wasm_f32x4_add(wasm_v128_load(y + c), prod));
  }
  for (; c < n; ++c) y[c] += a * x[c];
}
}  // namespace

void f32_matmul_nn_acc__wasmsimd(const float* dy, const float* w, int64_t rows, int64_t cols,
                                 float* dx, int64_t t_begin, int64_t t_end) {
  assert(dy != nullptr && w != nullptr && dx != nullptr && 0 <= t_begin && t_begin <= t_end);
  for (int64_t t = t_begin; t < t_end; ++t) {
    for (int64_t r = 0; r < rows; ++r) axpy(dy[t * rows + r], w + r * cols, cols, dx + t * cols);
  }
}

void f32_matmul_tn_acc__wasmsimd(const float* dy, const float* x, int64_t n, int64_t rows,
                                 int64_t cols, float* dw, int64_t r_begin, int64_t r_end) {
  assert(dy != nullptr && x != nullptr && dw != nullptr);
  assert(0 <= r_begin && r_begin <= r_end && r_end <= rows);
  for (int64_t r = r_begin; r < r_end; ++r) {
    for (int64_t t = 0; t < n; ++t) axpy(dy[t * rows + r], x + t * cols, cols, dw + r * cols);
  }
}

}  // namespace inkstone
