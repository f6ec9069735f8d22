// A fixed training set: `examples` sequences drawn once from a task, iterated in epochs, as
// the CoPE paper's counting and copy runs train (facebookresearch/RAM, projects/cope: a
// generated train file read for many epochs) instead of a fresh batch every step.
//
// Epoch e visits every example once, in an order that depends only on the set's seed and e
// (a resumed training sees the same batches); its ceil(examples / batch) batches are full
// except the last, which holds the rest (examples % batch, when not 0).
#pragma once

#include <cstdint>
#include <vector>

#include "tasks/task.hpp"

namespace pebench {

class FixedTrainingSet {
 public:
  // Throws std::invalid_argument for examples <= 0 or batch <= 0.
  FixedTrainingSet(const Task& task, std::int64_t examples, std::int64_t seq_len,
                   std::int64_t batch, std::uint64_t seed);

  std::int64_t examples() const { return examples_; }
  std::int64_t steps_per_epoch() const { return examples_ / batch_ + (examples_ % batch_ != 0); }
  // The batch of 0-based training step `step` (epoch step / steps_per_epoch()).
  TaskBatch batch(std::int64_t step) const;
  // The example indices of that batch, in order.
  std::vector<std::int64_t> batch_examples(std::int64_t step) const;
  // Bytes the set holds (tokens, targets, mask and answers of every example).
  static double bytes(std::int64_t examples, std::int64_t seq_len);

 private:
  const std::vector<std::int64_t>& order(std::int64_t epoch) const;  // kept for the next step

  std::int64_t examples_, seq_len_, batch_;
  std::uint64_t seed_;
  TaskBatch all_;
  mutable std::int64_t order_epoch_ = -1;
  mutable std::vector<std::int64_t> order_;
};

}  // namespace pebench
