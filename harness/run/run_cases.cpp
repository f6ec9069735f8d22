#include "run/run_cases.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>

#include "core/threads.hpp"
#include "kinds/kinds.hpp"
#include "results/row_file.hpp"
#include "run/exit_codes.hpp"

namespace pebench {

void add_plugin_paths(Registry& registry, const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    if (std::filesystem::is_directory(p))
      registry.add_directory(p);
    else
      registry.add_file(p);
  }
}

int run_cases_here(const std::vector<Case>& cases, Registry& registry,
                   const CaseRunOptions& options) {
  if (cases.empty()) return kExitNothingRan;
  const SuiteKind& kind = kind_of(cases.front().kind);
  std::vector<const Case*> pointers;
  for (const Case& c : cases) {
    if (c.kind != cases.front().kind)
      throw std::runtime_error("cases of one process must be of one kind");
    pointers.push_back(&c);
  }
  if (cases.front().threads > 0) set_threads(cases.front().threads);
  std::unique_ptr<RowWriter> writer;
  if (!options.row_out.empty()) {
    std::ofstream(options.row_out, std::ios::trunc);  // this process's rows only
    writer = std::make_unique<RowWriter>(options.row_out);
  }
  bool all_ok = true;
  std::set<std::string> emitted;  // row ids
  CaseContext ctx{registry, options.progress, options.artifacts, [&](const Row& row) {
                    all_ok = all_ok && is_ok(row.head.status);
                    emitted.insert(row.head.row_id);
                    const std::string& detail = row.head.status_detail;
                    fmt::print("{}{} {}{}\n", to_string(row.head.status),
                               detail.empty() ? "" : "(" + detail + ")", kind.summary(row),
                               row.head.error.empty() ? "" : " " + row.head.error);
                    std::fflush(stdout);
                    if (writer) writer->write(row);  // flushed: survives a later crash
                  }};
  try {
    kind.run(pointers, ctx);
  } catch (const std::exception& e) {
    // A kind that throws instead of writing a row: its rows not yet written say why.
    for (const Case& c : cases) {
      for (Row& row : expected_rows(kind, c))
        if (!emitted.count(row.head.row_id)) {
          row.head.status = Status::kFailed;
          row.head.error = e.what();
          ctx.emit(row);
        }
    }
  }
  return all_ok ? kExitOk : kExitNotPassed;
}

}  // namespace pebench
