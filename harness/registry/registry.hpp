// Plugin discovery and loading (the only code that touches Boost.DLL).
//
// A plugin is a shared library exporting `pebench_abi_version` and
// `pebench_create_encoding` (PEBENCH_EXPORT_ENCODING). Loading one file checks,
// in order: the file exists, it is an ELF file, dlopen accepts it, the ABI
// symbol exists and matches kAbiVersion, the factory exists, and a default
// instance can be created. Each failure is one message naming the file and the
// problem; the other plugins still load.
//
// Isolation (a Describer): pebench's own processes describe plugins in a child process
// (run/plugin_child.hpp), so a factory or static constructor that exits, aborts or hangs
// costs only that plugin (an entry in errors()). Such a registry holds descriptions; a
// library is loaded into this process only when create() first needs it. A catalog (what
// discovery found, as JSON) hands the same descriptions to a run's children, which then load
// only what their case uses.
#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pebench/encoding.hpp"
#include "results/json_fields.hpp"

namespace pebench {

struct LoadedPlugin;  // keeps the library and its factory

struct PluginEntry {
  std::string path;
  std::string sha256;
  EncodingInfo info;  // from a default instance (H=8, d=64, D=512, empty config)
  // Loaded on first use (Registry::create); the file must still have `sha256`.
  mutable std::shared_ptr<LoadedPlugin> plugin;
};

struct PluginError {
  std::string path;
  std::string message;
  std::string what() const { return path + ": " + message; }
};

// As JSON (catalogs, discovery replies).
PEBENCH_JSON_FIELDS(EncodingInfo, name, version, paper, hooks, relative, shared_across_layers,
                    max_positions, train_length, parameter_formula, extrapolates)
PEBENCH_JSON_FIELDS(PluginEntry, path, sha256, info)
PEBENCH_JSON_FIELDS(PluginError, path, message)

// What describing one plugin file elsewhere gave: its entry (no library loaded), or why not.
struct Described {
  bool ok = false;
  PluginEntry entry;
  std::string error;
};
// Describes plugin files (absolute paths) somewhere other than this process: a child
// (run/plugin_child.hpp). One result per file, in order.
using Describer = std::function<std::vector<Described>(const std::vector<std::string>& files)>;

class Registry {
 public:
  Registry() = default;  // describes plugins by loading them here
  explicit Registry(Describer describer) : describer_(std::move(describer)) {}

  // The build's plugin folder (next to the executable) or the installed one.
  static std::filesystem::path default_plugin_dir();

  // Loads every *.so in `dir` (sorted by name). Returns the number loaded.
  int add_directory(const std::filesystem::path& dir);
  // Loads one file; false (and an entry in errors()) if it is not a valid plugin; true
  // without loading it again if that file is already loaded.
  bool add_file(const std::filesystem::path& file);

  // What this registry found (entries and errors), and the same read back elsewhere: a
  // file already described (or refused) there is not described again.
  nlohmann::json catalog() const;
  void add_catalog(const nlohmann::json& catalog);

  // A deque: references returned by find() stay valid when more plugins load.
  const std::deque<PluginEntry>& plugins() const { return plugins_; }
  const std::vector<PluginError>& errors() const { return errors_; }

  // By encoding name, or by a path to a plugin file (described on demand).
  // Throws std::runtime_error naming what was asked for, what exists and what failed.
  const PluginEntry& find(const std::string& name_or_path);

  // Creates an encoding (loading its library into this process on first use); the returned
  // object keeps its library loaded. Throws std::invalid_argument for a config key the
  // encoding did not read (naming the key and the encoding) or whatever the plugin's
  // constructor throws; std::runtime_error if the library cannot be loaded (again).
  static std::shared_ptr<Encoding> create(const PluginEntry& entry, const Config& config,
                                          const AttentionShape& shape);

  // A stage of describing a plugin begins ("loading ...", "running its factory ..."): the
  // discovery child reports it, so that a process that dies names what it was doing.
  void on_stage(std::function<void(const std::string&)> f) { stage_ = std::move(f); }

 private:
  // Describes plugin files (known absolute paths): in this process, or in a child.
  void describe(const std::vector<std::filesystem::path>& files);
  bool describe_here(const std::filesystem::path& absolute);
  bool known(const std::string& absolute) const;
  bool accept(PluginEntry entry);  // false (an error) on a duplicate name
  const PluginEntry& find_path(const std::string& absolute) const;

  Describer describer_;
  std::deque<PluginEntry> plugins_;
  std::vector<PluginError> errors_;
  std::function<void(const std::string&)> stage_;
};

}  // namespace pebench
