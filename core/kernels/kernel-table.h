// The kernel table: every piece of arithmetic the forward pass does, as plain function pointers.
//
// A table is picked once (dispatch.cpp) and the forward pass calls kernels only through it, so a
// faster implementation plugs in by filling a table, never by editing forward.cpp. There are four:
// ref (scalar, every build: the ground truth), wasmsimd (SIMD128, Emscripten builds), avx2
// (native x86-64 with AVX2 + FMA + F16C, chosen at run time; wasmsimd's arithmetic, so the same
// bits, plus XNNPACK's F32 operator for batches where that is faster) and xnnpack (native builds:
// the ref table plus XNNPACK's prepacked F32 fully-connected operator). A NEON table would be a
// fifth (see dispatch.cpp). Names follow XNNPACK: what, then `__` and how (`q8_0_matmul__avx2`).
//
// Conventions shared by all kernels:
// - Weights are a row-major matrix W (rows, cols) in one of the weight formats below, rows laid
//   out back to back (ggml layout: row r starts at r * weight_row_bytes(format, cols)).
// - Matrix products compute only output rows [row_begin, row_end). A thread pool splits the rows;
//   each output element is reduced by exactly one call in a fixed order, so the result is
//   bit-identical for any number of threads.
// - Activations are contiguous float32; shapes are given in comments as (outer, inner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace inkstone {

// Weight storage formats the kernels know. Dense indices (not ggml type ids).
enum class weight_format : int {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q8_0 = 3,
  q4_k = 4,
  q5_k = 5,
  q6_k = 6,
  q4_1 = 7,
  q5_0 = 8,
  q5_1 = 9
};
inline constexpr int kNumWeightFormats = 10;

// Weights per block: 1 (f32, f16), 32 (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) or 256 (the K-quant
// super-blocks). A row of
// `cols` weights needs cols % weight_block_size(format) == 0.
inline constexpr int64_t weight_block_size(weight_format format) {
  switch (format) {
    case weight_format::f32:
    case weight_format::f16:
      return 1;
    case weight_format::q4_0:
    case weight_format::q4_1:
    case weight_format::q5_0:
    case weight_format::q5_1:
    case weight_format::q8_0:
      return 32;
    case weight_format::q4_k:
    case weight_format::q5_k:
    case weight_format::q6_k:
      return 256;
  }
  return 1;
}

// Bytes of one row of `cols` weights (cols a multiple of weight_block_size(format)).
inline constexpr size_t weight_row_bytes(weight_format format, int64_t cols) {
  switch (format) {
    case weight_format::f32:
      return static_cast<size_t>(cols) * 4;
    case weight_format::f16:
      return static_cast<size_t>(cols) * 2;
    case weight_format::q4_0:
      return static_cast<size_t>(cols / 32) * 18;
    case weight_format::q4_1:
      return static_cast<size_t>(cols / 32) * 20;
    case weight_format::q5_0:
      return static_cast<size_t>(cols / 32) * 22;
    case weight_format::q5_1:
      return static_cast<size_t>(cols / 32) * 24;
    case weight_format::q8_0:
      return static_cast<size_t>(cols / 32) * 34;
    case weight_format::q4_k:
      return static_cast<size_t>(cols / 256) * 144;
    case weight_format::q5_k:
      return static_cast<size_t>(cols / 256) * 176;
    case weight_format::q6_k:
      return static_cast<size_t>(cols / 256) * 210;
  }
  return 0;
}

// Y (n, rows) = X (n, cols) W^T, output columns [row_begin, row_end) of every Y row only.
// Decode is n = 1 (a matrix-vector product); implementations take their own fast path for it, and
// row t of a batch equals the n = 1 product of token t bit for bit.
using matmul_fn = void (*)(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end);

// out (cols) = row `row` of W, dequantized (embedding lookup).
using get_rows_fn = void (*)(const uint8_t* w, int64_t cols, int64_t row, float* out);

// out (n) = x / sqrt(mean(x^2) + eps) * weight. out may alias x.
using rmsnorm_fn = void (*)(const float* x, const float* weight, int64_t n, float eps, float* out);

// In place on x (n_head, head_dim): rotate adjacent pairs (x[2i], x[2i+1]) of every head by the
// angle whose cosine and sine are cos[i], sin[i] (i < head_dim / 2; one position's table).
// f32_rope_neox: the same with the pairs (x[i], x[i + head_dim/2]) (ggml's NEOX mode).
using rope_fn = void (*)(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                         const float* sin);

// In place: x (n) = softmax(x). Entries equal to -inf get probability 0.
using softmax_fn = void (*)(float* x, int64_t n);

// In place: gate (n) = silu(gate) * up, silu(z) = z / (1 + exp(-z)).
using silu_mul_fn = void (*)(float* gate, const float* up, int64_t n);

// In place: x (n) += y (n).
using add_fn = void (*)(float* x, const float* y, int64_t n);

// Geometry of multi-head attention over the KV cache. The cache holds one row per position,
// row stride kv_stride floats = n_head_kv * head_dim; query head h reads kv head
// h / (n_head / n_head_kv).
struct attention_shape {
  int64_t n_head;
  int64_t n_head_kv;
  int64_t head_dim;
};

// One query token that sees positions 0 .. n_pos-1 of the cache.
//   q     (n_head, head_dim)           roped query
//   k, v  (n_pos, n_head_kv*head_dim)  cache rows (k roped)
//   att   (n_head, att_stride)         out: softmax weights, att[h * att_stride + j], j < n_pos
//   out   (n_head, head_dim)           out: sum_j att_j v_j per head
using attention_fn = void (*)(const float* q, const float* k, const float* v, int64_t n_pos,
                              const attention_shape& shape, float* att, int64_t att_stride,
                              float* out);

// Optional prepacked fully-connected operator for F32 weights (XNNPACK). create() is called once
// per weight when a session is created, with the row slices the session's thread pool will ask
// for: slice i is rows [bounds[i], bounds[i + 1]), bounds[0] = 0, bounds[n_slices] = rows; it
// returns null on failure. run() computes output rows [row_begin, row_end) of
// Y (n, rows) = X (n, cols) W^T, a range made of whole slices (one slice per pool thread, or all
// of them on one thread), and returns false on failure. Each output row is computed by the one
// operator of its slice, so the result does not depend on which thread runs it.
using fc_create_fn = void* (*)(const float* w, int64_t rows, int64_t cols, const int64_t* bounds,
                               int n_slices);
using fc_run_fn = bool (*)(void* fc, const float* x, int64_t n, float* y, int64_t row_begin,
                           int64_t row_end);
using fc_delete_fn = void (*)(void* fc);

struct kernel_table {
  const char* name;  // "ref", "avx2", "xnnpack", "wasmsimd"

  matmul_fn matmul[kNumWeightFormats];      // indexed by weight_format
  get_rows_fn get_rows[kNumWeightFormats];  // indexed by weight_format

  rmsnorm_fn f32_rmsnorm;
  rope_fn f32_rope;       // adjacent pairs (llama)
  rope_fn f32_rope_neox;  // pairs half a head apart (qwen2, qwen3)
  softmax_fn f32_softmax;
  silu_mul_fn f32_silu_mul;
  add_fn f32_add;
  attention_fn f32_attention;

  // Null unless the table has a prepacked F32 fully-connected path. Products of a batch of at
  // least f32_fc_min_n tokens go through it; smaller ones through matmul[f32].
  fc_create_fn f32_fc_create;
  fc_run_fn f32_fc_run;
  fc_delete_fn f32_fc_delete;
  int f32_fc_min_n;
};

// The table named "ref", "avx2" (native x86-64 builds, on a CPU with AVX2, FMA and F16C),
// "xnnpack" (native builds with XNNPACK), "wasmsimd" (Emscripten builds) or "auto" (the fastest
// available: wasmsimd on Emscripten; on native avx2, else xnnpack when it initialises, else ref).
// Null when the name is unknown or not available in this build or on this CPU.
const kernel_table* select_kernels(std::string_view name);

// The scalar ground truth; always available.
const kernel_table& ref_kernels();

}  // namespace inkstone
