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

// Random weights: F32/F16 values uniform in [-1, 1); Q8_0 scales in [0.001, 0.02) with values in
// [-127, 127]; Q4_0 scales in [0.01, 0.2) with random nibbles. Quantized formats need
// cols % 32 == 0.
inline weights make_weights(weight_format format, int64_t rows, int64_t cols, uint64_t seed,
                            bool with_dense = true) {
  lcg r(seed);
  weights w;
  w.bytes.resize(weight_row_bytes(format, cols) * rows);
  std::vector<double> scratch(32);
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
  }
  return "?";
}

inline bool is_quant(weight_format f) {
  return f == weight_format::q4_0 || f == weight_format::q8_0;
}

inline constexpr weight_format kFormats[] = {weight_format::f32, weight_format::f16,
                                             weight_format::q4_0, weight_format::q8_0};

}  // namespace inkstone::fixtures
