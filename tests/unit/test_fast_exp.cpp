// ops/fast_exp.hpp against exp in double: relative error over a sweep of floats, and the
// edge cases the softmax relies on (-inf and very negative inputs give 0, exp(0) = 1).
// How to add a case: add an input and its expected output to EdgeCases.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "ops/fast_exp.hpp"

namespace pebench {
namespace {

// Every 211th float in [lo, 0] and in [0, hi] (~9.5 million values for [-87.3, 88.3]), by
// stepping the bit pattern; results below the normal range (< 2^-126) are skipped: there
// fast_exp is denormal or 0 by design.
template <bool Fma>
double max_relative_error(float lo, float hi) {
  double worst = 0;
  auto check = [&](std::uint32_t bits) {
    const float x = std::bit_cast<float>(bits);
    const double ref = std::exp(static_cast<double>(x));
    if (ref >= std::numeric_limits<float>::min())
      worst = std::max(worst, std::fabs(fast_exp<Fma>(x) - ref) / ref);
  };
  for (std::uint32_t b = 0x80000000u; b <= std::bit_cast<std::uint32_t>(lo); b += 211) check(b);
  for (std::uint32_t b = 0; b <= std::bit_cast<std::uint32_t>(hi); b += 211) check(b);
  return worst;
}

TEST(FastExp, RelativeErrorOverTheNormalRange) {
  // Measured over every float: 1.65e-7 (fused), 1.86e-7 (unfused).
  EXPECT_LT(max_relative_error<true>(-87.3f, 88.3f), 1.7e-7);
  EXPECT_LT(max_relative_error<false>(-87.3f, 88.3f), 1.9e-7);
}

TEST(FastExp, EdgeCases) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (float x : {-kInf, -1e30f, -1000.0f, -100.0f, -88.0f}) {
    EXPECT_EQ(fast_exp<true>(x), 0.0f) << x;
    EXPECT_EQ(fast_exp<false>(x), 0.0f) << x;
  }
  EXPECT_EQ(fast_exp<true>(0.0f), 1.0f);
  EXPECT_EQ(fast_exp<true>(-0.0f), 1.0f);
  EXPECT_TRUE(std::isnan(fast_exp<true>(std::nanf(""))));
  // At the bottom of the normal range: 0 or a normal float, never a subnormal, and never
  // above exp(x). Every float in [-87.7, -87.3].
  const float min_normal = std::numeric_limits<float>::min();
  for (float x = -87.7f; x < -87.3f; x = std::nextafter(x, 0.0f))
    for (float e : {fast_exp<true>(x), fast_exp<false>(x)}) {
      ASSERT_TRUE(e == 0.0f || e >= min_normal) << x << " -> " << e;
      ASSERT_LE(e, 1.001 * std::exp(double(x))) << x;
    }
  EXPECT_FLOAT_EQ(fast_exp<true>(kInf), std::exp(88.3f));  // clamped, never inf
}

}  // namespace
}  // namespace pebench
