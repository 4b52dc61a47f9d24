// Kernel fixtures shared by the kernel tests (tests/cpp/test-kernels.cpp, tests/wasm/
// test-wasmsimd.cpp) and the kernel benchmarks (tools/bench/kernel-bench.h): a fixed-seed
// generator, random activations, and random weight matrices in every weight format together with
// their exact values in double (written from the layout in quant-blocks.h, not with the kernels'
// helpers, so a test compares against an independent dequantization).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "inkstone/fp16.h"
#include "kernel-table.h"

namespace inkstone::fixtures {

// A tiny deterministic generator (independent of the standard library's distributions).
struct lcg {
  uint64_t s;
  explicit lcg(uint64_t seed) : s(seed * 2862933555777941757ull + 3037000493ull) {}
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 33);
  }
  float uniform(float lo, float hi) { return lo + (hi - lo) * (next() & 0xFFFFFF) / 16777216.0f; }
};

inline std::vector<float> random_vec(lcg& r, size_t n, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> v(n);
  for (auto& x : v) x = r.uniform(lo, hi);
  return v;
}

inline void put_u16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

// A weight matrix W (rows, cols): its bytes as the kernels read them and, unless skipped (the
// benchmarks' largest matrices), its exact values (rows, cols) in double.
struct weights {
  std::vector<uint8_t> bytes;
  std::vector<double> dense;
};

// Scale and min of Q4_K/Q5_K sub-block j from the 12 packed bytes, read bit by bit from the layout
// (docs/model-conventions.md): 6-bit numbers; j < 4 in bits 0-5 of bytes j and j + 4; j >= 4 with
// bits 0-3 in the low / high nibble of byte j + 4 and bits 4-5 in bits 6-7 of byte j - 4 / j.
inline void k_fixture_scale_min(const uint8_t* p, int j, int* scale, int* min) {
  auto bits = [&](int byte, int from, int n) { return (p[byte] >> from) & ((1 << n) - 1); };
  if (j < 4) {
    *scale = bits(j, 0, 6);
    *min = bits(j + 4, 0, 6);
  } else {
    *scale = bits(j + 4, 0, 4) + 16 * bits(j - 4, 6, 2);
    *min = bits(j + 4, 4, 4) + 16 * bits(j, 6, 2);
  }
}

// Random weights: F32/F16 values uniform in [-1, 1); Q8_0 scales in [0.001, 0.02) with values in
// [-127, 127]; Q4_0 scales in [0.01, 0.2) with random nibbles; Q4_1/Q5_0/Q5_1 the same (Q5_0/Q5_1
// below 0.1) with random high bits and, for Q4_1/Q5_1, a min in [-1, 0) (d (q - offset) + m is
// exact in float); K-quants: random bytes for every
// packed field, Q4_K/Q5_K d and dmin k / 4096 (k = 1..15: every value d sc q - dmin m is then a
// multiple of 2^-12 below 2^12, exact in float, so get_rows can be held to exact equality),
// Q6_K d random in [0.0005, 0.004) (d sc (q - 32) is exact in float for any half d). Quantized
// formats need cols to be a multiple of weight_block_size(format).
inline weights make_weights(weight_format format, int64_t rows, int64_t cols, uint64_t seed,
                            bool with_dense = true) {
  lcg r(seed);
  weights w;
  w.bytes.resize(weight_row_bytes(format, cols) * rows);
  std::vector<double> scratch(256);
  if (with_dense) w.dense.resize(size_t(rows * cols));
  uint8_t* p = w.bytes.data();
  const int64_t n = rows * cols;
  for (int64_t i = 0; i < n;) {
    double* d_out = with_dense ? w.dense.data() + i : scratch.data();
    switch (format) {
      case weight_format::f32: {
        const float v = r.uniform(-1, 1);
        std::memcpy(p, &v, 4);
        p += 4;
        d_out[0] = v;
        i += 1;
        break;
      }
      case weight_format::f16: {
        const uint16_t h = fp32_to_fp16(r.uniform(-1, 1));
        put_u16(p, h);
        p += 2;
        d_out[0] = fp16_to_fp32(h);
        i += 1;
        break;
      }
      case weight_format::q8_0: {
        const uint16_t dh = fp32_to_fp16(r.uniform(0.001f, 0.02f));
        put_u16(p, dh);
        const double d = fp16_to_fp32(dh);
        for (int j = 0; j < 32; ++j) {
          const int8_t q = static_cast<int8_t>(static_cast<int>(r.next() % 255) - 127);
          p[2 + j] = static_cast<uint8_t>(q);
          d_out[j] = d * q;
        }
        p += 34;
        i += 32;
        break;
      }
      case weight_format::q4_0: {
        const uint16_t dh = fp32_to_fp16(r.uniform(0.01f, 0.2f));
        put_u16(p, dh);
        const double d = fp16_to_fp32(dh);
        for (int j = 0; j < 16; ++j) {
          const uint8_t byte = static_cast<uint8_t>(r.next() & 0xFF);
          p[2 + j] = byte;
          d_out[j] = d * ((byte & 0x0F) - 8);
          d_out[j + 16] = d * ((byte >> 4) - 8);
        }
        p += 18;
        i += 32;
        break;
      }
      case weight_format::q4_1:
      case weight_format::q5_0:
      case weight_format::q5_1: {
        // d, (Q4_1, Q5_1: m), (Q5_0, Q5_1: qh[4]), qs[16]
        const bool has_min = format != weight_format::q5_0;
        const bool five = format != weight_format::q4_1;
        const size_t size = weight_row_bytes(format, 32);
        const uint16_t dh = fp32_to_fp16(r.uniform(0.01f, five ? 0.1f : 0.2f));
        const uint16_t mh = fp32_to_fp16(r.uniform(-1.0f, 0.0f));
        put_u16(p, dh);
        if (has_min) put_u16(p + 2, mh);
        for (size_t k = has_min ? 4 : 2; k < size; ++k) p[k] = static_cast<uint8_t>(r.next() & 0xFF);
        const double d = fp16_to_fp32(dh), m = has_min ? fp16_to_fp32(mh) : 0.0;
        const uint8_t* qh = p + (has_min ? 4 : 2);
        const uint8_t* qs = p + size - 16;
        for (int j = 0; j < 32; ++j) {
          int q = j < 16 ? qs[j] % 16 : qs[j - 16] / 16;
          if (five) q += 16 * ((qh[j / 8] >> (j % 8)) & 1);
          const int offset = format == weight_format::q5_0 ? 16 : 0;
          d_out[j] = d * (q - offset) + m;
        }
        p += size;
        i += 32;
        break;
      }
      case weight_format::q4_k:
      case weight_format::q5_k: {
        // d, dmin, scales[12], (Q5_K: qh[32]), qs[128]
        const bool five = format == weight_format::q5_k;
        const size_t size = weight_row_bytes(format, 256);
        put_u16(p, fp32_to_fp16(float(1 + r.next() % 15) / 4096.0f));
        put_u16(p + 2, fp32_to_fp16(float(1 + r.next() % 15) / 4096.0f));
        for (size_t k = 4; k < size; ++k) p[k] = static_cast<uint8_t>(r.next() & 0xFF);
        const double d = fp16_to_fp32(uint16_t(p[0] | p[1] << 8));
        const double dmin = fp16_to_fp32(uint16_t(p[2] | p[3] << 8));
        const uint8_t* qh = p + 16;
        const uint8_t* qs = p + size - 128;
        for (int e = 0; e < 256; ++e) {
          const int sub = e / 32, l = e % 32;
          int sc = 0, m = 0;
          k_fixture_scale_min(p + 4, sub, &sc, &m);
          const uint8_t byte = qs[32 * (sub / 2) + l];
          int q = sub % 2 == 0 ? byte % 16 : byte / 16;
          if (five) q += 16 * ((qh[l] >> sub) & 1);
          if (with_dense) d_out[e] = d * sc * q - dmin * m;
        }
        p += size;
        i += 256;
        break;
      }
      case weight_format::q6_k: {
        // ql[128], qh[64], int8 scales[16], d
        for (int k = 0; k < 208; ++k) p[k] = static_cast<uint8_t>(r.next() & 0xFF);
        put_u16(p + 208, fp32_to_fp16(r.uniform(0.0005f, 0.004f)));
        const double d = fp16_to_fp32(uint16_t(p[208] | p[209] << 8));
        for (int e = 0; e < 256; ++e) {
          const int half = e / 128, g = (e % 128) / 32, l = e % 32;
          const uint8_t lo_byte = p[64 * half + 32 * (g % 2) + l];
          const int lo = g < 2 ? lo_byte % 16 : lo_byte / 16;
          const int hi = (p[128 + 32 * half + l] >> (2 * g)) % 4;
          const int scale = static_cast<int8_t>(p[192 + e / 16]);
          if (with_dense) d_out[e] = d * scale * (lo + 16 * hi - 32);
        }
        p += 210;
        i += 256;
        break;
      }
    }
  }
  return w;
}

inline const char* format_name(weight_format f) {
  switch (f) {
    case weight_format::f32:
      return "f32";
    case weight_format::f16:
      return "f16";
    case weight_format::q4_0:
      return "q4_0";
    case weight_format::q8_0:
      return "q8_0";
    case weight_format::q4_1:
      return "q4_1";
    case weight_format::q5_0:
      return "q5_0";
    case weight_format::q5_1:
      return "q5_1";
    case weight_format::q4_k:
      return "q4_k";
    case weight_format::q5_k:
      return "q5_k";
    case weight_format::q6_k:
      return "q6_k";
  }
  return "?";
}

inline bool is_quant(weight_format f) { return f != weight_format::f32 && f != weight_format::f16; }

inline bool is_k_quant(weight_format f) { return weight_block_size(f) == 256; }

inline constexpr weight_format kFormats[] = {
    weight_format::f32,  weight_format::f16,  weight_format::q4_0, weight_format::q8_0,
    weight_format::q4_k, weight_format::q5_k, weight_format::q6_k, weight_format::q4_1,
    weight_format::q5_0, weight_format::q5_1};

}  // namespace inkstone::fixtures
