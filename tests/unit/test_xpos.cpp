// Golden tests of the xpos plugin (Sun et al. 2023; torchscale XPOS conventions).
//
// Expected values are computed here by hand or from the formula in double:
//   q at position n: zeta_i^((n - c)/scale_base) R(n f_i), k: zeta_i^(-(n - c)/scale_base) R(n f_i)
//   zeta_i = (2i + 0.4 d) / (1.4 d), f_i = 10000^(-2i/d), c = p_0 + ceil(span / 2).
// How to add a case: build with test::make_encoding("xpos", 1, d, config), rotate a
// (1, 1, T, d) tensor holding a unit vector in one pair and read the pair's norm and angle.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

Config scale_base(double b) {
  Config c;
  c.set("scale_base", b);
  return c;
}

void rotate(Encoding& enc, std::vector<float>& q, std::vector<float>& k, std::int64_t d,
            const std::vector<std::int64_t>& pos) {
  const std::int64_t T = static_cast<std::int64_t>(pos.size());
  enc.rotate_forward(dense_view<float, 4>(q.data(), {1, 1, T, d}),
                     dense_view<float, 4>(k.data(), {1, 1, T, d}), Positions{pos.data(), T});
}

// Norm and angle of pair i of the rotated q and k at row t, every row holding e_2i.
struct PairOut {
  double q_norm, q_angle, k_norm, k_angle;
};
PairOut rotate_unit(Encoding& enc, std::int64_t d, std::int64_t i,
                    const std::vector<std::int64_t>& pos, std::int64_t t) {
  const std::int64_t T = static_cast<std::int64_t>(pos.size());
  std::vector<float> q(T * d, 0.0f), k(T * d, 0.0f);
  for (std::int64_t r = 0; r < T; ++r) q[r * d + 2 * i] = k[r * d + 2 * i] = 1.0f;
  rotate(enc, q, k, d, pos);
  const float* qr = q.data() + t * d + 2 * i;
  const float* kr = k.data() + t * d + 2 * i;
  return {std::hypot(double(qr[0]), double(qr[1])), std::atan2(double(qr[1]), double(qr[0])),
          std::hypot(double(kr[0]), double(kr[1])), std::atan2(double(kr[1]), double(kr[0]))};
}

TEST(Xpos, ScaleForKnownPairAndPositionByHand) {
  // d = 8, pair i = 1: zeta = (2 + 3.2) / 11.2 = 0.4642857142857143, f_1 = 10000^(-1/4) = 0.1.
  // Positions 0..9: c = ceil(10/2) = 5. scale_base = 2 so the scales are far from 1.
  auto enc = test::make_encoding("xpos", 1, 8, scale_base(2.0));
  std::vector<std::int64_t> pos{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  // t = 9: e = (9 - 5)/2 = 2: q scale zeta^2 = 0.21556122448979598, k scale 1/that; angle 0.9.
  PairOut o = rotate_unit(*enc, 8, 1, pos, 9);
  EXPECT_NEAR(o.q_norm, 0.21556122448979598, 1e-6);
  EXPECT_NEAR(o.k_norm, 1.0 / 0.21556122448979598, 1e-5);
  EXPECT_NEAR(o.q_angle, 0.9, 1e-6);
  EXPECT_NEAR(o.k_angle, 0.9, 1e-6);
  // t = 0: e = -5/2: q scale zeta^-2.5 = 6.8082688567217575 (an early query grows).
  o = rotate_unit(*enc, 8, 1, pos, 0);
  EXPECT_NEAR(o.q_norm, 6.8082688567217575, 1e-5);
  EXPECT_NEAR(o.k_norm, 1.0 / 6.8082688567217575, 1e-6);
  // t = 5 = c: scale 1, angle 0.5.
  o = rotate_unit(*enc, 8, 1, pos, 5);
  EXPECT_NEAR(o.q_norm, 1.0, 1e-6);
  EXPECT_NEAR(o.q_angle, 0.5, 1e-6);
}

TEST(Xpos, DefaultScaleBaseAndCentringFollowTorchscale) {
  // d = 64, pair 0: zeta_0 = 25.6 / 89.6 = 2/7, f_0 = 1. Positions 0..1023: c = 512.
  auto enc = test::make_encoding("xpos", 1, 64);
  std::vector<std::int64_t> pos(1024);
  for (std::int64_t t = 0; t < 1024; ++t) pos[t] = t;
  // t = 1023: q scale (2/7)^(511/512) = 0.2864142281535526.
  EXPECT_NEAR(rotate_unit(*enc, 64, 0, pos, 1023).q_norm, 0.2864142281535526, 1e-6);
  // t = 0: q scale (2/7)^(-1) = 3.5.
  EXPECT_NEAR(rotate_unit(*enc, 64, 0, pos, 0).q_norm, 3.5, 1e-5);
  // Odd length 5 (torchscale: arange(-3, 2)): c = 3, so t = 0 has exponent -3/512.
  const std::vector<std::int64_t> five{0, 1, 2, 3, 4};
  EXPECT_NEAR(rotate_unit(*enc, 64, 0, five, 0).q_norm, std::pow(2.0 / 7.0, -3.0 / 512.0), 1e-7);
  // Offset positions are centred on their own span: 100..104 scales like 0..4 ...
  const std::vector<std::int64_t> moved{100, 101, 102, 103, 104};
  const PairOut a = rotate_unit(*enc, 64, 0, moved, 0);
  EXPECT_NEAR(a.q_norm, std::pow(2.0 / 7.0, -3.0 / 512.0), 1e-7);
  // ... while the angle uses the position itself: 100 rad.
  EXPECT_NEAR(std::remainder(a.q_angle - 100.0, 2 * 3.14159265358979323846), 0.0, 1e-5);
}

// q_m . k_n computed through the plugin, with extra positions to move the centre.
double score(Encoding& enc, const std::vector<float>& q, const std::vector<float>& k,
             std::int64_t d, std::vector<std::int64_t> pos, std::int64_t qi, std::int64_t ki) {
  const std::int64_t T = static_cast<std::int64_t>(pos.size());
  std::vector<float> qq(T * d, 0.5f), kk(T * d, -0.25f);
  std::copy(q.begin(), q.end(), qq.begin() + qi * d);
  std::copy(k.begin(), k.end(), kk.begin() + ki * d);
  rotate(enc, qq, kk, d, pos);
  double s = 0;
  for (std::int64_t c = 0; c < d; ++c) s += double(qq[qi * d + c]) * double(kk[ki * d + c]);
  return s;
}

TEST(Xpos, ScoreDependsOnlyOnDistance) {
  const std::int64_t d = 16;
  for (double sb : {512.0, 16.0}) {
    auto enc = test::make_encoding("xpos", 1, d, scale_base(sb));
    const auto q = test::random_vector(d, 21), k = test::random_vector(d, 22);
    // Key at 3, query at 10; then shifted, and with other tokens moving the centre.
    const double base = score(*enc, q, k, d, {3, 10}, 1, 0);
    const double tol = 1e-5 * (1 + std::fabs(base));
    EXPECT_NEAR(score(*enc, q, k, d, {403, 410}, 1, 0), base, tol) << sb;
    EXPECT_NEAR(score(*enc, q, k, d, {3, 10, 200}, 1, 0), base, tol) << sb;
    EXPECT_NEAR(score(*enc, q, k, d, {0, 1, 3, 5, 10}, 4, 2), base, tol) << sb;
    EXPECT_NEAR(score(*enc, q, k, d, {57, 64, 65, 66}, 1, 0), base, tol) << sb;
    EXPECT_GT(std::fabs(score(*enc, q, k, d, {3, 11}, 1, 0) - base), 1e-3) << sb;
  }
}

TEST(Xpos, ScoreOfAlignedUnitPairDecaysAsZetaPowerDistance) {
  // q = k = e_2i: q_m . k_n = zeta_i^((m-n)/scale_base) cos((m-n) f_i) (q up, k down).
  const std::int64_t d = 8;
  auto enc = test::make_encoding("xpos", 1, d, scale_base(4.0));
  for (std::int64_t i = 0; i < d / 2; ++i) {
    std::vector<float> e(d, 0.0f);
    e[2 * i] = 1.0f;
    const double zeta = (2.0 * i + 0.4 * d) / (1.4 * d), f = std::pow(10000.0, -2.0 * i / d);
    const std::int64_t n = 2, m = 9;
    const double expected = std::pow(zeta, (m - n) / 4.0) * std::cos((m - n) * f);
    EXPECT_NEAR(score(*enc, e, e, d, {n, 5, m}, 2, 0), expected, 1e-6) << i;
  }
}

TEST(Xpos, BackwardIsTransposedScaledRotation) {
  // Forward then backward on the same data: q -> zeta^(2e) q, k -> zeta^(-2e) k.
  const std::int64_t d = 4, T = 3;
  auto enc = test::make_encoding("xpos", 1, d, scale_base(2.0));
  const std::vector<std::int64_t> pos{1, 4, 6};  // span 6, c = 4: e = -1.5, 0, 1
  std::vector<float> q(T * d, 1.0f), k(T * d, 1.0f);
  auto view = [&](std::vector<float>& x) { return dense_view<float, 4>(x.data(), {1, 1, T, d}); };
  enc->rotate_forward(view(q), view(k), Positions{pos.data(), T});
  enc->rotate_backward(view(q), view(k), view(q), view(k), Positions{pos.data(), T});
  const double e[3] = {-1.5, 0.0, 1.0};
  for (std::int64_t t = 0; t < T; ++t)
    for (std::int64_t c = 0; c < d; ++c) {
      const double zeta = (2.0 * (c / 2) + 0.4 * d) / (1.4 * d);
      const double eq = std::pow(zeta, 2 * e[t]), ek = std::pow(zeta, -2 * e[t]);
      EXPECT_NEAR(q[t * d + c], eq, 1e-6 * (1 + eq)) << t << " " << c;
      EXPECT_NEAR(k[t * d + c], ek, 1e-6 * (1 + ek)) << t << " " << c;
    }
}

TEST(Xpos, RefusesSpansBeyondTheFloatSafeRange) {
  // Largest scale (7/2)^(span / 1024) must stay below e^40: span <= ~32,700 at scale_base 512.
  auto enc = test::make_encoding("xpos", 1, 4);
  std::vector<float> q(8, 1.0f), k(8, 1.0f);
  EXPECT_NO_THROW(rotate(*enc, q, k, 4, {0, 32000}));
  EXPECT_THROW(rotate(*enc, q, k, 4, {0, 34000}), std::out_of_range);
  // A short window far away is fine: only the span counts.
  EXPECT_NO_THROW(rotate(*enc, q, k, 4, {1000000, 1000100}));
  for (float x : q) EXPECT_TRUE(std::isfinite(x));
}

TEST(Xpos, InvalidConfigIsAnErrorNamingEncodingAndKey) {
  for (const auto& [key, value] : {std::pair<std::string, ConfigValue>{"scale_base", 0.0},
                                   {"scale_base", std::string("x")},
                                   {"theta", -1.0}}) {
    Config c;
    c.set(key, value);
    try {
      test::make_encoding("xpos", 1, 8, c);
      ADD_FAILURE() << key;
    } catch (const std::invalid_argument& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("xpos"), std::string::npos) << msg;
      EXPECT_NE(msg.find("'" + key + "'"), std::string::npos) << msg;
    }
  }
  EXPECT_THROW(test::make_encoding("xpos", 1, 7), std::invalid_argument);  // odd head dim
}

}  // namespace
}  // namespace pebench
