#include "tasks/flip_flop.hpp"

#include <stdexcept>
#include <vector>

#include "tasks/task_support.hpp"

namespace pebench {

FlipFlopTask::FlipFlopTask(const Config& config)
    : p_ignore_(task_probability(config, "flip_flop", "p_ignore", 0.8)),
      length_(config.has("length")
                  ? task_int(config, "flip_flop", "length", 0, 4, std::int64_t{1} << 40)
                  : 0) {
  if (length_ % 2 != 0)
    throw std::invalid_argument("flip_flop: config key 'length' = " + std::to_string(length_) +
                                " must be even (instruction-bit pairs)");
}

std::string FlipFlopTask::token_text(std::int32_t token) const {
  static const char* const text[] = {"0", "1", "w", "r", "i", "<pad>"};
  if (token < 0 || token >= vocab_size())
    throw std::out_of_range("flip_flop: no token " + std::to_string(token));
  return text[token];
}

TaskBatch FlipFlopTask::sample(Rng& rng, std::int64_t batch, std::int64_t seq_len) const {
  TaskBatch out = padded_batch(*this, batch, seq_len, min_seq_len());
  const std::int64_t length = length_ > 0 ? length_ : seq_len - seq_len % 2;
  const std::int64_t pairs = length / 2;
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(length));
  for (std::int64_t b = 0; b < batch; ++b) {
    std::int32_t memory = kZero;
    std::int32_t reads = 0;
    for (std::int64_t k = 0; k < pairs; ++k) {
      std::int32_t op = kWrite;
      if (k == pairs - 1) {
        op = kRead;
      } else if (k > 0) {
        const double u = rng.uniform();
        op = u < p_ignore_ ? kIgnore : (u < p_ignore_ + 0.5 * (1.0 - p_ignore_) ? kWrite : kRead);
      }
      std::int32_t bit = memory;
      if (op != kRead) bit = static_cast<std::int32_t>(rng.below(2)) ? kOne : kZero;
      if (op == kWrite) memory = bit;
      tokens[2 * k] = op;
      tokens[2 * k + 1] = bit;
      if (op == kRead) {
        const std::int64_t i = b * seq_len + 2 * k;  // target: the read bit
        out.loss_mask[i] = 1.0f;
        out.answer[i] = reads++;
      }
    }
    set_row(out, b, tokens);
  }
  return out;
}

}  // namespace pebench
