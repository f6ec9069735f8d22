// Fuzzes the case-file reader (pebench::read_case_file, suite/case.hpp): the JSON a run's
// parent writes for each child (<run>/logs/unit-N.json), read back by `pebench run-case`.
// The cases read are written and read again: that must give the same cases (inputs up to
// 16 KiB, beyond what libFuzzer writes: write_case_file indents each level, so the 26 KB
// regressions/case/deep_nesting.json would write 170 MB). A std::exception is a clear refusal
// and passes; a crash, an abort, a sanitizer report, a non-std exception, a timeout or running
// out of memory is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <vector>

#include "fuzz_input_file.hpp"
#include "suite/case.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static pebench::fuzz::InputFile file("case.json");
  std::vector<pebench::Case> cases;
  try {
    cases = pebench::read_case_file(file.write(data, size));
    for (const auto& c : cases) {
      c.encoding.label();
      pebench::shell_quote(c.id);
    }
    if (size > 16384) return 0;
    pebench::write_case_file(file.path(), cases);
  } catch (const std::exception&) {
    return 0;
  }
  const std::vector<pebench::Case> again = pebench::read_case_file(file.path());
  if (nlohmann::json(again) != nlohmann::json(cases)) {
    std::fprintf(stderr, "a case file written from the cases read differs from them\n");
    std::abort();
  }
  return 0;
}
