// Golden tests of the sandwich plugin: bias(h, m, n) = (sum_{k=1}^{d'/2} cos((m-n) /
// 10000^(2k/d')) - d'/2) / (8 (h+1) / H), computed here in double (reference: NeMo's
// SandwichRelativePositionEmbedding, after Chi et al. 2023), and pinned by hand at d' = 8.
// How to add a case: add (query, key) positions or a `dim` to the loops below.
#include <gtest/gtest.h>

#include <cmath>

#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

double expected_bias(std::int64_t h, std::int64_t heads, std::int64_t dim, std::int64_t m,
                     std::int64_t n) {
  double s = 0;
  for (std::int64_t k = 1; k <= dim / 2; ++k)
    s += std::cos(double(m - n) / std::pow(10000.0, 2.0 * double(k) / double(dim)));
  return (s - dim / 2.0) / (8.0 * double(h + 1) / double(heads));
}

std::vector<float> forward(Encoding& enc, std::int64_t H, const std::vector<std::int64_t>& qpos,
                           const std::vector<std::int64_t>& kpos) {
  const std::int64_t Tq = qpos.size(), Tk = kpos.size();
  std::vector<float> bias(static_cast<std::size_t>(H * Tq * Tk));
  enc.bias_forward(dense_view<float, 3>(bias.data(), {H, Tq, Tk}), Positions{qpos.data(), Tq},
                   Positions{kpos.data(), Tk});
  return bias;
}

TEST(Sandwich, HandValuesAtDimEight) {
  Config c;
  c.set("dim", std::int64_t{8});
  auto enc = test::make_encoding("sandwich", 4, 4, c);
  // d' = 8: frequencies 10000^(-k/4) = 0.1, 0.01, 0.001, 0.0001 (k = 1..4).
  const auto b = forward(*enc, 4, {10}, {0, 10});
  const double s = 0.5403023058681398 + 0.9950041652780258 + 0.9999500004166653 +
                   0.9999995000000417;  // cos(1) + cos(0.1) + cos(0.01) + cos(0.001)
  // Head scales 8 (h+1) / 4 = 2, 4, 6, 8.
  EXPECT_NEAR(b[0], (s - 4.0) / 2.0, tol::kGolden);
  EXPECT_NEAR(b[2], (s - 4.0) / 4.0, tol::kGolden);
  EXPECT_NEAR(b[4], (s - 4.0) / 6.0, tol::kGolden);
  EXPECT_NEAR(b[6], (s - 4.0) / 8.0, tol::kGolden);
  for (int h = 0; h < 4; ++h) EXPECT_EQ(b[2 * h + 1], 0.0f) << "distance 0 gives 0";
}

TEST(Sandwich, DefaultDimMatchesFormula) {
  const std::int64_t H = 8;
  auto enc = test::make_encoding("sandwich", H, 16);  // dim defaults to 128
  const std::vector<std::int64_t> qpos{7, 100, 3000};
  for (const std::vector<std::int64_t>& kpos :  // strided keys, then contiguous (gather path)
       {std::vector<std::int64_t>{0, 5, 7, 99, 100, 2048, 2999, 3000},
        std::vector<std::int64_t>{95, 96, 97, 98, 99, 100, 101, 102}}) {
    const auto b = forward(*enc, H, qpos, kpos);
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < 3; ++i)
        for (std::int64_t j = 0; j < 8; ++j) {
          const double e = expected_bias(h, H, 128, qpos[i], kpos[j]);
          EXPECT_NEAR(b[(h * 3 + i) * 8 + j], e, 1e-5 * (1 + std::fabs(e)))
              << h << " " << qpos[i] << " " << kpos[j];
        }
  }
  // Twelve heads: scales 8 (h+1) / 12.
  auto enc12 = test::make_encoding("sandwich", 12, 16);
  const auto b12 = forward(*enc12, 12, {50}, {0});
  for (std::int64_t h = 0; h < 12; ++h)
    EXPECT_NEAR(b12[h], expected_bias(h, 12, 128, 50, 0), 1e-5) << h;
}

TEST(Sandwich, BiasIsSymmetricAndShiftInvariant) {
  auto enc = test::make_encoding("sandwich", 2, 4);
  const auto a = forward(*enc, 2, {20}, {13, 20, 27});
  const auto b = forward(*enc, 2, {1020}, {1013, 1020, 1027});
  for (int e = 0; e < 6; ++e) EXPECT_EQ(a[e], b[e]);
  EXPECT_EQ(a[0], a[2]);  // cos is even
  EXPECT_LT(a[0], 0.0f);
  EXPECT_TRUE(enc->info().relative);
  EXPECT_TRUE(enc->parameters().empty());
}

TEST(Sandwich, OddDimIsRefused) {
  Config c;
  c.set("dim", std::int64_t{7});
  try {
    test::make_encoding("sandwich", 2, 4, c);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sandwich"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("dim"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pebench
