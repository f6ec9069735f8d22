#include "runners/synthetic.hpp"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <map>

#include "attention/attention.hpp"
#include "attention/encoding_source.hpp"
#include "core/sha256.hpp"
#include "model/trainer.hpp"
#include "results/bench_rows.hpp"
#include "results/provenance.hpp"
#include "results/tables.hpp"

namespace pebench {
namespace {

Config split_params(const TaskSpec& task, const SplitSpec& split) {
  Config c = task.params;
  for (const auto& [k, v] : split.params.values()) c.set(k, v);
  return c;
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  Rng r(a * 0x9E3779B97F4A7C15ull ^ b);
  return r.next_u64();
}

}  // namespace

static std::uint64_t stable_seed(const std::string& text) {
  const std::string digest = sha256_hex(text);
  return std::stoull(digest.substr(0, 16), nullptr, 16);
}

void run_synthetic_case(const Suite& suite, const Case& c, Registry& registry, bool progress,
                        const std::function<void(const Row&)>& emit) {
  const TaskSpec& spec = suite.tasks.at(static_cast<std::size_t>(c.task));
  const auto train_task = make_task(spec.name, spec.params);
  std::vector<std::unique_ptr<Task>> split_tasks;
  std::int32_t vocab = train_task->vocab_size();
  for (const auto& split : spec.splits) {
    split_tasks.push_back(make_task(spec.name, split_params(spec, split)));
    vocab = std::max(vocab, split_tasks.back()->vocab_size());
  }
  const std::int64_t train_length =
      spec.train_length > 0 ? spec.train_length : train_task->min_seq_len();

  const Provenance prov = collect_provenance();
  auto base_row = [&](std::size_t s) {
    const SplitSpec& split = spec.splits[s];
    // Default: the training length, or longer where the split's sequences need it.
    const std::int64_t length =
        split.length > 0 ? split.length : std::max(train_length, split_tasks[s]->min_seq_len());
    Row row;
    row.set("kind", std::string("synthetic"));
    row.set("encoding", c.encoding.name);
    row.set("encoding_params", c.encoding.params_text);
    row.set("task", spec.label);
    row.set("generator", spec.name);
    row.set("task_params", params_to_text(spec.params));
    row.set("split", split.name);
    row.set("split_params", params_to_text(split.params));
    row.set("seed", static_cast<std::int64_t>(c.seed));
    row.set("train_length", train_length).set("eval_length", length);
    return row;
  };
  // Every split gets a row with this status (the case could not train).
  auto emit_all = [&](const std::string& status, const std::string& error) {
    for (std::size_t s = 0; s < spec.splits.size(); ++s) {
      Row row = base_row(s);
      row.set("status", status);
      if (!error.empty()) row.set("error", error);
      add_provenance(row, prov);
      emit(row);
    }
  };

  EncodingSource source;
  std::unique_ptr<Model> model;
  ModelConfig mc = suite.model;
  mc.vocab = std::max<std::int64_t>(mc.vocab, vocab);  // model.vocab 0 (default): the task's
  try {
    source = resolve_encoding(registry, c.encoding.name);
    model = std::make_unique<Model>(
        mc,
        [&source, &c](const AttentionShape& shape) {
          return source.create(c.encoding.params, shape);
        },
        c.seed);
  } catch (const std::exception& e) {
    return emit_all(source.name.empty() ? "LOAD_ERROR" : "FAILED", e.what());
  }

  TrainConfig tc;
  tc.steps = suite.training.steps;
  tc.batch = suite.training.batch;
  tc.seq_len = spec.train_length;
  tc.optimizer = suite.training.optimizer;
  tc.random_positions = suite.training.random_positions;
  tc.progress = progress;
  tc.label = c.id;
  Rng train_rng(mix(c.seed, 1));
  TrainResult trained;
  try {
    trained = train(*model, *train_task, tc, train_rng);
  } catch (const PositionsUnsupported& e) {  // the training length itself is beyond the encoding
    return emit_all("SKIPPED(" + std::string(e.what()) + ")", "");
  } catch (const std::exception& e) {
    return emit_all("FAILED", std::string("training: ") + e.what());
  }
  if (trained.diverged) return emit_all("DIVERGED", trained.diverged_reason);
  double last_loss = 0;
  const std::size_t tail = std::min<std::size_t>(10, trained.losses.size());
  for (std::size_t i = trained.losses.size() - tail; i < trained.losses.size(); ++i)
    last_loss += trained.losses[i] / double(tail);

  for (std::size_t s = 0; s < spec.splits.size(); ++s) {
    const SplitSpec& split = spec.splits[s];
    Row row = base_row(s);
    std::string status = "PASSED";
    try {
      // The same sequences for every encoding and seed: the seed depends only on the task
      // and the split (names and parameters), not on their order in the file.
      Rng eval_rng(stable_seed(spec.label + "/" + split.name + "/" +
                               params_to_text(split_params(spec, split))));
      const EvalResult r =
          evaluate(*model, *split_tasks[s], std::stoll(row.get_string("eval_length")),
                   suite.evaluation.batches, suite.evaluation.batch, eval_rng);
      row.set("error_rate", r.errors.rate());
      row.set("answers", r.errors.answers).set("wrong", r.errors.wrong);
      row.set("eval_loss", r.loss);
    } catch (const PositionsUnsupported& e) {  // n/a: a length the encoding refuses
      status = "SKIPPED(" + std::string(e.what()) + ")";
    } catch (const std::exception& e) {
      status = "FAILED";
      row.set("error", std::string(e.what()));
    }
    row.set("status", status);
    row.set("train_loss_first", trained.losses.empty() ? 0.0 : trained.losses.front());
    row.set("train_loss_last10", last_loss);
    row.set("steps", static_cast<std::int64_t>(trained.losses.size()));
    row.set("train_seconds", trained.seconds);
    row.set("train_tokens_per_s", trained.tokens_per_s);
    row.set("model", fmt::format("L{} D{} H{} V{}", mc.layers, mc.d_model, mc.heads, mc.vocab));
    row.set("parameters", model->parameter_count());
    row.set("encoding_parameters", model->encoding_parameter_count());
    row.set("batch", tc.batch).set("lr", tc.optimizer.lr);
    row.set("schedule", tc.optimizer.schedule);
    row.set("random_positions", tc.random_positions);
    row.set("plugin_version", source.version).set("plugin_sha256", source.sha256);
    add_provenance(row, prov);
    emit(row);
  }
}

void write_synthetic_tables(const std::vector<Row>& rows, const std::string& dir) {
  // Columns and rows in order of first appearance.
  std::vector<std::string> encodings, columns;
  std::map<std::pair<std::string, std::string>, std::vector<const Row*>> cells;
  for (const Row& r : rows) {
    const std::string enc = encoding_label(r);
    const std::string col = r.get_string("task") + "/" + r.get_string("split");
    if (std::find(encodings.begin(), encodings.end(), enc) == encodings.end())
      encodings.push_back(enc);
    if (std::find(columns.begin(), columns.end(), col) == columns.end()) columns.push_back(col);
    cells[{enc, col}].push_back(&r);
  }
  Table t;
  t.header = {"encoding"};
  for (const auto& col : columns) t.header.push_back(col);
  for (const auto& enc : encodings) {
    std::vector<std::string> line = {enc};
    for (const auto& col : columns) {
      const auto& list = cells[{enc, col}];
      std::vector<double> values;
      std::string other;
      for (const Row* r : list) {
        const std::string status = r->get_string("status");
        if (status == "PASSED")
          values.push_back(100.0 * std::stod(r->get_string("error_rate")));
        else
          other = status_cell(status);
      }
      std::string cell;
      if (!values.empty()) {
        double mean = 0, var = 0;
        for (double v : values) mean += v / double(values.size());
        for (double v : values) var += (v - mean) * (v - mean);
        const double sd = values.size() > 1 ? std::sqrt(var / double(values.size() - 1)) : 0.0;
        cell = values.size() > 1 ? fmt::format("{:.1f} ± {:.1f}", mean, sd)
                                 : fmt::format("{:.1f}", mean);
        if (values.size() < list.size())
          cell += fmt::format(" ({}/{} {})", values.size(), list.size(), other);
      } else {
        cell = list.empty() ? "" : other;
      }
      line.push_back(cell);
    }
    t.rows.push_back(line);
  }
  write_file(
      dir + "/table.md",
      "Error rate (%), mean ± std over seeds; n/a: the encoding cannot run that length.\n\n" +
          t.to_markdown());
  write_file(dir + "/table.csv", t.to_csv());
  write_file(dir + "/table.tex", t.to_latex());
}

}  // namespace pebench
