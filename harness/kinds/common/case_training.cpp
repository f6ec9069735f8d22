#include "kinds/common/case_training.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pebench {
namespace {

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  Rng r(a * 0x9E3779B97F4A7C15ull ^ b);
  return r.next_u64();
}

}  // namespace

CaseTraining train_case(const Case& c, CaseContext& ctx, const ModelConfig& model,
                        const TrainingSpec& training, const Task& task, std::int64_t seq_len) {
  CaseTraining t;
  try {
    t.source = resolve_encoding(ctx.registry, c.encoding.name);
    const EncodingSource& source = t.source;
    t.model = std::make_unique<Model>(
        model,
        [&source, &c](const AttentionShape& shape) {
          return source.create(c.encoding.params, shape);
        },
        c.seed);
  } catch (const std::exception& e) {
    t.failed = t.source.name.empty() ? Status::kLoadError : Status::kFailed;
    t.error = e.what();
    return t;
  }
  TrainConfig tc;
  tc.steps = training.steps;
  tc.batch = training.batch;
  tc.seq_len = seq_len;
  tc.optimizer = training.optimizer;
  tc.random_positions = training.random_positions;
  tc.examples = training.examples;
  tc.examples_seed = mix(c.seed, 2);  // the training set, like the data stream, is the seed's
  tc.progress = ctx.progress;
  tc.label = c.id;
  tc.checkpoint_path = c.checkpoint;
  tc.checkpoint_every = c.checkpoint_every;
  tc.checkpoint_tag = c.version;
  tc.checkpoint_info.model = model;
  tc.checkpoint_info.encoding = c.encoding.name;
  tc.checkpoint_info.encoding_params = c.encoding.params_text;
  Rng train_rng(mix(c.seed, 1));
  try {
    t.result = train(*t.model, task, tc, train_rng);
  } catch (const PositionsUnsupported& e) {  // the training length itself is beyond the encoding
    t.failed = Status::kSkipped, t.detail = e.what();
    return t;
  } catch (const std::exception& e) {
    t.failed = Status::kFailed, t.error = std::string("training: ") + e.what();
    return t;
  }
  if (t.result.diverged) {
    t.failed = Status::kDiverged, t.error = t.result.diverged_reason;
    return t;
  }
  const auto& losses = t.result.losses;
  const std::size_t tail = std::min<std::size_t>(10, losses.size());
  for (std::size_t i = losses.size() - tail; i < losses.size(); ++i)
    t.last10 += losses[i] / double(tail);
  return t;
}

std::string model_text(const ModelConfig& m) {
  return fmt::format(
      "L{} D{} H{} V{}{}{}{}", m.layers, m.d_model, m.heads, m.vocab,
      m.post_norm() ? " post-norm" : "", m.dropout > 0 ? fmt::format(" dropout={}", m.dropout) : "",
      m.attention_dropout > 0 ? fmt::format(" attention_dropout={}", m.attention_dropout) : "");
}

void require_finite_evaluation(double loss, std::int64_t length) {
  if (!std::isfinite(loss))
    throw std::runtime_error(fmt::format("evaluation loss is {} at length {} (training was finite)",
                                         std::isnan(loss) ? "nan" : fmt::format("{}", loss),
                                         length));
}

void emit_failed(std::vector<Row>& rows, const CaseTraining& t, CaseContext& ctx) {
  for (Row& row : rows) {
    row.head.status = *t.failed, row.head.status_detail = t.detail, row.head.error = t.error;
    if (!t.source.name.empty())
      row.head.plugin_version = t.source.version, row.head.plugin_sha256 = t.source.sha256;
    ctx.emit(row);
  }
}

}  // namespace pebench
