#include "model/trainer.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/positions.hpp"
#include "model/progress.hpp"
#include "model/training_set.hpp"

namespace pebench {
namespace {

ModelInput input_of(const TaskBatch& b, const std::vector<std::int64_t>& positions) {
  return ModelInput{b.batch,          b.seq_len,          b.tokens.data(),
                    b.targets.data(), b.loss_mask.data(), &positions};
}

// "loss is nan at step 7 (0-based, of 20: 7 steps done)": the step is the index the
// checkpoints use (resumed from step k = k steps done); the progress line counts steps done.
std::string diverged_at(const char* what, double value, std::int64_t step, std::int64_t steps) {
  // fmt writes a NaN with its sign bit ("-nan"); the sign of a NaN means nothing.
  const std::string v = std::isnan(value) ? "nan" : fmt::format("{}", value);
  return fmt::format("{} is {} at step {} (0-based, of {}: {} steps done)", what, v, step, steps,
                     step);
}

std::int64_t length_for(const Task& task, std::int64_t seq_len) {
  return seq_len > 0 ? seq_len : task.min_seq_len();
}

}  // namespace

TrainResult train(Model& model, const Task& task, const TrainConfig& config, Rng& data_rng) {
  if (config.steps <= 0 || config.batch <= 0)
    throw std::invalid_argument("train: steps and batch must be > 0");
  if (task.vocab_size() > model.config().vocab)
    throw std::invalid_argument(
        fmt::format("train: task '{}' needs a vocabulary of {}, the model has {}", task.name(),
                    task.vocab_size(), model.config().vocab));
  const std::int64_t T = length_for(task, config.seq_len);
  OptimizerConfig oc = config.optimizer;
  oc.total_steps = config.steps;
  AdamW optimizer(oc);
  Progress progress(config.label, config.steps, config.progress);
  TrainResult result;
  std::vector<std::int64_t> positions = sequential_positions(T);
  std::optional<FixedTrainingSet> set;
  if (config.examples > 0)
    set.emplace(task, config.examples, T, config.batch, config.examples_seed);
  const auto start = std::chrono::steady_clock::now();
  double tokens = 0;
  const bool checkpoints = !config.checkpoint_path.empty() && config.checkpoint_every > 0;
  std::int64_t first_step = 0;
  if (checkpoints && std::filesystem::exists(config.checkpoint_path)) {
    const auto meta = nlohmann::json::parse(read_checkpoint_info(config.checkpoint_path).meta_json);
    if (meta.value("tag", "") == config.checkpoint_tag && meta.value("steps", -1) == config.steps) {
      load_checkpoint_weights(config.checkpoint_path, model, optimizer.state(model.parameters()));
      first_step = meta.at("step").get<std::int64_t>();
      data_rng.set_state(meta.at("rng").get<std::uint64_t>());
      result.losses = meta.at("losses").get<std::vector<double>>();
      result.resumed_from = first_step;
      fmt::print(stderr, "{}: resumed from step {} of {} ({})\n", config.label, first_step,
                 config.steps, config.checkpoint_path);
    }
  }
  auto save = [&](std::int64_t next_step) {
    CheckpointInfo info = config.checkpoint_info;
    info.meta_json = nlohmann::json{
        {"tag", config.checkpoint_tag},
        {"steps", config.steps},
        {"step", next_step},
        {"rng", data_rng.state()},
        {"losses",
         result.losses}}.dump();
    save_checkpoint(config.checkpoint_path, model, info, optimizer.state(model.parameters()));
  };
  for (std::int64_t step = first_step; step < config.steps; ++step) {
    const TaskBatch batch = set ? set->batch(step) : task.sample(data_rng, config.batch, T);
    if (config.random_positions > 0)
      positions = randomized_positions(T, config.random_positions, data_rng);
    model.zero_grad();
    model.set_dropout_step(step);  // the step's masks: a resumed training draws the same
    const double loss = model.forward(input_of(batch, positions));
    result.losses.push_back(loss);
    if (!std::isfinite(loss)) {
      result.diverged = true;
      result.diverged_reason = diverged_at("loss", loss, step, config.steps);
      break;
    }
    model.backward();
    // A non-finite gradient norm leaves the parameters as they were (AdamW::step applies
    // nothing), so no NaN reaches the weights before this check.
    const double grad_norm = optimizer.step(model.parameters(), step);
    if (!std::isfinite(grad_norm)) {
      result.diverged = true;
      result.diverged_reason = diverged_at("gradient norm", grad_norm, step, config.steps);
      break;
    }
    model.parameters_changed();
    tokens += double(batch.batch * T);
    progress.update(step + 1, loss, tokens);
    if (checkpoints && (step + 1) % config.checkpoint_every == 0 && step + 1 < config.steps)
      save(step + 1);
  }
  progress.finish();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.tokens_per_s = result.seconds > 0 ? tokens / result.seconds : 0;
  return result;
}

EvalResult evaluate(Model& model, const Task& task, std::int64_t seq_len, std::int64_t batches,
                    std::int64_t batch, Rng& data_rng) {
  EvalResult r;
  r.seq_len = length_for(task, seq_len);
  const std::vector<std::int64_t> positions = sequential_positions(r.seq_len);
  for (std::int64_t i = 0; i < batches; ++i) {
    const TaskBatch b = task.sample(data_rng, batch, r.seq_len);
    r.loss += model.forward(input_of(b, positions), Pass::inference) / double(batches);
    const AnswerErrors e = score_answers(b, model.predictions());
    r.errors.answers += e.answers;
    r.errors.wrong += e.wrong;
  }
  return r;
}

}  // namespace pebench
