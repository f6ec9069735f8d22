// pebench command line: list, check-plugin, run, validate, new-encoding, --version.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>

#include "cli/new_encoding.hpp"
#include "registry/registry.hpp"
#include "results/provenance.hpp"
#include "runners/conformance.hpp"
#include "runners/memory.hpp"
#include "runners/probe.hpp"
#include "runners/speed.hpp"
#include "runners/suite_runner.hpp"
#include "runners/synthetic.hpp"
#include "runners/training_dump.hpp"
#include "suite/suite.hpp"

namespace {

using namespace pebench;

std::string hook_names(std::uint32_t hooks) {
  std::string s;
  const std::pair<Hook, const char*> names[] = {{kHookEmbed, "embed"},
                                                {kHookRotate, "rotate"},
                                                {kHookStaticBias, "static_bias"},
                                                {kHookScore, "score"},
                                                {kHookMix, "mix"}};
  for (const auto& [bit, name] : names)
    if (hooks & bit) s += (s.empty() ? "" : "+") + std::string(name);
  return s.empty() ? "none" : s;
}

void print_load_errors(const Registry& registry) {
  for (const auto& e : registry.errors()) fmt::print(stderr, "warning: plugin {}\n", e.what());
}

int cmd_list(Registry& registry) {
  std::vector<std::vector<std::string>> rows = {{"encoding", "hooks", "relative",
                                                 "trainable parameters", "max_positions",
                                                 "extrapolates", "paper"}};
  for (const auto& p : registry.plugins()) {
    const auto& i = p.info;
    rows.push_back({i.name, hook_names(i.hooks), i.relative ? "yes" : "no", i.parameter_formula,
                    i.max_positions > 0 ? std::to_string(i.max_positions) : "-", i.extrapolates,
                    i.paper});
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c)
      line += c + 1 < r.size() ? fmt::format("{:<{}}  ", r[c], width[c]) : r[c];
    fmt::print("{}\n", line);
  }
  print_load_errors(registry);
  return 0;
}

int cmd_check_plugin(Registry& registry, const std::string& target,
                     const ConformanceOptions& options, const std::string& row_out) {
  EncodingSource entry;
  try {
    entry = resolve_encoding(registry, target);
  } catch (const std::exception& e) {
    fmt::print(stderr, "LOAD_ERROR {}\n", e.what());
    if (!row_out.empty()) {
      Row row;
      row.set("kind", std::string("conformance")).set("encoding", target);
      row.set("seed", static_cast<std::int64_t>(options.seed));
      row.set("status", std::string("LOAD_ERROR")).set("error", std::string(e.what()));
      add_provenance(row, collect_provenance());
      std::ofstream(row_out) << row.to_json() << "\n";
    }
    return 2;
  }
  const ConformanceReport report = run_conformance(entry, options);
  fmt::print("check-plugin {} (version {}, {}, hooks: {})\n", entry.name, entry.version, entry.path,
             hook_names(report.info.hooks));
  for (const auto& c : report.checks)
    fmt::print("  {:<8} {:<24} {}\n", to_string(c.status), c.name, c.figure);
  int passed = 0, failed = 0;
  for (const auto& c : report.checks) {
    passed += c.status == CheckStatus::kPassed;
    failed += c.status == CheckStatus::kFailed;
  }
  fmt::print("{}: {} passed, {} failed, {} skipped\n", report.passed() ? "PASSED" : "FAILED",
             passed, failed, report.checks.size() - passed - failed);
  if (!row_out.empty())
    std::ofstream(row_out) << conformance_row(report, options.seed).to_json() << "\n";
  return report.passed() ? 0 : 1;
}

// Cases of a suite in this process: `pebench run <suite> --case <id> [--case <id>...]`
// (the repro of a synthetic, speed or memory case, and what the suite runner spawns).
// Several ids: speed cases only (one process times them side by side).
int cmd_run_case(const Suite& suite, const std::vector<Case>& cases,
                 const std::vector<std::string>& ids, Registry& registry,
                 const std::string& row_out) {
  std::vector<const Case*> chosen;
  for (const auto& id : ids) {
    auto it = std::find_if(cases.begin(), cases.end(), [&](const Case& c) { return c.id == id; });
    if (it == cases.end()) {
      std::vector<std::string> all;
      for (const auto& c : cases) all.push_back(c.id);
      const std::string near = closest(id, all);
      throw SuiteError(
          fmt::format("{}: no case '{}'{} (pebench validate {} lists them)", suite.path, id,
                      near.empty() ? "" : " (did you mean '" + near + "'?)", suite.path));
    }
    chosen.push_back(&*it);
  }
  const Suite& part = suite_of(suite, *chosen.front());
  for (const Case* c : chosen)
    if (&suite_of(suite, *c) != &part)
      throw SuiteError("--case: all cases must come from one part of the suite");
  if (part.kind == "conformance")
    throw SuiteError(
        fmt::format("--case runs synthetic, speed and memory cases; run this one as: {}",
                    chosen.front()->repro));
  if (chosen.size() > 1 && part.kind != "speed")
    throw SuiteError(fmt::format("--case: one {} case per process", part.kind));
  std::ofstream out;
  if (!row_out.empty()) out.open(row_out);
  bool ok = true;
  auto emit = [&](const Row& row) {
    const std::string status = row.get_string("status");
    ok = ok && (status == "PASSED" || status.rfind("SKIPPED", 0) == 0);
    std::string what;
    if (part.kind == "synthetic") {
      const std::string rate = row.get_string("error_rate");
      what = fmt::format(
          "split {} (length {}): {}", row.get_string("split"), row.get_string("eval_length"),
          rate.empty() ? "" : fmt::format("error rate {:.2f}%", 100 * std::stod(rate)));
    } else if (part.kind == "speed" && status == "PASSED") {
      const std::string ratio = row.get_string("ratio_vs_nope");
      what = fmt::format("{}: median {:.3f} ms (IQR {:.3f}), cv {:.1f}%, {:.0f} tokens/s{}",
                         row.get_string("case"), std::stod(row.get_string("median_ms")),
                         std::stod(row.get_string("iqr_ms")), 100 * std::stod(row.get_string("cv")),
                         std::stod(row.get_string("tokens_per_s")),
                         ratio.empty() ? "" : fmt::format(", {:.3f}x nope", std::stod(ratio)));
    } else if (part.kind == "memory" && status == "PASSED") {
      what = fmt::format("peak {:.1f} MiB above base, {:.1f} MiB held for backward",
                         std::stod(row.get_string("case_peak_bytes")) / 1048576.0,
                         std::stod(row.get_string("held_bytes")) / 1048576.0);
    }
    fmt::print("{} {}{}\n", status, what,
               row.get_string("error").empty() ? "" : " " + row.get_string("error"));
    if (out) out << row.to_json() << std::endl;  // flushed: survives a later crash
  };
  if (part.kind == "synthetic") {
    run_synthetic_case(part, *chosen.front(), registry, true, emit);
  } else if (part.kind == "memory") {
    run_memory_case(part, *chosen.front(), registry, emit);
  } else {
    run_speed_cases(part, chosen, registry, row_out.empty() ? "" : row_out + ".benchmark.json",
                    emit);
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pebench: a benchmark harness for positional encodings in attention"};
  app.require_subcommand(0, 1);
  std::vector<std::string> plugin_paths;
  int threads = 0;
  bool version = false;
  app.add_option("--plugin-path", plugin_paths, "Extra plugin directory or file (repeatable)");
  app.add_option("--threads", threads, "Threads (OpenMP); 0 = default")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--version", version, "Print version, git sha, oneDNN version and ISA");

  auto* list = app.add_subcommand("list", "List the encodings found");

  auto* check = app.add_subcommand("check-plugin", "Run the conformance checks on one encoding");
  std::string target, params, row_out;
  ConformanceOptions copt;
  check->add_option("encoding", target, "Encoding name, plugin .so path, or a stack a+b")
      ->required();
  check->add_option("--params", params, "Encoding config, k=v,k2=v2");
  check->add_option("--seed", copt.seed, "Seed for inputs and parameters");
  check->add_option("--row-out", row_out, "Also write the result row (JSON) to this file");

  auto* probe =
      app.add_subcommand("probe", "One forward+backward on .npy inputs, all results as .npy");
  std::string probe_encoding, probe_params;
  ProbeOptions popt;
  probe->add_option("--encoding", probe_encoding, "Encoding name or plugin path")->required();
  probe->add_option("--params", probe_params, "Encoding config, k=v,k2=v2");
  probe->add_option("--in", popt.in_dir, "Directory with q.npy, k.npy, v.npy [dout.npy] or x.npy")
      ->required();
  probe->add_option("--out", popt.out_dir, "Directory for the results")->required();
  probe->add_option("--seed", popt.seed, "Seed of the parameter initialisation");
  probe->add_option("--heads", popt.heads, "Heads (embed encodings: x.npy has no head axis)");
  probe->add_option("--block-rows", popt.block_rows, "Query rows per attention block");
  probe->add_option("--random-positions", popt.random_positions,
                    "L > 0: positions are a sorted random T-subset of [0, L) (randomized PE)");

  auto* run = app.add_subcommand("run", "Run a suite (YAML)");
  std::string suite_path, out_dir;
  run->add_option("suite", suite_path, "Suite file")->required();
  run->add_option("--out", out_dir, "Output directory (default results/<suite>/<run-id>)");
  std::vector<std::string> only_cases;
  std::string case_row_out;
  run->add_option("--case", only_cases,
                  "Run only this case, in this process (its repro); repeatable for speed cases");
  run->add_option("--row-out", case_row_out, "With --case: also write its rows (JSON lines)");

  auto* tables = app.add_subcommand(
      "tables", "Tables (md, csv, tex) from the rows.jsonl of one or several runs");
  std::vector<std::string> rows_files;
  std::string tables_out;
  tables->add_option("rows", rows_files, "rows.jsonl files (e.g. seeds run apart)")->required();
  tables->add_option("--out", tables_out, "Directory for the tables")->required();

  auto* validate =
      app.add_subcommand("validate", "Check a suite and list its cases without running");
  validate->add_option("suite", suite_path, "Suite file")->required();

  auto* dump = app.add_subcommand(
      "dump-training", "Train a few steps on random tokens; write weights, batches and losses");
  TrainingDumpOptions dopt;
  std::string dump_params;
  dump->add_option("--out", dopt.out_dir, "Output directory")->required();
  dump->add_option("--encoding", dopt.encoding, "Encoding (default nope)");
  dump->add_option("--params", dump_params, "Encoding config, k=v,k2=v2");
  dump->add_option("--steps", dopt.steps, "Training steps")->check(CLI::PositiveNumber);
  dump->add_option("--batch", dopt.batch, "Batch size")->check(CLI::PositiveNumber);
  dump->add_option("--seq-len", dopt.seq_len, "Sequence length")->check(CLI::PositiveNumber);
  dump->add_option("--layers", dopt.model.layers, "Layers")->check(CLI::PositiveNumber);
  dump->add_option("--d-model", dopt.model.d_model, "Model width")->check(CLI::PositiveNumber);
  dump->add_option("--heads", dopt.model.heads, "Heads")->check(CLI::PositiveNumber);
  dump->add_option("--vocab", dopt.model.vocab, "Vocabulary")->check(CLI::PositiveNumber);
  dump->add_option("--lr", dopt.optimizer.lr, "Peak learning rate");
  dump->add_option("--warmup-steps", dopt.optimizer.warmup_steps, "Warm-up steps");
  dump->add_option("--schedule", dopt.optimizer.schedule, "linear | cosine | constant");
  dump->add_option("--seed", dopt.seed, "Seed of weights and data");

  auto* create = app.add_subcommand("new-encoding", "Write a plugin skeleton");
  std::string new_name, new_dir;
  create->add_option("name", new_name, "Encoding name ([a-z][a-z0-9_]*)")->required();
  create->add_option("--dir", new_dir, "Target directory (default ./<name>)");

  CLI11_PARSE(app, argc, argv);
  set_threads(threads);

  if (version) {
    const Provenance p = collect_provenance();
    fmt::print("pebench {} (git {}{}, {} build, {}), oneDNN {}, ISA {}, {} threads\n",
               p.pebench_version, p.git_sha, p.git_dirty ? "-dirty" : "", p.build_type, p.compiler,
               p.onednn_version, p.isa, p.threads);
    fmt::print("CPU {}\n", p.cpu_model);
    return 0;
  }
  if (app.get_subcommands().empty()) {
    fmt::print("{}", app.help());
    return 0;
  }

  try {
    if (*create) {
      write_encoding_skeleton(new_name, new_dir.empty() ? new_name : new_dir);
      fmt::print("wrote {}/{{{}.cpp, CMakeLists.txt, README.md}}\n",
                 new_dir.empty() ? new_name : new_dir, new_name);
      return 0;
    }
    Registry registry;
    registry.add_directory(Registry::default_plugin_dir());
    for (const auto& p : plugin_paths) {
      if (std::filesystem::is_directory(p))
        registry.add_directory(p);
      else
        registry.add_file(p);
    }
    if (*list) return cmd_list(registry);
    if (*dump) {
      dopt.encoding_params = parse_params(dump_params);
      fmt::print("{}\n", dump_training(registry, dopt));
      return 0;
    }
    if (*check) {
      copt.config = parse_params(params);
      return cmd_check_plugin(registry, target, copt, row_out);
    }
    if (*probe) {
      popt.config = parse_params(probe_params);
      fmt::print("{}\n", run_probe(resolve_encoding(registry, probe_encoding), popt));
      return 0;
    }
    if (*tables) {
      const std::size_t n = write_tables_from_files(rows_files, tables_out);
      fmt::print("{} rows from {} files -> {}/table.md\n", n, rows_files.size(), tables_out);
      return 0;
    }
    if (*validate || *run) {
      const Suite suite = load_suite(suite_path);
      std::vector<std::string> names;
      for (const auto& p : registry.plugins()) names.push_back(p.info.name);
      const auto cases = expand_cases(suite, names, plugin_paths);
      if (*validate) {
        fmt::print("{}: kind {}, {} cases\n", suite.path, suite.kind, cases.size());
        for (const auto& c : cases) fmt::print("  {:<32} {}\n", c.id, c.repro);
        return 0;
      }
      print_load_errors(registry);
      if (!only_cases.empty())
        return cmd_run_case(suite, cases, only_cases, registry, case_row_out);
      RunOptions ropt;
      ropt.out_dir = out_dir;
      return run_suite(suite, cases, ropt) == 0 ? 0 : 1;
    }
  } catch (const SuiteError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
  return 0;
}
