// Tables for papers: cells that pool values (seeds, or a benchmark's repetitions) shown as
// "mean ± sd [95% CI] n=k", the best value per column in bold, a provenance footnote, and
// beside every pretty table a long-format numeric CSV (table_long.csv): one line per
// table x row x column x metric with n, mean, std, ci_lo, ci_hi and median, for plotting
// and for tools that must not parse pretty cells.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "results/schema.hpp"
#include "results/stats.hpp"
#include "results/tables.hpp"

namespace pebench {

enum class Better { kLower, kHigher };

// What one cell pools: the values of the rows that measured it, and the rows that did not.
struct CellValues {
  std::vector<double> values;
  std::map<std::string, int> missing;  // status cell ("n/a", "FAILED", ...) -> rows

  void add(double v) { values.push_back(v); }
  void add_missing(const std::string& status) { ++missing[status]; }
  bool empty() const { return values.empty() && missing.empty(); }
  std::string missing_text() const;  // "1 FAILED, 2 n/a" ("" when none)
};

// "m ± s [lo, hi] n=k" with `decimals` (n = 1: "m n=1"), then " (+1 FAILED)" for rows
// without a value; when no row has one, the status ("n/a"), or each status counted
// ("1 CRASHED, 2 n/a"); "" for an empty cell.
std::string stat_cell(const CellValues& cell, int decimals);

// Sets in bold, per column of `table` from `first_column` on, the cells whose value (from
// `value_of(row, column)`, nullopt: no value) is the best; ties as shown by `shown` count.
void bold_best(Table& table, std::size_t first_column, Better better,
               const std::function<std::optional<double>(std::size_t, std::size_t)>& value_of,
               const std::function<std::string(double)>& shown);

// The long-format CSV of a kind's tables.
class LongCsv {
 public:
  LongCsv();
  void add(const std::string& table, const std::string& row, const std::string& column,
           const std::string& metric, const CellValues& cell);
  void write(const std::string& path) const;

 private:
  Table csv_;
};

// Where the rows were measured, for the table's footnote: CPU model, ISA, oneDNN version,
// threads, floating-point mode, build and git sha (several values joined by " / "), then
// `pooled` (what n counts, e.g. "n = seeds per cell").
std::string provenance_footnote(const std::vector<Row>& rows, const std::string& pooled);

}  // namespace pebench
