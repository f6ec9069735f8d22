// `pebench check-plugin <encoding> [--params k=v,...] [--seed N] [--thorough] [--row-out FILE]`:
// one conformance case in this process (kinds/conformance/). Exit 0 passed, 2 not.
// `--digest` only prints the sha256 of one run (what the determinism check asks of a child).
// The checks run in a child process (`run-case`), as a suite's cases do: a plugin that calls
// exit(0), aborts or hangs inside a hook makes check-plugin fail with that, never pass.
#include <fmt/format.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli/command.hpp"
#include "kinds/conformance/conformance_kind.hpp"
#include "results/row_file.hpp"
#include "run/child_fate.hpp"
#include "run/child_process.hpp"
#include "run/exit_codes.hpp"
#include "run/plugin_child.hpp"
#include "run/run_cases.hpp"
#include "run/sanitizer.hpp"
#include "suite/yaml_reader.hpp"

namespace pebench {
namespace {

// The child's output: whole, or past 1 MB its start and its end.
void print_log(const std::string& log) {
  std::ifstream in(log, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t kWhole = 1 << 20, kHead = 4 << 10, kTail = 16 << 10;
  if (text.size() <= kWhole) {
    fmt::print("{}", text);
    return;
  }
  fmt::print("{}\n[... {:.1f} MB of output left out ...]\n{}", text.substr(0, kHead),
             double(text.size() - kHead - kTail) / 1e6, text.substr(text.size() - kTail));
}

// Runs the case in `pebench run-case`, shows its output, and turns a child that died without
// its row into a FAILED/CRASHED/TIMEOUT result that names what happened.
int check_in_child(const Case& c, const GlobalOptions& global, const Registry& registry,
                   const std::string& row_out) {
  char dir_template[] = "/tmp/pebench-check-XXXXXX";
  if (!mkdtemp(dir_template)) throw std::runtime_error("cannot create a temporary directory");
  const std::string dir = dir_template, case_file = dir + "/case.json",
                    row_file = dir + "/rows.jsonl", log = dir + "/check.log",
                    catalog = dir + "/plugins.json";
  write_case_file(case_file, {c});
  write_catalog(catalog, registry.catalog());
  std::vector<std::string> args = {"pebench", "--plugin-catalog", catalog};
  if (global.threads > 0) args.insert(args.end(), {"--threads", std::to_string(global.threads)});
  args.insert(args.end(), {"run-case", case_file, "--row-out", row_file});
  const double timeout_s = 1800;
  // The log is capped as a suite case's is (log_limit_mb, default 64): a plugin that floods
  // its output wrote 45 GB in two minutes here without it.
  const ChildResult res = run_child(args, log, timeout_s, false, c.log_limit_mb * 1e6);
  print_log(log);
  std::vector<std::string> errors;
  std::vector<Row> rows;
  if (std::filesystem::exists(row_file)) rows = read_good_rows(row_file, errors);
  std::filesystem::remove_all(dir);
  if (rows.empty()) {
    Row row = case_row(c);
    const ChildFate fate =
        child_fate(res, timeout_s, c.log_limit_mb, errors.empty() ? "" : errors.front());
    row.head.status = fate.status, row.head.status_detail = fate.detail,
    row.head.error = fate.error;
    fmt::print("{}{}: {}\n", to_string(row.head.status),
               row.head.status_detail.empty() ? "" : "(" + row.head.status_detail + ")",
               row.head.error);
    rows.push_back(row);
  }
  if (!row_out.empty()) {
    std::ofstream(row_out, std::ios::trunc);
    RowWriter writer(row_out);
    for (const Row& r : rows) writer.write(r);
  }
  for (const Row& r : rows)
    if (!is_ok(r.head.status)) return kExitNotPassed;
  return kExitOk;
}

}  // namespace

Command add_check_plugin_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("check-plugin", "Run the conformance checks on one encoding");
  struct Options {
    std::string target, params, row_out;
    std::uint64_t seed = 1;
    // The checks' shapes need well under 1 GiB; a plugin that allocates without bound stops
    // at this cap (a suite case's default, 90% of the machine's memory, took minutes).
    double memory_limit_gb = 4;
    bool thorough = false, digest = false, asan = false, in_process = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("encoding", o->target, "Encoding name, plugin .so path, or a stack a+b")
      ->required();
  cmd->add_option("--params", o->params, "Encoding config, k=v,k2=v2");
  cmd->add_option("--seed", o->seed, "Seed for inputs and parameters");
  cmd->add_option("--memory-limit-gb", o->memory_limit_gb,
                  "Address-space cap of the checks' process (GiB)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--row-out", o->row_out, "Also write the result row (JSON) to this file");
  cmd->add_flag("--thorough", o->thorough,
                "Longer sequences, more heads, shifts and sampled elements (minutes)");
  cmd->add_flag("--digest", o->digest, "Only print the sha256 of one forward+backward");
  cmd->add_flag("--in-process", o->in_process,
                "Run the checks in this process (for a debugger); a plugin that exits the "
                "process then decides the exit status");
  cmd->add_flag("--asan", o->asan,
                "Re-run under AddressSanitizer (a plugin built with pebench_add_encoding(... "
                "SANITIZE)): out-of-bounds reads and writes are reported with their stack");
  return {cmd, [&global, o] {
            if (o->asan && !under_asan())
              throw std::runtime_error("check-plugin --asan: " + rerun_under_asan());
            EncodingSpec encoding{o->target, parse_params(o->params), "", ""};
            encoding.params_text = params_to_text(encoding.params);
            std::string repro = "pebench";
            for (const auto& p : global.plugin_paths) repro += " --plugin-path " + shell_quote(p);
            repro += fmt::format(" check-plugin {} --seed {}", shell_quote(o->target), o->seed);
            if (!encoding.params_text.empty()) repro += " --params " + shell_quote(o->params);
            if (o->thorough) repro += " --thorough";
            if (o->asan) repro += " --asan";
            Case c = conformance_case(encoding, o->seed, repro, o->thorough, global.plugin_paths);
            c.memory_limit_gb = o->memory_limit_gb;
            // No plugin is loaded here unless the checks run here: a factory that exits, aborts
            // or hangs takes only the child with it.
            Registry registry = make_registry(global);
            if (!o->digest && !o->in_process) {
              // A path: described in a child; a failure is the LOAD_ERROR row the child reports.
              describe_named_plugins(registry, {encoding.name});
              return check_in_child(c, global, registry, o->row_out);
            }
            if (o->digest) {
              fmt::print("digest {}\n",
                         conformance_digest(resolve_encoding(registry, encoding.name),
                                            conformance_options(c)));
              return 0;
            }
            return run_cases_here({c}, registry, CaseRunOptions{o->row_out, "", false});
          }};
}

}  // namespace pebench
