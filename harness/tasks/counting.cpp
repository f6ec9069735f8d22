#include "tasks/counting.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "tasks/task_support.hpp"

namespace pebench {

namespace {

// Operation weights of the reference generator (OP_WEIGHTS in count_data_gen.py).
constexpr std::uint64_t kSetWeight = 1, kDummyWeight = 50, kIncrementWeight = 7;

}  // namespace

CountingTask::CountingTask(const Config& config)
    : variables_(static_cast<std::int32_t>(task_int(config, "counting", "variables", 1, 1, 26))),
      min_steps_(task_int(config, "counting", "min_steps", 3, 1, std::int64_t{1} << 28)),
      max_steps_(task_int(config, "counting", "max_steps", 512, 1, std::int64_t{1} << 28)),
      max_tokens_(task_int(config, "counting", "max_tokens", 0, 0, std::int64_t{1} << 30)) {
  if (max_tokens_ > 0 && max_tokens_ < 4)
    throw std::invalid_argument(
        "counting: config key 'max_tokens' = " + std::to_string(max_tokens_) +
        " leaves no room for the question (0: never cut, or >= 4)");
  if (max_steps_ < min_steps_)
    throw std::invalid_argument("counting: config key 'max_steps' = " + std::to_string(max_steps_) +
                                " is below 'min_steps' = " + std::to_string(min_steps_));
}

std::string CountingTask::token_text(std::int32_t token) const {
  static const char* const words[] = {"=", ";", "pass;", "++;", "print", "<pad>"};
  if (token < 0 || token >= vocab_size())
    throw std::out_of_range("counting: no token " + std::to_string(token));
  if (token <= kMaxValue) return std::to_string(token);
  if (token < kFirstVariable) return words[token - kAssign];
  return std::string(1, static_cast<char>('a' + (token - kFirstVariable)));
}

std::vector<std::int32_t> CountingTask::sample_program(Rng& rng) const {
  std::vector<std::int32_t> tokens;
  std::vector<std::int32_t> value(static_cast<std::size_t>(variables_));
  std::vector<std::int32_t> set;  // variables set so far, in order of their first SET
  // A program that set no variable is drawn again (the reference's GenerationFail).
  for (;;) {
    tokens.clear();
    set.clear();
    const auto steps = min_steps_ + static_cast<std::int64_t>(rng.below(
                                        static_cast<std::uint64_t>(max_steps_ - min_steps_ + 1)));
    for (std::int64_t s = 0; s < steps; ++s) {
      for (;;) {  // an INCREMENT that cannot be done is drawn again
        const std::uint64_t op = rng.below(kSetWeight + kDummyWeight + kIncrementWeight);
        if (op < kSetWeight) {
          const auto v =
              static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(variables_)));
          if (std::find(set.begin(), set.end(), v) == set.end()) set.push_back(v);
          value[v] = 0;
          tokens.insert(tokens.end(), {kFirstVariable + v, kAssign, 0, kSemicolon});
          break;
        }
        if (op < kSetWeight + kDummyWeight) {
          tokens.push_back(kPass);
          break;
        }
        if (set.empty()) continue;
        const std::int32_t v = set[rng.below(set.size())];
        if (value[v] + 1 > kMaxValue) continue;
        ++value[v];
        tokens.insert(tokens.end(), {kFirstVariable + v, kIncrement});
        break;
      }
    }
    if (set.empty()) continue;
    const std::int32_t v = set[rng.below(set.size())];
    tokens.insert(tokens.end(), {kPrint, kFirstVariable + v, value[v]});
    return tokens;
  }
}

TaskBatch CountingTask::sample(Rng& rng, std::int64_t batch, std::int64_t seq_len) const {
  TaskBatch out = padded_batch(*this, batch, seq_len, min_seq_len());
  for (std::int64_t b = 0; b < batch; ++b) {
    std::vector<std::int32_t> tokens = sample_program(rng);
    if (max_tokens_ > 0 && static_cast<std::int64_t>(tokens.size()) > max_tokens_)
      tokens.erase(tokens.begin(), tokens.end() - max_tokens_);  // from the left, as the reference
    set_row(out, b, tokens);
    const std::int64_t i = b * seq_len + static_cast<std::int64_t>(tokens.size()) - 2;
    out.loss_mask[i] = 1.0f;  // at the printed variable; target: its value
    out.answer[i] = 0;
  }
  return out;
}

}  // namespace pebench
