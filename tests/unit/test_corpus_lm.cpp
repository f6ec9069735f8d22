// Training on a corpus and evaluating at longer lengths, end to end on a generated corpus:
// CorpusLmTask windows, the trainer, a checkpoint, lm_eval at L, 2L and 4L with both protocols.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "lm/lm_eval.hpp"
#include "model/checkpoint.hpp"
#include "model/trainer.hpp"
#include "tasks/corpus_lm.hpp"
#include "test_helpers.hpp"

namespace pebench {
namespace {
namespace fs = std::filesystem;

// 60 documents of sentences from a small vocabulary: learnable bytes.
// PEBENCH_TEST_KEEP=<dir>: the corpus and checkpoints stay in <dir> (tests/e2e/eval.cmake
// runs `pebench eval` on them).
const char* keep_dir() {
  return std::getenv("PEBENCH_TEST_KEEP");
}

struct TextTree {
  fs::path root =
      keep_dir() ? fs::path(keep_dir()) / "corpus"
                 : fs::temp_directory_path() / ("pebench-corpus-lm-" + std::to_string(getpid()));
  TextTree() {
    fs::remove_all(root);
    const char* words[] = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far"};
    Rng rng(17);
    for (int d = 0; d < 60; ++d) {
      fs::create_directories(root / ("part" + std::to_string(d % 4)));
      std::ofstream out(root / ("part" + std::to_string(d % 4)) /
                        ("doc" + std::to_string(d) + ".txt"));
      for (int s = 0; s < 40; ++s) {
        for (int w = 0; w < 6; ++w) out << words[rng.below(10)] << (w < 5 ? " " : ".\n");
      }
    }
  }
  ~TextTree() {
    if (!keep_dir()) fs::remove_all(root);
  }
  CorpusSpec spec() const { return {"words", {(root / "**" / "*.txt").string()}, "", 0.1, 0.1}; }
};

MakeEncoding named(const std::string& name) {
  return [name](const AttentionShape& s) {
    return resolve_encoding(test::plugins(), name).create(Config{}, s);
  };
}

TEST(CorpusLm, SamplesAreWindowsOfTheTrainSplit) {
  TextTree tree;
  const CorpusLmTask task(load_corpus(tree.spec()));
  const auto& bytes = task.corpus().train.bytes;
  const std::string text(bytes.begin(), bytes.end());
  Rng a(5), b(5);
  const TaskBatch x = task.sample(a, 4, 50), y = task.sample(b, 4, 50);
  EXPECT_EQ(x.tokens, y.tokens);  // deterministic in the generator's state
  for (std::int64_t r = 0; r < 4; ++r) {
    std::string in, next;
    for (std::int64_t t = 0; t < 50; ++t) {
      in += char(x.tokens[r * 50 + t]);
      next += char(x.targets[r * 50 + t]);
      EXPECT_EQ(x.loss_mask[r * 50 + t], 1.0f);
      EXPECT_EQ(x.answer[r * 50 + t], -1);
    }
    const auto at = text.find(in);
    ASSERT_NE(at, std::string::npos) << in;
    EXPECT_EQ(text.substr(at + 1, 50), next);
  }
  Rng c(1);
  EXPECT_THROW(task.sample(c, 1, std::int64_t(bytes.size())), std::invalid_argument);
  EXPECT_EQ(task.token_text('a'), "a");
  EXPECT_EQ(task.token_text(10), "\\x0a");
}

TEST(CorpusLm, TrainShortEvaluateLongThroughACheckpoint) {
  TextTree tree;
  const CorpusLmTask task(load_corpus(tree.spec()));
  ModelConfig mc;
  mc.vocab = 256, mc.d_model = 32, mc.heads = 2, mc.layers = 2;
  Model model(mc, named("alibi"), 1);
  const std::int64_t L = 32;
  const LmEvalOptions at_l{L, LmProtocol::windows, 0, 8, 2000, 4};
  const double before = evaluate_lm(model, task.corpus().validation.bytes, at_l).loss;
  TrainConfig tc;
  tc.steps = 120, tc.batch = 16, tc.seq_len = L, tc.progress = false;
  tc.optimizer.lr = 3e-3, tc.optimizer.warmup_steps = 10;
  Rng data(2);
  const TrainResult tr = train(model, task, tc, data);
  ASSERT_FALSE(tr.diverged) << tr.diverged_reason;
  const LmEvalResult after = evaluate_lm(model, task.corpus().validation.bytes, at_l);
  EXPECT_GT(before, 5.0);  // ~ln 256 untrained
  // Measured: 5.55 -> 1.25 nats per byte.
  EXPECT_LT(after.loss, 2.0) << "trained on 10 words, the model should predict bytes well";

  const std::string path =
      keep_dir()
          ? (fs::path(keep_dir()) / "alibi.ckpt").string()
          : (fs::temp_directory_path() / ("pebench-lm-" + std::to_string(getpid()) + ".ckpt"))
                .string();
  save_checkpoint(path, model, {mc, "alibi", "", R"({"train_length": 32})"});
  const CheckpointInfo info = read_checkpoint_info(path);
  Model reloaded(info.model, named(info.encoding), 123);
  load_checkpoint_weights(path, reloaded);
  if (!keep_dir()) fs::remove(path);
  if (keep_dir()) {  // and a learned-positions model whose table stops at 64 (untrained)
    Config c;
    c.set("max_positions", std::int64_t(64));
    Model learned(
        mc,
        [c](const AttentionShape& s) {
          return resolve_encoding(test::plugins(), "learned").create(c, s);
        },
        1);
    save_checkpoint((fs::path(keep_dir()) / "learned.ckpt").string(), learned,
                    {mc, "learned", "max_positions=64", "{}"});
  }
  EXPECT_EQ(evaluate_lm(reloaded, task.corpus().validation.bytes, at_l).loss, after.loss);

  // Longer than trained: both protocols run and stay finite; ALiBi stays near its loss at L
  // (measured 1.255-1.267 at 2L and 4L against 1.248 at L).
  for (const std::int64_t len : {2 * L, 4 * L})
    for (const auto protocol : {LmProtocol::windows, LmProtocol::sliding}) {
      const LmEvalResult r = evaluate_lm(reloaded, task.corpus().validation.bytes,
                                         {len, protocol, len / 4, 4, 2000, 4});
      EXPECT_TRUE(std::isfinite(r.loss));
      EXPECT_LT(r.loss, after.loss + 0.3) << "length " << len;
    }
}

}  // namespace
}  // namespace pebench
