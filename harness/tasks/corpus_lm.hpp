// Language modelling on a byte corpus (corpus/corpus.hpp), for training what the
// extrapolation kind evaluates (lm/lm_eval.hpp): each row is T + 1 consecutive bytes of the
// train split starting at a uniformly drawn offset (inputs the first T, targets the next
// byte of each), every target counts in the loss. There are no answers (answer = -1): the
// metric is the loss per byte, not an error rate, so this task is not one of the synthetic
// kind's (make_task does not know it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "corpus/corpus.hpp"
#include "tasks/task.hpp"

namespace pebench {

class CorpusLmTask final : public Task {
 public:
  explicit CorpusLmTask(Corpus corpus);
  std::string name() const override { return "corpus_lm"; }
  std::int32_t vocab_size() const override { return 256; }
  std::int32_t pad_token() const override { return 0; }
  std::string token_text(std::int32_t token) const override;
  std::int64_t min_seq_len() const override { return 1; }
  bool any_length() const override { return true; }
  // Throws std::invalid_argument when the train split is shorter than T + 1 bytes.
  TaskBatch sample(Rng& rng, std::int64_t batch, std::int64_t seq_len) const override;
  const Corpus& corpus() const { return corpus_; }

 private:
  Corpus corpus_;
};

}  // namespace pebench
