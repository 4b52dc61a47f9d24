// Q4_K, Q5_K and Q6_K weights: matmul and row lookup (scalar reference). Activations stay f32.
// Each super-block is dequantized to 256 floats in ggml's operation order (Q4_K/Q5_K:
// (d * sc) * q - dmin * m; Q6_K: (d * sc) * (q - 32)), so get_rows gives the values llama.cpp's
// dequantize_row_* gives; the product then sums w[j] * x[j] over the super-block in element
// order, s, and adds s to the row's accumulator, super-block by super-block.
#include <cassert>

#include "quant-blocks.h"
#include "ref/ref-kernels.h"

namespace inkstone {

namespace {

void dequantize_q4_k(const uint8_t* bytes, float* out) {
  const auto& b = *reinterpret_cast<const block_q4_k*>(bytes);
  const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
  for (int s = 0; s < 8; ++s) {
    int sc = 0, m = 0;
    k_scale_min(s, b.scales, &sc, &m);
    const float ds = d * static_cast<float>(sc), ms = dmin * static_cast<float>(m);
    const uint8_t* q = b.qs + 32 * (s / 2);
    for (int l = 0; l < 32; ++l) {
      const int v = s % 2 == 0 ? (q[l] & 0x0F) : (q[l] >> 4);
      out[32 * s + l] = ds * static_cast<float>(v) - ms;
    }
  }
}

void dequantize_q5_k(const uint8_t* bytes, float* out) {
  const auto& b = *reinterpret_cast<const block_q5_k*>(bytes);
  const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
  for (int s = 0; s < 8; ++s) {
    int sc = 0, m = 0;
    k_scale_min(s, b.scales, &sc, &m);
    const float ds = d * static_cast<float>(sc), ms = dmin * static_cast<float>(m);
    const uint8_t* q = b.qs + 32 * (s / 2);
    for (int l = 0; l < 32; ++l) {
      const int nibble = s % 2 == 0 ? (q[l] & 0x0F) : (q[l] >> 4);
      const int v = nibble | (((b.qh[l] >> s) & 1) << 4);
      out[32 * s + l] = ds * static_cast<float>(v) - ms;
    }
  }
}

void dequantize_q6_k(const uint8_t* bytes, float* out) {
  const auto& b = *reinterpret_cast<const block_q6_k*>(bytes);
  const float d = fp16_to_fp32(b.d);
  for (int e = 0; e < kQk_K; ++e) {
    const int h = e / 128, g = (e % 128) / 32, l = e % 32;
    const uint8_t lo_byte = b.ql[64 * h + 32 * (g % 2) + l];
    const int lo = g < 2 ? (lo_byte & 0x0F) : (lo_byte >> 4);
    const int hi = (b.qh[32 * h + l] >> (2 * g)) & 3;
    const int v = (lo | (hi << 4)) - 32;
    out[e] = d * static_cast<float>(b.scales[e / 16]) * static_cast<float>(v);
  }
}

using dequantize_fn = void (*)(const uint8_t* block, float* out);

template <weight_format F, dequantize_fn Dequantize>
void k_matmul(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
              int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr);
  assert(cols % kQk_K == 0 && 0 <= row_begin && row_begin <= row_end && row_end <= rows);
  const size_t row_bytes = weight_row_bytes(F, cols);
  const size_t block_bytes = weight_row_bytes(F, kQk_K);
  float wb[kQk_K];
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = row_begin; r < row_end; ++r) {
      const uint8_t* row = w + r * row_bytes;
      const float* xt = x + t * cols;
      float acc = 0.0f;
      for (int64_t b = 0; b < cols / kQk_K; ++b) {
        Dequantize(row + b * block_bytes, wb);
        float s = 0.0f;
        for (int j = 0; j < kQk_K; ++j) s += wb[j] * xt[b * kQk_K + j];
        acc += s;
      }
      y[t * rows + r] = acc;
    }
  }
}

template <weight_format F, dequantize_fn Dequantize>
void k_get_rows(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && cols % kQk_K == 0 && row >= 0);
  const uint8_t* src = w + row * weight_row_bytes(F, cols);
  const size_t block_bytes = weight_row_bytes(F, kQk_K);
  for (int64_t b = 0; b < cols / kQk_K; ++b) Dequantize(src + b * block_bytes, out + b * kQk_K);
}

}  // namespace

void q4_k_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  k_matmul<weight_format::q4_k, dequantize_q4_k>(w, rows, cols, x, n, y, row_begin, row_end);
}
void q5_k_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  k_matmul<weight_format::q5_k, dequantize_q5_k>(w, rows, cols, x, n, y, row_begin, row_end);
}
void q6_k_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  k_matmul<weight_format::q6_k, dequantize_q6_k>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q4_k_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  k_get_rows<weight_format::q4_k, dequantize_q4_k>(w, cols, row, out);
}
void q5_k_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  k_get_rows<weight_format::q5_k, dequantize_q5_k>(w, cols, row, out);
}
void q6_k_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  k_get_rows<weight_format::q6_k, dequantize_q6_k>(w, cols, row, out);
}

}  // namespace inkstone
