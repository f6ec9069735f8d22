// Registry: discovery, and one clear message per kind of bad plugin.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_helpers.hpp"

namespace pebench {
namespace {

std::string broken(const std::string& file) {
  return std::string(FIXTURE_BROKEN_DIR) + "/" + file;
}

std::string load_error(const std::string& path) {
  Registry r;
  EXPECT_FALSE(r.add_file(path));
  EXPECT_EQ(r.errors().size(), 1u);
  return r.errors().empty() ? "" : r.errors().front().what();
}

TEST(Registry, FindsInTreePlugins) {
  Registry r;
  EXPECT_GE(r.add_directory(PEBENCH_PLUGIN_DIR), 3);
  EXPECT_TRUE(r.errors().empty());
  for (const char* name : {"nope", "sinusoidal", "alibi"}) {
    const PluginEntry& e = r.find(name);
    EXPECT_EQ(e.info.name, name);
    EXPECT_EQ(e.sha256.size(), 64u);
  }
}

TEST(Registry, MissingFile) {
  EXPECT_EQ(load_error(broken("pebench-does_not_exist.so")),
            broken("pebench-does_not_exist.so") + ": file not found");
}

TEST(Registry, NotElf) {
  EXPECT_EQ(load_error(broken("pebench-not_elf.so")),
            broken("pebench-not_elf.so") + ": not an ELF shared library (no ELF header)");
}

TEST(Registry, MissingFactorySymbol) {
  const std::string msg = load_error(broken("pebench-broken_no_factory.so"));
  EXPECT_NE(msg.find("pebench-broken_no_factory.so: not a pebench plugin: symbol "
                     "'pebench_abi_version' is missing"),
            std::string::npos)
      << msg;
}

TEST(Registry, AbiMismatchNamesBothVersions) {
  const std::string msg = load_error(broken("pebench-broken_abi_mismatch.so"));
  EXPECT_NE(
      msg.find("pebench-broken_abi_mismatch.so: ABI version mismatch: this pebench expects ABI 3, "
               "the plugin was built for ABI 100"),
      std::string::npos)
      << msg;
}

TEST(Registry, ElfThatIsNotASharedLibraryGivesTheLoaderMessage) {
  // An ELF executable (not position-independent shared object) or a truncated ELF.
  const std::string path =
      (std::filesystem::temp_directory_path() / "pebench-truncated.so").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << "\x7f"
           "ELF"
        << std::string(20, '\0');
  }
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find("cannot be loaded: "), std::string::npos) << msg;
  EXPECT_EQ(msg.find("Bad file descriptor"), std::string::npos) << msg;
  std::filesystem::remove(path);
}

TEST(Registry, BadPluginsDoNotStopTheOthers) {
  Registry r;
  const int in_tree = r.add_directory(PEBENCH_PLUGIN_DIR);
  const int loaded = r.add_directory(FIXTURE_BROKEN_DIR);
  // The twenty-four broken-but-loadable fixtures load (their bugs are check-plugin's or the suite
  // runner's job); abi_mismatch, no_factory and not_elf are refused, one error each.
  EXPECT_EQ(loaded, 24);
  EXPECT_EQ(r.errors().size(), 3u);
  EXPECT_EQ(r.plugins().size(), static_cast<std::size_t>(in_tree + 24));
}

TEST(Registry, UnknownNameListsWhatExists) {
  Registry r;
  r.add_directory(PEBENCH_PLUGIN_DIR);
  try {
    r.find("no_such_encoding");
    FAIL();
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("no encoding named 'no_such_encoding' (found: alibi, ", 0), 0u) << msg;
    EXPECT_NE(msg.find("nope"), std::string::npos) << msg;
  }
}

TEST(Registry, EncodingKeepsItsLibraryAlive) {
  std::shared_ptr<Encoding> enc;
  {
    Registry r;
    r.add_directory(PEBENCH_PLUGIN_DIR);
    enc = Registry::create(r.find("alibi"), Config{}, AttentionShape{4, 8, 32});
  }  // the registry (and its handles) are gone; the encoding still works
  EXPECT_EQ(enc->info().name, "alibi");
}

// A run's children get the parent's catalog: descriptions without libraries. A library is
// loaded on first create(), and only if the file is still the one described.
TEST(Registry, CatalogEntriesLoadOnFirstUseAndCheckTheirSha256) {
  Registry parent;
  parent.add_directory(PEBENCH_PLUGIN_DIR);
  parent.add_file(broken("pebench-not_elf.so"));
  const nlohmann::json catalog = parent.catalog();

  Registry child;
  child.add_catalog(catalog);
  ASSERT_EQ(child.plugins().size(), parent.plugins().size());
  const PluginEntry& alibi = child.find("alibi");
  EXPECT_EQ(alibi.plugin, nullptr);  // described, not loaded
  EXPECT_EQ(alibi.info.hooks, parent.find("alibi").info.hooks);
  auto made = Registry::create(alibi, Config{}, AttentionShape{4, 8, 32});
  EXPECT_EQ(made->info().name, "alibi");
  EXPECT_NE(alibi.plugin, nullptr);
  // The refused file is remembered, with its reason, and not loaded again.
  try {
    child.find(broken("pebench-not_elf.so"));
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not an ELF shared library"), std::string::npos);
  }

  nlohmann::json stale = catalog;
  for (auto& p : stale["plugins"]) p["sha256"] = std::string(64, '0');
  Registry rebuilt;
  rebuilt.add_catalog(stale);
  try {
    Registry::create(rebuilt.find("nope"), Config{}, AttentionShape{4, 8, 32});
    ADD_FAILURE() << "a changed file was loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("the file changed since it was described"),
              std::string::npos)
        << e.what();
  }
}

// A describer (a child process in pebench) decides what is known; nothing is loaded here.
TEST(Registry, DescriberResultsBecomeEntriesAndErrors) {
  std::vector<std::string> asked;
  Registry r([&](const std::vector<std::string>& files) {
    asked = files;
    std::vector<Described> out(files.size());
    out[0].ok = true;
    out[0].entry.path = files[0];
    out[0].entry.info.name = "described_only";
    for (std::size_t i = 1; i < files.size(); ++i) out[i].error = "the plugin exited";
    return out;
  });
  r.add_directory(PEBENCH_PLUGIN_DIR);
  ASSERT_GE(asked.size(), 3u);
  ASSERT_EQ(r.plugins().size(), 1u);
  EXPECT_EQ(r.plugins()[0].info.name, "described_only");
  EXPECT_EQ(r.plugins()[0].plugin, nullptr);
  EXPECT_EQ(r.errors().size(), asked.size() - 1);
  EXPECT_EQ(r.errors()[0].message, "the plugin exited");
}

}  // namespace
}  // namespace pebench
