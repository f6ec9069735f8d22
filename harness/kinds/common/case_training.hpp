// What the kinds that train one model per case share (synthetic, extrapolation): building the
// case's model from its encoding, training it with the suite's settings, and the outcome as
// the status every row of the case gets when training did not finish; plus the mean ± std
// cell of their tables.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attention/encoding_source.hpp"
#include "kinds/kind.hpp"
#include "kinds/synthetic/synthetic_spec.hpp"
#include "model/model.hpp"
#include "model/trainer.hpp"

namespace pebench {

struct CaseTraining {
  EncodingSource source;
  std::unique_ptr<Model> model;
  TrainResult result;
  double last10 = 0;  // mean loss of the last 10 steps
  // Set when the case cannot go on: every row gets this status, detail and error.
  std::optional<Status> failed;
  std::string detail, error;
};

// Builds the model of case `c` (seeded by the case) and trains it on `task` at `seq_len`:
// LOAD_ERROR (the encoding did not load), FAILED (it could not be created, or training threw),
// SKIPPED (the training length is beyond the encoding), DIVERGED.
CaseTraining train_case(const Case& c, CaseContext& ctx, const ModelConfig& model,
                        const TrainingSpec& training, const Task& task, std::int64_t seq_len);

// Every row of `rows` with the training's failure status, emitted.
void emit_failed(std::vector<Row>& rows, const CaseTraining& t, CaseContext& ctx);

// An evaluation of the trained model whose loss is NaN/Inf (the encoding's forward went
// non-finite where training did not, e.g. at a longer length) throws std::runtime_error
// "evaluation loss is nan at length L (training was finite)": the row is FAILED with that
// error, not a PASSED row whose loss is null and whose error rate is scored on NaN logits.
void require_finite_evaluation(double loss, std::int64_t length);

// The model as rows show it: "L2 D64 H4 V8", with " post-norm" for post-LN blocks and
// " dropout=0.1" for dropout, " attention_dropout=0.1" for dropout on attention probabilities.
std::string model_text(const ModelConfig& m);

}  // namespace pebench
