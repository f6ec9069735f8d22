// Fuzzes what `pebench validate <suite>` does with a suite file before it starts plugins
// (cli/validate_command.cpp): pebench::parse_suite (suite/suite.hpp), every kind's parse of
// its keys, expand_cases with this tree's encodings (each case's estimate and budget),
// select_cases, describe_estimate, and the case file a run would hand each case's child (it
// must read back as the same cases); and that the shortcut suite/yaml_documents.hpp takes
// (surely_one_document) agrees with the full count of documents. A std::exception is a clear
// refusal and passes; a crash, an abort, a sanitizer report, a non-std exception, a timeout or
// running out of memory is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "fuzz_input_file.hpp"
#include "suite/case_budget.hpp"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static pebench::fuzz::InputFile file("cases.json");
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_one_document_shortcut(text);
  std::vector<pebench::Case> cases;
  try {
    const pebench::Suite suite = pebench::parse_suite("fuzz/suite.yaml", text);
    pebench::ExpandOptions options;
    options.available = {"alibi", "cope",     "fire",       "kerple", "learned", "nope",
                         "rope",  "sandwich", "sinusoidal", "shaw",   "t5",      "xpos"};
    options.plugin_paths = {"/opt/pebench plugins"};
    cases = pebench::expand_cases(suite, options);
    if (cases.empty()) return 0;
    pebench::select_cases(cases, {cases.back().id}, "*seed=1*", suite.path);
    for (const auto& c : cases) pebench::describe_estimate(c);
    pebench::write_case_file(file.path(), cases);
  } catch (const std::exception&) {
    return 0;
  }
  if (nlohmann::json(pebench::read_case_file(file.path())) != nlohmann::json(cases)) {
    std::fprintf(stderr, "the case file of a suite's cases reads back as other cases\n");
    std::abort();
  }
  return 0;
}
