// Row metrics of kind synthetic (docs/rows.md): one row per split of a case
// (row_id = <case id>/<split>).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "results/json_fields.hpp"

namespace pebench {

struct SyntheticMetrics {
  std::string task, generator, task_params, split, split_params;
  std::int64_t train_length = 0, eval_length = 0;
  std::optional<double> error_rate;  // wrong / answers
  std::optional<std::int64_t> answers, wrong;
  std::optional<double> eval_loss;
  std::optional<double> train_loss_first, train_loss_last10;  // last10: mean of the last 10 steps
  std::optional<std::int64_t> steps;
  std::optional<double> train_seconds, train_tokens_per_s;
  std::string model;  // "L2 D64 H4 V8"
  std::optional<std::int64_t> parameters, encoding_parameters;
  std::optional<std::int64_t> batch;
  std::optional<double> lr;
  std::string schedule;
  std::optional<std::int64_t> random_positions;
  std::optional<std::int64_t> training_examples;  // a fixed training set's size; 0: fresh batches
};
PEBENCH_JSON_FIELDS(SyntheticMetrics, task, generator, task_params, split, split_params,
                    train_length, eval_length, error_rate, answers, wrong, eval_loss,
                    train_loss_first, train_loss_last10, steps, train_seconds, train_tokens_per_s,
                    model, parameters, encoding_parameters, batch, lr, schedule, random_positions,
                    training_examples)

}  // namespace pebench
