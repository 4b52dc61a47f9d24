// RoPE (scalar reference), both of ggml's layouts: "normal" mode (llama) rotates adjacent pairs
// (x[2i], x[2i+1]) of each head, "NEOX" mode (qwen2, qwen3) the pairs (x[i], x[i + head_dim/2]);
// pair i by the angle whose cos/sin are cos[i], sin[i].
#include <cassert>

#include "ref/ref-kernels.h"

namespace inkstone {

void f32_rope__ref(float* x, int64_t n_head, int64_t head_dim, const float* cos, const float* sin) {
  assert(x != nullptr && cos != nullptr && sin != nullptr && head_dim % 2 == 0);
  for (int64_t h = 0; h < n_head; ++h) {
    float* xh = x + h * head_dim;
    for (int64_t i = 0; i < head_dim / 2; ++i) {
      const float x0 = xh[2 * i];
      const float x1 = xh[2 * i + 1];
      xh[2 * i] = x0 * cos[i] - x1 * sin[i];
      xh[2 * i + 1] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

void f32_rope_neox__ref(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                        const float* sin) {
  assert(x != nullptr && cos != nullptr && sin != nullptr && head_dim % 2 == 0);
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < n_head; ++h) {
    float* lo = x + h * head_dim;  // x[i]
    float* hi = lo + half;         // x[i + head_dim/2]
    for (int64_t i = 0; i < half; ++i) {
      const float x0 = lo[i];
      const float x1 = hi[i];
      lo[i] = x0 * cos[i] - x1 * sin[i];
      hi[i] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

}  // namespace inkstone
