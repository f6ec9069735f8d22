// Plugins for every subcommand: the build's (or installed) folder and --plugin-path.
#include <fmt/format.h>

#include <fstream>

#include "attention/encoding_source.hpp"
#include "cli/command.hpp"
#include "run/child_process.hpp"
#include "run/plugin_child.hpp"
#include "run/run_cases.hpp"

namespace pebench {

Registry make_registry(const GlobalOptions& global) {
  if (!global.plugin_catalog.empty()) {  // a run's child: its parent described the plugins
    std::ifstream in(global.plugin_catalog);
    const auto catalog = nlohmann::json::parse(in, nullptr, false);
    if (catalog.is_discarded())
      throw std::runtime_error(global.plugin_catalog + ": not a plugin catalog (bad JSON)");
    Registry registry;
    registry.add_catalog(catalog);
    set_catalog_in_use(global.plugin_catalog);
    add_plugin_paths(registry, global.plugin_paths);  // files it does not hold yet
    return registry;
  }
  // Described in child processes, so that no plugin runs here before it is used.
  Registry registry =
      running_pebench() ? Registry(child_describer(global.plugin_timeout_s)) : Registry();
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

void describe_named_plugins(Registry& registry, const std::vector<std::string>& encoding_names) {
  for (const auto& name : encoding_names)
    for (const auto& part : stack_parts(name)) {
      if (part.find('/') == std::string::npos) continue;
      try {
        registry.find(part);
      } catch (const std::exception&) {
        // recorded in registry.errors(): the cases that name it report it as LOAD_ERROR
      }
    }
}

std::vector<std::string> encoding_names(const Suite& suite) {
  std::vector<std::string> names;
  for (const auto& part : suite.parts)
    for (const auto& e : part.encodings) names.push_back(e.name);
  return names;
}

void print_load_errors(const Registry& registry) {
  for (const auto& e : registry.errors()) fmt::print(stderr, "warning: plugin {}\n", e.what());
}

}  // namespace pebench
