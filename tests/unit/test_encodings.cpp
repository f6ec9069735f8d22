// Golden values pinned to the papers' definitions and reference code.
#include <gtest/gtest.h>

#include <cmath>

#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

// Slopes read back through the plugin ABI: bias(h, query at pos 1, key at pos 0) = -m_h.
std::vector<double> alibi_slopes_via_plugin(std::int64_t heads) {
  auto enc = test::make_encoding("alibi", heads, 8);
  std::vector<float> bias(static_cast<std::size_t>(heads));
  const std::int64_t one = 1, zero = 0;
  enc->bias_forward(dense_view<float, 3>(bias.data(), {heads, 1, 1}), Positions{&one, 1},
                    Positions{&zero, 1});
  std::vector<double> slopes;
  for (float b : bias) slopes.push_back(-double(b));
  return slopes;
}

TEST(Alibi, SlopesForEightHeadsAreHalfToOneOver256) {
  const auto slopes = alibi_slopes_via_plugin(8);
  for (int h = 0; h < 8; ++h) EXPECT_NEAR(slopes[h], std::pow(2.0, -(h + 1)), tol::kGolden) << h;
}

TEST(Alibi, SlopesForTwelveHeadsFollowReferenceGetSlopes) {
  // get_slopes(12) = get_slopes_power_of_2(8) + get_slopes_power_of_2(16)[0::2][:4]
  //                = 2^-1 ... 2^-8, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5
  const double expected[12] = {0.5,
                               0.25,
                               0.125,
                               0.0625,
                               0.03125,
                               0.015625,
                               0.0078125,
                               0.00390625,
                               0.7071067811865476,
                               0.35355339059327373,
                               0.17677669529663687,
                               0.08838834764831843};
  const auto slopes = alibi_slopes_via_plugin(12);
  for (int h = 0; h < 12; ++h) EXPECT_NEAR(slopes[h], expected[h], tol::kGolden) << h;
}

TEST(Alibi, BiasIsLinearInDistance) {
  auto enc = test::make_encoding("alibi", 2, 4);
  std::vector<std::int64_t> qpos{5}, kpos{0, 1, 2, 3, 4, 5};
  std::vector<float> bias(2 * 6);
  enc->bias_forward(dense_view<float, 3>(bias.data(), {2, 1, 6}), Positions{qpos.data(), 1},
                    Positions{kpos.data(), 6});
  // Two heads: slopes 2^-4, 2^-8 (start = 2^(-2^-(log2(2)-3)) = 2^-4, ratio 2^-4).
  for (int j = 0; j < 6; ++j) {
    EXPECT_NEAR(bias[j], -(5 - j) / 16.0, tol::kGolden);
    EXPECT_NEAR(bias[6 + j], -(5 - j) / 256.0, tol::kGolden);
  }
}

// The default amplitude is the token embedding's init std (plugins/sinusoidal: the paper's
// ratio of position to token signal at initialisation).
TEST(Sinusoidal, DefaultScaleIsTheTokenEmbeddingStd) {
  const std::int64_t D = 8;
  auto enc = test::make_encoding("sinusoidal", 2, 4);
  std::vector<std::int64_t> pos{0, 1};
  std::vector<float> x(pos.size() * D, 0.0f);
  enc->embed_forward(dense_view<float, 3>(x.data(), {1, 2, D}), Positions{pos.data(), 2});
  EXPECT_NEAR(x[1], 0.02, tol::kGolden);                      // cos 0
  EXPECT_NEAR(x[D + 0], 0.02 * std::sin(1.0), tol::kGolden);  // sin 1
}

TEST(Sinusoidal, ValuesAtKnownPositions) {
  const std::int64_t D = 8;
  Config unit;
  unit.set("scale", 1.0);  // the paper's unit amplitude
  auto enc = test::make_encoding("sinusoidal", 2, 4, unit);
  std::vector<std::int64_t> pos{0, 1, 7, 1000};
  std::vector<float> x(pos.size() * D, 0.0f);
  enc->embed_forward(dense_view<float, 3>(x.data(), {1, 4, D}), Positions{pos.data(), 4});
  auto E = [&](int t, int c) { return x[t * D + c]; };
  // pos 0: sin 0 = 0, cos 0 = 1.
  for (int c = 0; c < D; ++c) EXPECT_NEAR(E(0, c), c % 2 ? 1.0 : 0.0, tol::kGolden);
  // pos 1, i = 0: sin(1), cos(1); i = 1: angle 1/10000^(2/8) = 0.1.
  EXPECT_NEAR(E(1, 0), std::sin(1.0), tol::kGolden);
  EXPECT_NEAR(E(1, 1), std::cos(1.0), tol::kGolden);
  EXPECT_NEAR(E(1, 2), std::sin(0.1), tol::kGolden);
  EXPECT_NEAR(E(1, 3), std::cos(0.1), tol::kGolden);
  // pos 7, i = 3: angle 7 / 10000^(6/8) = 7e-3.
  EXPECT_NEAR(E(2, 6), std::sin(0.007), tol::kGolden);
  EXPECT_NEAR(E(2, 7), std::cos(0.007), tol::kGolden);
  // pos 1000, i = 2: angle 1000 / 10000^(4/8) = 10.
  EXPECT_NEAR(E(3, 4), std::sin(10.0), tol::kGolden);
  EXPECT_NEAR(E(3, 5), std::cos(10.0), tol::kGolden);
}

TEST(Sinusoidal, EmbedAddsToInputAndConfigBaseAndScaleAreRead) {
  Config c;
  c.set("base", 100.0);
  c.set("scale", 0.5);
  auto enc = test::make_encoding("sinusoidal", 1, 2, c);
  std::vector<std::int64_t> pos{3};
  std::vector<float> x{1.0f, 2.0f};
  enc->embed_forward(dense_view<float, 3>(x.data(), {1, 1, 2}), Positions{pos.data(), 1});
  EXPECT_NEAR(x[0], 1.0 + 0.5 * std::sin(3.0), tol::kGolden);
  EXPECT_NEAR(x[1], 2.0 + 0.5 * std::cos(3.0), tol::kGolden);
}

// learn_scale: one trainable scalar, initialised to `scale`; its gradient is
// sum_{b,t,c} dx[b,t,c] E(pos_t, c), checked here against a double loop of the formula.
TEST(Sinusoidal, LearnScaleIsOneParameterWithTheEmbeddingsGradient) {
  const std::int64_t B = 2, T = 3, D = 4;
  Config c;
  c.set("learn_scale", true);
  c.set("scale", 0.125);
  auto enc = test::make_encoding("sinusoidal", 1, D, c);
  enc->init_parameters(7);
  auto params = enc->parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].name, "scale");
  EXPECT_FLOAT_EQ(params[0].value[0], 0.125f);
  params[0].value[0] = 0.5f;  // as after some training steps
  std::vector<std::int64_t> pos{0, 2, 5};
  std::vector<float> x(B * T * D, 1.0f), dx(B * T * D);
  for (std::size_t i = 0; i < dx.size(); ++i) dx[i] = 0.1f * float(i) - 1.0f;
  enc->embed_forward(dense_view<float, 3>(x.data(), {B, T, D}), Positions{pos.data(), T});
  *params[0].grad = 0.25f;  // accumulates (+=)
  enc->embed_backward(dense_view<const float, 3>(dx.data(), {B, T, D}), Positions{pos.data(), T});
  double expected = 0.25;
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t t = 0; t < T; ++t)
      for (std::int64_t k = 0; k < D; ++k) {
        const double angle = double(pos[t]) / std::pow(10000.0, double(k - k % 2) / D);
        const double e = k % 2 == 0 ? std::sin(angle) : std::cos(angle);
        EXPECT_NEAR(x[(b * T + t) * D + k], 1.0 + 0.5 * e, tol::kGolden);
        expected += double(dx[(b * T + t) * D + k]) * e;
      }
  EXPECT_NEAR(*params[0].grad, expected, 1e-5);
}

TEST(Sinusoidal, FixedScaleHasNoParameters) {
  auto enc = test::make_encoding("sinusoidal", 1, 4);
  EXPECT_TRUE(enc->parameters().empty());
}

TEST(Config, UnknownKeyIsAnErrorNamingKeyAndEncoding) {
  Config c;
  c.set("bas", 100.0);
  try {
    test::make_encoding("sinusoidal", 1, 2, c);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown config key 'bas' for encoding 'sinusoidal'");
  }
}

TEST(Config, WrongTypeIsAnErrorNamingKey) {
  Config c;
  c.set("base", std::string("large"));
  EXPECT_THROW(
      {
        try {
          test::make_encoding("sinusoidal", 1, 2, c);
        } catch (const std::invalid_argument& e) {
          EXPECT_STREQ(e.what(), "encoding 'sinusoidal': config key 'base' must be a number");
          throw;
        }
      },
      std::invalid_argument);
}

}  // namespace
}  // namespace pebench
