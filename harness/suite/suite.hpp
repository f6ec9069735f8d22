// A suite: YAML -> typed spec -> list of cases.
//
//   name: quick                 # optional; defaults to the file name
//   kind: conformance           # conformance | synthetic
//   encodings: all              # or a list: [nope, {name: alibi, params: {...}}]
//   seeds: [1]
//   threads: 2                  # 0 = OpenMP default
//   timeout_s: 600              # per case
//
// kind: synthetic adds (see suites/synthetic-quick.yaml):
//   tasks:                      # each: a generator, its train length and its evaluation splits
//     - name: flip_flop
//       label: flip_flop      # optional: tells apart two entries of one generator
//       params: {p_ignore: 0.8}
//       train_length: 64        # sequence length in training (default: the task's minimum)
//       splits:                 # default: one split 'id' = the training distribution
//         - {name: id}
//         - {name: ood_sparse, params: {p_ignore: 0.98}}   # params override the task's
//         - {name: long, length: 256}
//   model: {layers: 2, d_model: 64, heads: 4, mlp_hidden: 0}
//   training: {steps: 500, batch: 32, lr: 1e-3, warmup_steps: 50, schedule: cosine,
//              min_lr_ratio: 0.1, weight_decay: 0.1, beta1: 0.9, beta2: 0.95,
//              grad_clip: 1.0, random_positions: 0}
//   evaluation: {batches: 8, batch: 32}
//
// kind: speed | memory (see suites/speed.yaml, suites/memory.yaml) add the grid
//   lengths: [256, 1024, 4096]  # T (required)
//   modes: [attention_fwd, attention_fwd_bwd, train_step, inference]   # kBenchModes
//   batch: 1                    # B; a number or a list, as heads and head_dim
//   heads: 8
//   head_dim: 64                # model modes: d_model = heads * head_dim
//   layers: 2                   # model modes
//   repetitions: 9              # speed: timed repetitions (medians, IQR, cv)
//   min_time_s: 0.2             # speed: minimum time of one repetition
// A case is encoding x mode x T x B x H x d (the first seed seeds its data). Speed cases of
// one shape and mode run in one process, with nope measured beside them.
//
// A file may instead hold `parts:`, a list of such mappings (each with a `name`),
// which inherit the file's seeds, threads and timeout_s; case ids are prefixed
// with the part's name.
//
// Every error names file:line:column and the key; an unknown key suggests the
// closest valid one.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "model/optimizer.hpp"
#include "pebench/config.hpp"

namespace pebench {

struct SuiteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct EncodingSpec {
  std::string name;
  Config params;
  std::string params_text;  // "k=v,k2=v2", as `--params` takes it
};

struct SplitSpec {
  std::string name;
  Config params;            // merged over the task's params
  std::int64_t length = 0;  // 0: train_length, or the split's minimum if longer
};

struct TaskSpec {
  std::string name;   // the generator: flip_flop | selective_copy | counting
  std::string label;  // case ids and table columns (default: name); e.g. counting_3var
  Config params;
  std::int64_t train_length = 0;  // 0: the task's minimum
  std::vector<SplitSpec> splits;
};

struct TrainingSpec {
  std::int64_t steps = 500, batch = 32;
  OptimizerConfig optimizer;
  std::int64_t random_positions = 0;  // L > 0: randomized positions in [0, L) (Ruoss et al.)
};

struct EvaluationSpec {
  std::int64_t batches = 8, batch = 32;
};

// What a speed or memory case runs (runners/workload.hpp describes each).
inline const std::vector<std::string> kBenchModes = {
    "attention_fwd", "attention_fwd_bwd", "attention_inference", "train_step", "inference"};

struct BenchGrid {
  std::vector<std::string> modes;
  std::vector<std::int64_t> lengths, batch{1}, heads{8}, head_dim{64};
  std::int64_t layers = 2;
  int repetitions = 9;
  double min_time_s = 0.2;
};

struct Suite {
  std::string path, name, kind, sha256;
  bool all_encodings = false;
  std::vector<EncodingSpec> encodings;
  std::vector<std::uint64_t> seeds{1};
  int threads = 0;
  double timeout_s = 600;
  // kind: synthetic
  std::vector<TaskSpec> tasks;
  ModelConfig model{.vocab = 0, .d_model = 64, .heads = 4, .layers = 2};  // vocab: the task's
  TrainingSpec training;
  EvaluationSpec evaluation;
  // kind: speed | memory
  BenchGrid bench;
  // A suite of several kinds (e.g. quick.yaml: conformance + a small synthetic part):
  // kind is "parts" and each part is a suite of one kind; rows of all parts go to one
  // rows.jsonl, tables per part.
  std::vector<Suite> parts;
};

struct Case {
  std::string id;  // e.g. "alibi/seed=1", "alibi/flip_flop/seed=1"
  EncodingSpec encoding;
  std::int64_t part = -1;  // index into Suite::parts (a suite with parts)
  std::int64_t task = -1;  // index into the (part's) Suite::tasks (synthetic)
  std::uint64_t seed = 1;
  // kind: speed | memory
  std::string mode;
  std::int64_t seq_len = 0, batch = 0, heads = 0, head_dim = 0;
  std::string group;  // cases of one group run in one process (speed: one shape and mode)
  std::vector<std::string> args;  // pebench arguments that rerun exactly this case
  std::string repro;              // the same, as one line
};

Suite load_suite(const std::string& path);
// The suite of one kind a case belongs to (the suite itself, or its part).
const Suite& suite_of(const Suite& suite, const Case& c);
// `available` is the encodings found by the registry (used for `encodings: all`);
// `plugin_paths` (the run's --plugin-path values) become part of each case's arguments.
std::vector<Case> expand_cases(const Suite& suite, const std::vector<std::string>& available,
                               const std::vector<std::string>& plugin_paths = {});
// Config values as "k=v,k2=v2" (sorted by key).
std::string params_to_text(const Config& config);
// One command-line argument quoted for a POSIX shell where needed.
std::string shell_quote(const std::string& arg);

// "k=v,k2=v2" -> Config (true/false -> bool, integers, numbers, else string).
Config parse_params(const std::string& text);
ConfigValue parse_scalar(const std::string& text);
// The candidate closest to `word` by edit distance ("" if none is close).
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace pebench
