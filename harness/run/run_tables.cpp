#include "run/run_tables.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kinds/kinds.hpp"
#include "results/row_file.hpp"
#include "results/tables.hpp"

namespace pebench {

void write_grouped_tables(const std::vector<RowGroup>& groups, const std::string& dir,
                          bool per_group) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  if (groups.size() == 1 && !per_group)
    return kind_of(groups[0].kind).write_tables(groups[0].rows, dir);
  std::string markdown;
  for (const RowGroup& g : groups) {
    const std::string sub = dir + "/" + g.name;
    fs::create_directories(sub);
    kind_of(g.kind).write_tables(g.rows, sub);
    std::ifstream in(sub + "/table.md");
    std::stringstream text;
    text << in.rdbuf();
    markdown += g.name == g.kind ? fmt::format("## {}\n\n{}\n", g.name, text.str())
                                 : fmt::format("## {} ({})\n\n{}\n", g.name, g.kind, text.str());
  }
  write_file(dir + "/table.md", markdown);
}

std::size_t write_tables_from_files(const std::vector<std::string>& rows_files,
                                    const std::string& dir) {
  std::vector<RowGroup> groups;
  std::size_t n = 0;
  for (const auto& f : rows_files)
    for (Row& row : read_rows(f)) {
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const RowGroup& g) { return g.kind == row.head.kind; });
      if (it == groups.end()) {
        kind_of(row.head.kind);  // an unknown kind is an error naming it
        groups.push_back({row.head.kind, row.head.kind, {}});
        it = groups.end() - 1;
      }
      it->rows.push_back(std::move(row));
      ++n;
    }
  if (groups.empty())
    throw RowError("no rows in " + fmt::format("{}", fmt::join(rows_files, ", ")));
  write_grouped_tables(groups, dir);
  return n;
}

}  // namespace pebench
