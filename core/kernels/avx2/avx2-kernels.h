// AVX2 + FMA + F16C kernels (native x86-64). Contracts in kernel-table.h, ground truth in ref/.
//
// Every file of this directory is compiled with -mavx2 -mfma -mf16c -ffp-contract=off (and only
// those files; CMakeLists.txt), so nothing here may run before dispatch.cpp has checked the CPU:
// avx2_kernels() itself is AVX2 code. Helpers have internal linkage and the files use no inline
// function or template with external linkage from another header (no std::vector, std::min,
// std::sqrt, weight_row_bytes ...): the linker keeps one copy of such a function for the whole
// program, and an AVX2-compiled copy would then run on CPUs without AVX2 (at -O0 nothing is
// inlined, so this is real in the Debug/ASan build).
//
// The arithmetic is the wasmsimd table's, operation for operation (wasmsimd/wasmsimd-kernels.h):
// - Q8_0 / Q4_0 weights: activations quantized once per call to int8 per 32-block
//   (d_x = max|x| / 127, round half to even), an exact integer dot product per block
//   (vpmaddubsw + vpmaddwd; Q8_0 through |w| and sign(x, w), Q4_0 on the raw nibbles with
//   8 * sum(x_q) subtracted), then acc += float(isum) * (d_w * d_x) in f32, no FMA. Q4_1, Q5_0
//   and Q5_1 the same way on their unsigned integers (matmul-quant.cpp).
// - Q4_K / Q5_K / Q6_K weights: the same activation quantization (a 32-value sub-block meets one
//   activation block), exact integer dots per sub-block weighed by the integer sub-block scales,
//   then acc += float(isum) * (d * d_x), and for Q4_K/Q5_K acc -= float(m * sum(x_q)) * (dmin *
//   d_x), in f32 (matmul-k-quants.cpp).
// - F32 / F16 weights: per output 4 lanes (lane k sums columns k, k+4, ...; products and sums
//   rounded separately, no FMA), lanes added as (l0 + l2) + (l1 + l3), then the scalar tail.
//   A 256-bit register holds the 4 lanes of two rows (or two heads in attention), so the
//   reductions keep wasmsimd's order at twice its width.
// - Element-wise kernels and attention: the same operations per element, the same 4-lane sum
//   chains, the same exp polynomial.
// So a model gives the same bits here as in the browser, the wasmsimd goldens
// (tests/fixtures/golden-wasmsimd) apply unchanged, and the error model of
// tests/wasm/test-wasmsimd.cpp (tests/cpp/test-avx2.cpp here) is the one to test against ref.
// Splits of the rows and batches agree bit for bit with single calls, as in every table.
#pragma once

#include <cstdint>

#include "kernel-table.h"

namespace inkstone {

// The AVX2 table (every entry AVX2; the prepacked F32 path is added by dispatch.cpp).
// Call only on a CPU with AVX2, FMA and F16C.
const kernel_table* avx2_kernels();

void f32_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);
void f16_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);
void q4_0_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end);
void q8_0_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end);

void f32_get_rows__avx2(const uint8_t* w, int64_t cols, int64_t row, float* out);
void f16_get_rows__avx2(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q4_0_get_rows__avx2(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q4_1_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end);
void q5_0_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end);
void q5_1_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end);
void q4_k_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end);
void q5_k_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end);
void q6_k_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end);
void q8_0_get_rows__avx2(const uint8_t* w, int64_t cols, int64_t row, float* out);

void f32_rmsnorm__avx2(const float* x, const float* weight, int64_t n, float eps, float* out);
void f32_rope_neox__avx2(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                         const float* sin);
void f32_rope__avx2(float* x, int64_t n_head, int64_t head_dim, const float* cos, const float* sin);
void f32_softmax__avx2(float* x, int64_t n);
void f32_silu_mul__avx2(float* gate, const float* up, int64_t n);
void f32_add__avx2(float* x, const float* y, int64_t n);
void f32_attention__avx2(const float* q, const float* k, const float* v, int64_t n_pos,
                         const attention_shape& shape, float* att, int64_t att_stride, float* out);

// Activations quantized for the integer paths: n rows of `cols` values, per 32-block an f32
// scale d, the int8 values and their sum. Views into a per-thread buffer that grows only when a
// larger call arrives (no allocation per token).
struct q8_activations_i8 {
  const int8_t* q;     // (n, cols)
  const float* d;      // (n, cols / 32)
  const int32_t* sum;  // (n, cols / 32)
};
q8_activations_i8 quantize_activations_q8__avx2(const float* x, int64_t n, int64_t cols);

}  // namespace inkstone
