// A small table (header + string cells) written as Markdown, CSV or LaTeX.
// Tables are derived from rows.jsonl; they never hold a number the rows lack.
#pragma once

#include <string>
#include <vector>

namespace pebench {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::string to_markdown() const;
  std::string to_csv() const;    // RFC 4180 quoting
  std::string to_latex() const;  // booktabs tabular, special characters escaped
};

// Writes text to path; throws std::runtime_error naming the file on any failure.
void write_file(const std::string& path, const std::string& text);
// table.md, table.csv and table.tex of one table into `dir` (`preface`: Markdown before it).
void write_table_files(const Table& table, const std::string& dir, const std::string& preface = "");

}  // namespace pebench
