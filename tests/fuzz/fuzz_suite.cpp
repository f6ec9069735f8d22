// Fuzzes what `pebench validate <suite>` does with a suite file before it starts plugins
// (cli/validate_command.cpp): pebench::parse_suite (suite/suite.hpp), every kind's parse of
// its keys, expand_cases with this tree's encodings (each case's estimate and budget),
// select_cases, describe_estimate, and the case file a run would hand each case's child (it
// must read back as the same cases). A std::exception is a clear refusal and passes; a
// crash, an abort, a sanitizer report, a non-std exception, a timeout or running out of
// memory is a bug.
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

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static pebench::fuzz::InputFile file("cases.json");
  const std::string text(reinterpret_cast<const char*>(data), size);
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
