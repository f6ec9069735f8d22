// Running cases in this process: what a run's child process does with the case file the
// parent wrote (`pebench run-case <file>`), and what a repro (`pebench run <suite> --case
// <id>`) and `check-plugin` do directly. Each row is printed (status and the kind's summary),
// and appended to `row_out` as soon as it exists.
#pragma once

#include <string>
#include <vector>

#include "registry/registry.hpp"
#include "suite/case.hpp"

namespace pebench {

struct CaseRunOptions {
  std::string row_out;    // rows as JSON lines ("" = printed only)
  std::string artifacts;  // stem for the kind's extra files ("" = none)
  bool progress = false;  // training progress lines
};

// Cases of one kind (one, or one group). Sets the threads the cases ask for. Returns
// kExitOk when every row passed (or is n/a), kExitNotPassed otherwise.
int run_cases_here(const std::vector<Case>& cases, Registry& registry,
                   const CaseRunOptions& options);

// The plugins a case needs: the default folder and the case's --plugin-path entries.
// A path that cannot be loaded is reported (warning) and left out.
void add_plugin_paths(Registry& registry, const std::vector<std::string>& paths);

}  // namespace pebench
