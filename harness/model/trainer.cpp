#include "model/trainer.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "core/positions.hpp"
#include "model/progress.hpp"

namespace pebench {
namespace {

ModelInput input_of(const TaskBatch& b, const std::vector<std::int64_t>& positions) {
  return ModelInput{b.batch,          b.seq_len,          b.tokens.data(),
                    b.targets.data(), b.loss_mask.data(), &positions};
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
  const auto start = std::chrono::steady_clock::now();
  double tokens = 0;
  for (std::int64_t step = 0; step < config.steps; ++step) {
    const TaskBatch batch = task.sample(data_rng, config.batch, T);
    if (config.random_positions > 0)
      positions = randomized_positions(T, config.random_positions, data_rng);
    model.zero_grad();
    const double loss = model.forward(input_of(batch, positions));
    result.losses.push_back(loss);
    if (!std::isfinite(loss)) {
      result.diverged = true;
      result.diverged_reason = fmt::format("loss is {} at step {}", loss, step);
      break;
    }
    model.backward();
    const double grad_norm = optimizer.step(model.parameters(), step);
    if (!std::isfinite(grad_norm)) {  // the step already applied it: report it here
      result.diverged = true;
      result.diverged_reason = fmt::format("gradient norm is {} at step {}", grad_norm, step);
      break;
    }
    model.parameters_changed();
    tokens += double(config.batch * T);
    progress.update(step + 1, loss, tokens);
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
