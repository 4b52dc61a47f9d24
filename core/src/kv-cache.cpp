#include "kv-cache.h"

namespace inkstone {

void kv_cache::allocate(int layers, int ctx, int dim) {
  n_layer = layers;
  n_ctx = ctx;
  kv_dim = dim;
  k.assign(size_t(layers) * ctx * dim, 0.0f);
  v.assign(size_t(layers) * ctx * dim, 0.0f);
}

}  // namespace inkstone
