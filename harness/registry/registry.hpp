// Plugin discovery and loading (the only code that touches Boost.DLL).
//
// A plugin is a shared library exporting `pebench_abi_version` and
// `pebench_create_encoding` (PEBENCH_EXPORT_ENCODING). Loading one file checks,
// in order: the file exists, it is an ELF file, dlopen accepts it, the ABI
// symbol exists and matches kAbiVersion, the factory exists, and a default
// instance can be created. Each failure is one message naming the file and the
// problem; the other plugins still load.
#pragma once

#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pebench/encoding.hpp"

namespace pebench {

struct LoadedPlugin;  // keeps the library and its factory

struct PluginEntry {
  std::string path;
  std::string sha256;
  EncodingInfo info;  // from a default instance (H=8, d=64, D=512, empty config)
  std::shared_ptr<LoadedPlugin> plugin;
};

struct PluginError {
  std::string path;
  std::string message;
  std::string what() const { return path + ": " + message; }
};

class Registry {
 public:
  // The build's plugin folder (next to the executable) or the installed one.
  static std::filesystem::path default_plugin_dir();

  // Loads every *.so in `dir` (sorted by name). Returns the number loaded.
  int add_directory(const std::filesystem::path& dir);
  // Loads one file; false (and an entry in errors()) if it is not a valid plugin; true
  // without loading it again if that file is already loaded.
  bool add_file(const std::filesystem::path& file);

  // A deque: references returned by find() stay valid when more plugins load.
  const std::deque<PluginEntry>& plugins() const { return plugins_; }
  const std::vector<PluginError>& errors() const { return errors_; }

  // By encoding name, or by a path to a plugin file (loaded on demand).
  // Throws std::runtime_error naming what was asked for and what exists.
  const PluginEntry& find(const std::string& name_or_path);

  // Creates an encoding; the returned object keeps its library loaded. Throws
  // std::invalid_argument for a config key the encoding did not read (naming the
  // key and the encoding) or whatever the plugin's constructor throws.
  static std::shared_ptr<Encoding> create(const PluginEntry& entry, const Config& config,
                                          const AttentionShape& shape);

 private:
  std::deque<PluginEntry> plugins_;
  std::vector<PluginError> errors_;
};

}  // namespace pebench
