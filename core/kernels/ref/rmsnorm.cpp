// RMSNorm (scalar reference): out = x / sqrt(mean(x^2) + eps) * weight.
#include <cassert>
#include <cmath>

#include "ref/ref-kernels.h"

namespace inkstone {

void f32_rmsnorm__ref(const float* x, const float* weight, int64_t n, float eps, float* out) {
  assert(x != nullptr && weight != nullptr && out != nullptr && n > 0);
  float sum_sq = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum_sq += x[i] * x[i];
  const float scale = 1.0f / std::sqrt(sum_sq / static_cast<float>(n) + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * scale * weight[i];
}

}  // namespace inkstone
