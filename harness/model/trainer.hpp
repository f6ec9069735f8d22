// Training and evaluation of the model on a synthetic task.
//
// Training draws every batch from `data_rng` (or from a fixed training set); with random_positions
// = L > 0 the positions of each batch are a sorted random T-subset of [0, L) (randomized positional
// encodings, Ruoss et al. 2023), otherwise 0..T-1. Evaluation always uses 0..T-1. A non-finite loss
// or gradient norm stops training and reports divergence (TrainResult::diverged_reason names it and
// the 0-based step); a non-finite gradient is applied to no parameter (AdamW::step).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/checkpoint.hpp"
#include "model/model.hpp"
#include "model/optimizer.hpp"
#include "tasks/task.hpp"

namespace pebench {

struct TrainConfig {
  std::int64_t steps = 1000, batch = 32, seq_len = 0;  // seq_len 0: the task's min_seq_len()
  OptimizerConfig optimizer;                           // total_steps is set to steps
  std::int64_t random_positions = 0;                   // L > 0: randomized positions
  // A fixed training set (model/training_set.hpp) of `examples` sequences drawn with
  // `examples_seed`, iterated in epochs; 0: a fresh batch from data_rng every step.
  std::int64_t examples = 0;
  std::uint64_t examples_seed = 0;
  bool progress = true;
  std::string label = "train";
  // Training checkpoints (`run`: <run>/checkpoints/): every `checkpoint_every` steps the
  // weights, AdamW's moments, the data stream's state and the losses so far go to
  // `checkpoint_path`; a training that finds one there with the same `checkpoint_tag` (the
  // case version) and steps goes on from it, and ends where an uninterrupted one would (the
  // same bits at the same thread count: every number that decides a step is restored).
  std::string checkpoint_path, checkpoint_tag;
  std::int64_t checkpoint_every = 0;  // 0: none
  CheckpointInfo checkpoint_info;     // the model's description in the file
};

struct TrainResult {
  std::vector<double> losses;  // one per step done
  double seconds = 0, tokens_per_s = 0;
  bool diverged = false;
  std::string diverged_reason;
  std::int64_t resumed_from = 0;  // the step a checkpoint let it start at (0: from scratch)
};

TrainResult train(Model& model, const Task& task, const TrainConfig& config, Rng& data_rng);

struct EvalResult {
  AnswerErrors errors;
  double loss = 0;  // mean over batches of the masked mean cross-entropy
  std::int64_t seq_len = 0;
};

// `batches` batches of `batch` sequences of length seq_len (0: the task's min_seq_len()).
EvalResult evaluate(Model& model, const Task& task, std::int64_t seq_len, std::int64_t batches,
                    std::int64_t batch, Rng& data_rng);

}  // namespace pebench
