// SwiGLU's elementwise step (scalar reference): gate = silu(gate) * up.
#include <cassert>
#include <cmath>

#include "ref/ref-kernels.h"

namespace inkstone {

void f32_silu_mul__ref(float* gate, const float* up, int64_t n) {
  assert(gate != nullptr && up != nullptr);
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

}  // namespace inkstone
