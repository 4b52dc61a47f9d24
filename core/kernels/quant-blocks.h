// Quantized weight blocks, laid out exactly as ggml writes them (so GGUF files interchange with
// llama.cpp). A row of `cols` weights is cols / 32 blocks (Q8_0, Q4_0) or cols / 256 super-blocks
// (the K-quants) back to back. docs/model-conventions.md describes every layout in prose.
//
//   Q8_0: value j = d * qs[j]                                  (j = 0 .. 31)
//   Q4_0: value j = d * ((qs[j] & 0x0F) - 8)        for j < 16
//         value j = d * ((qs[j - 16] >> 4) - 8)     for j >= 16
//   Q4_1: value j = d * n_j + m, n_j the nibble of Q4_0 (0..15, no offset)
//   Q5_0: value j = d * (n_j + 16 h_j - 16), h_j = bit j of qh (a little-endian uint32)
//   Q5_1: value j = d * (n_j + 16 h_j) + m
//
// K-quants: a super-block of 256 values in sub-blocks, each with its own small integer scale.
//   Q4_K: 8 sub-blocks s of 32; value = d * sc[s] * q - dmin * m[s], q in 0..15:
//         q of element 32s + l is the low nibble of qs[32 (s / 2) + l] for even s, the high
//         nibble for odd s; sc[s], m[s] are 6-bit numbers packed in scales[12] (k_scale_min).
//   Q5_K: as Q4_K with q in 0..31: the nibble plus 16 * bit s of qh[l].
//   Q6_K: 16 sub-blocks of 16; value e = d * scales[e / 16] * (q - 32), q in 0..63, with
//         h = e / 128, g = (e % 128) / 32, l = e % 32:
//         low 4 bits  = ql[64h + 32 (g % 2) + l], low nibble for g < 2, high nibble for g >= 2
//         high 2 bits = (qh[32h + l] >> 2g) & 3
//
// `d` (and `dmin`) is an IEEE half stored as its 16 bits (convert with fp16_to_fp32). Blocks are
// read through the structs: GGUF tensor data is aligned (32 bytes by default) and the structs
// need only 2.
#pragma once

#include <cstdint>

#include "inkstone/fp16.h"  // fp16_to_fp32 for the block scales

namespace inkstone {

inline constexpr int kQk8_0 = 32;  // weights per Q8_0 block
inline constexpr int kQk4_0 = 32;  // weights per Q4_0 block

struct block_q8_0 {
  uint16_t d;  // scale, fp16 bits
  int8_t qs[kQk8_0];
};
static_assert(sizeof(block_q8_0) == 34, "block_q8_0 must match ggml's layout");

struct block_q4_0 {
  uint16_t d;              // scale, fp16 bits
  uint8_t qs[kQk4_0 / 2];  // nibbles: low = elements 0..15, high = elements 16..31
};
static_assert(sizeof(block_q4_0) == 18, "block_q4_0 must match ggml's layout");

struct block_q4_1 {
  uint16_t d;              // scale, fp16 bits
  uint16_t m;              // offset (the block's minimum), fp16 bits
  uint8_t qs[kQk4_0 / 2];  // nibbles as Q4_0's
};
static_assert(sizeof(block_q4_1) == 20, "block_q4_1 must match ggml's layout");

struct block_q5_0 {
  uint16_t d;              // scale, fp16 bits
  uint8_t qh[4];           // bit j (of the little-endian uint32): the fifth bit of element j
  uint8_t qs[kQk4_0 / 2];  // the low 4 bits, as Q4_0's nibbles
};
static_assert(sizeof(block_q5_0) == 22, "block_q5_0 must match ggml's layout");

struct block_q5_1 {
  uint16_t d;  // scale, fp16 bits
  uint16_t m;  // offset, fp16 bits
  uint8_t qh[4];
  uint8_t qs[kQk4_0 / 2];
};
static_assert(sizeof(block_q5_1) == 24, "block_q5_1 must match ggml's layout");

// The 5-bit integer (0..31) of element j of a Q5_0/Q5_1 block, and the 4-bit one (0..15) of a
// Q4_0/Q4_1 block, from its nibbles and high bits.
inline int block_nibble(const uint8_t* qs, int j) { return j < 16 ? qs[j] & 0x0F : qs[j - 16] >> 4; }
inline int block_high_bit(const uint8_t* qh, int j) { return (qh[j / 8] >> (j % 8)) & 1; }

inline constexpr int kQk_K = 256;  // weights per K-quant super-block

struct block_q4_k {
  uint16_t d;             // super-block scale of the sub-block scales, fp16 bits
  uint16_t dmin;          // super-block scale of the sub-block mins, fp16 bits
  uint8_t scales[12];     // 8 scales + 8 mins, 6 bits each (k_scale_min)
  uint8_t qs[kQk_K / 2];  // nibbles: qs[32i + l] holds sub-block 2i (low) and 2i+1 (high)
};
static_assert(sizeof(block_q4_k) == 144, "block_q4_k must match ggml's layout");

struct block_q5_k {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];     // as Q4_K
  uint8_t qh[kQk_K / 8];  // bit s of qh[l]: the fifth bit of element 32s + l
  uint8_t qs[kQk_K / 2];  // the low 4 bits, as Q4_K's nibbles
};
static_assert(sizeof(block_q5_k) == 176, "block_q5_k must match ggml's layout");

struct block_q6_k {
  uint8_t ql[kQk_K / 2];      // low 4 bits
  uint8_t qh[kQk_K / 4];      // high 2 bits
  int8_t scales[kQk_K / 16];  // one signed 8-bit scale per 16 values
  uint16_t d;                 // fp16 bits (last, unlike the other blocks)
};
static_assert(sizeof(block_q6_k) == 210, "block_q6_k must match ggml's layout");

// Scale and min of Q4_K/Q5_K sub-block j (0..7) from the 12 packed bytes: for j < 4 the low 6
// bits of bytes j (scale) and j + 4 (min); for j >= 4 the nibbles of byte j + 4 (scale low,
// min high) with the top 2 bits of bytes j - 4 (scale) and j (min) as their bits 4 and 5.
inline void k_scale_min(int j, const uint8_t* q, int* scale, int* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
    return;
  }
  *scale = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
  *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
}

}  // namespace inkstone
