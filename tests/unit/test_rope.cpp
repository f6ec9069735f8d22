// Golden tests of the rope plugin (RoFormer; linear / NTK / YaRN context extension).
//
// Expected values are computed here, independently, in double: by hand for a known vector,
// and from the papers' / reference code's formulas for the scaled inverse frequencies. How to
// add a case: build the encoding with test::make_encoding("rope", 1, d, config), rotate a
// (1, 1, T, d) tensor with rotate_forward at chosen positions and compare with the formula.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

constexpr double kPi = 3.14159265358979323846;

Config make_config(std::initializer_list<std::pair<std::string, ConfigValue>> kv) {
  Config c;
  for (const auto& [k, v] : kv) c.set(k, v);
  return c;
}

// Rotates q and k, each (1, 1, T, d), in place at the given positions.
void rotate(Encoding& enc, std::vector<float>& q, std::vector<float>& k, std::int64_t d,
            const std::vector<std::int64_t>& pos) {
  const std::int64_t T = static_cast<std::int64_t>(pos.size());
  enc.rotate_forward(dense_view<float, 4>(q.data(), {1, 1, T, d}),
                     dense_view<float, 4>(k.data(), {1, 1, T, d}), Positions{pos.data(), T});
}

// Score of the rotated query at position m with the rotated key at position n.
double score(Encoding& enc, const std::vector<float>& q, const std::vector<float>& k,
             std::int64_t d, std::int64_t n, std::int64_t m) {
  std::vector<float> qq(2 * d), kk(2 * d);
  std::copy(q.begin(), q.end(), qq.begin() + d);  // row 1: the query at m
  std::copy(k.begin(), k.end(), kk.begin());      // row 0: the key at n
  rotate(enc, qq, kk, d, {n, m});
  double s = 0;
  for (std::int64_t c = 0; c < d; ++c) s += double(qq[d + c]) * double(kk[c]);
  return s;
}

// Angle and norm of pair i (interleaved: dims 2i, 2i+1) after rotating e_2i at position p.
std::pair<double, double> pair_rotation(Encoding& enc, std::int64_t d, std::int64_t i,
                                        std::int64_t p) {
  std::vector<float> q(d, 0.0f), k(d, 0.0f);
  q[2 * i] = 1.0f;
  rotate(enc, q, k, d, {p});
  return {std::atan2(double(q[2 * i + 1]), double(q[2 * i])),
          std::hypot(double(q[2 * i]), double(q[2 * i + 1]))};
}

// Measures the inverse frequency f_i at a position where the angle is about 2 rad (< pi, so
// no wrap) given the expected f_i: relative precision ~1e-7 even for tiny frequencies.
double measured_inv_freq(Encoding& enc, std::int64_t d, std::int64_t i, double expected) {
  const auto p = std::max<std::int64_t>(1, static_cast<std::int64_t>(2.0 / expected));
  return pair_rotation(enc, d, i, p).first / double(p);
}

TEST(Rope, RotatesKnownVectorByHandInterleaved) {
  // d = 4: f_0 = 1, f_1 = 10000^(-2/4) = 0.01. q = (1, 2, 3, 4) at position 2:
  //   pair (0,1) by 2 rad:    (1 cos 2 - 2 sin 2, 2 cos 2 + 1 sin 2)
  //   pair (2,3) by 0.02 rad: (3 cos .02 - 4 sin .02, 4 cos .02 + 3 sin .02)
  auto enc = test::make_encoding("rope", 1, 4);
  std::vector<float> q{1, 2, 3, 4}, k{1, 2, 3, 4};
  rotate(*enc, q, k, 4, {2});
  const double expected[4] = {-2.234741690198506, 0.0770037537313969, 2.919405353226401,
                              4.05919602674631};
  for (int c = 0; c < 4; ++c) {
    EXPECT_NEAR(q[c], expected[c], tol::kGolden * 4) << c;
    EXPECT_NEAR(k[c], expected[c], tol::kGolden * 4) << c;
  }
}

TEST(Rope, RotatesKnownVectorByHandHalf) {
  // half pairing: pairs (0,2) by 2 rad and (1,3) by 0.02 rad.
  auto enc = test::make_encoding("rope", 1, 4, make_config({{"pairing", std::string("half")}}));
  std::vector<float> q{1, 2, 3, 4}, k(4, 0.0f);
  rotate(*enc, q, k, 4, {2});
  const double expected[4] = {-3.1440391170241875, 1.9196053465598233, -0.33914308281574557,
                              4.039197360052977};
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(q[c], expected[c], tol::kGolden * 4) << c;
}

TEST(Rope, PositionZeroIsIdentityAndPassThroughDimsAreUnchanged) {
  // fraction 0.5 of d = 8: r = 4 dims rotated with f_i = 10000^(-2i/4), dims 4..7 untouched.
  auto enc = test::make_encoding("rope", 1, 8, make_config({{"fraction", 0.5}}));
  auto q = test::random_vector(16, 7), k = test::random_vector(16, 8);
  const auto q0 = q, k0 = k;
  rotate(*enc, q, k, 8, {0, 3});
  for (int c = 0; c < 8; ++c) EXPECT_EQ(q[c], q0[c]) << c;  // position 0
  for (int c = 4; c < 8; ++c) EXPECT_EQ(q[8 + c], q0[8 + c]) << c;
  const double a0 = 3.0, a1 = 3.0 * 0.01;  // uses r = 4 in the exponent, not d = 8
  EXPECT_NEAR(q[8], q0[8] * std::cos(a0) - q0[9] * std::sin(a0), 1e-5);
  EXPECT_NEAR(q[11], q0[11] * std::cos(a1) + q0[10] * std::sin(a1), 1e-5);
  EXPECT_NEAR(k[9], k0[9] * std::cos(a0) + k0[8] * std::sin(a0), 1e-5);
}

// The relative property: q_m . k_n depends on m - n only, for every variant.
class RopeRelative : public ::testing::TestWithParam<Config> {};

TEST_P(RopeRelative, ScoreDependsOnlyOnDistance) {
  const std::int64_t d = 16;
  auto enc = test::make_encoding("rope", 1, d, GetParam());
  const auto q = test::random_vector(d, 1), k = test::random_vector(d, 2);
  const double base = score(*enc, q, k, d, 3, 10);
  EXPECT_NEAR(score(*enc, q, k, d, 1003, 1010), base, 1e-5 * (1 + std::fabs(base)));
  EXPECT_NEAR(score(*enc, q, k, d, 250, 257), base, 1e-5 * (1 + std::fabs(base)));
  EXPECT_NEAR(score(*enc, q, k, d, 0, 7), base, 1e-5 * (1 + std::fabs(base)));
  // Not degenerate: another distance gives another score.
  EXPECT_GT(std::fabs(score(*enc, q, k, d, 3, 11) - base), 1e-3);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, RopeRelative,
    ::testing::Values(make_config({}), make_config({{"pairing", std::string("half")}}),
                      make_config({{"fraction", 0.5}}),
                      make_config({{"scaling", std::string("linear")}, {"factor", 4.0}}),
                      make_config({{"scaling", std::string("ntk")}, {"factor", 4.0}}),
                      make_config({{"scaling", std::string("yarn")}, {"factor", 4.0}}),
                      make_config({{"scaling", std::string("yarn")},
                                   {"factor", 8.0},
                                   {"pairing", std::string("half")},
                                   {"fraction", 0.75}})));

TEST(Rope, InterleavedAndHalfGiveSameScoresForPermutedInputs) {
  // half = interleaved with dims permuted: interleaved dim 2i -> i, 2i+1 -> i + r/2.
  for (double fraction : {1.0, 0.5}) {
    const std::int64_t d = 16, r = static_cast<std::int64_t>(fraction * d);
    auto inter = test::make_encoding("rope", 1, d, make_config({{"fraction", fraction}}));
    auto half = test::make_encoding(
        "rope", 1, d, make_config({{"fraction", fraction}, {"pairing", std::string("half")}}));
    const auto q = test::random_vector(d, 3), k = test::random_vector(d, 4);
    std::vector<float> qp(q), kp(k);
    for (std::int64_t i = 0; i < r / 2; ++i) {
      qp[i] = q[2 * i], qp[i + r / 2] = q[2 * i + 1];
      kp[i] = k[2 * i], kp[i + r / 2] = k[2 * i + 1];
    }
    for (auto [n, m] : {std::pair<std::int64_t, std::int64_t>{2, 9}, {0, 0}, {40, 300}}) {
      const double a = score(*inter, q, k, d, n, m), b = score(*half, qp, kp, d, n, m);
      EXPECT_NEAR(a, b, 1e-5 * (1 + std::fabs(a))) << fraction << " " << n << " " << m;
    }
    // And unpermuted inputs do not match (the pairing is really read).
    EXPECT_GT(std::fabs(score(*inter, q, k, d, 2, 9) - score(*half, q, k, d, 2, 9)), 1e-3);
  }
}

TEST(Rope, LinearScalingDividesPositionsByFactor) {
  // Position interpolation: the rotation at position 4 p with s = 4 is the unscaled one at p.
  const std::int64_t d = 8;
  auto plain = test::make_encoding("rope", 1, d);
  auto linear = test::make_encoding(
      "rope", 1, d, make_config({{"scaling", std::string("linear")}, {"factor", 4.0}}));
  const auto q0 = test::random_vector(d, 5);
  std::vector<float> a(q0), b(q0), ka(d), kb(d);
  rotate(*plain, a, ka, d, {3});
  rotate(*linear, b, kb, d, {12});
  for (int c = 0; c < d; ++c) EXPECT_NEAR(a[c], b[c], 1e-6) << c;
}

TEST(Rope, NtkInverseFrequenciesMatchFormula) {
  // NTK-aware: base' = theta s^(r/(r-2)), f_i = base'^(-2i/r). d = r = 16, s = 4.
  const std::int64_t d = 16;
  const double s = 4.0, base = 10000.0 * std::pow(s, 16.0 / 14.0);
  auto enc = test::make_encoding("rope", 1, d,
                                 make_config({{"scaling", std::string("ntk")}, {"factor", s}}));
  for (std::int64_t i = 0; i < d / 2; ++i) {
    const double expected = std::pow(base, -2.0 * double(i) / 16.0);
    EXPECT_NEAR(measured_inv_freq(*enc, d, i, expected), expected, 1e-6 * expected) << i;
    EXPECT_NEAR(pair_rotation(*enc, d, i, 5).second, 1.0, 1e-6) << "no attention factor";
  }
  // i = 1 by hand: 10000^(-1/8) * 4^(-1/7) = 0.316227766 * 0.820335356 = 0.259412...
  EXPECT_NEAR(measured_inv_freq(*enc, d, 1, 0.2594), 0.31622776601683794 * 0.8203353566653243,
              1e-7);
}

// YaRN, from the formulas (jquesnelle/yarn, HF _compute_yarn_parameters), in double.
std::vector<double> yarn_inv_freq(std::int64_t r, double theta, double s, double L, double bf,
                                  double bs) {
  auto dim = [&](double rot) { return r * std::log(L / (rot * 2 * kPi)) / (2 * std::log(theta)); };
  const double low = std::max(std::floor(dim(bf)), 0.0);
  double high = std::min(std::ceil(dim(bs)), double(r - 1));
  if (low == high) high += 0.001;
  std::vector<double> f;
  for (std::int64_t i = 0; i < r / 2; ++i) {
    const double extrapolation = 1.0 / std::pow(theta, 2.0 * i / r);
    const double interpolation = extrapolation / s;
    const double ramp = std::min(1.0, std::max(0.0, (i - low) / (high - low)));
    const double mask = 1 - ramp;  // 1: keep the original frequency
    f.push_back(interpolation * (1 - mask) + extrapolation * mask);
  }
  return f;
}

TEST(Rope, YarnInverseFrequenciesAndAttentionFactorMatchReference) {
  struct Case {
    std::int64_t d;
    double s, L, beta_fast, beta_slow;
    Config config;
  };
  const std::vector<Case> cases = {
      // Defaults: L = 256, beta 32 / 1. d = 64: i(32) = 0.839 -> low 0, i(1) = 12.88 -> high 13.
      {64, 4.0, 256, 32, 1, make_config({{"scaling", std::string("yarn")}, {"factor", 4.0}})},
      // d = 16, L = 1024, beta 16 / 2: i(16) = 2.016 -> low 2, i(2) = 3.822 -> high 4.
      {16, 8.0, 1024, 16, 2,
       make_config({{"scaling", std::string("yarn")},
                    {"factor", 8.0},
                    {"original_length", std::int64_t{1024}},
                    {"beta_fast", 16.0},
                    {"beta_slow", 2.0}})},
  };
  for (const auto& c : cases) {
    auto enc = test::make_encoding("rope", 1, c.d, c.config);
    EXPECT_EQ(enc->info().train_length, static_cast<std::int64_t>(c.L));
    const auto expected = yarn_inv_freq(c.d, 10000.0, c.s, c.L, c.beta_fast, c.beta_slow);
    for (std::int64_t i = 0; i < c.d / 2; ++i)
      EXPECT_NEAR(measured_inv_freq(*enc, c.d, i, expected[i]), expected[i], 1e-6 * expected[i])
          << "d " << c.d << " pair " << i;
    // Attention factor 0.1 ln s + 1 on q (and k): the rotated pair's norm.
    const double m = 0.1 * std::log(c.s) + 1.0;
    EXPECT_NEAR(pair_rotation(*enc, c.d, 0, 7).second, m, 1e-6);
    EXPECT_NEAR(pair_rotation(*enc, c.d, c.d / 2 - 1, 7).second, m, 1e-6);
  }
  // Hand values of the d = 16 case: pairs 0..2 keep 10000^(-i/8), pair 3 is half-way
  // (ramp 0.5), pairs >= 4 are divided by s = 8; factor 0.1 ln 8 + 1 = 1.2079441541679836.
  auto enc = test::make_encoding("rope", 1, 16, cases[1].config);
  const double f3 = std::pow(10000.0, -3.0 / 8.0);
  EXPECT_NEAR(measured_inv_freq(*enc, 16, 2, 0.1), 0.1, 1e-7);
  EXPECT_NEAR(measured_inv_freq(*enc, 16, 3, f3), f3 * (0.5 / 8 + 0.5), 1e-6 * f3);
  EXPECT_NEAR(measured_inv_freq(*enc, 16, 4, 0.01 / 8), 0.01 / 8, 1e-9);
  EXPECT_NEAR(pair_rotation(*enc, 16, 1, 3).second, 1.2079441541679836, 1e-6);
}

TEST(Rope, BackwardIsInverseRotationTimesAttentionFactor) {
  for (const Config& c : {make_config({}), make_config({{"scaling", std::string("yarn")},
                                                        {"factor", 4.0},
                                                        {"pairing", std::string("half")}})}) {
    const std::int64_t d = 8, T = 3;
    auto enc = test::make_encoding("rope", 2, d, c);
    const double m = c.has("factor") ? 0.1 * std::log(4.0) + 1.0 : 1.0;
    const std::vector<std::int64_t> pos{5, 9, 40};
    auto q = test::random_vector(2 * T * d, 11), k = test::random_vector(2 * T * d, 12);
    const auto q0 = q, k0 = k;
    auto view = [&](std::vector<float>& x) { return dense_view<float, 4>(x.data(), {1, 2, T, d}); };
    enc->rotate_forward(view(q), view(k), Positions{pos.data(), T});
    enc->rotate_backward(view(q), view(k), view(q), view(k), Positions{pos.data(), T});
    for (std::size_t i = 0; i < q.size(); ++i) {
      EXPECT_NEAR(q[i], m * m * q0[i], 1e-5) << i;
      EXPECT_NEAR(k[i], m * m * k0[i], 1e-5) << i;
    }
  }
}

void expect_config_error(std::int64_t d, const Config& c, const std::string& key) {
  try {
    test::make_encoding("rope", 1, d, c);
    ADD_FAILURE() << "expected an error for key " << key;
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("rope"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'" + key + "'"), std::string::npos) << msg;
  }
}

TEST(Rope, InvalidConfigIsAnErrorNamingEncodingAndKey) {
  expect_config_error(8, make_config({{"fraction", 0.375}}), "fraction");  // r = 3, odd
  expect_config_error(8, make_config({{"fraction", 0.0}}), "fraction");
  expect_config_error(8, make_config({{"pairing", std::string("gptj")}}), "pairing");
  expect_config_error(8, make_config({{"scaling", std::string("dynamic")}}), "scaling");
  expect_config_error(8, make_config({{"scaling", std::string("yarn")}, {"factor", 0.5}}),
                      "factor");
  expect_config_error(8, make_config({{"theta", 1.0}}), "theta");
  expect_config_error(8, make_config({{"theta", std::string("big")}}), "theta");
  expect_config_error(
      8, make_config({{"fraction", 0.25}, {"scaling", std::string("ntk")}, {"factor", 2.0}}),
      "scaling");  // r = 2: s^(r/(r-2)) undefined
  expect_config_error(8, make_config({{"scaling", std::string("yarn")}}), "factor");
  expect_config_error(8,
                      make_config({{"scaling", std::string("yarn")},
                                   {"factor", 2.0},
                                   {"original_length", std::int64_t{0}}}),
                      "original_length");
  // factor without a scaling is not read, so the harness reports it as unknown.
  expect_config_error(8, make_config({{"factor", 2.0}}), "factor");
}

}  // namespace
}  // namespace pebench
