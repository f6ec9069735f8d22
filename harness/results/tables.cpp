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
  // UTF-8 symbols the cells use, as LaTeX (pdflatex without packages has none of them).
  const std::pair<const char*, const char*> symbols[] = {
      {"±", "$\\pm$"}, {"×", "$\\times$"}, {"†", "\\dag{}"}, {"–", "--"}, {"—", "---"}};
  for (const auto& [from, to] : symbols)
    for (std::size_t at = out.find(from); at != std::string::npos; at = out.find(from, at))
      out.replace(at, std::string(from).size(), to), at += std::string(to).size();
  return out;
}

}  // namespace

std::string Table::to_markdown() const {
  std::string s = "|";
  for (const auto& h : header) s += " " + md_cell(h) + " |";
  s += "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) s += "---|";
  s += "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    s += "|";
    for (std::size_t j = 0; j < rows[i].size(); ++j) {
      const std::string cell = md_cell(rows[i][j]);
      s += " " + (bold.count({i, j}) && !cell.empty() ? "**" + cell + "**" : cell) + " |";
    }
    s += "\n";
  }
  return s + markdown_footnote(footnote);
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
  auto line = [&](const std::vector<std::string>& cells, std::size_t row) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::string cell = tex_cell(cells[i]);
      s += (i ? " & " : "") +
           (bold.count({row, i}) && !cell.empty() ? "\\textbf{" + cell + "}" : cell);
    }
    s += " \\\\\n";
  };
  line(header, rows.size());  // a row index no cell has: the header is never bold
  s += "\\midrule\n";
  for (std::size_t i = 0; i < rows.size(); ++i) line(rows[i], i);
  return s + "\\bottomrule\n\\end{tabular}\n" + latex_footnote(footnote);
}

std::string markdown_footnote(const std::string& text) {
  return text.empty() ? "" : "\n" + md_cell(text) + "\n";
}

std::string latex_footnote(const std::string& text) {
  return text.empty() ? "" : "\\par\\smallskip{\\footnotesize " + tex_cell(text) + "}\n";
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
