#include "results/tables.hpp"

#include <fstream>
#include <stdexcept>

namespace pebench {
namespace {

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s)
    out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return out;
}

std::string tex_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
      case '%':
      case '$':
      case '#':
      case '_':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '\\':
        out += "\\textbackslash{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string Table::to_markdown() const {
  std::string s = "|";
  for (const auto& h : header) s += " " + md_cell(h) + " |";
  s += "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) s += "---|";
  s += "\n";
  for (const auto& r : rows) {
    s += "|";
    for (const auto& c : r) s += " " + md_cell(c) + " |";
    s += "\n";
  }
  return s;
}

std::string Table::to_csv() const {
  std::string s;
  auto line = [&s](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) s += (i ? "," : "") + csv_cell(cells[i]);
    s += "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return s;
}

std::string Table::to_latex() const {
  std::string s = "\\begin{tabular}{l" +
                  std::string(header.size() > 1 ? header.size() - 1 : 0, 'r') + "}\n\\toprule\n";
  auto line = [&s](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) s += (i ? " & " : "") + tex_cell(cells[i]);
    s += " \\\\\n";
  };
  line(header);
  s += "\\midrule\n";
  for (const auto& r : rows) line(r);
  return s + "\\bottomrule\n\\end{tabular}\n";
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

void write_table_files(const Table& table, const std::string& dir, const std::string& preface) {
  write_file(dir + "/table.md", preface + table.to_markdown());
  write_file(dir + "/table.csv", table.to_csv());
  write_file(dir + "/table.tex", table.to_latex());
}

}  // namespace pebench
