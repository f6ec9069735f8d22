// kind: synthetic. One case = one encoding, one task, one seed: the model (harness/model)
// is trained on the task's training distribution and length, then evaluated on every
// split (other distributions, longer lengths), one row each.
//
// Seeds: the model is initialised from the case seed and the training data drawn from it;
// every split's evaluation data depends only on the task and split, so all encodings and
// seeds are scored on the same sequences.
//
// Statuses per split: PASSED (trained and evaluated), DIVERGED (non-finite loss or
// gradient), SKIPPED (a length the encoding refuses, e.g. beyond max_positions: n/a in
// tables), LOAD_ERROR or FAILED (with `error`).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/sha256.hpp"
#include "kinds/common/case_estimate.hpp"
#include "kinds/common/case_training.hpp"
#include "kinds/common/model_training_keys.hpp"
#include "kinds/kind.hpp"
#include "kinds/synthetic/synthetic_row.hpp"
#include "kinds/synthetic/synthetic_spec.hpp"
#include "model/trainer.hpp"
#include "model/training_set.hpp"
#include "results/stat_table.hpp"
#include "results/tables.hpp"
#include "tasks/task.hpp"

namespace pebench {
namespace {

struct SyntheticSettings : KindSettings {
  std::vector<TaskSpec> tasks;
  SyntheticCaseSpec common;  // model, training, evaluation (task unset)
};

Config merged_params(const TaskSpec& task, const SplitSpec& split) {
  Config c = task.params;
  for (const auto& [k, v] : split.params.values()) c.set(k, v);
  return c;
}

// ---- YAML ----------------------------------------------------------------------------

SplitSpec parse_split(const YamlReader& yaml, const YAML::Node& node) {
  SplitSpec split;
  yaml.for_each_key(node, "splits", {"name", "params", "length"},
                    [&](const std::string& key, const YAML::Node& v) {
                      if (key == "name")
                        split.name = yaml.plain_name(
                            key, v, "a split's name is in row ids and table columns");
                      if (key == "params") split.params = yaml.params(v);
                      if (key == "length") split.length = yaml.positive_int(key, v);
                    });
  if (split.name.empty()) yaml.fail(node, "split entry without 'name'");
  return split;
}

TaskSpec parse_task(const YamlReader& yaml, const YAML::Node& node) {
  TaskSpec task;
  yaml.for_each_key(
      node, "tasks", {"name", "label", "params", "train_length", "splits"},
      [&](const std::string& key, const YAML::Node& v) {
        if (key == "name") task.name = yaml.scalar<std::string>(key, v, "a string");
        if (key == "label")
          task.label = yaml.plain_name(key, v, "a task's label is in case ids and table columns");
        if (key == "params") task.params = yaml.params(v);
        if (key == "train_length") task.train_length = yaml.positive_int(key, v);
        if (key == "splits") {
          if (!v.IsSequence() || v.size() == 0) yaml.fail(v, "'splits' must be a non-empty list");
          for (const auto& split : v) {
            task.splits.push_back(parse_split(yaml, split));
            for (std::size_t i = 0; i + 1 < task.splits.size(); ++i)
              if (task.splits[i].name == task.splits.back().name)
                yaml.fail(split, fmt::format("two splits named '{}'", task.splits.back().name));
          }
        }
      });
  if (task.name.empty()) yaml.fail(node, "task entry without 'name'");
  if (task.label.empty()) task.label = task.name;
  if (task.splits.empty()) task.splits.push_back(SplitSpec{"id", {}, 0});
  // Create the task (and each split's) now, so that a bad name, key or value is reported
  // here with its place in the file, not when the case runs.
  auto check = [&](const Config& params, const YAML::Node& at) {
    try {
      make_task(task.name, params);
    } catch (const std::invalid_argument& e) {
      yaml.fail(at, e.what());
    }
    const auto unused = params.unused_keys();
    if (!unused.empty()) {
      YAML::Node key_node = at;
      for (const auto& kv : at["params"])
        if (kv.first.Scalar() == unused[0]) key_node.reset(kv.first);
      yaml.fail(key_node, fmt::format("task '{}' has no parameter '{}'", task.name, unused[0]));
    }
  };
  check(task.params, node);
  const auto train_task = make_task(task.name, task.params);
  if (task.train_length == 0 && train_task->any_length())
    yaml.fail(node, fmt::format("task '{}' makes sequences of any length: give 'train_length' "
                                "(or params.length)",
                                task.name));
  if (task.train_length > 0 && task.train_length < train_task->min_seq_len())
    yaml.fail(node["train_length"],
              fmt::format("'train_length' {} is shorter than the task's sequences ({} tokens)",
                          task.train_length, train_task->min_seq_len()));
  if (node["splits"])
    for (std::size_t i = 0; i < task.splits.size(); ++i) {
      const Config merged = merged_params(task, task.splits[i]);
      check(merged, node["splits"][i]);
      const std::int64_t need = make_task(task.name, merged)->min_seq_len();
      if (task.splits[i].length > 0 && task.splits[i].length < need)
        yaml.fail(node["splits"][i]["length"],
                  fmt::format("split '{}': 'length' {} is shorter than its sequences ({} tokens)",
                              task.splits[i].name, task.splits[i].length, need));
    }
  return task;
}

void parse_evaluation(const YamlReader& yaml, const YAML::Node& node, EvaluationSpec& e) {
  yaml.for_each_key(node, "evaluation", {"batches", "batch"},
                    [&](const std::string& key, const YAML::Node& v) {
                      if (key == "batches") e.batches = yaml.positive_int(key, v);
                      if (key == "batch") e.batch = yaml.positive_int(key, v);
                    });
}

// ---- running ---------------------------------------------------------------------------

std::uint64_t stable_seed(const std::string& text) {
  return std::stoull(sha256_hex(text).substr(0, 16), nullptr, 16);
}

// The length a split is evaluated at: its own, or the training length, or longer where
// the split's sequences need it.
std::int64_t eval_length(const TaskSpec& task, const SplitSpec& split) {
  if (split.length > 0) return split.length;
  const std::int64_t train_length =
      task.train_length > 0 ? task.train_length : make_task(task.name, task.params)->min_seq_len();
  return std::max(train_length, make_task(task.name, merged_params(task, split))->min_seq_len());
}

SyntheticMetrics split_metrics(const TaskSpec& task, const SplitSpec& split) {
  SyntheticMetrics m;
  m.task = task.label;
  m.generator = task.name;
  m.task_params = params_to_text(task.params);
  m.split = split.name;
  m.split_params = params_to_text(split.params);
  m.train_length =
      task.train_length > 0 ? task.train_length : make_task(task.name, task.params)->min_seq_len();
  m.eval_length = eval_length(task, split);
  return m;
}

class SyntheticKind : public SuiteKind {
 public:
  std::string name() const override { return "synthetic"; }
  std::vector<std::string> keys() const override {
    return {"tasks", "model", "training", "evaluation"};
  }

  std::shared_ptr<const KindSettings> parse(const YamlReader& yaml,
                                            const YAML::Node& root) const override {
    auto s = std::make_shared<SyntheticSettings>();
    const YAML::Node tasks = root["tasks"];
    if (!tasks) yaml.fail(root, "kind 'synthetic' needs key 'tasks'");
    if (!tasks.IsSequence() || tasks.size() == 0)
      yaml.fail(tasks, "'tasks' must be a non-empty list");
    for (const auto& t : tasks) {
      s->tasks.push_back(parse_task(yaml, t));
      for (std::size_t i = 0; i + 1 < s->tasks.size(); ++i)
        if (s->tasks[i].label == s->tasks.back().label)
          yaml.fail(
              t, fmt::format("two tasks labelled '{}'; give one a 'label'", s->tasks.back().label));
    }
    if (root["model"]) parse_model(yaml, root["model"], s->common.model);
    if (root["training"]) parse_training(yaml, root["training"], s->common.training);
    if (root["evaluation"]) parse_evaluation(yaml, root["evaluation"], s->common.evaluation);
    const TrainingSpec& t = s->common.training;
    if (t.optimizer.warmup_steps >= t.steps)
      yaml.fail(root["training"] ? root["training"] : root,
                fmt::format("'warmup_steps' ({}) must be < 'steps' ({})", t.optimizer.warmup_steps,
                            t.steps));
    for (const auto& task : s->tasks) {
      const std::int64_t length = split_metrics(task, task.splits[0]).train_length;
      if (t.random_positions > 0 && t.random_positions < length)
        yaml.fail(root["training"]["random_positions"],
                  fmt::format("'random_positions' ({}) must be >= the training length of task "
                              "'{}' ({})",
                              t.random_positions, task.label, length));
    }
    return s;
  }

  std::vector<CaseDraft> expand(const KindSettings& settings,
                                const std::vector<std::uint64_t>& seeds) const override {
    const auto& s = settings_as<SyntheticSettings>(settings);
    std::vector<CaseDraft> drafts;
    drafts.reserve(s.tasks.size() * seeds.size());
    for (const TaskSpec& task : s.tasks) {
      SyntheticCaseSpec typed = s.common;
      typed.task = task;
      const CaseSpec spec(typed);  // one for every seed
      for (std::uint64_t seed : seeds)
        drafts.push_back({fmt::format("{}/seed={}", task.label, seed), "", seed, spec});
    }
    return drafts;
  }

  // Training at the train length, then every split's evaluation batches at its length.
  CaseEstimate estimate(const Case& c) const override {
    const auto spec = c.spec.get<SyntheticCaseSpec>();
    const TaskSpec& task = spec.task;
    const auto train_task = make_task(task.name, task.params);
    ModelConfig model = spec.model;
    if (model.vocab == 0) model.vocab = train_task->vocab_size();
    const std::int64_t train_length =
        task.train_length > 0 ? task.train_length : train_task->min_seq_len();
    CaseEstimate e =
        training_estimate(model, spec.training.steps, spec.training.batch, train_length);
    e.bytes += FixedTrainingSet::bytes(spec.training.examples, train_length);
    const EvaluationSpec& ev = spec.evaluation;
    for (const SplitSpec& split : task.splits) {
      const std::int64_t length = eval_length(task, split);
      e = then(e, {model_inference_bytes(model, ev.batch, length),
                   double(ev.batches) * model_forward_flops(model, ev.batch, length), 0});
    }
    return e;
  }

  std::vector<Row> planned_rows(const Case& c) const override {
    const auto spec = c.spec.get<SyntheticCaseSpec>();
    std::vector<Row> rows;
    for (const SplitSpec& split : spec.task.splits)
      rows.push_back(case_row(c, split.name).put(split_metrics(spec.task, split)));
    return rows;
  }

  void run(const std::vector<const Case*>& cases, CaseContext& ctx) const override {
    for (const Case* c : cases) run_one(*c, ctx);
  }

  std::string summary(const Row& row) const override {
    const auto m = row.get<SyntheticMetrics>();
    return fmt::format(
        "split {} (length {}){}", m.split, m.eval_length,
        m.error_rate ? fmt::format(": error rate {:.2f}%", 100 * *m.error_rate) : "");
  }

  void write_tables(const std::vector<Row>& rows, const std::string& dir) const override;

  // Error rate over seeds; with one seed a side, the error counts themselves. A change
  // under one percentage point is never flagged.
  std::vector<ComparedMetric> compared_metrics(const Row& row) const override {
    const auto m = row.get<SyntheticMetrics>();
    if (!m.error_rate) return {};
    ComparedMetric c;
    c.name = "error_rate_pct", c.test = ComparedMetric::Test::kSeeds;
    c.value = 100.0 * *m.error_rate, c.errors = m.wrong, c.trials = m.answers;
    c.min_difference = 1.0, c.decimals = 1;
    return {c};
  }

 private:
  void run_one(const Case& c, CaseContext& ctx) const;
};

void SyntheticKind::run_one(const Case& c, CaseContext& ctx) const {
  const auto spec = c.spec.get<SyntheticCaseSpec>();
  const TaskSpec& task = spec.task;
  const auto train_task = make_task(task.name, task.params);
  std::vector<std::unique_ptr<Task>> split_tasks;
  std::int32_t vocab = train_task->vocab_size();
  for (const auto& split : task.splits) {
    split_tasks.push_back(make_task(task.name, merged_params(task, split)));
    vocab = std::max(vocab, split_tasks.back()->vocab_size());
  }
  std::vector<Row> rows = planned_rows(c);
  ModelConfig mc = spec.model;
  mc.vocab = std::max<std::int64_t>(mc.vocab, vocab);  // model.vocab 0 (default): the task's
  const CaseTraining trained =
      train_case(c, ctx, mc, spec.training, *train_task, task.train_length);
  if (trained.failed) return emit_failed(rows, trained, ctx);  // every split: the same status
  Model* model = trained.model.get();
  for (Row& row : rows)
    row.head.plugin_version = trained.source.version,
    row.head.plugin_sha256 = trained.source.sha256;

  for (std::size_t s = 0; s < task.splits.size(); ++s) {
    const SplitSpec& split = task.splits[s];
    Row& row = rows[s];
    auto m = row.get<SyntheticMetrics>();
    row.head.status = Status::kPassed;
    try {
      // The same sequences for every encoding and seed: the seed depends only on the task
      // and the split (names and parameters), not on their order in the file.
      Rng eval_rng(stable_seed(task.label + "/" + split.name + "/" +
                               params_to_text(merged_params(task, split))));
      const EvalResult r = evaluate(*model, *split_tasks[s], m.eval_length, spec.evaluation.batches,
                                    spec.evaluation.batch, eval_rng);
      require_finite_evaluation(r.loss, r.seq_len);
      m.error_rate = r.errors.rate();
      m.answers = r.errors.answers, m.wrong = r.errors.wrong;
      m.eval_loss = r.loss;
    } catch (const PositionsUnsupported& e) {  // n/a: a length the encoding refuses
      row.head.status = Status::kSkipped, row.head.status_detail = e.what();
    } catch (const std::exception& e) {
      row.head.status = Status::kFailed, row.head.error = e.what();
    }
    m.train_loss_first = trained.result.losses.empty() ? 0.0 : trained.result.losses.front();
    m.train_loss_last10 = trained.last10;
    m.steps = static_cast<std::int64_t>(trained.result.losses.size());
    m.train_seconds = trained.result.seconds;
    m.train_tokens_per_s = trained.result.tokens_per_s;
    m.model = model_text(mc);
    m.parameters = model->parameter_count();
    m.encoding_parameters = model->encoding_parameter_count();
    m.batch = spec.training.batch, m.lr = spec.training.optimizer.lr;
    m.schedule = spec.training.optimizer.schedule;
    m.random_positions = spec.training.random_positions;
    m.training_examples = spec.training.examples;
    ctx.emit(row.put(m));
  }
}

// Encodings as rows, task/split as columns, error rate (%) pooled over seeds (the layout of
// the CoPE paper's Table 2), the lowest mean per column in bold.
void SyntheticKind::write_tables(const std::vector<Row>& rows, const std::string& dir) const {
  std::vector<std::string> encodings, columns;  // in order of first appearance
  std::map<std::pair<std::string, std::string>, CellValues> cells;
  for (const Row& r : rows) {
    const auto m = r.get<SyntheticMetrics>();
    const std::string enc = encoding_label(r);
    const std::string col = m.task + "/" + m.split;
    if (std::find(encodings.begin(), encodings.end(), enc) == encodings.end())
      encodings.push_back(enc);
    if (std::find(columns.begin(), columns.end(), col) == columns.end()) columns.push_back(col);
    CellValues& cell = cells[{enc, col}];
    if (r.head.status == Status::kPassed && m.error_rate)
      cell.add(100.0 * *m.error_rate);
    else
      cell.add_missing(status_cell(r.head.status));
  }
  static constexpr int kDecimals = 1;
  Table t;
  LongCsv long_csv;
  t.header = {"encoding"};
  for (const auto& col : columns) t.header.push_back(col);
  for (const auto& enc : encodings) {
    std::vector<std::string> line = {enc};
    for (const auto& col : columns) {
      line.push_back(stat_cell(cells[{enc, col}], kDecimals));
      long_csv.add("", enc, col, "error_rate_pct", cells[{enc, col}]);
    }
    t.rows.push_back(line);
  }
  bold_best(
      t, 1, Better::kLower,
      [&](std::size_t row, std::size_t col) -> std::optional<double> {
        const auto& values = cells[{encodings[row], columns[col - 1]}].values;
        if (values.empty()) return std::nullopt;
        return summarize(values).mean;
      },
      [](double v) { return fmt::format("{:.{}f}", v, kDecimals); });
  t.footnote = provenance_footnote(rows, "n = seeds pooled per cell");
  write_table_files(t, dir,
                    "Error rate (%, lower is better): mean ± std over seeds [95% confidence "
                    "interval of the mean, Student t] n=seeds; best mean per column in bold; "
                    "n/a: the encoding cannot run that length.\n\n");
  long_csv.write(dir + "/table_long.csv");
}

}  // namespace

const SuiteKind& synthetic_kind() {
  static const SyntheticKind kind;
  return kind;
}

}  // namespace pebench
