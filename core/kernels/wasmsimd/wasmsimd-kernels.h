// SIMD128 kernels (WebAssembly SIMD, the browser path). Compiled only by Emscripten with
// -msimd128; contracts in kernel-table.h, ground truth in ref/.
//
// How they differ from ref (and why the tests' tolerances are what they are):
// - F32 / F16 weights: activations stay f32; each output is reduced in 4 lanes (lane k sums
//   columns k, k+4, ...), the lanes are added as (l0 + l2) + (l1 + l3), then the scalar tail.
// - Q8_0 / Q4_0 weights: the activations are quantized once per call to int8 per 32-block
//   (d_x = max|x| / 127, stored as f32, widened to int16), and each block is an exact integer
//   dot product (i32x4.dot_i16x8_s) times d_w * d_x — llama.cpp's q8_0 x q8_0 scheme, with an
//   f32 activation scale. Error vs ref: at most half a quantization step of x per element.
// - Q4_K / Q5_K / Q6_K weights: the same activation quantization (a 32-value sub-block lines up
//   with an activation block), exact integer dots per sub-block weighed by the integer sub-block
//   scales, then f32 (matmul-k-quants.cpp). llama.cpp uses Q8_K activations (one scale per 256)
//   here; ours are finer, and the error bound is Q8_0's.
// - Every output row is computed by the same instruction sequence whatever tile it falls in
//   (4-row tiles and single-row tails agree bit for bit), so results never depend on how a thread
//   pool splits the rows, and row t of a batch equals the product of token t alone bit for bit.
#pragma once

#include <cstdint>

#include "kernel-table.h"

namespace inkstone {

// The wasmsimd table (every entry SIMD128; no prepacked fully-connected path).
const kernel_table* wasmsimd_kernels();

void f32_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                          float* y, int64_t row_begin, int64_t row_end);
void f16_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                          float* y, int64_t row_begin, int64_t row_end);
void q4_0_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end);
void q4_1_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end);
void q5_0_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end);
void q5_1_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end);
void q8_0_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end);
void q4_k_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end);
void q5_k_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end);
void q6_k_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end);

void f32_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);
void f16_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q4_0_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q4_1_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q5_0_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q5_1_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q8_0_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q4_k_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q5_k_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q6_k_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out);

void f32_rmsnorm__wasmsimd(const float* x, const float* weight, int64_t n, float eps, float* out);
void f32_rope_neox__wasmsimd(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                             const float* sin);
void f32_rope__wasmsimd(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                        const float* sin);
void f32_softmax__wasmsimd(float* x, int64_t n);
void f32_silu_mul__wasmsimd(float* gate, const float* up, int64_t n);
void f32_add__wasmsimd(float* x, const float* y, int64_t n);
void f32_attention__wasmsimd(const float* q, const float* k, const float* v, int64_t n_pos,
                             const attention_shape& shape, float* att, int64_t att_stride,
                             float* out);

// Activations quantized for the integer paths: n rows of `cols` values, per 32-block an f32
// scale d, int8 values widened to int16 (so the inner loop loads them ready for dot_i16x8), and
// the block's integer sum (Q4_0 folds its "- 8" into it). Views into a per-thread buffer that
// grows only when a larger call arrives (no allocation per token).
struct q8_activations {
  const int16_t* q;    // (n, cols)
  const float* d;      // (n, cols / 32)
  const int32_t* sum;  // (n, cols / 32)
};
q8_activations quantize_activations_q8__wasmsimd(const float* x, int64_t n, int64_t cols);

}  // namespace inkstone
