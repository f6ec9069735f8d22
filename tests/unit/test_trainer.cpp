// Training loop and evaluation: randomized positions reach the encoding in
// training only, runs are bitwise reproducible, divergence is reported.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model/trainer.hpp"
#include "test_helpers.hpp"

namespace pebench {
namespace {

// An embed-hook encoding that records the positions it is given, and can poison x.
class PositionRecorder final : public Encoding {
 public:
  std::vector<std::vector<std::int64_t>>* seen = nullptr;
  bool poison = false;
  EncodingInfo info() const override {
    EncodingInfo i;
    i.name = "position_recorder";
    i.hooks = kHookEmbed;
    return i;
  }
  void embed_forward(Span<3> x, Positions pos) override {
    seen->emplace_back(pos.data, pos.data + pos.size);
    if (poison) x.at(0, 0, 0) = std::numeric_limits<float>::quiet_NaN();
  }
};

struct Fixture {
  std::vector<std::vector<std::int64_t>> seen;
  std::unique_ptr<Task> task = make_task("flip_flop", Config{});
  ModelConfig config{.vocab = 8, .d_model = 16, .heads = 2, .layers = 1};
  TrainConfig train_config() const {
    TrainConfig tc;
    tc.steps = 4, tc.batch = 4, tc.seq_len = 16, tc.progress = false;
    tc.optimizer.warmup_steps = 1;
    return tc;
  }
  MakeEncoding recorder(bool poison = false) {
    return [this, poison](const AttentionShape&) {
      auto e = std::make_shared<PositionRecorder>();
      e->seen = &seen;
      e->poison = poison;
      return e;
    };
  }
};

TEST(Trainer, RandomizedPositionsInTrainingSequentialInEvaluation) {
  Fixture f;
  Model model(f.config, f.recorder(), 1);
  TrainConfig tc = f.train_config();
  tc.random_positions = 1000;
  Rng rng(5);
  const TrainResult r = train(model, *f.task, tc, rng);
  ASSERT_EQ(r.losses.size(), 4u);
  ASSERT_EQ(f.seen.size(), 4u);
  for (const auto& pos : f.seen) {
    ASSERT_EQ(pos.size(), 16u);
    EXPECT_TRUE(std::is_sorted(pos.begin(), pos.end()));
    EXPECT_LT(pos.back(), 1000);
    EXPECT_GT(pos.back(), 15) << "positions must spread over [0, 1000)";
  }
  EXPECT_NE(f.seen[0], f.seen[1]) << "a new subset per batch";
  f.seen.clear();
  evaluate(model, *f.task, 32, 1, 2, rng);
  ASSERT_EQ(f.seen.size(), 1u);
  for (std::int64_t t = 0; t < 32; ++t) EXPECT_EQ(f.seen[0][t], t);
}

TEST(Trainer, SameSeedSameLossCurveBitwise) {
  Fixture f;
  auto run = [&](std::uint64_t seed) {
    Model model(
        f.config,
        [](const AttentionShape& s) {
          return resolve_encoding(test::plugins(), "alibi").create(Config{}, s);
        },
        seed);
    Rng rng(seed);
    return train(model, *f.task, f.train_config(), rng).losses;
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}

TEST(Trainer, NonFiniteLossStopsAndReportsDivergence) {
  Fixture f;
  Model model(f.config, f.recorder(/*poison=*/true), 1);
  Rng rng(1);
  const TrainResult r = train(model, *f.task, f.train_config(), rng);
  EXPECT_TRUE(r.diverged);
  EXPECT_EQ(r.losses.size(), 1u);
  EXPECT_NE(r.diverged_reason.find("step 0"), std::string::npos) << r.diverged_reason;
}

TEST(Trainer, EvaluationScoresAnswersOfTheSplit) {
  Fixture f;
  Model model(f.config, {}, 1);
  Rng rng(2);
  const EvalResult r = evaluate(model, *f.task, 16, 3, 4, rng);
  EXPECT_EQ(r.seq_len, 16);
  EXPECT_GT(r.errors.answers, 0);
  EXPECT_LE(r.errors.wrong, r.errors.answers);
  EXPECT_TRUE(std::isfinite(r.loss));
}

}  // namespace
}  // namespace pebench
