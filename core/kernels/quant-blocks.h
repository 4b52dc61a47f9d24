// Quantized weight blocks, laid out exactly as ggml writes them (so GGUF files interchange with
// llama.cpp). A row of `cols` weights is cols / 32 blocks back to back.
//
//   Q8_0: value j = d * qs[j]                                  (j = 0 .. 31)
//   Q4_0: value j = d * ((qs[j] & 0x0F) - 8)        for j < 16
//         value j = d * ((qs[j - 16] >> 4) - 8)     for j >= 16
//
// `d` is an IEEE half stored as its 16 bits. Blocks are read with memcpy-free struct access: GGUF
// tensor data is aligned (32 bytes by default) and the structs have alignment 2.
#pragma once

#include <cstdint>
#include <cstring>

namespace inkstone {

inline constexpr int kQk8_0 = 32;  // weights per Q8_0 block
inline constexpr int kQk4_0 = 32;  // weights per Q4_0 block

struct block_q8_0 {
  uint16_t d;  // scale, fp16 bits
  int8_t qs[kQk8_0];
};
static_assert(sizeof(block_q8_0) == 34, "block_q8_0 must match ggml's layout");

struct block_q4_0 {
  uint16_t d;               // scale, fp16 bits
  uint8_t qs[kQk4_0 / 2];   // nibbles: low = elements 0..15, high = elements 16..31
};
static_assert(sizeof(block_q4_0) == 18, "block_q4_0 must match ggml's layout");

// IEEE 754 binary16 bits -> float, exact for every input (subnormals, inf, nan included).
// Integer-only so native and wasm agree bit for bit.
inline float fp16_bits_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1Fu) {
    bits = sign | 0x7F800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);  // normal: rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal half: normalise the mantissa.
    exp = 113u;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace inkstone
