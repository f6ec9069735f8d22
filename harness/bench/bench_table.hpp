// Rows of speed and memory runs indexed for their tables: one section per mode and shape,
// encodings as table rows, lengths as columns (order of first appearance; lengths sorted).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "results/schema.hpp"
#include "results/stat_table.hpp"
#include "results/tables.hpp"

namespace pebench {

struct BenchIndex {
  std::vector<std::string> sections, encodings;
  std::vector<std::int64_t> lengths;
  std::map<std::tuple<std::string, std::string, std::int64_t>, const Row*> cells;
  // The row of (section, encoding label, T), or null.
  const Row* find(const std::string& section, const std::string& encoding, std::int64_t T) const;
};

BenchIndex index_bench_rows(const std::vector<Row>& rows);

// The tables of a speed or memory run: one Markdown and LaTeX table per section after a
// preface, one flat CSV of every cell, and the long-format numeric CSV (results/stat_table).
// Written as table.md, table.tex, table.csv, table_long.csv; the footnote after them all.
class SectionedTables {
 public:
  // `csv_columns` after the shape columns every bench CSV starts with (encoding, mode, T,
  // B, H, d, status).
  SectionedTables(std::string preface, const std::vector<std::string>& csv_columns);
  // A section's table: `first_columns`, then one column per length of the index.
  static Table section_table(const BenchIndex& index, std::vector<std::string> first_columns);
  void add_section(const std::string& section, const Table& table);
  // The shape columns of a row (encoding label and its shape, its status), then `values`.
  void add_csv_row(const Row& row, const std::vector<std::string>& values);
  void add_long(const std::string& section, const std::string& row, const std::string& column,
                const std::string& metric, const CellValues& cell) {
    long_.add(section, row, column, metric, cell);
  }
  void append_markdown(const std::string& text) { markdown_ += text; }
  void set_footnote(std::string text) { footnote_ = std::move(text); }
  void write(const std::string& dir) const;

 private:
  std::string markdown_, latex_, footnote_;
  Table csv_;
  LongCsv long_;
};

}  // namespace pebench
