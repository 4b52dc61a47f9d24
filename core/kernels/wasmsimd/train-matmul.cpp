// The backward matrix products in SIMD128 (contracts in train-kernels.h), register-blocked: a tile
// keeps 4 x 8 outputs (4 tokens or 4 weight rows, by 8 columns) in eight f32x4 accumulators while
// it walks the reduction, one multiply then one add per term in ref's order; then 4-column and
// scalar tails. The reduction is walked in chunks (rows of W for nn, tokens of X for tn) so that the
// chunk of the streamed operand stays in L1 across a tile's column blocks; each output is loaded
// before and stored after a chunk, so every element still sees ref's terms in ref's order and the
// result equals ref bit for bit.
#include <wasm_simd128.h>

#include <algorithm>
#include <cassert>

#include "train-kernels.h"

namespace inkstone {

namespace {

constexpr int64_t kChunk = 64;  // reduction terms per pass (64 rows x 64 cols of f32 = 16 KiB)

inline v128_t madd(v128_t acc, v128_t a, v128_t b) {
  return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b));
}

// out[i] (cols, i < K) += sum over j in [j0, j1) of coef[i][j] * src_j (cols), in j order, where
// coef[i][j] = coef_base[i * coef_i + j * coef_j] and src_j = src + j * cols. nn: out = dx rows
// (tokens), src = W rows, j = weight row; tn: out = dw rows, src = X rows, j = token.
template <int K>
inline void tile(const float* coef_base, int64_t coef_i, int64_t coef_j, const float* src,
                 int64_t cols, int64_t j0, int64_t j1, float* out, int64_t out_stride) {
  const float* coef[K];
  float* o[K];
  for (int i = 0; i < K; ++i) {
    coef[i] = coef_base + i * coef_i;
    o[i] = out + i * out_stride;
  }
  int64_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    v128_t acc[K][2];
    for (int i = 0; i < K; ++i) {
      acc[i][0] = wasm_v128_load(o[i] + c);
      acc[i][1] = wasm_v128_load(o[i] + c + 4);
    }
    for (int64_t j = j0; j < j1; ++j) {
      const float* s = src + j * cols + c;
      const v128_t s0 = wasm_v128_load(s), s1 = wasm_v128_load(s + 4);
      for (int i = 0; i < K; ++i) {
        const v128_t a = wasm_v128_load32_splat(coef[i] + j * coef_j);
        acc[i][0] = madd(acc[i][0], a, s0);
        acc[i][1] = madd(acc[i][1], a, s1);
      }
    }
    for (int i = 0; i < K; ++i) {
      wasm_v128_store(o[i] + c, acc[i][0]);
      wasm_v128_store(o[i] + c + 4, acc[i][1]);
    }
  }
  if (c + 4 <= cols) {
    v128_t acc[K];
    for (int i = 0; i < K; ++i) acc[i] = wasm_v128_load(o[i] + c);
    for (int64_t j = j0; j < j1; ++j) {
      const v128_t s0 = wasm_v128_load(src + j * cols + c);
      for (int i = 0; i < K; ++i) {
        acc[i] = madd(acc[i], wasm_v128_load32_splat(coef[i] + j * coef_j), s0);
      }
    }
    for (int i = 0; i < K; ++i) wasm_v128_store(o[i] + c, acc[i]);
    c += 4;
  }
  for (; c < cols; ++c) {
    for (int i = 0; i < K; ++i) {
      float acc = o[i][c];
      for (int64_t j = j0; j < j1; ++j) acc += coef[i][j * coef_j] * src[j * cols + c];
      o[i][c] = acc;
    }
  }
}

}  // namespace

void f32_matmul_nn_acc__wasmsimd(const float* dy, const float* w, int64_t rows, int64_t cols,
                                 float* dx, int64_t t_begin, int64_t t_end) {
  assert(dy != nullptr && w != nullptr && dx != nullptr && 0 <= t_begin && t_begin <= t_end);
  for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int64_t r1 = std::min(rows, r0 + kChunk);
    int64_t t = t_begin;
    for (; t + 4 <= t_end; t += 4) tile<4>(dy + t * rows, rows, 1, w, cols, r0, r1, dx + t * cols, cols);
    for (; t < t_end; ++t) tile<1>(dy + t * rows, rows, 1, w, cols, r0, r1, dx + t * cols, cols);
  }
}

void f32_matmul_tn_acc__wasmsimd(const float* dy, const float* x, int64_t n, int64_t rows,
                                 int64_t cols, float* dw, int64_t r_begin, int64_t r_end) {
  assert(dy != nullptr && x != nullptr && dw != nullptr);
  assert(0 <= r_begin && r_begin <= r_end && r_end <= rows);
  for (int64_t t0 = 0; t0 < n; t0 += kChunk) {
    const int64_t t1 = std::min(n, t0 + kChunk);
    int64_t r = r_begin;
    for (; r + 4 <= r_end; r += 4) tile<4>(dy + r, 1, rows, x, cols, t0, t1, dw + r * cols, cols);
    for (; r < r_end; ++r) tile<1>(dy + r, 1, rows, x, cols, t0, t1, dw + r * cols, cols);
  }
}

}  // namespace inkstone
