// kind: synthetic — the YAML keys (see suites/synthetic-quick.yaml):
//   tasks:                      # each: a generator, its train length and its evaluation splits
//     - name: flip_flop         # flip_flop | selective_copy | counting (harness/tasks/)
//       label: flip_flop        # optional: tells apart two entries of one generator
//       params: {p_ignore: 0.8}
//       train_length: 64        # sequence length in training (default: the task's minimum)
//       splits:                 # default: one split 'id' = the training distribution
//         - {name: id}
//         - {name: ood_sparse, params: {p_ignore: 0.98}}   # params override the task's
//         - {name: long, length: 256}
//   model: {layers: 2, d_model: 64, heads: 4, mlp_hidden: 0, vocab: 0}   # vocab 0: the task's
//   training: {steps: 500, batch: 32, lr: 1e-3, warmup_steps: 50, schedule: cosine,
//              min_lr_ratio: 0.1, weight_decay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8,
//              grad_clip: 1.0, random_positions: 0}
//   evaluation: {batches: 8, batch: 32}
// A case is one encoding x task x seed; its spec (SyntheticCaseSpec) holds its task and the
// model, training and evaluation settings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model_config.hpp"
#include "pebench/config.hpp"
#include "results/json_fields.hpp"
#include "suite/case.hpp"

namespace pebench {

struct SplitSpec {
  std::string name;
  Config params;            // merged over the task's params
  std::int64_t length = 0;  // 0: train_length, or the split's minimum if longer
};
PEBENCH_JSON_FIELDS(SplitSpec, name, params, length)

struct TaskSpec {
  std::string name;   // the generator
  std::string label;  // case ids and table columns (default: name); e.g. counting_3var
  Config params;
  std::int64_t train_length = 0;  // 0: the task's minimum
  std::vector<SplitSpec> splits;
};
PEBENCH_JSON_FIELDS(TaskSpec, name, label, params, train_length, splits)

struct TrainingSpec {
  std::int64_t steps = 500, batch = 32;
  OptimizerConfig optimizer;
  std::int64_t random_positions = 0;  // L > 0: randomized positions in [0, L) (Ruoss et al.)
  // A fixed training set of `examples` sequences (model/training_set.hpp), 0: fresh batches.
  // `epochs` > 0 sets steps = epochs * ceil(examples / batch) (parse_training).
  std::int64_t examples = 0, epochs = 0;
};
PEBENCH_JSON_FIELDS(OptimizerConfig, lr, beta1, beta2, eps, weight_decay, grad_clip, warmup_steps,
                    total_steps, schedule, min_lr_ratio)
PEBENCH_JSON_FIELDS(TrainingSpec, steps, batch, optimizer, random_positions, examples, epochs)
PEBENCH_JSON_FIELDS(ModelConfig, vocab, d_model, heads, layers, mlp_hidden, norm, dropout,
                    attention_dropout)

struct EvaluationSpec {
  std::int64_t batches = 8, batch = 32;
};
PEBENCH_JSON_FIELDS(EvaluationSpec, batches, batch)

struct SyntheticCaseSpec {
  TaskSpec task;
  ModelConfig model{.vocab = 0, .d_model = 64, .heads = 4, .layers = 2};  // vocab 0: the task's
  TrainingSpec training;
  EvaluationSpec evaluation;
};
PEBENCH_JSON_FIELDS(SyntheticCaseSpec, task, model, training, evaluation)

}  // namespace pebench
