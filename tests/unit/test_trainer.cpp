// Training loop and evaluation: randomized positions reach the encoding in
// training only, runs are bitwise reproducible, divergence is reported; a fixed training set
// is iterated in epochs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "model/trainer.hpp"
#include "model/training_set.hpp"
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

// Every epoch visits each example once, the last batch holding the rest; epochs come in
// different orders that depend on the seed and the epoch alone; a batch is the examples'
// own sequences.
TEST(FixedTrainingSet, EachEpochVisitsEveryExampleOnce) {
  const auto task = make_task("flip_flop", Config{});
  const FixedTrainingSet set(*task, 10, 16, 4, 7);
  ASSERT_EQ(set.steps_per_epoch(), 3);
  std::vector<std::vector<std::int64_t>> epochs;
  for (std::int64_t e = 0; e < 3; ++e) {
    std::vector<std::int64_t> seen;
    for (std::int64_t k = 0; k < 3; ++k) {
      const auto rows = set.batch_examples(e * 3 + k);
      EXPECT_EQ(rows.size(), k < 2 ? 4u : 2u);
      seen.insert(seen.end(), rows.begin(), rows.end());
    }
    epochs.push_back(seen);
    std::sort(seen.begin(), seen.end());
    for (std::int64_t i = 0; i < 10; ++i) EXPECT_EQ(seen[i], i) << "epoch " << e;
  }
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_NE(epochs[1], epochs[2]);
  // The same batches from another instance, asked in another order (a resumed training).
  const FixedTrainingSet again(*task, 10, 16, 4, 7);
  EXPECT_EQ(again.batch_examples(7), set.batch_examples(7));
  EXPECT_EQ(again.batch_examples(1), set.batch_examples(1));
  EXPECT_NE(FixedTrainingSet(*task, 10, 16, 4, 8).batch_examples(0), set.batch_examples(0));

  // Batch rows are the examples drawn once with the set's seed.
  Rng rng(7);
  const TaskBatch all = task->sample(rng, 10, 16);
  const TaskBatch b = set.batch(4);
  const auto rows = set.batch_examples(4);
  ASSERT_EQ(b.batch, 4);
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::int64_t t = 0; t < 16; ++t) {
      const std::size_t from = std::size_t(rows[r] * 16 + t), to = r * 16 + std::size_t(t);
      EXPECT_EQ(b.tokens[to], all.tokens[from]);
      EXPECT_EQ(b.targets[to], all.targets[from]);
      EXPECT_EQ(b.loss_mask[to], all.loss_mask[from]);
      EXPECT_EQ(b.answer[to], all.answer[from]);
    }
  EXPECT_THROW(FixedTrainingSet(*task, 0, 16, 4, 1), std::invalid_argument);
}

// Training on a fixed set of 4 examples for many epochs fits them far better than the same
// steps on fresh batches fit theirs (the set is really reused), and is reproducible.
TEST(Trainer, FixedTrainingSetIsIteratedInEpochs) {
  Fixture f;
  auto run = [&](std::int64_t examples) {
    Model model(f.config, nullptr, 3);
    TrainConfig tc = f.train_config();
    tc.steps = 150, tc.examples = examples, tc.examples_seed = 11;
    tc.optimizer.lr = 1e-2;
    Rng rng(3);
    return train(model, *f.task, tc, rng).losses;
  };
  const auto fixed = run(4), fresh = run(0);
  auto tail = [](const std::vector<double>& l) {
    double s = 0;
    for (std::size_t i = l.size() - 10; i < l.size(); ++i) s += l[i] / 10;
    return s;
  };
  EXPECT_LT(tail(fixed), 0.5 * tail(fresh)) << tail(fixed) << " vs " << tail(fresh);
  EXPECT_EQ(run(4), fixed);
}

// A training resumed from its checkpoint at step 3 of a fixed set (epochs of 2 steps) ends
// with the losses of the uninterrupted one: the batches depend on the step alone.
TEST(Trainer, FixedTrainingSetResumesWithTheSameBatches) {
  Fixture f;
  const std::string path = ::testing::TempDir() + "/fixed_set.ckpt";
  std::filesystem::remove(path);
  auto run = [&](bool checkpoints) {
    Model model(f.config, nullptr, 5);
    TrainConfig tc = f.train_config();
    tc.steps = 7, tc.examples = 7, tc.examples_seed = 2;
    if (checkpoints) tc.checkpoint_path = path, tc.checkpoint_every = 3, tc.checkpoint_tag = "t";
    Rng rng(5);
    return train(model, *f.task, tc, rng);
  };
  const TrainResult whole = run(false);
  run(true);  // leaves the checkpoint of step 6 (the last one before the end)
  const TrainResult resumed = run(true);
  EXPECT_EQ(resumed.resumed_from, 6);
  EXPECT_EQ(resumed.losses, whole.losses);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace pebench
