// Plugins for every subcommand: the build's (or installed) folder and --plugin-path.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "run/run_cases.hpp"

namespace pebench {

Registry make_registry(const GlobalOptions& global) {
  Registry registry;
  registry.add_directory(Registry::default_plugin_dir());
  add_plugin_paths(registry, global.plugin_paths);
  return registry;
}

ExpandOptions expand_options(const Registry& registry, const GlobalOptions& global) {
  ExpandOptions expand;
  for (const auto& p : registry.plugins()) expand.available.push_back(p.info.name);
  expand.plugin_paths = global.plugin_paths;
  expand.threads = global.threads;
  return expand;
}

void print_load_errors(const Registry& registry) {
  for (const auto& e : registry.errors()) fmt::print(stderr, "warning: plugin {}\n", e.what());
}

}  // namespace pebench
