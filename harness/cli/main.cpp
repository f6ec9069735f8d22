// pebench's command line: the global options and one subcommand per file
// (cli/<name>_command.cpp). Exit statuses: run/exit_codes.hpp and the README.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <csignal>

#include "cli/command.hpp"
#include "core/threads.hpp"
#include "results/provenance.hpp"
#include "run/child_process.hpp"
#include "run/exit_codes.hpp"
#include "suite/suite.hpp"

int main(int argc, char** argv) {
  using namespace pebench;
  mark_running_pebench(argv);
  die_with_parent();
  // Past a file-size limit a write fails (EFBIG, reported with the file's name) instead of
  // the process dying by SIGXFSZ with rows half written.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"pebench: a benchmark harness for positional encodings in attention"};
  app.require_subcommand(0, 1);
  GlobalOptions global;
  bool version = false;
  app.add_option("--plugin-path", global.plugin_paths,
                 "Extra plugin directory or file (repeatable)");
  app.add_option("--threads", global.threads, "Threads (OpenMP); 0 = default")
      ->check(CLI::Range(0, kMaxThreads));
  app.add_option("--plugin-timeout", global.plugin_timeout_s,
                 "Seconds a plugin may take to load and describe itself (in a child process)")
      ->check(CLI::PositiveNumber);
  app.add_option("--plugin-catalog", global.plugin_catalog,
                 "Plugins as a run's parent described them (set for its child processes)")
      ->group("");
  app.add_flag("--version", version, "Print version, git sha, oneDNN version, ISA and CPU");
  const std::vector<Command> commands = {
      add_list_command(app, global),         add_check_plugin_command(app, global),
      add_probe_command(app, global),        add_run_command(app, global),
      add_run_case_command(app, global),     add_validate_command(app, global),
      add_tables_command(app, global),       add_dump_training_command(app, global),
      add_new_encoding_command(app, global), add_bench_command(app, global),
      add_kinds_command(app, global),        add_corpus_command(app, global),
      add_eval_command(app, global),         add_plugin_child_command(app, global),
      add_merge_command(app, global),        add_compare_command(app, global),
      add_dashboard_command(app, global)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints the help or the error
    return rc == 0 ? kExitOk : kExitError;
  }
  set_threads(global.threads);
  if (version) {
    const Provenance p = collect_provenance();
    fmt::print("pebench {} (git {}{}, {} build, {}), oneDNN {}, ISA {}, {} threads, CPU {}\n",
               p.pebench_version, p.git_sha, p.git_dirty ? "-dirty" : "", p.build_type, p.compiler,
               p.onednn_version, p.isa, p.threads, p.cpu_model);
    return kExitOk;
  }
  try {
    for (const Command& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const NothingToRun& e) {
    fmt::print(stderr, "nothing to run: {}\n", e.what());
    return kExitNothingRan;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitError;
  }
  fmt::print("{}", app.help());
  return kExitOk;
}
