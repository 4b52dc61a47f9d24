// Q4_K, Q5_K and Q6_K weights (SIMD128): matmul and row lookup, on the integer path.
//
// Activations are quantized once per call exactly as for Q8_0/Q4_0 (quantize-activations.cpp:
// int8 per 32-block with an f32 scale d_x, widened to int16, and the block's integer sum). A
// K-quant sub-block of 32 values lines up with one activation block, so per sub-block s the
// kernel forms exact integer dot products of the weight integers with x_q (i32x4.dot_i16x8_s) on
// each 16-value half (lo: values 0..15, hi: 16..31), weighs them with the integer sub-block
// scales, and adds to an f32 accumulator
//   Q4_K, Q5_K (value = d sc q - dmin m, q >= 0):
//     acc += float(sc (lo + hi)) * (d d_x) - float(m sum(x_q)) * (dmin d_x)
//   Q6_K (value = d sc_h (q - 32), one scale per 16 values; the dot uses q - 32 directly):
//     acc += float(sc_lo lo + sc_hi hi) * (d d_x)
// Every integer is exact and below 2^24 (Q6_K: 2 * 16 * 32 * 127 * 128 < 2^24), so its float is
// exact. llama.cpp quantizes the activations of these products to Q8_K instead (one scale per 256
// values): ours are at least as fine, and the error model is the one of Q8_0 (half a step of the
// 32-block's d_x per value; tests/common/simd-kernel-checks.h).
//
// Tiles of 4 weight rows x T tokens (row-tiling.h); lane i of every vector is row rr[i]. A single
// row runs as a 4-row tile of that row repeated, so it takes the same instruction sequence as in
// a 4-row tile and splits of the rows agree bit for bit.
#include <cassert>
#include <cstddef>

#include "quant-blocks.h"
#include "row-tiling.h"
#include "wasmsimd/simd-common.h"
#include "wasmsimd/wasmsimd-kernels.h"

namespace inkstone {

namespace {

// One super-block's scales as the kernels use them.
struct k_scales {
  int32_t sc[16];  // scale of values 16h .. 16h+15 (Q4_K/Q5_K: sub-block h / 2's, twice)
  int32_t m[8];    // min of sub-block s (Q4_K/Q5_K)
  float d;
  float dmin;
};

inline void unpack_q4_q5_scales(const uint8_t* packed, const uint8_t* d, k_scales& ks) {
  ks.d = simd::f16_to_f32(simd::load_u16(d));
  ks.dmin = simd::f16_to_f32(simd::load_u16(d + 2));
  for (int s = 0; s < 8; ++s) {
    int sc = 0, m = 0;
    k_scale_min(s, packed, &sc, &m);
    ks.sc[2 * s] = ks.sc[2 * s + 1] = sc;
    ks.m[s] = m;
  }
}

// The low 4 bits of sub-block s (32 values) of Q4_K/Q5_K: the low nibbles of 32 bytes for even s,
// the high nibbles for odd s.
inline void nibbles(const uint8_t* qs, int s, v128_t (&nib)[2]) {
  const uint8_t* p = qs + 32 * (s / 2);
  for (int k = 0; k < 2; ++k) {
    const v128_t b = wasm_v128_load(p + 16 * k);
    nib[k] = s % 2 == 0 ? wasm_v128_and(b, wasm_i8x16_splat(0x0F)) : wasm_u8x16_shr(b, 4);
  }
}

// 32 byte values (2 x u8x16) -> 4 x i16x8, values 8k .. 8k+7 in v[k].
inline void widen_u8(const v128_t (&b)[2], v128_t (&v)[4]) {
  v[0] = wasm_u16x8_extend_low_u8x16(b[0]);
  v[1] = wasm_u16x8_extend_high_u8x16(b[0]);
  v[2] = wasm_u16x8_extend_low_u8x16(b[1]);
  v[3] = wasm_u16x8_extend_high_u8x16(b[1]);
}

struct q4_k_weights {
  static constexpr weight_format kFormat = weight_format::q4_k;
  static constexpr bool kHasMin = true;
  static void scales(const uint8_t* blk, k_scales& ks) {
    unpack_q4_q5_scales(blk + offsetof(block_q4_k, scales), blk, ks);
  }
  static void values(const uint8_t* blk, int s, v128_t (&v)[4]) {
    v128_t nib[2];
    nibbles(blk + offsetof(block_q4_k, qs), s, nib);
    widen_u8(nib, v);
  }
};

struct q5_k_weights {
  static constexpr weight_format kFormat = weight_format::q5_k;
  static constexpr bool kHasMin = true;
  static void scales(const uint8_t* blk, k_scales& ks) {
    unpack_q4_q5_scales(blk + offsetof(block_q5_k, scales), blk, ks);
  }
  static void values(const uint8_t* blk, int s, v128_t (&v)[4]) {
    v128_t q[2];
    nibbles(blk + offsetof(block_q5_k, qs), s, q);
    const uint8_t* qh = blk + offsetof(block_q5_k, qh);
    for (int k = 0; k < 2; ++k) {  // + 16 * bit s of qh[l]
      const v128_t bit =
          wasm_v128_and(wasm_u8x16_shr(wasm_v128_load(qh + 16 * k), s), wasm_i8x16_splat(1));
      q[k] = wasm_v128_or(q[k], wasm_i8x16_shl(bit, 4));
    }
    widen_u8(q, v);
  }
};

struct q6_k_weights {
  static constexpr weight_format kFormat = weight_format::q6_k;
  static constexpr bool kHasMin = false;
  static void scales(const uint8_t* blk, k_scales& ks) {
    const auto* sc = reinterpret_cast<const int8_t*>(blk + offsetof(block_q6_k, scales));
    for (int h = 0; h < 16; ++h) ks.sc[h] = sc[h];
    for (int s = 0; s < 8; ++s) ks.m[s] = 0;
    ks.d = simd::f16_to_f32(simd::load_u16(blk + offsetof(block_q6_k, d)));
    ks.dmin = 0.0f;
  }
  // Values 32s .. 32s+31 as q - 32 (signed): half h = s / 4, group g = s % 4 of it.
  static void values(const uint8_t* blk, int s, v128_t (&v)[4]) {
    const int h = s / 4, g = s % 4;
    const uint8_t* ql = blk + offsetof(block_q6_k, ql) + 64 * h + 32 * (g % 2);
    const uint8_t* qh = blk + offsetof(block_q6_k, qh) + 32 * h;
    for (int k = 0; k < 2; ++k) {
      const v128_t lb = wasm_v128_load(ql + 16 * k);
      const v128_t lo = g < 2 ? wasm_v128_and(lb, wasm_i8x16_splat(0x0F)) : wasm_u8x16_shr(lb, 4);
      const v128_t hi =
          wasm_v128_and(wasm_u8x16_shr(wasm_v128_load(qh + 16 * k), 2 * g), wasm_i8x16_splat(3));
      const v128_t q =
          wasm_i8x16_sub(wasm_v128_or(lo, wasm_i8x16_shl(hi, 4)), wasm_i8x16_splat(32));
      v[2 * k] = wasm_i16x8_extend_low_i8x16(q);
      v[2 * k + 1] = wasm_i16x8_extend_high_i8x16(q);
    }
  }
};

// y[t * y_stride + rr[i]] for i < 4 (or i = 0 when kOneRow: rr holds one row, repeated in every
// lane), t < T. `a` points at token 0 of the tile.
template <class W, int T, bool kOneRow>
inline void k_tile(const uint8_t* w, int64_t cols, const q8_activations& a, float* y,
                   int64_t y_stride, const int64_t* rr) {
  constexpr size_t kBlockBytes = weight_row_bytes(W::kFormat, kQk_K);
  const int64_t nsb = cols / kQk_K, nb = cols / 32;
  const size_t row_bytes = weight_row_bytes(W::kFormat, cols);
  const uint8_t* wr[4];
  for (int i = 0; i < 4; ++i) wr[i] = w + rr[kOneRow ? 0 : i] * row_bytes;

  v128_t acc[T];
  for (int t = 0; t < T; ++t) acc[t] = wasm_f32x4_splat(0.0f);
  for (int64_t b = 0; b < nsb; ++b) {
    const uint8_t* blk[4];
    k_scales ks[4];
    for (int i = 0; i < 4; ++i) {
      blk[i] = wr[i] + b * kBlockBytes;
      W::scales(blk[i], ks[i]);
    }
    const v128_t dw = wasm_f32x4_make(ks[0].d, ks[1].d, ks[2].d, ks[3].d);
    const v128_t dminw = wasm_f32x4_make(ks[0].dmin, ks[1].dmin, ks[2].dmin, ks[3].dmin);
    for (int s = 0; s < 8; ++s) {
      v128_t lo[4][T], hi[4][T];  // per row and token: i32x4 partial dots of each half
      for (int i = 0; i < 4; ++i) {
        v128_t v[4];
        W::values(blk[i], s, v);
        for (int t = 0; t < T; ++t) {
          const int16_t* xq = a.q + t * cols + b * kQk_K + 32 * s;
          lo[i][t] = wasm_i32x4_add(wasm_i32x4_dot_i16x8(v[0], wasm_v128_load(xq)),
                                    wasm_i32x4_dot_i16x8(v[1], wasm_v128_load(xq + 8)));
          hi[i][t] = wasm_i32x4_add(wasm_i32x4_dot_i16x8(v[2], wasm_v128_load(xq + 16)),
                                    wasm_i32x4_dot_i16x8(v[3], wasm_v128_load(xq + 24)));
        }
      }
      const v128_t sc_lo =
          wasm_i32x4_make(ks[0].sc[2 * s], ks[1].sc[2 * s], ks[2].sc[2 * s], ks[3].sc[2 * s]);
      const v128_t sc_hi = wasm_i32x4_make(ks[0].sc[2 * s + 1], ks[1].sc[2 * s + 1],
                                           ks[2].sc[2 * s + 1], ks[3].sc[2 * s + 1]);
      const v128_t mins = wasm_i32x4_make(ks[0].m[s], ks[1].m[s], ks[2].m[s], ks[3].m[s]);
      for (int t = 0; t < T; ++t) {
        const v128_t lo_sum = simd::i32x4_hsum4(lo[0][t], lo[1][t], lo[2][t], lo[3][t]);
        const v128_t hi_sum = simd::i32x4_hsum4(hi[0][t], hi[1][t], hi[2][t], hi[3][t]);
        const v128_t isum =
            wasm_i32x4_add(wasm_i32x4_mul(lo_sum, sc_lo), wasm_i32x4_mul(hi_sum, sc_hi));
        const v128_t dx = wasm_f32x4_splat(a.d[t * nb + b * 8 + s]);
        acc[t] = wasm_f32x4_add(
            acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(isum), wasm_f32x4_mul(dw, dx)));
        if constexpr (W::kHasMin) {
          const v128_t msum = wasm_i32x4_mul(mins, wasm_i32x4_splat(a.sum[t * nb + b * 8 + s]));
          acc[t] = wasm_f32x4_sub(
              acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(msum), wasm_f32x4_mul(dminw, dx)));
        }
      }
    }
  }
  for (int t = 0; t < T; ++t) {
    float lanes[4];
    wasm_v128_store(lanes, acc[t]);
    for (int i = 0; i < (kOneRow ? 1 : 4); ++i) y[t * y_stride + rr[i]] = lanes[i];
  }
}

template <class W>
void k_matmul(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
              int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr && n > 0);
  assert(cols % kQk_K == 0 && 0 <= row_begin && row_begin <= row_end && row_end <= rows);
  if (row_begin == row_end) return;
  const q8_activations xa = quantize_activations_q8__wasmsimd(x, n, cols);
  const int64_t nb = cols / 32;
  for_each_tile(n, row_begin, row_end, [&]<int R, int T>(int64_t t, const int64_t* rr) {
    const q8_activations at{xa.q + t * cols, xa.d + t * nb, xa.sum + t * nb};
    k_tile<W, T, R == 1>(w, cols, at, y + t * rows, rows, rr);
  });
}

// Row `row` dequantized with ref's operations: (d sc) * q - dmin m, or (d sc) * (q - 32).
template <class W>
void k_get_rows(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && cols % kQk_K == 0 && row >= 0);
  constexpr size_t kBlockBytes = weight_row_bytes(W::kFormat, kQk_K);
  const uint8_t* src = w + row * weight_row_bytes(W::kFormat, cols);
  for (int64_t b = 0; b < cols / kQk_K; ++b) {
    const uint8_t* blk = src + b * kBlockBytes;
    k_scales ks;
    W::scales(blk, ks);
    for (int s = 0; s < 8; ++s) {
      v128_t v[4];
      W::values(blk, s, v);
      const v128_t m = wasm_f32x4_splat(ks.dmin * static_cast<float>(ks.m[s]));
      for (int k = 0; k < 4; ++k) {
        const v128_t ds = wasm_f32x4_splat(ks.d * static_cast<float>(ks.sc[2 * s + k / 2]));
        const v128_t halves[2] = {wasm_i32x4_extend_low_i16x8(v[k]),
                                  wasm_i32x4_extend_high_i16x8(v[k])};
        for (int j = 0; j < 2; ++j) {
          v128_t f = wasm_f32x4_mul(ds, simd::small_i32x4_to_f32x4(halves[j]));
          if constexpr (W::kHasMin) f = wasm_f32x4_sub(f, m);
          wasm_v128_store(out + b * kQk_K + 32 * s + 8 * k + 4 * j, f);
        }
      }
    }
  }
}

}  // namespace

void q4_k_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end) {
  k_matmul<q4_k_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}
void q5_k_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end) {
  k_matmul<q5_k_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}
void q6_k_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                           float* y, int64_t row_begin, int64_t row_end) {
  k_matmul<q6_k_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q4_k_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  k_get_rows<q4_k_weights>(w, cols, row, out);
}
void q5_k_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  k_get_rows<q5_k_weights>(w, cols, row, out);
}
void q6_k_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  k_get_rows<q6_k_weights>(w, cols, row, out);
}

}  // namespace inkstone
