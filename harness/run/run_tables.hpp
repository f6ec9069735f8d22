// Tables derived from rows: a run's (one folder per part) and `pebench tables`' (rows of
// several runs, one folder per kind). Every number in a table comes from a row.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "results/schema.hpp"

namespace pebench {

// One section per group (part or kind): unless `per_group` (a suite with parts) and with
// one group, its tables go into `dir`; otherwise into dir/<group>/, with every Markdown
// table a section of dir/table.md. Each group is (name, kind, rows).
struct RowGroup {
  std::string name, kind;
  std::vector<Row> rows;
};
void write_grouped_tables(const std::vector<RowGroup>& groups, const std::string& dir,
                          bool per_group = false);

// `pebench tables`: the rows of several rows.jsonl files, grouped by kind. Returns rows read.
std::size_t write_tables_from_files(const std::vector<std::string>& rows_files,
                                    const std::string& dir);

}  // namespace pebench
