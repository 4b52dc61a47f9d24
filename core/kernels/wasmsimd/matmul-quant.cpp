// Q8_0 and Q4_0 weights (SIMD128): matmul and row lookup, on the integer path.
//
// Activations are quantized once per call (quantize-activations.cpp: int8 per 32-block with an
// f32 scale, widened to int16). Per weight block the kernel forms the exact integer dot product
// of 32 int8 weights (Q4_0: nibbles 0..15) with the activation block via i32x4.dot_i16x8_s, and
// adds  float(isum) * (d_w * d_x)  to an f32 accumulator. Q4_0 dots the raw nibbles and
// subtracts 8 * sum(x_q) afterwards (exact in integers).
//
// Register tile (tiling in row-tiling.h): 4 weight rows x 2 tokens = 8 i32x4 partial sums per
// block; the 4 rows' sums are folded into one i32x4 (lane = row) so scaling costs one convert, one
// multiply and one add per token per block. Single rows/tokens run the same arithmetic.
#include <cassert>

#include "quant-blocks.h"
#include "row-tiling.h"
#include "wasmsimd/simd-common.h"
#include "wasmsimd/wasmsimd-kernels.h"

namespace inkstone {

namespace {

struct q8_0_weights {
  static constexpr weight_format kFormat = weight_format::q8_0;
  static constexpr int64_t kBlockBytes = sizeof(block_q8_0);
  static constexpr bool kNibbles = false;
  // Elements 8k .. 8k+7 of the block as int16 (one pmovsxbw with a memory operand on x86).
  template <int K>
  static v128_t chunk(const uint8_t* block) {
    return wasm_i16x8_load8x8(block + 2 + 8 * K);
  }
};

struct q4_0_weights {
  static constexpr weight_format kFormat = weight_format::q4_0;
  static constexpr int64_t kBlockBytes = sizeof(block_q4_0);
  static constexpr bool kNibbles = true;  // chunk() yields nibble values 0..15; value = nibble - 8
  template <int K>
  static v128_t chunk(const uint8_t* block) {
    const v128_t bytes = wasm_v128_load(block + 2);
    // Elements 0..15 are the low nibbles, 16..31 the high nibbles.
    const v128_t nib =
        K < 2 ? wasm_v128_and(bytes, wasm_i8x16_splat(0x0F)) : wasm_u8x16_shr(bytes, 4);
    return (K % 2 == 0) ? wasm_u16x8_extend_low_u8x16(nib) : wasm_u16x8_extend_high_u8x16(nib);
  }
};

template <class W, int K, int R, int T>
inline void dot_chunk(const uint8_t* const* blk, const int16_t* const* xq, v128_t (&isum)[R][T]) {
  v128_t xv[T];
  for (int t = 0; t < T; ++t) xv[t] = wasm_v128_load(xq[t] + 8 * K);
  for (int i = 0; i < R; ++i) {
    const v128_t wv = W::template chunk<K>(blk[i]);
    for (int t = 0; t < T; ++t) {
      const v128_t d = wasm_i32x4_dot_i16x8(wv, xv[t]);
      isum[i][t] = K == 0 ? d : wasm_i32x4_add(isum[i][t], d);
    }
  }
}

// y[t * y_stride + rr[i]] for i < R, t < T (R is 4 or 1; T is 2 or 1). `a` points at token 0.
template <class W, int R, int T>
inline void quant_tile(const uint8_t* w, int64_t cols, const q8_activations& a, float* y,
                       int64_t y_stride, const int64_t* rr) {
  const int64_t nb = cols / 32;
  const size_t row_bytes = weight_row_bytes(W::kFormat, cols);
  const uint8_t* wr[R];
  for (int i = 0; i < R; ++i) wr[i] = w + rr[i] * row_bytes;

  v128_t acc[T];  // R == 4: lane i = row r + i
  float acc1[T];  // R == 1
  for (int t = 0; t < T; ++t) {
    acc[t] = wasm_f32x4_splat(0.0f);
    acc1[t] = 0.0f;
  }
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk[R];
    for (int i = 0; i < R; ++i) blk[i] = wr[i] + b * W::kBlockBytes;
    const int16_t* xq[T];
    for (int t = 0; t < T; ++t) xq[t] = a.q + t * cols + b * 32;

    v128_t isum[R][T];
    dot_chunk<W, 0, R, T>(blk, xq, isum);
    dot_chunk<W, 1, R, T>(blk, xq, isum);
    dot_chunk<W, 2, R, T>(blk, xq, isum);
    dot_chunk<W, 3, R, T>(blk, xq, isum);

    if constexpr (R == 4) {
      const v128_t dw = simd::load_f16x4_scales(blk[0], blk[1], blk[2], blk[3]);
      for (int t = 0; t < T; ++t) {
        v128_t s = simd::i32x4_hsum4(isum[0][t], isum[1][t], isum[2][t], isum[3][t]);
        if constexpr (W::kNibbles) s = wasm_i32x4_sub(s, wasm_i32x4_splat(8 * a.sum[t * nb + b]));
        const v128_t scale = wasm_f32x4_mul(dw, wasm_f32x4_splat(a.d[t * nb + b]));
        acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), scale));
      }
    } else {
      const float dw = simd::f16_to_f32(simd::load_u16(blk[0]));
      for (int t = 0; t < T; ++t) {
        int32_t s = simd::i32x4_hsum(isum[0][t]);
        if constexpr (W::kNibbles) s -= 8 * a.sum[t * nb + b];
        acc1[t] += static_cast<float>(s) * (dw * a.d[t * nb + b]);
      }
    }
  }
  for (int t = 0; t < T; ++t) {
    if constexpr (R == 4) {
      float lanes[4];
      wasm_v128_store(lanes, acc[t]);
      for (int i = 0; i < 4; ++i) y[t * y_stride + rr[i]] = lanes[i];
    } else {
      y[t * y_stride + rr[0]] = acc1[t];
    }
  }
}

template <class W>
void quant_matmul(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
                  int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr && n > 0);
  assert(cols % 32 == 0 && 0 <= row_begin && row_begin <= row_end && row_end <= rows);
  if (row_begin == row_end) return;
  const q8_activations xa = quantize_activations_q8__wasmsimd(x, n, cols);
  const int64_t nb = cols / 32;
  for_each_tile(n, row_begin, row_end, [&]<int R, int T>(int64_t t, const int64_t* rr) {
    const q8_activations at{xa.q + t * cols, xa.d + t * nb, xa.sum + t * nb};
    quant_tile<W, R, T>(w, cols, at, y + t * rows, rows, rr);
  });
}

}  // namespace

void q8_0_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q8_0_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q4_0_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q4_0_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

// ---------------------------------------------------------------- row lookup (embeddings)
void q8_0_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && cols % 32 == 0 && row >= 0);
  const uint8_t* src = w + row * weight_row_bytes(weight_format::q8_0, cols);
  for (int64_t b = 0; b < cols / 32; ++b) {
    const uint8_t* blk = src + b * sizeof(block_q8_0);
    const v128_t d = wasm_f32x4_splat(simd::f16_to_f32(simd::load_u16(blk)));
    for (int k = 0; k < 4; ++k) {
      const v128_t q = wasm_i16x8_load8x8(blk + 2 + 8 * k);
      const v128_t lo = simd::small_i32x4_to_f32x4(wasm_i32x4_extend_low_i16x8(q));
      const v128_t hi = simd::small_i32x4_to_f32x4(wasm_i32x4_extend_high_i16x8(q));
      wasm_v128_store(out + b * 32 + 8 * k, wasm_f32x4_mul(d, lo));
      wasm_v128_store(out + b * 32 + 8 * k + 4, wasm_f32x4_mul(d, hi));
    }
  }
}

void q4_0_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && cols % 32 == 0 && row >= 0);
  const uint8_t* src = w + row * weight_row_bytes(weight_format::q4_0, cols);
  for (int64_t b = 0; b < cols / 32; ++b) {
    const uint8_t* blk = src + b * sizeof(block_q4_0);
    const v128_t d = wasm_f32x4_splat(simd::f16_to_f32(simd::load_u16(blk)));
    const v128_t chunks[4] = {q4_0_weights::chunk<0>(blk), q4_0_weights::chunk<1>(blk),
                              q4_0_weights::chunk<2>(blk), q4_0_weights::chunk<3>(blk)};
    for (int k = 0; k < 4; ++k) {
      const v128_t q = wasm_i16x8_sub(chunks[k], wasm_i16x8_splat(8));
      const v128_t lo = simd::small_i32x4_to_f32x4(wasm_i32x4_extend_low_i16x8(q));
      const v128_t hi = simd::small_i32x4_to_f32x4(wasm_i32x4_extend_high_i16x8(q));
      wasm_v128_store(out + b * 32 + 8 * k, wasm_f32x4_mul(d, lo));
      wasm_v128_store(out + b * 32 + 8 * k + 4, wasm_f32x4_mul(d, hi));
    }
  }
}

}  // namespace inkstone
