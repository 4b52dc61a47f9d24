// The trainer's softmax over the vocabulary: a float exp written out in plain multiplies and adds
// (the same bits on every build, native or wasm, and a loop the compiler vectorises), and sums in
// eight fixed lanes. Over a 4,000-token vocabulary the exps and the sum were a large share of a
// small model's training step when done with std::exp and one running sum.
#pragma once

#include <cstdint>
#include <cstring>

namespace inkstone {

// exp(x) for x <= 0 (a softmax's z - max), within about 2 ulp; 0 below -87 (where exp(x) < 2^-125,
// f32's smallest normal being 2^-126). Cody-Waite: x = k ln2 + r, |r| <= ln2 / 2, k rounded to
// nearest by adding and subtracting 1.5 * 2^23; exp(r) by Cephes's expf polynomial; 2^k built
// in the exponent field.
inline float exp_nonpositive(float x) {
  const float xc = x < -87.0f ? -87.0f : x;
  const float kf = (xc * 1.44269504089f + 12582912.0f) - 12582912.0f;
  const float r = (xc - kf * 0.693359375f) + kf * 2.12194440e-4f;  // ln2 = 0.693359375 - 2.12e-4
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = (p * (r * r) + r) + 1.0f;
  const int32_t bits = (int32_t(kf) + 127) << 23;  // kf in [-126, 0]: a normal power of two
  float scale;
  std::memcpy(&scale, &bits, 4);
  return x < -87.0f ? 0.0f : er * scale;
}

// z (n) -> exp(z - max z) in place; returns their sum, added in eight lanes (lane k holds the
// elements i = k mod 8, in order) then ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)). *max_out
// gets max z.
inline float exp_shifted_sum(float* z, int n, float* max_out) {
  float lane[8];
  for (int k = 0; k < 8; ++k) lane[k] = z[0];
  const int n8 = n & ~7;
  for (int i = 0; i < n8; i += 8) {
    for (int k = 0; k < 8; ++k) lane[k] = z[i + k] > lane[k] ? z[i + k] : lane[k];
  }
  for (int i = n8; i < n; ++i) lane[0] = z[i] > lane[0] ? z[i] : lane[0];
  float mx = lane[0];
  for (int k = 1; k < 8; ++k) mx = lane[k] > mx ? lane[k] : mx;
  *max_out = mx;
  for (int i = 0; i < n; ++i) z[i] = exp_nonpositive(z[i] - mx);
  for (int k = 0; k < 8; ++k) lane[k] = 0.0f;
  for (int i = 0; i < n8; i += 8) {
    for (int k = 0; k < 8; ++k) lane[k] += z[i + k];
  }
  for (int i = n8; i < n; ++i) lane[i - n8] += z[i];
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

}  // namespace inkstone
