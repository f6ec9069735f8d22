// BOOST_DLL_USE_STD_FS is set by CMake: Boost.DLL on std::filesystem, no boost_filesystem.
#include "registry/registry.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>
#include <fstream>
#include <functional>

#include "core/sha256.hpp"
#include "registry/parameter_storage.hpp"

namespace pebench {

struct LoadedPlugin {
  std::function<EncodingFactory> factory;  // holds the library (import_alias)
};

namespace {

namespace fs = std::filesystem;

std::string dlopen_error(const fs::path& file) {
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle) {
    ::dlclose(handle);
    return "the dynamic loader refused it";
  }
  const char* err = ::dlerror();
  return err ? err : "the dynamic loader refused it";
}

bool is_elf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' &&
         magic[3] == 'F';
}

std::string join_names(const std::deque<PluginEntry>& plugins) {
  std::string s;
  for (const auto& p : plugins) s += (s.empty() ? "" : ", ") + p.info.name;
  return s.empty() ? "(none)" : s;
}

}  // namespace

fs::path Registry::default_plugin_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "plugins";
  const fs::path dir = exe.parent_path();
  if (fs::is_directory(dir / "plugins")) return dir / "plugins";
  return dir.parent_path() / "lib" / "pebench" / "plugins";
}

namespace {

// The checks before a library is opened; "" when they pass.
std::string file_problem(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return "file not found";
  if (!fs::is_regular_file(file, ec)) return "not a regular file";
  if (::access(file.c_str(), R_OK) != 0) return "file is not readable";
  if (!is_elf(file)) return "not an ELF shared library (no ELF header)";
  return "";
}

// Opens a library and checks its ABI; the plugin, or why not.
std::shared_ptr<LoadedPlugin> open_plugin(const fs::path& absolute, std::string& why) {
  boost::dll::shared_library library;
  try {
    library.load(absolute, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception&) {
    why = dlopen_error(absolute);
    if (why.find("undefined symbol: __asan") != std::string::npos)
      why = "cannot be loaded: " + why +
            " (it was built with AddressSanitizer, pebench_add_encoding(... SANITIZE): "
            "check it with `pebench check-plugin --asan <plugin>`)";
    else
      why = "cannot be loaded: " + why;
    return nullptr;
  }
  if (!library.has("pebench_abi_version")) {
    why =
        "not a pebench plugin: symbol 'pebench_abi_version' is missing "
        "(export the encoding with PEBENCH_EXPORT_ENCODING from <pebench/plugin.hpp>)";
    return nullptr;
  }
  const std::uint32_t found =
      boost::dll::import_alias<AbiVersionFunction>(library, "pebench_abi_version")();
  if (found != kAbiVersion) {
    why = fmt::format(
        "ABI version mismatch: this pebench expects ABI {}, the plugin was built for ABI {}; "
        "rebuild it against this pebench SDK",
        kAbiVersion, found);
    return nullptr;
  }
  if (!library.has("pebench_create_encoding")) {
    why = "not a pebench plugin: symbol 'pebench_create_encoding' is missing";
    return nullptr;
  }
  auto plugin = std::make_shared<LoadedPlugin>();
  plugin->factory = boost::dll::import_alias<EncodingFactory>(library, "pebench_create_encoding");
  return plugin;
}

fs::path absolute_path(const fs::path& file) {
  return fs::weakly_canonical(fs::absolute(file));
}

}  // namespace

int Registry::add_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    errors_.push_back({dir.string(), "plugin directory does not exist"});
    return 0;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".so") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const std::size_t before = plugins_.size();
  std::vector<fs::path> to_describe;
  for (const auto& f : files) {
    const std::string problem = file_problem(f);
    if (!problem.empty()) {
      if (!known(f.string())) errors_.push_back({f.string(), problem});
      continue;
    }
    const fs::path absolute = absolute_path(f);
    if (!known(absolute.string())) to_describe.push_back(absolute);
  }
  describe(to_describe);
  return static_cast<int>(plugins_.size() - before);
}

bool Registry::add_file(const fs::path& file) {
  const std::string problem = file_problem(file);
  if (!problem.empty()) {
    errors_.push_back({file.string(), problem});
    return false;
  }
  const fs::path absolute = absolute_path(file);
  // The same file twice (a --plugin-path naming the default folder, or a child given the
  // folders its parent loaded): already there, not a duplicate name.
  for (const auto& p : plugins_)
    if (p.path == absolute.string()) return true;
  for (const auto& e : errors_)
    if (e.path == absolute.string()) return false;
  describe({absolute});
  return !plugins_.empty() && plugins_.back().path == absolute.string();
}

bool Registry::known(const std::string& absolute) const {
  for (const auto& p : plugins_)
    if (p.path == absolute) return true;
  for (const auto& e : errors_)
    if (e.path == absolute) return true;
  return false;
}

void Registry::describe(const std::vector<fs::path>& files) {
  if (files.empty()) return;
  if (!describer_) {
    for (const auto& f : files) describe_here(f);
    return;
  }
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(f.string());
  std::vector<Described> results = describer_(paths);
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i >= results.size() || !results[i].ok)
      errors_.push_back({paths[i], i < results.size() ? results[i].error : "not described"});
    else
      accept(std::move(results[i].entry));
  }
}

bool Registry::describe_here(const fs::path& absolute) {
  auto fail = [&](std::string message) {
    errors_.push_back({absolute.string(), std::move(message)});
    return false;
  };
  if (stage_) stage_("loading the library (its static constructors run)");
  std::string why;
  std::shared_ptr<LoadedPlugin> plugin = open_plugin(absolute, why);
  if (!plugin) return fail(why);
  PluginEntry entry{absolute.string(), sha256_file(absolute.string()), {}, plugin};
  if (stage_) stage_("running its factory with the default configuration");
  try {
    entry.info = create(entry, Config{}, AttentionShape{8, 64, 512})->info();
  } catch (const std::exception& e) {
    return fail(std::string("its factory failed with the default configuration: ") + e.what());
  } catch (...) {
    return fail("its factory threw a non-standard exception with the default configuration");
  }
  return accept(std::move(entry));
}

bool Registry::accept(PluginEntry entry) {
  if (entry.info.name.empty()) {
    errors_.push_back({entry.path, "its EncodingInfo has an empty name"});
    return false;
  }
  for (const auto& p : plugins_)
    if (p.info.name == entry.info.name) {
      errors_.push_back({entry.path, fmt::format("duplicate encoding name '{}' (already loaded "
                                                 "from {})",
                                                 entry.info.name, p.path)});
      return false;
    }
  plugins_.push_back(std::move(entry));
  return true;
}

nlohmann::json Registry::catalog() const {
  nlohmann::json j = {{"plugins", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
  for (const auto& p : plugins_) j["plugins"].push_back(p);
  for (const auto& e : errors_) j["errors"].push_back(e);
  return j;
}

void Registry::add_catalog(const nlohmann::json& catalog) {
  try {
    for (const auto& p : catalog.at("plugins")) {
      PluginEntry entry = p.get<PluginEntry>();
      if (!known(entry.path)) accept(std::move(entry));
    }
    for (const auto& e : catalog.at("errors")) {
      PluginError error = e.get<PluginError>();
      if (!known(error.path)) errors_.push_back(std::move(error));
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("plugin catalog: ") + e.what());
  }
}

const PluginEntry& Registry::find(const std::string& name_or_path) {
  for (const auto& p : plugins_)
    if (p.info.name == name_or_path) return p;
  if (name_or_path.find('/') != std::string::npos || fs::exists(name_or_path)) {
    const std::string absolute = absolute_path(name_or_path).string();
    for (const auto& p : plugins_)
      if (p.path == absolute) return p;
    for (const auto& e : errors_)
      if (e.path == absolute || e.path == name_or_path) throw std::runtime_error(e.what());
    const std::size_t before = errors_.size();
    if (add_file(name_or_path)) return find_path(absolute);
    if (errors_.size() > before) throw std::runtime_error(errors_.back().what());
  }
  // pebench_add_encoding names a plugin's file pebench-<name>.so: the failure of that file
  // is the answer; otherwise every plugin that failed to load.
  for (const auto& e : errors_)
    if (fs::path(e.path).filename() == "pebench-" + name_or_path + ".so")
      throw std::runtime_error(
          fmt::format("encoding '{}' could not be loaded: {}", name_or_path, e.what()));
  std::string failed;
  for (const auto& e : errors_) failed += (failed.empty() ? " " : "; ") + e.what();
  throw std::runtime_error(
      fmt::format("no encoding named '{}' (found: {}){}", name_or_path, join_names(plugins_),
                  failed.empty() ? "" : "; plugins that failed to load:" + failed));
}

const PluginEntry& Registry::find_path(const std::string& absolute) const {
  for (const auto& p : plugins_)
    if (p.path == absolute) return p;
  throw std::logic_error("plugin not registered: " + absolute);
}

std::shared_ptr<Encoding> Registry::create(const PluginEntry& entry, const Config& config,
                                           const AttentionShape& shape) {
  if (!entry.plugin) {
    // Described elsewhere (a discovery child, a parent's catalog): loaded here on first use,
    // and only if the file is still the one that was described.
    if (sha256_file(entry.path) != entry.sha256)
      throw std::runtime_error(entry.path +
                               ": the file changed since it was described (rebuilt mid-run?)");
    std::string why;
    entry.plugin = open_plugin(entry.path, why);
    if (!entry.plugin) throw std::runtime_error(entry.path + ": " + why);
  }
  std::unique_ptr<Encoding> made;
  try {
    made = entry.plugin->factory(config, shape);
  } catch (const std::invalid_argument& e) {
    // Name the encoding when the plugin's own message does not.
    const std::string msg = e.what();
    if (!entry.info.name.empty() && msg.rfind(entry.info.name, 0) != 0)
      throw std::invalid_argument("encoding '" + entry.info.name + "': " + msg);
    throw;
  }
  if (!made) throw std::runtime_error(entry.path + ": factory returned null");
  ParameterStorage::bind(*made);  // what it declared, stored here
  std::shared_ptr<LoadedPlugin> keep = entry.plugin;
  std::shared_ptr<Encoding> encoding(made.release(), [keep](Encoding* e) { delete e; });
  const auto unused = config.unused_keys();
  if (!unused.empty()) {
    throw std::invalid_argument(fmt::format("unknown config key '{}' for encoding '{}'",
                                            unused.front(), encoding->info().name));
  }
  return encoding;
}

}  // namespace pebench
