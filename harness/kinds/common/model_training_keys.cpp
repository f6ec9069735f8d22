#include "kinds/common/model_training_keys.hpp"

#include <fmt/format.h>

namespace pebench {

void parse_model(const YamlReader& yaml, const YAML::Node& node, ModelConfig& m) {
  yaml.for_each_key(
      node, "model",
      {"layers", "d_model", "heads", "mlp_hidden", "vocab", "norm", "dropout", "attention_dropout"},
      [&](const std::string& key, const YAML::Node& v) {
        if (key == "layers") m.layers = yaml.positive_int(key, v);
        if (key == "d_model") m.d_model = yaml.positive_int(key, v);
        if (key == "heads") m.heads = yaml.positive_int(key, v);
        if (key == "mlp_hidden") m.mlp_hidden = yaml.positive_int(key, v, true);
        if (key == "vocab") m.vocab = yaml.positive_int(key, v, true);
        if (key == "dropout") m.dropout = yaml.number_in(key, v, 0, 0.9);
        if (key == "attention_dropout") m.attention_dropout = yaml.number_in(key, v, 0, 0.9);
        if (key == "norm") {
          m.norm = yaml.scalar<std::string>(key, v, "a string");
          if (m.norm != "pre" && m.norm != "post")
            yaml.fail(v, fmt::format("'norm' is '{}', expected pre|post", m.norm));
        }
      });
  if (m.d_model % m.heads != 0)
    yaml.fail(node,
              fmt::format("'d_model' ({}) must be divisible by 'heads' ({})", m.d_model, m.heads));
}

void parse_training(const YamlReader& yaml, const YAML::Node& node, TrainingSpec& t) {
  OptimizerConfig& o = t.optimizer;
  const std::vector<std::string> keys = {
      "steps",    "batch", "lr",  "warmup_steps", "schedule",  "min_lr_ratio",
      "beta1",    "beta2", "eps", "weight_decay", "grad_clip", "random_positions",
      "examples", "epochs"};
  yaml.for_each_key(node, "training", keys, [&](const std::string& key, const YAML::Node& v) {
    if (key == "steps") t.steps = yaml.positive_int(key, v);
    if (key == "batch") t.batch = yaml.positive_int(key, v);
    if (key == "lr") o.lr = yaml.number_in(key, v, 1e-12, 10);
    if (key == "warmup_steps") o.warmup_steps = yaml.positive_int(key, v, true);
    if (key == "min_lr_ratio") o.min_lr_ratio = yaml.number_in(key, v, 0, 1);
    if (key == "beta1") o.beta1 = yaml.number_in(key, v, 0, 0.999999);
    if (key == "beta2") o.beta2 = yaml.number_in(key, v, 0, 0.999999);
    if (key == "eps") o.eps = yaml.number_in(key, v, 1e-30, 1);
    if (key == "weight_decay") o.weight_decay = yaml.number_in(key, v, 0, 10);
    if (key == "grad_clip") o.grad_clip = yaml.number_in(key, v, 0, 1e9);
    if (key == "random_positions") t.random_positions = yaml.positive_int(key, v, true);
    if (key == "examples") {
      t.examples = yaml.positive_int(key, v);
      if (t.examples > (std::int64_t(1) << 32))
        yaml.fail(v, fmt::format("'examples' ({}) is more than 2^32 sequences", t.examples));
    }
    if (key == "epochs") t.epochs = yaml.positive_int(key, v);
    if (key == "schedule") {
      o.schedule = yaml.scalar<std::string>(key, v, "a string");
      if (o.schedule != "linear" && o.schedule != "cosine" && o.schedule != "constant")
        yaml.fail(v,
                  fmt::format("'schedule' is '{}', expected linear|cosine|constant", o.schedule));
    }
  });
  // A fixed training set iterated in epochs (the CoPE paper's runs): the steps follow.
  if (node["epochs"]) {
    if (node["steps"])
      yaml.fail(node["epochs"],
                "give 'steps' or 'epochs', not both (epochs set the steps: "
                "epochs x ceil(examples / batch))");
    if (t.examples == 0)
      yaml.fail(node["epochs"], "'epochs' needs 'examples' (the size of the fixed training set)");
    const std::int64_t per_epoch = t.examples / t.batch + (t.examples % t.batch != 0);
    if (t.epochs > (std::int64_t(1) << 40) / per_epoch)
      yaml.fail(node["epochs"],
                fmt::format("{} epochs of {} steps is too many steps", t.epochs, per_epoch));
    t.steps = t.epochs * per_epoch;
  }
}

}  // namespace pebench
