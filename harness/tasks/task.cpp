#include "tasks/task.hpp"

#include <functional>
#include <stdexcept>
#include <utility>

#include "tasks/counting.hpp"
#include "tasks/flip_flop.hpp"
#include "tasks/selective_copy.hpp"

namespace pebench {

namespace {

using TaskFactory = std::function<std::unique_ptr<Task>(const Config&)>;

const std::vector<std::pair<std::string, TaskFactory>>& factories() {
  static const std::vector<std::pair<std::string, TaskFactory>> list = {
      {"counting", [](const Config& c) { return std::make_unique<CountingTask>(c); }},
      {"flip_flop", [](const Config& c) { return std::make_unique<FlipFlopTask>(c); }},
      {"selective_copy", [](const Config& c) { return std::make_unique<SelectiveCopyTask>(c); }},
  };
  return list;
}

}  // namespace

AnswerErrors score_answers(const TaskBatch& batch, const std::vector<std::int32_t>& predictions) {
  const auto n = static_cast<std::size_t>(batch.batch * batch.seq_len);
  if (predictions.size() != n || batch.targets.size() != n || batch.answer.size() != n)
    throw std::invalid_argument("score_answers: " + std::to_string(predictions.size()) +
                                " predictions for a batch of " + std::to_string(batch.batch) +
                                " x " + std::to_string(batch.seq_len) + " tokens");
  AnswerErrors errors;
  std::vector<std::int8_t> wrong;  // per answer index of the current row
  for (std::int64_t b = 0; b < batch.batch; ++b) {
    wrong.clear();
    for (std::int64_t t = 0; t < batch.seq_len; ++t) {
      const auto i = static_cast<std::size_t>(b * batch.seq_len + t);
      const std::int32_t a = batch.answer[i];
      if (a < 0) continue;
      if (static_cast<std::size_t>(a) >= wrong.size()) wrong.resize(a + 1, -1);  // -1: absent
      const bool miss = predictions[i] != batch.targets[i];
      wrong[a] = static_cast<char>(wrong[a] == 1 || miss);
    }
    for (char w : wrong) {
      if (w < 0) continue;
      ++errors.answers;
      errors.wrong += w;
    }
  }
  return errors;
}

std::unique_ptr<Task> make_task(const std::string& name, const Config& config) {
  for (const auto& [task, factory] : factories())
    if (task == name) return factory(config);
  std::string list;
  for (const auto& task : task_names()) list += (list.empty() ? "" : ", ") + task;
  throw std::invalid_argument("unknown task '" + name + "'; tasks: " + list);
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& [task, factory] : factories()) names.push_back(task);
  return names;
}

}  // namespace pebench
