// Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 weights (SIMD128): matmul and row lookup, on the integer path.
//
// Activations are quantized once per call (quantize-activations.cpp: int8 per 32-block with an
// f32 scale, widened to int16). Per weight block the kernel forms the exact integer dot product
// of 32 int8 weights (Q4_0, Q4_1: nibbles 0..15; Q5_0, Q5_1: 0..31) with the activation block via
// i32x4.dot_i16x8_s, and adds  float(isum) * (d_w * d_x)  to an f32 accumulator. Q4_0 and Q5_0
// dot the raw integers and subtract 8 (16) * sum(x_q) afterwards (exact in integers). Q4_1 and
// Q5_1 (value d q + m) add the block's  float(isum) * (d_w * d_x) + m_w * (d_x * sum(x_q))  as one
// term.
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

// A weight format on the integer path: chunk<K>() gives elements 8K .. 8K+7 of a block as int16,
// their value is d * (chunk - kOffset) (+ m, read at kMinAt, when kHasMin).
struct q8_0_weights {
  static constexpr weight_format kFormat = weight_format::q8_0;
  static constexpr int64_t kBlockBytes = sizeof(block_q8_0);
  static constexpr int kOffset = 0;
  static constexpr bool kHasMin = false;
  static constexpr int kMinAt = 0;
  // Elements 8k .. 8k+7 of the block as int16 (one pmovsxbw with a memory operand on x86).
  template <int K>
  static v128_t chunk(const uint8_t* block) {
    return wasm_i16x8_load8x8(block + 2 + 8 * K);
  }
};

// Elements 8K .. 8K+7 of 32 nibbles at qs (elements 0..15 the low nibbles, 16..31 the high).
template <int K>
inline v128_t nibble_chunk(const uint8_t* qs) {
  const v128_t bytes = wasm_v128_load(qs);
  const v128_t nib =
      K < 2 ? wasm_v128_and(bytes, wasm_i8x16_splat(0x0F)) : wasm_u8x16_shr(bytes, 4);
  return (K % 2 == 0) ? wasm_u16x8_extend_low_u8x16(nib) : wasm_u16x8_extend_high_u8x16(nib);
}

// 16 in the lanes l of elements 8K + l whose fifth bit (bit 8K + l of qh) is set, else 0.
template <int K>
inline v128_t high_bit_chunk(const uint8_t* qh) {
  const v128_t bits = wasm_v128_and(wasm_i16x8_splat(qh[K]),
                                    wasm_i16x8_make(1, 2, 4, 8, 16, 32, 64, 128));
  return wasm_v128_and(wasm_i16x8_ne(bits, wasm_i16x8_splat(0)), wasm_i16x8_splat(16));
}

struct q4_0_weights {
  static constexpr weight_format kFormat = weight_format::q4_0;
  static constexpr int64_t kBlockBytes = sizeof(block_q4_0);
  static constexpr int kOffset = 8;  // chunk() yields nibble values 0..15; value = nibble - 8
  static constexpr bool kHasMin = false;
  static constexpr int kMinAt = 0;
  template <int K>
  static v128_t chunk(const uint8_t* block) {
    return nibble_chunk<K>(block + 2);
  }
};

struct q4_1_weights {
  static constexpr weight_format kFormat = weight_format::q4_1;
  static constexpr int64_t kBlockBytes = sizeof(block_q4_1);
  static constexpr int kOffset = 0;
  static constexpr bool kHasMin = true;
  static constexpr int kMinAt = 2;
  template <int K>
  static v128_t chunk(const uint8_t* block) {
    return nibble_chunk<K>(block + 4);
  }
};

struct q5_0_weights {
  static constexpr weight_format kFormat = weight_format::q5_0;
  static constexpr int64_t kBlockBytes = sizeof(block_q5_0);
  static constexpr int kOffset = 16;
  static constexpr bool kHasMin = false;
  static constexpr int kMinAt = 0;
  template <int K>
  static v128_t chunk(const uint8_t* block) {
    return wasm_v128_or(nibble_chunk<K>(block + 6), high_bit_chunk<K>(block + 2));
  }
};

struct q5_1_weights {
  static constexpr weight_format kFormat = weight_format::q5_1;
  static constexpr int64_t kBlockBytes = sizeof(block_q5_1);
  static constexpr int kOffset = 0;
  static constexpr bool kHasMin = true;
  static constexpr int kMinAt = 2;
  template <int K>
  static v128_t chunk(const uint8_t* block) {
    return wasm_v128_or(nibble_chunk<K>(block + 8), high_bit_chunk<K>(block + 4));
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
        const int32_t xsum = a.sum[t * nb + b];
        const float dx = a.d[t * nb + b];
        if constexpr (W::kOffset != 0) s = wasm_i32x4_sub(s, wasm_i32x4_splat(W::kOffset * xsum));
        const v128_t scale = wasm_f32x4_mul(dw, wasm_f32x4_splat(dx));
        v128_t term = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), scale);
        if constexpr (W::kHasMin) {
          const v128_t mw = simd::load_f16x4_scales(blk[0] + W::kMinAt, blk[1] + W::kMinAt,
                                                    blk[2] + W::kMinAt, blk[3] + W::kMinAt);
          const float dsum = dx * static_cast<float>(xsum);
          term = wasm_f32x4_add(term, wasm_f32x4_mul(mw, wasm_f32x4_splat(dsum)));
        }
        acc[t] = wasm_f32x4_add(acc[t], term);
      }
    } else {
      const float dw = simd::f16_to_f32(simd::load_u16(blk[0]));
      for (int t = 0; t < T; ++t) {
        int32_t s = simd::i32x4_hsum(isum[0][t]);
        const int32_t xsum = a.sum[t * nb + b];
        const float dx = a.d[t * nb + b];
        if constexpr (W::kOffset != 0) s -= W::kOffset * xsum;
        float term = static_cast<float>(s) * (dw * dx);
        if constexpr (W::kHasMin) {
          const float mw = simd::f16_to_f32(simd::load_u16(blk[0] + W::kMinAt));
          term += mw * (dx * static_cast<float>(xsum));
        }
        acc1[t] += term;
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

void q4_1_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q4_1_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q5_0_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q5_0_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q5_1_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q5_1_weights>(w, rows, cols, x, n, y, row_begin, row_end);
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

namespace {
// Values d * (chunk - kOffset) (+ m) of a row of Q4_0, Q4_1, Q5_0 or Q5_1: the product and the
// sum in ref's order, so the same bits as ref.
template <class W>
void small_quant_get_rows(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && cols % 32 == 0 && row >= 0);
  const uint8_t* src = w + row * weight_row_bytes(W::kFormat, cols);
  for (int64_t b = 0; b < cols / 32; ++b) {
    const uint8_t* blk = src + b * W::kBlockBytes;
    const v128_t d = wasm_f32x4_splat(simd::f16_to_f32(simd::load_u16(blk)));
    const v128_t m = wasm_f32x4_splat(W::kHasMin ? simd::f16_to_f32(simd::load_u16(blk + W::kMinAt))
                                                 : 0.0f);
    const auto value = [&](v128_t q) {
      const v128_t v = wasm_f32x4_mul(d, q);
      return W::kHasMin ? wasm_f32x4_add(v, m) : v;
    };
    const v128_t chunks[4] = {W::template chunk<0>(blk), W::template chunk<1>(blk),
                              W::template chunk<2>(blk), W::template chunk<3>(blk)};
    for (int k = 0; k < 4; ++k) {
      const v128_t q = wasm_i16x8_sub(chunks[k], wasm_i16x8_splat(W::kOffset));
      const v128_t lo = simd::small_i32x4_to_f32x4(wasm_i32x4_extend_low_i16x8(q));
      const v128_t hi = simd::small_i32x4_to_f32x4(wasm_i32x4_extend_high_i16x8(q));
      wasm_v128_store(out + b * 32 + 8 * k, value(lo));
      wasm_v128_store(out + b * 32 + 8 * k + 4, value(hi));
    }
  }
}
}  // namespace

void q4_0_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  small_quant_get_rows<q4_0_weights>(w, cols, row, out);
}

void q4_1_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  small_quant_get_rows<q4_1_weights>(w, cols, row, out);
}

void q5_0_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  small_quant_get_rows<q5_0_weights>(w, cols, row, out);
}

void q5_1_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  small_quant_get_rows<q5_1_weights>(w, cols, row, out);
}

}  // namespace inkstone
