// `pebench run-case <unit.json> [--row-out FILE] [--artifacts STEM]`: what a run's child
// process runs: the cases the parent serialized (one, or one group), never the suite file.
#include "cli/command.hpp"
#include "core/limits.hpp"
#include "run/run_cases.hpp"
#include "run/sanitizer.hpp"

namespace pebench {

Command add_run_case_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "run-case", "Run the cases of a case file a run wrote (<run>/logs/unit-N.json)");
  struct Options {
    std::string file;
    CaseRunOptions run;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("cases", o->file, "Case file ({\"cases\": [...]})")->required();
  cmd->add_option("--row-out", o->run.row_out, "Append the rows (JSON lines) to this file");
  cmd->add_option("--artifacts", o->run.artifacts, "Path stem for the kind's extra files");
  return {cmd, [&global, o] {
            const std::vector<Case> cases = read_case_file(o->file);
            // The cap first, before plugins load: their factories count against it too.
            // Not under AddressSanitizer: its shadow memory reserves terabytes of address space.
            if (!cases.empty() && !under_asan()) apply_memory_limit(cases.front().memory_limit_gb);
            Registry registry = make_registry(global);
            if (!cases.empty()) add_plugin_paths(registry, cases.front().plugin_paths);
            o->run.progress = true;
            return run_cases_here(cases, registry, o->run);
          }};
}

}  // namespace pebench
