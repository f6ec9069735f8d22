// `pebench kinds`: the suite kinds this pebench has and the YAML keys each reads beside the
// generic ones (docs/suites.md explains them).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command.hpp"
#include "kinds/kinds.hpp"
#include "run/exit_codes.hpp"

namespace pebench {

Command add_kinds_command(CLI::App& app, const GlobalOptions&) {
  auto* cmd = app.add_subcommand("kinds", "List the suite kinds and the keys of each");
  return {cmd, [] {
            fmt::print(
                "generic keys: name, description, kind, encodings, seeds, threads, "
                "timeout_s, parts\n");
            for (const SuiteKind* k : suite_kinds())
              fmt::print("{:<12} {}\n", k->name(),
                         k->keys().empty() ? "(no keys of its own)"
                                           : fmt::format("{}", fmt::join(k->keys(), ", ")));
            return kExitOk;
          }};
}

}  // namespace pebench
