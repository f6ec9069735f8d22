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
  int loaded = 0;
  for (const auto& f : files) loaded += add_file(f) ? 1 : 0;
  return loaded;
}

bool Registry::add_file(const fs::path& file) {
  auto fail = [&](std::string message) {
    errors_.push_back({file.string(), std::move(message)});
    return false;
  };
  std::error_code ec;
  if (!fs::exists(file, ec)) return fail("file not found");
  if (!fs::is_regular_file(file, ec)) return fail("not a regular file");
  if (::access(file.c_str(), R_OK) != 0) return fail("file is not readable");
  if (!is_elf(file)) return fail("not an ELF shared library (no ELF header)");

  const fs::path absolute = fs::weakly_canonical(fs::absolute(file));
  // The same file twice (a --plugin-path naming the default folder, or a child given the
  // folders its parent loaded): already there, not a duplicate name.
  for (const auto& p : plugins_)
    if (p.path == absolute.string()) return true;
  boost::dll::shared_library library;
  try {
    library.load(absolute, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception&) {
    const std::string why = dlopen_error(absolute);
    if (why.find("undefined symbol: __asan") != std::string::npos)
      return fail("cannot be loaded: " + why +
                  " (it was built with AddressSanitizer, pebench_add_encoding(... SANITIZE): "
                  "check it with `pebench check-plugin --asan <plugin>`)");
    return fail("cannot be loaded: " + why);
  }
  if (!library.has("pebench_abi_version"))
    return fail(
        "not a pebench plugin: symbol 'pebench_abi_version' is missing "
        "(export the encoding with PEBENCH_EXPORT_ENCODING from <pebench/plugin.hpp>)");
  const std::uint32_t found =
      boost::dll::import_alias<AbiVersionFunction>(library, "pebench_abi_version")();
  if (found != kAbiVersion)
    return fail(fmt::format(
        "ABI version mismatch: this pebench expects ABI {}, the plugin was built for ABI {}; "
        "rebuild it against this pebench SDK",
        kAbiVersion, found));
  if (!library.has("pebench_create_encoding"))
    return fail("not a pebench plugin: symbol 'pebench_create_encoding' is missing");

  auto plugin = std::make_shared<LoadedPlugin>();
  plugin->factory = boost::dll::import_alias<EncodingFactory>(library, "pebench_create_encoding");
  PluginEntry entry{absolute.string(), sha256_file(absolute.string()), {}, plugin};
  try {
    entry.info = create(entry, Config{}, AttentionShape{8, 64, 512})->info();
  } catch (const std::exception& e) {
    return fail(std::string("its factory failed with the default configuration: ") + e.what());
  } catch (...) {
    return fail("its factory threw a non-standard exception with the default configuration");
  }
  if (entry.info.name.empty()) return fail("its EncodingInfo has an empty name");
  for (const auto& p : plugins_)
    if (p.info.name == entry.info.name)
      return fail(fmt::format("duplicate encoding name '{}' (already loaded from {})",
                              entry.info.name, p.path));
  plugins_.push_back(std::move(entry));
  return true;
}

const PluginEntry& Registry::find(const std::string& name_or_path) {
  for (const auto& p : plugins_)
    if (p.info.name == name_or_path) return p;
  if (name_or_path.find('/') != std::string::npos || fs::exists(name_or_path)) {
    const std::string absolute = fs::weakly_canonical(fs::absolute(name_or_path)).string();
    for (const auto& p : plugins_)
      if (p.path == absolute) return p;
    const std::size_t before = errors_.size();
    if (add_file(name_or_path)) return plugins_.back();
    if (errors_.size() > before) throw std::runtime_error(errors_.back().what());
  }
  throw std::runtime_error(
      fmt::format("no encoding named '{}' (found: {})", name_or_path, join_names(plugins_)));
}

std::shared_ptr<Encoding> Registry::create(const PluginEntry& entry, const Config& config,
                                           const AttentionShape& shape) {
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
