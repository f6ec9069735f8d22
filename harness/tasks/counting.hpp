// The counting task of the CoPE paper (Golovneva et al. 2024, "Contextual Position Encoding:
// Learning to Count What's Important", arXiv 2405.18719), following its reference
// generator facebookresearch/RAM projects/cope/scripts/count_data_gen.py and the whitespace
// tokenizer of projects/cope/src/data/tokenizer.py.
//
// A program of n statements, n uniform in [min_steps, max_steps] (reference: 3..512), over
// the first `variables` of the names a, b, c, ...; each statement draws an operation with
// weights SET 1, DUMMY 50, INCREMENT 7:
//   SET        "v = 0 ;"  v uniform over all variables        (4 tokens)
//   DUMMY      "pass;"                                          (1 token)
//   INCREMENT  "v ++;"    v uniform over the variables set so far (2 tokens); when none is
//              set or v is already 10 the operation is drawn again (values stay <= 10)
// then "print v N" with v uniform over the set variables and N its value. A program that
// set no variable is drawn again from the start (reference: GenerationFail). "pass;" and
// "++;" are single tokens, as the reference's whitespace tokenizer makes them.
// The loss mask is at the printed variable (whose target is N); N is the one answer.
// The reference trains with block size 512 and cuts longer sequences from the left
// (projects/cope/src/data/data_collator.py: x[-max_len:]; ~14% of its 3..512-statement
// programs); max_tokens (default 0: never) does the same here. Otherwise T must hold the
// longest program: min_seq_len = 4 * max_steps + 3 (or max_tokens, if smaller).
//
// Config: variables (default 1; 1..26; the paper uses 1, 3, 5), min_steps (default 3),
// max_steps (default 512), max_tokens (default 0; the reference's 512: at least 4).
// Token ids: 0..10 = numbers, 11 "=", 12 ";", 13 "pass;", 14 "++;", 15 "print", 16 pad,
// 17.. = variables a, b, ...
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tasks/task.hpp"

namespace pebench {

class CountingTask final : public Task {
 public:
  static constexpr std::int32_t kMaxValue = 10;
  static constexpr std::int32_t kAssign = 11, kSemicolon = 12, kPass = 13, kIncrement = 14,
                                kPrint = 15, kPad = 16, kFirstVariable = 17;

  explicit CountingTask(const Config& config);

  std::string name() const override { return "counting"; }
  std::int32_t vocab_size() const override { return kFirstVariable + variables_; }
  std::int32_t pad_token() const override { return kPad; }
  std::string token_text(std::int32_t token) const override;
  std::int64_t min_seq_len() const override {
    return max_tokens_ > 0 ? std::min(4 * max_steps_ + 3, max_tokens_) : 4 * max_steps_ + 3;
  }
  TaskBatch sample(Rng& rng, std::int64_t batch, std::int64_t seq_len) const override;

 private:
  std::vector<std::int32_t> sample_program(Rng& rng) const;  // tokens up to the answer

  std::int32_t variables_;
  std::int64_t min_steps_, max_steps_, max_tokens_;
};

}  // namespace pebench
