#include "tasks/selective_copy.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "core/positions.hpp"
#include "tasks/task_support.hpp"

namespace pebench {

SelectiveCopyTask::SelectiveCopyTask(const Config& config)
    : tokens_(task_int(config, "selective_copy", "tokens", 16, 1, std::int64_t{1} << 30)),
      blanks_(task_int(config, "selective_copy", "blanks", 256, 0, std::int64_t{1} << 30)),
      vocab_(static_cast<std::int32_t>(
          task_int(config, "selective_copy", "vocab", 16, 1, std::int64_t{1} << 20))) {}

std::string SelectiveCopyTask::token_text(std::int32_t token) const {
  if (token < 0 || token >= vocab_size())
    throw std::out_of_range("selective_copy: no token " + std::to_string(token));
  if (token == blank_token()) return ".";
  if (token == separator_token()) return "|";
  if (token == pad_token()) return "<pad>";
  std::string text = "x";  // (not "x" + ...: a GCC 12 -Wrestrict false positive)
  return text += std::to_string(token);
}

TaskBatch SelectiveCopyTask::sample(Rng& rng, std::int64_t batch, std::int64_t seq_len) const {
  TaskBatch out = padded_batch(*this, batch, seq_len, min_seq_len());
  const std::int64_t context = blanks_ + tokens_;
  std::vector<std::int32_t> seq(static_cast<std::size_t>(min_seq_len()));
  for (std::int64_t b = 0; b < batch; ++b) {
    std::fill(seq.begin(), seq.begin() + context, blank_token());
    // A sorted uniformly random tokens_-subset of the context positions holds the data.
    const std::vector<std::int64_t> where = randomized_positions(tokens_, context, rng);
    seq[context] = separator_token();
    for (std::int64_t j = 0; j < tokens_; ++j) {
      const auto symbol = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(vocab_)));
      seq[where[j]] = symbol;
      seq[context + 1 + j] = symbol;
      const std::int64_t i = b * seq_len + context + j;  // target: the j-th answer symbol
      out.loss_mask[i] = 1.0f;
      out.answer[i] = 0;
    }
    set_row(out, b, seq);
  }
  return out;
}

}  // namespace pebench
