// The model and training keys that the kinds that train a model share (synthetic,
// extrapolation):
//   model: {layers, d_model, heads, mlp_hidden, vocab, norm, dropout, attention_dropout}
//   training: {steps, batch, lr, warmup_steps, schedule, min_lr_ratio, beta1, beta2, eps,
//              weight_decay, grad_clip, random_positions, examples, epochs}
#pragma once

#include <yaml-cpp/yaml.h>

#include "kinds/synthetic/synthetic_spec.hpp"
#include "suite/yaml_reader.hpp"

namespace pebench {

void parse_model(const YamlReader& yaml, const YAML::Node& node, ModelConfig& m);
void parse_training(const YamlReader& yaml, const YAML::Node& node, TrainingSpec& t);

}  // namespace pebench
