#include "tasks/task_support.hpp"

#include <stdexcept>

namespace pebench {

std::int64_t task_int(const Config& config, const std::string& task, const std::string& key,
                      std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  const std::int64_t v = config.get_int(key, fallback);
  if (v < lo || v > hi)
    throw std::invalid_argument(task + ": config key '" + key + "' = " + std::to_string(v) +
                                " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                "]");
  return v;
}

double task_probability(const Config& config, const std::string& task, const std::string& key,
                        double fallback) {
  const double v = config.get_double(key, fallback);
  if (!(v >= 0.0 && v <= 1.0))  // also rejects NaN
    throw std::invalid_argument(task + ": config key '" + key + "' = " + std::to_string(v) +
                                " must be a probability in [0, 1]");
  return v;
}

TaskBatch padded_batch(const Task& task, std::int64_t batch, std::int64_t seq_len,
                       std::int64_t needed) {
  if (batch < 1)
    throw std::invalid_argument(task.name() + ": batch = " + std::to_string(batch) +
                                " must be >= 1");
  if (seq_len < needed)
    throw std::invalid_argument(task.name() + ": seq_len T = " + std::to_string(seq_len) +
                                " is shorter than the " + std::to_string(needed) +
                                " tokens its sequences need");
  TaskBatch b;
  b.batch = batch;
  b.seq_len = seq_len;
  const auto n = static_cast<std::size_t>(batch * seq_len);
  b.tokens.assign(n, task.pad_token());
  b.targets.assign(n, task.pad_token());
  b.loss_mask.assign(n, 0.0f);
  b.answer.assign(n, -1);
  return b;
}

void set_row(TaskBatch& batch, std::int64_t row, const std::vector<std::int32_t>& tokens) {
  const auto len = static_cast<std::int64_t>(tokens.size());
  if (len > batch.seq_len)
    throw std::logic_error("set_row: a sequence of " + std::to_string(len) +
                           " tokens does not fit T = " + std::to_string(batch.seq_len));
  const std::int64_t base = row * batch.seq_len;
  for (std::int64_t t = 0; t < len; ++t) {
    batch.tokens[base + t] = tokens[t];
    if (t + 1 < len) batch.targets[base + t] = tokens[t + 1];
  }
}

}  // namespace pebench
