// kind: extrapolation — train short on a byte corpus, evaluate long (the ALiBi paper's
// Figure 3 for any encoding). The YAML keys (see suites/extrapolation-quick.yaml):
//   corpus: python-docs          # a built-in (docs/corpora.md), or a mapping:
//     {name: mine, files: ["texts/**/*.txt"], package: some-deb, validation: 0.05, test: 0.05}
//                                # relative globs are relative to the suite file
//   train_length: 64             # training window (tokens = bytes)
//   evaluation:
//     lengths: [64, 128, 256]    # window lengths to evaluate at (required)
//     protocols: [windows, sliding]   # non-overlapping windows; sliding window, stride S
//     stride: 0                  # S; 0: L/4 at each length
//     split: test                # validation | test
//     max_scored: 50000          # bytes scored per length and protocol (0: the whole split)
//     batch: 8                   # windows per forward
//     buckets: 16                # loss by position: ranges of the window (windows protocol)
//     overrides:                 # more rows from the same checkpoint, encoding config changed
//       - {label: yarn, encoding: rope,
//          params: {scaling: yarn, factor: from_length, original_length: train_length}}
//                                # from_length: eval length / train length (>= 1), per length;
//                                # train_length: the training length
//   model: {...}, training: {...}   # as kind synthetic (kinds/common/model_training_keys.hpp)
// A case is one encoding x seed: it trains once at train_length, writes a checkpoint
// (<run>/logs/unit-N.ckpt, docs/checkpoints.md) and evaluates every length and protocol from
// it, one row each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "corpus/corpus.hpp"
#include "kinds/synthetic/synthetic_spec.hpp"
#include "results/json_fields.hpp"

namespace pebench {

PEBENCH_JSON_FIELDS(CorpusSpec, name, patterns, package, validation, test)

// An evaluation-time change of the encoding's config (RoPE's PI / NTK / YaRN scaling on a
// model trained with plain RoPE, as those papers evaluate): rows labelled `label`, for cases
// whose encoding is `encoding`.
struct EvalOverride {
  std::string label, encoding;
  Config params;
};
PEBENCH_JSON_FIELDS(EvalOverride, label, encoding, params)

struct ExtrapolationEvalSpec {
  std::vector<std::int64_t> lengths;
  std::vector<std::string> protocols{"windows", "sliding"};
  std::int64_t stride = 0;
  std::string split = "test";
  std::int64_t max_scored = 50000, batch = 8, buckets = 16;
  std::vector<EvalOverride> overrides;
};
PEBENCH_JSON_FIELDS(ExtrapolationEvalSpec, lengths, protocols, stride, split, max_scored, batch,
                    buckets, overrides)

struct ExtrapolationCaseSpec {
  CorpusSpec corpus;
  std::int64_t train_length = 0;
  ExtrapolationEvalSpec evaluation;
  ModelConfig model{.vocab = 256, .d_model = 64, .heads = 4, .layers = 2};
  TrainingSpec training;
};
PEBENCH_JSON_FIELDS(ExtrapolationCaseSpec, corpus, train_length, evaluation, model, training)

}  // namespace pebench
