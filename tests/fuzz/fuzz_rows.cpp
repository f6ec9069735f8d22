// Fuzzes the rows.jsonl readers (pebench::read_rows with and without skip_torn_tail, and
// read_good_rows; results/row_file.hpp) that `tables`, `compare`, `merge` and `run --resume`
// use. A std::exception is a clear refusal and passes; a crash, an abort, a sanitizer report,
// a non-std exception, a timeout or running out of memory is a bug.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "fuzz_input_file.hpp"
#include "results/row_file.hpp"

namespace {

// What a table does with every row it read: its label, status cell and JSON line.
void use(const std::vector<pebench::Row>& rows) {
  for (const auto& row : rows) {
    pebench::encoding_label(row);
    pebench::status_cell(row.head.status);
    row.to_json_line();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static pebench::fuzz::InputFile file("rows.jsonl");
  const std::string& path = file.write(data, size);
  for (bool skip_torn_tail : {false, true}) {
    try {
      use(pebench::read_rows(path, skip_torn_tail));
    } catch (const std::exception&) {
    }
  }
  try {
    std::vector<std::string> errors;
    use(pebench::read_good_rows(path, errors));
  } catch (const std::exception&) {
  }
  return 0;
}
