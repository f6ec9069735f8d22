// Runs a suite's cases, each in a fresh child process (`pebench <case args>`),
// so a crash or a hang marks only its own row: CRASHED(signal) or TIMEOUT.
// Rows are appended to <out>/rows.jsonl as each case ends; tables are derived
// from rows.jsonl at the end.
#pragma once

#include <string>
#include <vector>

#include "results/rows.hpp"
#include "runners/conformance.hpp"
#include "suite/suite.hpp"

namespace pebench {

struct RunOptions {
  std::string out_dir;   // results/<suite>/<run-id> when empty
  bool progress = true;  // one line per case on stderr
};

// Returns the number of cases that did not pass.
int run_suite(const Suite& suite, const std::vector<Case>& cases, const RunOptions& options);

// The row `check-plugin --row-out` writes for one conformance case.
Row conformance_row(const ConformanceReport& report, std::uint64_t seed);

// The tables of a run: in `dir` for a one-kind suite; for a suite with parts, in
// dir/<part>/ with all parts' Markdown tables as sections of dir/table.md.
void write_tables(const Suite& suite, const std::vector<std::vector<Row>>& rows_per_part,
                  const std::string& dir);

// The tables of rows of one kind (conformance | synthetic | speed | memory) into `dir`.
void write_kind_tables(const std::string& kind, const std::vector<Row>& rows,
                       const std::string& dir);

// `pebench tables`: rows of several runs (e.g. seeds run apart) in one set of tables; rows
// of several kinds go to dir/<kind>/ with every table in dir/table.md. Returns rows read.
std::size_t write_tables_from_files(const std::vector<std::string>& rows_files,
                                    const std::string& dir);

// Markdown/CSV/LaTeX conformance tables from rows.jsonl into `dir`.
void write_conformance_tables(const std::vector<Row>& rows, const std::string& dir);

}  // namespace pebench
