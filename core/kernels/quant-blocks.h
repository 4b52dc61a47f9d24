// Quantized weight blocks, laid out exactly as ggml writes them (so GGUF files interchange with
// llama.cpp). A row of `cols` weights is cols / 32 blocks back to back.
//
//   Q8_0: value j = d * qs[j]                                  (j = 0 .. 31)
//   Q4_0: value j = d * ((qs[j] & 0x0F) - 8)        for j < 16
//         value j = d * ((qs[j - 16] >> 4) - 8)     for j >= 16
//
// `d` is an IEEE half stored as its 16 bits (convert with fp16_to_fp32). Blocks are read through
// the structs: GGUF tensor data is aligned (32 bytes by default) and the structs need only 2.
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

}  // namespace inkstone
