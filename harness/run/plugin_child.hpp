// Work on plugins done in a child process (`pebench plugin-child`), so that a plugin whose
// static constructors or factory call exit(), abort, crash or hang costs only its own entry:
// describing plugin files (name, hooks, declarations) and creating encodings with a suite's
// params (`validate`). The child reports each task as it begins and ends; when it dies or a
// task passes its timeout, that task gets an error saying what happened while doing what,
// and a fresh child goes on with the next task.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pebench/config.hpp"
#include "registry/registry.hpp"

namespace pebench {

struct PluginTask {
  enum Kind { kDescribe, kCreate } kind = kDescribe;
  std::string target;  // kDescribe: an absolute plugin path; kCreate: an encoding spec name
  Config params;       // kCreate: the encoding's params
  static PluginTask describe(std::string path) { return {kDescribe, std::move(path), {}}; }
  static PluginTask create(std::string name, Config params) {
    return {kCreate, std::move(name), std::move(params)};
  }
};

struct PluginTaskResult {
  bool ok = false;
  nlohmann::json entry;  // kDescribe: the PluginEntry
  std::string error;     // why not ok
};

// Runs the tasks in child processes of this pebench executable; `catalog` (Registry::catalog,
// or null) is what the child's registry starts from. timeout_s applies to each task.
std::vector<PluginTaskResult> run_plugin_tasks(const std::vector<PluginTask>& tasks,
                                               const nlohmann::json& catalog, double timeout_s);

// A Registry's describer that runs run_plugin_tasks in children with this timeout per plugin.
Describer child_describer(double timeout_s);

// The catalog file this process's registry came from (`--plugin-catalog`, set by a run's
// parent): the children this process spawns get it too. "" when none.
void set_catalog_in_use(std::string path);
const std::string& catalog_in_use();
// Writes Registry::catalog() to `path` (a file for children's --plugin-catalog).
void write_catalog(const std::string& path, const nlohmann::json& catalog);

// The child's side: reads the request file, appends one JSON line per event to the reply
// file (flushed), starting at task `from`. Returns the exit status.
int plugin_child_main(const std::string& request_file, const std::string& reply_file);

}  // namespace pebench
