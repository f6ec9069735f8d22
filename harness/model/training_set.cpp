#include "model/training_set.hpp"

#include <fmt/format.h>

#include <numeric>
#include <stdexcept>

#include "pebench/random.hpp"

namespace pebench {

FixedTrainingSet::FixedTrainingSet(const Task& task, std::int64_t examples, std::int64_t seq_len,
                                   std::int64_t batch, std::uint64_t seed)
    : examples_(examples), seq_len_(seq_len), batch_(batch), seed_(seed) {
  if (examples <= 0 || batch <= 0)
    throw std::invalid_argument(
        fmt::format("training set: examples ({}) and batch ({}) must be > 0", examples, batch));
  Rng rng(seed);
  all_ = task.sample(rng, examples, seq_len);
  const std::size_t n = static_cast<std::size_t>(examples * seq_len);
  if (all_.tokens.size() != n || all_.targets.size() != n || all_.loss_mask.size() != n ||
      all_.answer.size() != n)
    throw std::logic_error("training set: task '" + task.name() +
                           "' returned a batch of another size");
}

double FixedTrainingSet::bytes(std::int64_t examples, std::int64_t seq_len) {
  return double(examples) * double(seq_len) *
         (3 * sizeof(std::int32_t) + sizeof(float));  // tokens, targets, answer; loss_mask
}

// A Fisher-Yates shuffle from a generator seeded by the set's seed and the epoch alone.
const std::vector<std::int64_t>& FixedTrainingSet::order(std::int64_t epoch) const {
  if (epoch == order_epoch_) return order_;
  std::vector<std::int64_t>& o = order_;
  o.resize(static_cast<std::size_t>(examples_));
  std::iota(o.begin(), o.end(), 0);
  Rng rng(seed_ ^ (0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(epoch + 1)));
  for (std::int64_t i = examples_ - 1; i > 0; --i)
    std::swap(o[static_cast<std::size_t>(i)],
              o[static_cast<std::size_t>(rng.next_u64() % static_cast<std::uint64_t>(i + 1))]);
  order_epoch_ = epoch;
  return o;
}

std::vector<std::int64_t> FixedTrainingSet::batch_examples(std::int64_t step) const {
  if (step < 0) throw std::invalid_argument("training set: step must be >= 0");
  const std::int64_t epoch = step / steps_per_epoch(), k = step % steps_per_epoch();
  const std::vector<std::int64_t>& o = order(epoch);
  const std::int64_t first = k * batch_, last = std::min(examples_, first + batch_);
  return {o.begin() + first, o.begin() + last};
}

TaskBatch FixedTrainingSet::batch(std::int64_t step) const {
  const std::vector<std::int64_t> rows = batch_examples(step);
  TaskBatch b;
  b.batch = static_cast<std::int64_t>(rows.size());
  b.seq_len = seq_len_;
  const std::size_t T = static_cast<std::size_t>(seq_len_);
  for (const std::int64_t r : rows) {
    const std::size_t at = static_cast<std::size_t>(r) * T;
    b.tokens.insert(b.tokens.end(), all_.tokens.begin() + at, all_.tokens.begin() + at + T);
    b.targets.insert(b.targets.end(), all_.targets.begin() + at, all_.targets.begin() + at + T);
    b.loss_mask.insert(b.loss_mask.end(), all_.loss_mask.begin() + at,
                       all_.loss_mask.begin() + at + T);
    b.answer.insert(b.answer.end(), all_.answer.begin() + at, all_.answer.begin() + at + T);
  }
  return b;
}

}  // namespace pebench
