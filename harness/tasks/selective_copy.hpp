// Selective copying (Gu & Dao 2023, "Mamba: Linear-Time Sequence Modeling with Selective
// State Spaces", arXiv 2312.00752), as used by the CoPE paper (Golovneva et
// al. 2024, arXiv 2405.18719: copy every token except the blank one; tested
// in distribution and on denser / sparser inputs with fewer / more blanks).
//
// A sequence is `tokens` data symbols, each uniform over `vocab` symbols (repeats allowed),
// at uniformly random positions (a sorted random subset) among `blanks` blank tokens, then
// a separator, then the data symbols again in order:
//   x_1 . . x_2 . x_3 . . . | x_1 x_2 x_3          (length blanks + 2 * tokens + 1)
// The loss mask covers the targets x_1..x_n (at the separator and the first n-1 answer
// tokens); the whole answer is one answer group.
//
// Config: tokens (default 16), vocab (default 16), blanks (default 256; dense / sparse
// tests use fewer / more blanks, e.g. 128 / 512). These defaults are not checked against the
// CoPE paper's text, which was not available when this was written.
// Token ids: 0..vocab-1 = data symbols, vocab = blank, vocab+1 = separator, vocab+2 = pad.
#pragma once

#include <cstdint>
#include <string>

#include "tasks/task.hpp"

namespace pebench {

class SelectiveCopyTask final : public Task {
 public:
  explicit SelectiveCopyTask(const Config& config);

  std::string name() const override { return "selective_copy"; }
  std::int32_t vocab_size() const override { return vocab_ + 3; }
  std::int32_t pad_token() const override { return vocab_ + 2; }
  std::int32_t blank_token() const { return vocab_; }
  std::int32_t separator_token() const { return vocab_ + 1; }
  std::string token_text(std::int32_t token) const override;
  std::int64_t min_seq_len() const override { return blanks_ + 2 * tokens_ + 1; }
  TaskBatch sample(Rng& rng, std::int64_t batch, std::int64_t seq_len) const override;

 private:
  std::int64_t tokens_, blanks_;
  std::int32_t vocab_;
};

}  // namespace pebench
