// Fuzzes what `pebench validate <suite>` does with a suite file before it starts plugins
// (cli/validate_command.cpp): pebench::parse_suite (suite/suite.hpp), every kind's parse of
// its keys, expand_cases with this tree's encodings (each case's estimate and budget),
// select_cases, describe_estimate, and the case file a run would hand each case's child (it
// must read back as the same cases); and that the shortcut suite/yaml_documents.hpp takes
// (surely_one_document) agrees with the full count of documents, and that reading seed lists
// without yaml-cpp (long_seed_lists.hpp) changes nothing. A std::exception is a clear
// refusal and passes; a crash, an abort, a sanitizer report, a non-std exception, a timeout or
// running out of memory is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_input_file.hpp"
#include "suite/case_budget.hpp"
#include "suite/long_seed_lists.hpp"
#include "suite/suite.hpp"
#include "suite/yaml_documents.hpp"

namespace {

// Where surely_one_document says one document, the full count must find one and no error.
void check_one_document_shortcut(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return;
  }
  if (!pebench::surely_one_document(root, text)) return;
  try {
    if (pebench::first_two_documents(text).size() <= 1) return;
  } catch (const YAML::Exception&) {
  }
  std::fprintf(stderr, "surely_one_document is wrong: the text holds more, or an error\n");
  std::abort();
}

// Seed lists read without yaml-cpp (suite/long_seed_lists.hpp), taken here for any length:
// the suite must read the same (the seeds of every part, or the same error) as without.
void check_long_seed_list_shortcut(const std::string& text) {
  if (pebench::LongSeedLists(text, 1).empty()) return;
  const auto read = [&text](std::size_t bytes) {
    std::vector<std::vector<std::uint64_t>> seeds;
    try {
      for (const auto& part : pebench::parse_suite("fuzz/suite.yaml", text, bytes).parts)
        seeds.push_back(part.seeds);
    } catch (const std::exception& e) {
      return std::make_pair(seeds, std::string(e.what()));
    }
    return std::make_pair(seeds, std::string());
  };
  if (read(1) == read(SIZE_MAX)) return;
  std::fprintf(stderr, "the long seed list shortcut reads this suite otherwise than yaml-cpp\n");
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static pebench::fuzz::InputFile file("cases.json");
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_one_document_shortcut(text);
  check_long_seed_list_shortcut(text);
  std::vector<pebench::Case> cases, sample;
  try {
    const pebench::Suite suite = pebench::parse_suite("fuzz/suite.yaml", text);
    pebench::ExpandOptions options;
    options.available = {"alibi", "cope",     "fire",       "kerple", "learned", "nope",
                         "rope",  "sandwich", "sinusoidal", "shaw",   "t5",      "xpos"};
    options.plugin_paths = {"/opt/pebench plugins"};
    // 2 KB can ask for ~1M cases (700 seeds x 12 encodings x 100 lengths): linear, but seconds
    // of ASan time and GBs. Fewer here; the cap itself is the same code.
    options.max_cases = 20'000;
    cases = pebench::expand_cases(suite, options);
    if (cases.empty()) return 0;
    pebench::select_cases(cases, {cases.back().id}, "*seed=1*", suite.path);
    for (const auto& c : cases) pebench::describe_estimate(c);
    // A child's case file holds one case or one group; a sample of them is written and read
    // back. All of them timed out: 2 KB of suite expand to 15k cases, whose case file (~10 KB
    // of spec each) took over 60 s to write and read in this ASan build (CI, 2026-12-03).
    const std::size_t step = std::max<std::size_t>(1, cases.size() / 16);
    for (std::size_t i = 0; i < cases.size(); i += step) sample.push_back(cases[i]);
    if (sample.back().id != cases.back().id) sample.push_back(cases.back());
    pebench::write_case_file(file.path(), sample);
  } catch (const std::exception&) {
    return 0;
  }
  if (nlohmann::json(pebench::read_case_file(file.path())) != nlohmann::json(sample)) {
    std::fprintf(stderr, "the case file of a suite's cases reads back as other cases\n");
    std::abort();
  }
  return 0;
}
