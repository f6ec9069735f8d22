// Language-model evaluation (lm/lm_eval.hpp): both protocols against per-window forwards
// done here, each token scored once, per-position buckets, limits and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "lm/lm_eval.hpp"
#include "pebench/random.hpp"
#include "test_helpers.hpp"

namespace pebench {
namespace {

struct Fixture {
  ModelConfig config;
  std::unique_ptr<Model> model;
  std::vector<std::uint8_t> bytes;
  explicit Fixture(std::int64_t size = 1000) {
    config.vocab = 256, config.d_model = 16, config.heads = 2, config.layers = 2;
    model = std::make_unique<Model>(
        config,
        [](const AttentionShape& s) {
          return resolve_encoding(test::plugins(), "alibi").create(Config{}, s);
        },
        11);
    Rng rng(3);
    for (std::int64_t i = 0; i < size; ++i)  // text-like: a few frequent bytes
      bytes.push_back(
          static_cast<std::uint8_t>(rng.below(4) == 0 ? rng.below(256) : 97 + rng.below(5)));
  }
  // Mean of -log p over targets [first, L) of the window at `start`, by a forward of its own.
  double window_sum(std::int64_t start, std::int64_t L, std::int64_t first = 0) {
    std::vector<std::int32_t> tokens(L), targets(L);
    std::vector<float> mask(L, 1.0f);
    std::vector<std::int64_t> pos(L);
    for (std::int64_t t = 0; t < L; ++t)
      tokens[t] = bytes[start + t], targets[t] = bytes[start + t + 1], pos[t] = t;
    model->forward({1, L, tokens.data(), targets.data(), mask.data(), &pos}, Pass::inference);
    const auto losses = model->token_losses();
    double s = 0;
    for (std::int64_t t = first; t < L; ++t) s += losses[t];
    return s;
  }
};

TEST(LmEval, WindowsProtocolScoresEveryTargetOfEveryWholeWindow) {
  Fixture f;
  const std::int64_t L = 32;
  const LmEvalResult r = evaluate_lm(*f.model, f.bytes, {L, LmProtocol::windows, 0, 3, 0, 4});
  const std::int64_t windows = (1000 - 1) / L;  // starts 0, 32, ... with 33 bytes available
  EXPECT_EQ(r.windows, windows);
  EXPECT_EQ(r.scored, windows * L);
  double sum = 0;
  for (std::int64_t w = 0; w < windows; ++w) sum += f.window_sum(w * L, L);
  EXPECT_NEAR(r.loss, sum / double(windows * L), 1e-5 * r.loss);
  EXPECT_NEAR(r.bits_per_byte(), r.loss / std::log(2.0), 1e-12);
  EXPECT_NEAR(r.perplexity(), std::exp(r.loss), 1e-9);
  // An untrained model over 256 bytes: about ln 256 nats.
  EXPECT_GT(r.loss, 4.0);
  EXPECT_LT(r.loss, 7.0);
  // Buckets: 4 ranges of 8 positions; their weighted mean is the loss.
  ASSERT_EQ(r.position_loss.size(), 4u);
  EXPECT_EQ(r.bucket_start, (std::vector<std::int64_t>{0, 8, 16, 24}));
  double weighted = 0;
  for (std::size_t b = 0; b < 4; ++b) {
    EXPECT_EQ(r.position_count[b], windows * 8);
    weighted += r.position_loss[b] * double(r.position_count[b]);
  }
  EXPECT_NEAR(weighted / double(r.scored), r.loss, 1e-9);
}

TEST(LmEval, SlidingProtocolScoresEachTokenOnceWithContext) {
  Fixture f;
  const std::int64_t L = 32, S = 8;
  const LmEvalResult r = evaluate_lm(*f.model, f.bytes, {L, LmProtocol::sliding, S, 5, 0, 4});
  // Windows start at 0, 8, ..., while start + 33 <= 1000: the first scores 32 targets, the
  // others 8 each, a contiguous run of targets 1 .. scored.
  const std::int64_t windows = (1000 - L - 1) / S + 1;
  EXPECT_EQ(r.windows, windows);
  EXPECT_EQ(r.scored, L + (windows - 1) * S);
  double sum = f.window_sum(0, L);
  for (std::int64_t w = 1; w < windows; ++w) sum += f.window_sum(w * S, L, L - S);
  EXPECT_NEAR(r.loss, sum / double(r.scored), 1e-5 * r.loss);
  EXPECT_TRUE(r.position_loss.empty());
  // Stride L is the windows protocol, bit for bit (same windows, same batches).
  const auto a = evaluate_lm(*f.model, f.bytes, {L, LmProtocol::sliding, L, 4, 0, 4});
  const auto b = evaluate_lm(*f.model, f.bytes, {L, LmProtocol::windows, 0, 4, 0, 4});
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.scored, b.scored);
}

TEST(LmEval, MaxScoredStopsEarlyAndBadInputIsRefused) {
  Fixture f;
  const auto r = evaluate_lm(*f.model, f.bytes, {16, LmProtocol::windows, 0, 2, 40, 4});
  EXPECT_EQ(r.windows, 3);  // 16, 32, then 48 >= 40
  EXPECT_EQ(r.scored, 48);
  Fixture small(40);
  try {
    evaluate_lm(*small.model, small.bytes, {64, LmProtocol::windows, 0, 2, 0, 4});
    FAIL() << "no error";
  } catch (const LmEvalError& e) {
    EXPECT_STREQ(e.what(), "the evaluation text has 40 bytes; one window at length 64 needs 65");
  }
  EXPECT_THROW(evaluate_lm(*f.model, f.bytes, {16, LmProtocol::sliding, 0, 2, 0, 4}), LmEvalError);
  EXPECT_THROW(evaluate_lm(*f.model, f.bytes, {16, LmProtocol::sliding, 17, 2, 0, 4}), LmEvalError);
  EXPECT_THROW(evaluate_lm(*f.model, f.bytes, {0, LmProtocol::windows, 0, 2, 0, 4}), LmEvalError);
}

}  // namespace
}  // namespace pebench
