// Helpers shared by the synthetic tasks (tasks/*.cpp): checked config reads and the padded
// batch layout of tasks/task.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tasks/task.hpp"

namespace pebench {

// config.get_int(key, fallback), throwing std::invalid_argument naming the task and key
// unless the value is in [lo, hi].
std::int64_t task_int(const Config& config, const std::string& task, const std::string& key,
                      std::int64_t fallback, std::int64_t lo, std::int64_t hi);
// config.get_double(key, fallback), which must be a probability in [0, 1].
double task_probability(const Config& config, const std::string& task, const std::string& key,
                        double fallback);

// A (batch, seq_len) batch of pad tokens, mask 0, answer -1; throws std::invalid_argument
// naming the task and lengths if batch < 1 or seq_len < needed.
TaskBatch padded_batch(const Task& task, std::int64_t batch, std::int64_t seq_len,
                       std::int64_t needed);

// Writes one sequence into row `row` (its length must be <= seq_len) with next-token
// targets; the last token's target stays pad.
void set_row(TaskBatch& batch, std::int64_t row, const std::vector<std::int32_t>& tokens);

}  // namespace pebench
