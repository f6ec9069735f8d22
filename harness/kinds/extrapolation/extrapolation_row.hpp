// Row metrics of kind extrapolation (docs/rows.md): one row per evaluation length and
// protocol of a case (row_id = <case id>/L=<length>/<protocol>).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "results/json_fields.hpp"

namespace pebench {

struct ExtrapolationMetrics {
  std::string corpus, corpus_sha256, split, protocol;
  std::string variant;         // an evaluation override's label ("" = as trained)
  std::string variant_params;  // its encoding config at this length, k=v,...
  std::int64_t train_length = 0, eval_length = 0, stride = 0;
  std::optional<double> bits_per_byte, loss, perplexity;  // loss: nats per byte
  std::optional<std::int64_t> scored, windows;
  std::vector<std::int64_t> position_start;  // windows protocol: first position of each bucket
  std::vector<double> position_bits;         // mean bits per byte in each bucket
  std::optional<double> train_loss_first, train_loss_last10;
  std::optional<std::int64_t> steps;
  std::optional<double> train_seconds, train_tokens_per_s;
  std::string model, checkpoint;
  std::optional<std::int64_t> parameters, encoding_parameters;
};
PEBENCH_JSON_FIELDS(ExtrapolationMetrics, corpus, corpus_sha256, split, protocol, variant,
                    variant_params, train_length, eval_length, stride, bits_per_byte, loss,
                    perplexity, scored, windows, position_start, position_bits, train_loss_first,
                    train_loss_last10, steps, train_seconds, train_tokens_per_s, model, checkpoint,
                    parameters, encoding_parameters)

}  // namespace pebench
