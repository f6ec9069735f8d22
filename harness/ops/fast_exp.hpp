// expf that `#pragma omp simd` vectorizes (no calls, no branches), for the softmax.
//
//   exp(x) = 2^n exp(r),  n = round(x log2 e),  r = x - n ln2 in [-ln2/2, ln2/2]
//   exp(r) = degree-5 minimax polynomial (oneDNN's coefficients)
//   2^n    = the float with exponent field n + 127
//
// Accuracy, measured over every float in [-87.3, 88.3] against exp in double
// (tests/unit/test_fast_exp.cpp checks every 211th): max relative error 1.65e-7
// (2.8 * 2^-24) with Fma = true, 1.86e-7 (3.1 * 2^-24) with Fma = false. Degree 7 (Taylor)
// gave 7.9e-8 but measured 15% slower in the compute-bound softmax (16x4096, 1 thread).
// Domain: a result below the smallest normal float (2^-126, x < -87.34) is 0, never a
// subnormal (pebench flushes subnormals, core/threads.hpp; a subnormal result would also
// take the slow path on Intel cores where the mode is not set): -inf gives exactly 0
// (masked scores). x > 88.3 is clamped
// (returns exp(88.3) = 2.2e38, never inf); the softmax only passes x <= 0. NaN gives NaN.
// Tricks: adding 1.5 * 2^23 rounds x log2 e to an integer in the float's low mantissa bits
// (needs IEEE rounding, i.e. no -ffast-math reassociation), so the integer n is read from the
// bits; ln2 is split in a 12-bit high part (n ln2_hi is exact) and a low part.
//
// Fma = true uses fused multiply-adds: call it only from code compiled for FMA (e.g. a
// function with __attribute__((target("avx2,fma")))), elsewhere it calls libm's fmaf.
#pragma once

#include <bit>
#include <cstdint>

namespace pebench {

template <bool Fma>
[[gnu::always_inline]] inline float fused_multiply_add(float a, float b, float c) {
  if constexpr (Fma)
    return __builtin_fmaf(a, b, c);
  else
    return a * b + c;
}

template <bool Fma>
[[gnu::always_inline]] inline float fast_exp(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;         // 12 significant bits
  constexpr float kLn2Lo = 1.428606765330187045e-06f;  // ln 2 - kLn2Hi
  constexpr float kRound = 12582912.0f;                // 1.5 * 2^23
  // Clamps as selects (no branch); -100 keeps n >= -145 so that the exponent field below
  // underflows to 0 instead of wrapping.
  float xc = x < -100.0f ? -100.0f : x;
  xc = xc > 88.3f ? 88.3f : xc;
  const float t = fused_multiply_add<Fma>(xc, kLog2e, kRound);
  const float n = t - kRound;
  const std::int32_t ni = std::bit_cast<std::int32_t>(t) - std::bit_cast<std::int32_t>(kRound);
  const float r = fused_multiply_add<Fma>(n, -kLn2Lo, fused_multiply_add<Fma>(n, -kLn2Hi, xc));
  // Degree-5 minimax coefficients of oneDNN's jit exp (jit_uni_eltwise_injector), as bits.
  float p = std::bit_cast<float>(0x3c07cfce);                           // 0.00828929
  p = fused_multiply_add<Fma>(p, r, std::bit_cast<float>(0x3d2b9d0d));  // 0.0418978
  p = fused_multiply_add<Fma>(p, r, std::bit_cast<float>(0x3e2aad40));  // 0.166677
  p = fused_multiply_add<Fma>(p, r, std::bit_cast<float>(0x3efffee3));  // 0.499992
  p = fused_multiply_add<Fma>(p, r, std::bit_cast<float>(0x3f7ffffb));  // 0.999999
  p = fused_multiply_add<Fma>(p, r, 1.0f);
  const std::int32_t field = ni + 127;  // <= 0: 2^n is below the normal range, use 0
  const std::int32_t clamped = field & ~(field >> 31);  // max(field, 0) without a select
  const float e = p * std::bit_cast<float>(clamped << 23);
  return e < 0x1p-126f ? 0.0f : e;  // a select: no subnormal result (NaN passes through)
}

}  // namespace pebench
