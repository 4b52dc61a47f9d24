// The KV cache: f32 keys and values for every layer and position.
//   k, v: (n_layer, n_ctx, n_head_kv * head_dim); row p of layer l is position p.
// Keys are stored after RoPE. Positions >= the session's position() hold stale data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace inkstone {

struct kv_cache {
  int n_layer = 0;
  int n_ctx = 0;
  int kv_dim = 0;  // n_head_kv * head_dim floats per row

  std::vector<float> k;  // (n_layer, n_ctx, kv_dim)
  std::vector<float> v;  // (n_layer, n_ctx, kv_dim)

  static size_t bytes(int n_layer, int n_ctx, int kv_dim) {
    return size_t{2} * n_layer * n_ctx * kv_dim * sizeof(float);
  }
  void allocate(int layers, int ctx, int dim);
  // Row `pos` of layer `layer`: (kv_dim).
  float* k_row(int layer, int pos) { return k.data() + (size_t(layer) * n_ctx + pos) * kv_dim; }
  float* v_row(int layer, int pos) { return v.data() + (size_t(layer) * n_ctx + pos) * kv_dim; }
};

}  // namespace inkstone
