// Softmax in place (scalar reference), shifted by the maximum for stability.
#include <cassert>
#include <cmath>

#include "ref/ref-kernels.h"

namespace inkstone {

void f32_softmax__ref(float* x, int64_t n) {
  assert(x != nullptr && n > 0);
  float max_value = x[0];
  for (int64_t i = 1; i < n; ++i) max_value = x[i] > max_value ? x[i] : max_value;
  assert(max_value > -INFINITY && "softmax of an all -inf vector");
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max_value);
    sum += x[i];
  }
  const float inv_sum = 1.0f / sum;
  for (int64_t i = 0; i < n; ++i) x[i] *= inv_sum;
}

}  // namespace inkstone
