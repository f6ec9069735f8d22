// A small table (header + string cells) written as Markdown, CSV or LaTeX.
// Tables are derived from rows.jsonl; they never hold a number the rows lack.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pebench {

struct Table {
  Table() = default;
  Table(std::vector<std::string> header_, std::vector<std::vector<std::string>> rows_)
      : header(std::move(header_)), rows(std::move(rows_)) {}

  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::set<std::pair<std::size_t, std::size_t>> bold;  // (row, column): set in bold (md, tex)
  std::string footnote;  // below the table in Markdown and LaTeX; not in the CSV

  std::string to_markdown() const;
  std::string to_csv() const;  // RFC 4180 quoting
  // booktabs tabular, special characters escaped, ± × † – as LaTeX symbols.
  std::string to_latex() const;
};

// A footnote as Table writes it below a table ("" for none).
std::string markdown_footnote(const std::string& text);
std::string latex_footnote(const std::string& text);

// Writes text to path; throws std::runtime_error naming the file on any failure.
void write_file(const std::string& path, const std::string& text);
// table.md, table.csv and table.tex of one table into `dir` (`preface`: Markdown before it).
void write_table_files(const Table& table, const std::string& dir, const std::string& preface = "");

}  // namespace pebench
