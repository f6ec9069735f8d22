#include "bench/bench_table.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "bench/workload_shape.hpp"

namespace pebench {

const Row* BenchIndex::find(const std::string& section, const std::string& encoding,
                            std::int64_t T) const {
  const auto it = cells.find({section, encoding, T});
  return it == cells.end() ? nullptr : it->second;
}

BenchIndex index_bench_rows(const std::vector<Row>& rows) {
  BenchIndex index;
  auto add = [](auto& list, const auto& value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  };
  for (const Row& r : rows) {
    const auto shape = r.get<BenchShapeFields>();
    const std::string section = shape.section();
    add(index.sections, section);
    add(index.encodings, encoding_label(r));
    add(index.lengths, shape.seq_len);
    index.cells[{section, encoding_label(r), shape.seq_len}] = &r;
  }
  std::sort(index.lengths.begin(), index.lengths.end());
  return index;
}

SectionedTables::SectionedTables(std::string preface, const std::vector<std::string>& csv_columns)
    : markdown_(std::move(preface)) {
  csv_.header = {"encoding", "mode", "T", "B", "H", "d", "status"};
  csv_.header.insert(csv_.header.end(), csv_columns.begin(), csv_columns.end());
}

Table SectionedTables::section_table(const BenchIndex& index,
                                     std::vector<std::string> first_columns) {
  Table t;
  t.header = std::move(first_columns);
  for (std::int64_t T : index.lengths) t.header.push_back(fmt::format("T={}", T));
  return t;
}

void SectionedTables::add_section(const std::string& section, const Table& table) {
  markdown_ += "### " + section + "\n\n" + table.to_markdown() + "\n";
  latex_ += "% " + section + "\n" + table.to_latex() + "\n";
}

void SectionedTables::add_csv_row(const Row& row, const std::vector<std::string>& values) {
  const auto shape = row.get<BenchShapeFields>();
  std::vector<std::string> line = {encoding_label(row),           shape.mode,
                                   std::to_string(shape.seq_len), std::to_string(shape.batch),
                                   std::to_string(shape.heads),   std::to_string(shape.head_dim),
                                   to_string(row.head.status)};
  line.insert(line.end(), values.begin(), values.end());
  csv_.rows.push_back(std::move(line));
}

void SectionedTables::write(const std::string& dir) const {
  write_file(dir + "/table.md", markdown_ + markdown_footnote(footnote_));
  write_file(dir + "/table.tex", latex_ + latex_footnote(footnote_));
  write_file(dir + "/table.csv", csv_.to_csv());
  long_.write(dir + "/table_long.csv");
}

}  // namespace pebench
