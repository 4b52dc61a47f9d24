// Multi-head (grouped-query) attention of one query over the KV cache (scalar reference):
//   s_j = (q . k_j) / sqrt(head_dim),  a = softmax(s),  o = sum_j a_j v_j
#include <cassert>
#include <cmath>

#include "ref/ref-kernels.h"

namespace inkstone {

void f32_attention__ref(const float* q, const float* k, const float* v, int64_t n_pos,
                        const attention_shape& shape, float* att, int64_t att_stride, float* out) {
  assert(q != nullptr && k != nullptr && v != nullptr && att != nullptr && out != nullptr);
  assert(n_pos > 0 && n_pos <= att_stride && shape.n_head % shape.n_head_kv == 0);
  const int64_t head_dim = shape.head_dim;
  const int64_t kv_stride = shape.n_head_kv * head_dim;  // floats per cache row
  const int64_t group = shape.n_head / shape.n_head_kv;  // query heads per kv head
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int64_t h = 0; h < shape.n_head; ++h) {
    const float* qh = q + h * head_dim;                // (head_dim)
    const int64_t kv_offset = (h / group) * head_dim;  // this head's slice of a cache row
    float* ah = att + h * att_stride;                  // (n_pos)
    // Scores against every visible position.
    for (int64_t j = 0; j < n_pos; ++j) {
      const float* kj = k + j * kv_stride + kv_offset;  // (head_dim)
      float dot = 0.0f;
      for (int64_t d = 0; d < head_dim; ++d) dot += qh[d] * kj[d];
      ah[j] = dot * scale;
    }
    f32_softmax__ref(ah, n_pos);
    // Weighted sum of the values.
    float* oh = out + h * head_dim;  // (head_dim)
    for (int64_t d = 0; d < head_dim; ++d) oh[d] = 0.0f;
    for (int64_t j = 0; j < n_pos; ++j) {
      const float* vj = v + j * kv_stride + kv_offset;  // (head_dim)
      const float a = ah[j];
      for (int64_t d = 0; d < head_dim; ++d) oh[d] += a * vj[d];
    }
  }
}

}  // namespace inkstone
