// Flip-flop language modelling (Liu et al. 2023, "Exposing Attention Glitches with
// Flip-Flop Language Modeling", arXiv 2306.00946), the FFL(p_i) distribution, also used
// by the CoPE paper (Golovneva et al. 2024, arXiv 2405.18719).
//
// A sequence is length/2 instruction-bit pairs over {w, r, i, 0, 1}:
//   w b   write: b uniform in {0, 1}, becomes the remembered bit
//   i b   ignore: b uniform in {0, 1}, changes nothing
//   r b   read: b is the last written bit (deterministic)
// The first instruction is w, the last is r; every other instruction is i with probability
// p_ignore and w or r with probability (1 - p_ignore) / 2 each. Targets are next tokens, so
// the loss mask is at each r (whose target is the read bit) and each read is one answer.
//
// Config: p_ignore (default 0.8; in [0, 1]), length (tokens per sequence, even, >= 4;
// default: the batch's T, rounded down to even, the last token padded when T is odd).
// Token ids: 0 = "0", 1 = "1", 2 = w, 3 = r, 4 = i, 5 = pad.
#pragma once

#include <cstdint>
#include <string>

#include "tasks/task.hpp"

namespace pebench {

class FlipFlopTask final : public Task {
 public:
  static constexpr std::int32_t kZero = 0, kOne = 1, kWrite = 2, kRead = 3, kIgnore = 4, kPad = 5;

  explicit FlipFlopTask(const Config& config);

  std::string name() const override { return "flip_flop"; }
  std::int32_t vocab_size() const override { return 6; }
  std::int32_t pad_token() const override { return kPad; }
  std::string token_text(std::int32_t token) const override;
  std::int64_t min_seq_len() const override { return length_ > 0 ? length_ : 4; }
  bool any_length() const override { return length_ == 0; }
  TaskBatch sample(Rng& rng, std::int64_t batch, std::int64_t seq_len) const override;

 private:
  double p_ignore_;
  std::int64_t length_;  // 0 = the batch's T
};

}  // namespace pebench
