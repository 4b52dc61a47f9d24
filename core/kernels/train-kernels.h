// The training kernel table: the two matrix products the backward pass needs, beside the forward
// product Y = X W^T that the inference table already has (kernel-table.h, matmul[f32]).
//
//   f32_matmul_nn_acc   dX (n, cols) += dY (n, rows) W (rows, cols)     gradient of the input
//   f32_matmul_tn_acc   dW (rows, cols) += dY^T (rows, n) X (n, cols)   gradient of the weight
//
// Both accumulate, so a gradient that sums several products (tied embedding, the q/k/v inputs)
// needs no scratch. Both compute only a range of output rows (tokens for nn, weight rows for tn)
// and each output element is reduced by exactly one call, in a fixed order: r = 0 .. rows-1 for
// nn, t = 0 .. n-1 for tn, one multiply then one add per term (no fused multiply-add, no lane
// reassociation). The SIMD twins keep that order per element, so they equal ref bit for bit and
// results never depend on how a thread pool splits the rows.
//
// Two tables: ref (every build) and wasmsimd (Emscripten). Native builds use ref, whose loops are
// axpy-shaped (a scalar times a contiguous row) so the compiler vectorises them without changing
// any element's order of operations.
#pragma once

#include <cstdint>
#include <string_view>

namespace inkstone {

// dx (n, cols) += dy (n, rows) w (rows, cols), for token rows [t_begin, t_end) of dx only.
using matmul_nn_acc_fn = void (*)(const float* dy, const float* w, int64_t rows, int64_t cols,
                                  float* dx, int64_t t_begin, int64_t t_end);

// dw (rows, cols) += dy^T x, dy (n, rows), x (n, cols), for weight rows [r_begin, r_end) only.
using matmul_tn_acc_fn = void (*)(const float* dy, const float* x, int64_t n, int64_t rows,
                                  int64_t cols, float* dw, int64_t r_begin, int64_t r_end);

struct train_kernel_table {
  const char* name;  // "ref", "wasmsimd"
  matmul_nn_acc_fn f32_matmul_nn_acc;
  matmul_tn_acc_fn f32_matmul_tn_acc;
};

void f32_matmul_nn_acc__ref(const float* dy, const float* w, int64_t rows, int64_t cols, float* dx,
                            int64_t t_begin, int64_t t_end);
void f32_matmul_tn_acc__ref(const float* dy, const float* x, int64_t n, int64_t rows, int64_t cols,
                            float* dw, int64_t r_begin, int64_t r_end);
#if defined(INK_WASMSIMD)
void f32_matmul_nn_acc__wasmsimd(const float* dy, const float* w, int64_t rows, int64_t cols,
                                 float* dx, int64_t t_begin, int64_t t_end);
void f32_matmul_tn_acc__wasmsimd(const float* dy, const float* x, int64_t n, int64_t rows,
                                 int64_t cols, float* dw, int64_t r_begin, int64_t r_end);
#endif

// "ref", "wasmsimd" (Emscripten builds) or "auto" (wasmsimd where built, else ref); null when
// the name is unknown or not in this build.
const train_kernel_table* select_train_kernels(std::string_view name);

}  // namespace inkstone
