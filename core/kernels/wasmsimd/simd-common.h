// Small SIMD128 helpers shared by the wasmsimd kernels (inline, header-only).
#pragma once

#include <wasm_simd128.h>

#include <cstdint>
#include <cstring>

namespace inkstone::simd {

// IEEE half bits in the low 16 bits of each i32 lane -> f32, exact for every half (normals,
// subnormals, +-0, inf, NaN): (bits & 0x7FFF) << 13 read as a float is the value times 2^-112
// (subnormals included), so one multiply by 2^112 rebiases; exponent 31 is patched to inf/NaN.
inline v128_t f16x4_to_f32x4(v128_t h) {
  const v128_t em = wasm_v128_and(h, wasm_i32x4_splat(0x7FFF));
  const v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16);
  const v128_t mag = wasm_f32x4_mul(wasm_i32x4_shl(em, 13), wasm_f32x4_splat(0x1p112f));
  // Exponent all ones, as an equality (LLVM 14 narrows a >= to i16x8.gt_u, which V8 emulates).
  const v128_t exp_max = wasm_i32x4_splat(0x7C00);
  const v128_t inf_nan = wasm_v128_and(wasm_i32x4_eq(wasm_v128_and(h, exp_max), exp_max),
                                       wasm_i32x4_splat(0x7F800000));
  return wasm_v128_or(wasm_v128_or(mag, inf_nan), sign);
}

// Scalar twin of f16x4_to_f32x4 (same result as inkstone::fp16_to_fp32, without its loop).
inline float f16_to_f32(uint16_t h) {
  const uint32_t em = h & 0x7FFFu;
  float mag;
  const uint32_t shifted = em << 13;
  std::memcpy(&mag, &shifted, 4);
  mag *= 0x1p112f;
  uint32_t bits;
  std::memcpy(&bits, &mag, 4);
  bits |= (em >= 0x7C00u ? 0x7F800000u : 0u) | (static_cast<uint32_t>(h & 0x8000u) << 16);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// The fp16 scales at p0..p3 as f32x4.
inline v128_t load_f16x4_scales(const uint8_t* p0, const uint8_t* p1, const uint8_t* p2,
                                const uint8_t* p3) {
  v128_t h = wasm_i32x4_splat(0);
  h = wasm_v128_load16_lane(p0, h, 0);
  h = wasm_v128_load16_lane(p1, h, 2);
  h = wasm_v128_load16_lane(p2, h, 4);
  h = wasm_v128_load16_lane(p3, h, 6);
  return f16x4_to_f32x4(h);
}

// int32 lanes with |v| < 2^22 -> f32, exactly: 2^23 + 2^22 + v has v in its mantissa. (LLVM 14
// turns convert(extend(i16x8)) into per-lane scalar conversions; this form stays two SIMD ops.)
inline v128_t small_i32x4_to_f32x4(v128_t v) {
  return wasm_f32x4_sub(wasm_i32x4_add(v, wasm_i32x4_splat(0x4B400000)),
                        wasm_f32x4_splat(12582912.0f));
}

// Lane sum as (l0 + l2) + (l1 + l3).
inline float f32x4_hsum(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// [hsum(a), hsum(b), hsum(c), hsum(d)], each lane sum as (l0 + l2) + (l1 + l3) like f32x4_hsum.
inline v128_t f32x4_hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5),
                                   wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));  // a02 b02 a13 b13
  const v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5),
                                   wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));  // c02 d02 c13 d13
  return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5),
                        wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

inline int32_t i32x4_hsum(v128_t v) {
  v = wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_i32x4_extract_lane(v, 0);
}

inline v128_t i32x4_hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab =
      wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd =
      wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5),
                        wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

inline float f32x4_hmax(v128_t v) {
  v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// exp(x) lane-wise: Cephes' expf (range reduction by ln 2, degree-6 polynomial), ~2 ulp.
// Inputs below kExpLo give exactly 0 (so -inf -> 0); inputs above 88 are clamped to exp(88).
inline constexpr float kExpLo = -87.33654f;
inline v128_t f32x4_exp(v128_t x) {
  const v128_t underflow = wasm_f32x4_lt(x, wasm_f32x4_splat(kExpLo));
  x = wasm_f32x4_pmin(wasm_f32x4_splat(88.0f), wasm_f32x4_pmax(wasm_f32x4_splat(kExpLo), x));
  const v128_t fx = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, wasm_f32x4_splat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t y = wasm_f32x4_splat(1.9875691500e-4f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.3981999507e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(8.3334519073e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(4.1665795894e-2f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.6666665459e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(5.0000001201e-1f));
  y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(y, wasm_f32x4_mul(x, x)), x),
                     wasm_f32x4_splat(1.0f));
  const v128_t pow2n =
      wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(fx), wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(y, pow2n), underflow);
}

}  // namespace inkstone::simd
