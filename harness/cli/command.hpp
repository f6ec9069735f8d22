// The subcommands of `pebench`: each file cli/<name>_command.cpp adds one to the CLI11 app
// and returns what runs it; cli/main.cpp only wires them. Exit statuses: run/exit_codes.hpp.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "registry/registry.hpp"
#include "suite/suite.hpp"

namespace pebench {

struct GlobalOptions {
  std::vector<std::string> plugin_paths;  // --plugin-path, repeatable
  int threads = 0;                        // --threads; 0 = OpenMP's default
  double plugin_timeout_s = 20;           // --plugin-timeout: describing one plugin, in a child
  std::string plugin_catalog;             // --plugin-catalog: a run's children (no discovery)
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // returns the exit status
};

// The default plugin folder and every --plugin-path, described in child processes (a plugin
// that exits, aborts or hangs while loading is one warning); or --plugin-catalog's.
Registry make_registry(const GlobalOptions& global);
// How `run` and `validate` expand a suite: the encodings found (`encodings: all`), the
// --plugin-path values and --threads.
ExpandOptions expand_options(const Registry& registry, const GlobalOptions& global);
// Describes (in a child) every plugin file the cases name by path, so that a child given the
// catalog finds it there, or the reason it could not be loaded.
void describe_named_plugins(Registry& registry, const std::vector<std::string>& encoding_names);
std::vector<std::string> encoding_names(const Suite& suite);  // every part's, as written
// Plugins that could not be loaded, as warnings on stderr.
void print_load_errors(const Registry& registry);

Command add_list_command(CLI::App& app, const GlobalOptions& global);
Command add_compare_command(CLI::App& app, const GlobalOptions& global);
Command add_dashboard_command(CLI::App& app, const GlobalOptions& global);
Command add_check_plugin_command(CLI::App& app, const GlobalOptions& global);
Command add_probe_command(CLI::App& app, const GlobalOptions& global);
Command add_run_command(CLI::App& app, const GlobalOptions& global);
Command add_run_case_command(CLI::App& app, const GlobalOptions& global);
Command add_validate_command(CLI::App& app, const GlobalOptions& global);
Command add_tables_command(CLI::App& app, const GlobalOptions& global);
Command add_dump_training_command(CLI::App& app, const GlobalOptions& global);
// `pebench corpus`: a corpus's documents and bytes per split and its sha256.
Command add_corpus_command(CLI::App& app, const GlobalOptions& global);
// `pebench eval`: a checkpoint scored on a corpus at several lengths and both protocols.
Command add_eval_command(CLI::App& app, const GlobalOptions& global);
Command add_new_encoding_command(CLI::App& app, const GlobalOptions& global);
Command add_bench_command(CLI::App& app, const GlobalOptions& global);
Command add_kinds_command(CLI::App& app, const GlobalOptions& global);
// `pebench plugin-child`: run/plugin_child.hpp's child (hidden).
Command add_plugin_child_command(CLI::App& app, const GlobalOptions& global);
Command add_merge_command(CLI::App& app, const GlobalOptions& global);

}  // namespace pebench
