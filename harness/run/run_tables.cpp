#include "run/run_tables.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

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
  std::size_t n = 0, duplicates = 0;
  std::string first_duplicate;
  // A row is (suite, case, row id): one recorded twice (a file passed twice, a run repeated
  // into one --out) is never pooled as another seed; the later one is kept.
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::size_t, std::size_t>>
      where;  // -> (group, index)
  for (const auto& f : rows_files)
    for (Row& row : read_rows(f)) {
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const RowGroup& g) { return g.kind == row.head.kind; });
      if (it == groups.end()) {
        kind_of(row.head.kind);  // an unknown kind is an error naming it
        groups.push_back({row.head.kind, row.head.kind, {}});
        it = groups.end() - 1;
      }
      const auto key = std::make_tuple(row.head.suite, row.head.case_id, row.head.row_id);
      const auto seen = where.find(key);
      if (seen != where.end()) {
        if (duplicates++ == 0) first_duplicate = fmt::format("{} in {}", row.head.row_id, f);
        groups[seen->second.first].rows[seen->second.second] = std::move(row);
        continue;
      }
      where[key] = {static_cast<std::size_t>(it - groups.begin()), it->rows.size()};
      it->rows.push_back(std::move(row));
      ++n;
    }
  if (duplicates > 0)
    fmt::print(stderr,
               "warning: tables: {} rows recorded more than once (same suite, case and row; "
               "first: {}): the later one kept, never pooled\n",
               duplicates, first_duplicate);
  if (groups.empty())
    throw RowError("no rows in " + fmt::format("{}", fmt::join(rows_files, ", ")));
  write_grouped_tables(groups, dir);
  return n;
}

}  // namespace pebench
