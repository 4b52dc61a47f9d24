// Residual add (scalar reference): x += y.
#include <cassert>

#include "ref/ref-kernels.h"

namespace inkstone {

void f32_add__ref(float* x, const float* y, int64_t n) {
  assert(x != nullptr && y != nullptr);
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace inkstone
