// `pebench dashboard <results-root> --out <dir>`: the history of every run under a results
// folder as one static HTML page (compare/dashboard.hpp).
#include <fmt/format.h>

#include "cli/command.hpp"
#include "compare/dashboard.hpp"
#include "run/exit_codes.hpp"

namespace pebench {

Command add_dashboard_command(CLI::App& app, const GlobalOptions&) {
  auto* cmd = app.add_subcommand("dashboard",
                                 "Write a static HTML history of the runs under a results folder");
  auto root = std::make_shared<std::string>(), out = std::make_shared<std::string>();
  cmd->add_option("results", *root, "A folder holding run directories (any depth)")->required();
  cmd->add_option("--out", *out, "Where index.html goes")->required();
  return {cmd, [root, out] {
            const DashboardSummary s = write_dashboard(*root, *out);
            fmt::print("dashboard: {} runs, {} series, {} regressions marked -> {}\n", s.runs,
                       s.series, s.regressions, s.index);
            return kExitOk;
          }};
}

}  // namespace pebench
