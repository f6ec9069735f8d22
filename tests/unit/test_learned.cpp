// Golden tests of `learned` (absolute position table, GPT-2 style): the embedding of a
// position is its table row; the gradient lands in the rows of the positions given,
// summed over the batch; positions >= max_positions are refused.
// How to add a case: write the table through parameters(), call the hook, compare
// with the rows written.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

constexpr std::int64_t kHeads = 2, kHeadDim = 2, kD = kHeads * kHeadDim;

// Table row p = (p + 0.25 c) for channel c: every row distinct and known.
std::shared_ptr<Encoding> encoding_with_known_table(std::int64_t max_positions = 16) {
  Config c;
  c.set("max_positions", max_positions);
  auto enc = test::make_encoding("learned", kHeads, kHeadDim, c);
  auto params = enc->parameters();
  EXPECT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].shape, (std::vector<std::int64_t>{max_positions, kD}));
  for (std::int64_t p = 0; p < max_positions; ++p)
    for (std::int64_t ch = 0; ch < kD; ++ch)
      params[0].value[p * kD + ch] = static_cast<float>(p) + 0.25f * static_cast<float>(ch);
  return enc;
}

TEST(Learned, EmbeddingOfKnownPositionsIsTheirTableRow) {
  auto enc = encoding_with_known_table();
  const std::vector<std::int64_t> pos{0, 3, 3, 15};  // repeated and last position
  std::vector<float> x(2 * 4 * kD, 1.0f);            // B = 2, x = 1 before the hook
  enc->embed_forward(dense_view<float, 3>(x.data(), {2, 4, kD}), Positions{pos.data(), 4});
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t t = 0; t < 4; ++t)
      for (std::int64_t ch = 0; ch < kD; ++ch)
        EXPECT_EQ(x[(b * 4 + t) * kD + ch], 1.0f + float(pos[t]) + 0.25f * float(ch))
            << "b " << b << " t " << t << " ch " << ch;
}

TEST(Learned, GradientLandsInTheRowsOfThePositionsSummedOverBatch) {
  auto enc = encoding_with_known_table();
  const std::vector<std::int64_t> pos{1, 1, 4};
  // dx[b, t, ch] = 100 b + 10 t + ch
  std::vector<float> dx(2 * 3 * kD);
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t t = 0; t < 3; ++t)
      for (std::int64_t ch = 0; ch < kD; ++ch)
        dx[(b * 3 + t) * kD + ch] = float(100 * b + 10 * t + ch);
  auto grad = enc->parameters()[0].grad;
  for (int call = 1; call <= 2; ++call) {  // a second backward accumulates
    enc->embed_backward(dense_view<const float, 3>(dx.data(), {2, 3, kD}),
                        Positions{pos.data(), 3});
    for (std::int64_t p = 0; p < 16; ++p)
      for (std::int64_t ch = 0; ch < kD; ++ch) {
        // row 1: t = 0, 1 of both batch elements: (0 + 10 + 100 + 110) + 4 ch;
        // row 4: t = 2: (20 + 120) + 2 ch.
        const double expected = p == 1 ? 220.0 + 4.0 * ch : p == 4 ? 140.0 + 2.0 * ch : 0.0;
        EXPECT_EQ(grad[p * kD + ch], call * expected) << "row " << p << " ch " << ch;
      }
  }
}

TEST(Learned, RefusesPositionsBeyondTheTable) {
  auto enc = encoding_with_known_table(8);
  EXPECT_EQ(enc->info().max_positions, 8);
  const std::vector<std::int64_t> pos{6, 7, 8};
  std::vector<float> x(3 * kD, 0.0f);
  try {
    enc->embed_forward(dense_view<float, 3>(x.data(), {1, 3, kD}), Positions{pos.data(), 3});
    FAIL() << "expected std::out_of_range";
  } catch (const std::out_of_range& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'learned'"), std::string::npos) << m;
    EXPECT_NE(m.find("position 8"), std::string::npos) << m;
    EXPECT_NE(m.find("max_positions = 8"), std::string::npos) << m;
  }
  const std::vector<std::int64_t> negative{-1};
  EXPECT_THROW(
      enc->embed_forward(dense_view<float, 3>(x.data(), {1, 1, kD}), Positions{negative.data(), 1}),
      std::out_of_range);
}

TEST(Learned, InitIsNormalWithStd002AndDeterministic) {
  auto a = test::make_encoding("learned", 4, 8);  // table 1024 x 32
  auto b = test::make_encoding("learned", 4, 8);
  a->init_parameters(7);
  b->init_parameters(7);
  const auto pa = a->parameters()[0], pb = b->parameters()[0];
  const std::int64_t n = 1024 * 32;
  double sum = 0, sq = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(pa.value[i], pb.value[i]);
    sum += pa.value[i];
    sq += double(pa.value[i]) * pa.value[i];
  }
  EXPECT_NEAR(sum / n, 0.0, 0.02 * 4 / std::sqrt(double(n)));
  EXPECT_NEAR(std::sqrt(sq / n), 0.02, 0.02 * 0.03);
}

TEST(Learned, ConfigIsValidated) {
  Config c;
  c.set("max_positions", std::int64_t{0});
  try {
    test::make_encoding("learned", 1, 2, c);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("max_positions"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("learned"), std::string::npos) << e.what();
  }
  Config s;
  s.set("init_std", -1.0);
  EXPECT_THROW(test::make_encoding("learned", 1, 2, s), std::invalid_argument);
}

}  // namespace
}  // namespace pebench
