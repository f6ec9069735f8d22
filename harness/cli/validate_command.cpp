// `pebench validate <suite> [--filter GLOB]`: parse, expand, create every encoding the cases
// name with its params, list every case and its repro.
#include <fmt/format.h>

#include <set>

#include "cli/command.hpp"
#include "run/exit_codes.hpp"
#include "run/plugin_child.hpp"
#include "suite/case_budget.hpp"
#include "suite/suite.hpp"

namespace pebench {

Command add_validate_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("validate", "Check a suite and list its cases without running");
  struct Options {
    std::string suite, filter;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("suite", o->suite, "Suite file")->required();
  cmd->add_option("--filter", o->filter, "Only cases whose id matches this glob");
  return {cmd, [&global, o] {
            Registry registry = make_registry(global);
            const Suite suite = load_suite(o->suite);
            describe_named_plugins(registry, encoding_names(suite));
            const ExpandOptions expand = expand_options(registry, global);
            const auto cases = select_cases(expand_cases(suite, expand), {}, o->filter, suite.path);
            // Every encoding of the selected cases is created with its params (a model's head
            // shape), in a child process: an unknown name or a value the plugin refuses fails
            // here, at its entry; a plugin that exits or hangs there is named, not obeyed.
            std::vector<std::string> errors;
            std::set<std::string> tried;
            std::vector<const EncodingSpec*> specs;
            std::vector<PluginTask> tasks;
            for (const auto& c : cases) {
              const EncodingSpec& e = c.encoding;
              if (!tried.insert(e.where + " " + e.name + " " + e.params_text).second) continue;
              specs.push_back(&e);
              tasks.push_back(PluginTask::create(e.name, e.params));
            }
            const auto results =
                run_plugin_tasks(tasks, registry.catalog(), global.plugin_timeout_s);
            for (std::size_t i = 0; i < specs.size(); ++i) {
              const EncodingSpec& e = *specs[i];
              if (!results[i].ok)
                errors.push_back(fmt::format(
                    "{}: encoding '{}'{}: {}", e.where, e.name,
                    e.params_text.empty() ? "" : " {" + e.params_text + "}", results[i].error));
            }
            for (const auto& m : errors) fmt::print(stderr, "error: {}\n", m);
            if (!errors.empty()) return kExitError;
            std::string kinds;
            for (const auto& part : suite.parts)
              kinds += (kinds.empty() ? "" : ", ") + (part.name.empty() ? "" : part.name + ": ") +
                       part.kind->name();
            fmt::print("{}: {} ({}), {} cases, sha256 {}\n", suite.path, suite.name, kinds,
                       cases.size(), suite.sha256);
            // Each case's estimate (suite/case_budget.hpp): memory of the harness's tensors and
            // time at a typical 50 GFLOP/s per thread; rough, for planning.
            for (const auto& c : cases)
              fmt::print("  {:<40} {:<22} {}\n", c.id, describe_estimate(c), c.repro);
            return cases.empty() ? kExitNothingRan : kExitOk;
          }};
}

}  // namespace pebench
