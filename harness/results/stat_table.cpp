#include "results/stat_table.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pebench {

std::string CellValues::missing_text() const {
  std::string s;
  for (const auto& [status, count] : missing)
    s += fmt::format("{}{} {}", s.empty() ? "" : ", ", count, status);
  return s;
}

std::string stat_cell(const CellValues& cell, int decimals) {
  if (cell.values.empty())  // one status alone ("n/a"), several counted
    return cell.missing.size() == 1 ? cell.missing.begin()->first : cell.missing_text();
  const Summary s = summarize(cell.values);
  std::string text =
      s.sd ? fmt::format("{:.{}f} ± {:.{}f} [{:.{}f}, {:.{}f}] n={}", s.mean, decimals, *s.sd,
                         decimals, *s.ci_lo, decimals, *s.ci_hi, decimals, s.n)
           : fmt::format("{:.{}f} n=1", s.mean, decimals);
  if (!cell.missing.empty()) text += " (+" + cell.missing_text() + ")";
  return text;
}

void bold_best(Table& table, std::size_t first_column, Better better,
               const std::function<std::optional<double>(std::size_t, std::size_t)>& value_of,
               const std::function<std::string(double)>& shown) {
  for (std::size_t col = first_column; col < table.header.size(); ++col) {
    std::optional<double> best;
    for (std::size_t row = 0; row < table.rows.size(); ++row)
      if (const auto v = value_of(row, col))
        if (!best || (better == Better::kLower ? *v < *best : *v > *best)) best = v;
    if (!best) continue;
    for (std::size_t row = 0; row < table.rows.size(); ++row)
      if (const auto v = value_of(row, col); v && shown(*v) == shown(*best))
        table.bold.insert({row, col});
  }
}

LongCsv::LongCsv() {
  csv_.header = {"table", "row",   "column", "metric", "n",           "mean",
                 "std",   "ci_lo", "ci_hi",  "median", "not_measured"};
}

void LongCsv::add(const std::string& table, const std::string& row, const std::string& column,
                  const std::string& metric, const CellValues& cell) {
  if (cell.empty()) return;
  const Summary s = summarize(cell.values);
  auto num = [](double v) { return fmt::format("{:.9g}", v); };
  auto opt = [&](const std::optional<double>& v) { return v ? num(*v) : std::string(); };
  const bool any = s.n > 0;
  csv_.rows.push_back({table, row, column, metric, std::to_string(s.n), any ? num(s.mean) : "",
                       opt(s.sd), opt(s.ci_lo), opt(s.ci_hi), any ? num(s.median) : "",
                       cell.missing_text()});
}

void LongCsv::write(const std::string& path) const {
  write_file(path, csv_.to_csv());
}

std::string provenance_footnote(const std::vector<Row>& rows, const std::string& pooled) {
  auto distinct = [&rows](auto field) {
    std::vector<std::string> seen;
    for (const Row& r : rows) {
      const std::string v = field(r.provenance);
      if (!v.empty() && std::find(seen.begin(), seen.end(), v) == seen.end()) seen.push_back(v);
    }
    std::string s;
    for (const auto& v : seen) s += (s.empty() ? "" : " / ") + v;
    return s.empty() ? std::string("unknown") : s;
  };
  const std::string threads =
      distinct([](const Provenance& p) { return p.threads > 0 ? std::to_string(p.threads) : ""; });
  return fmt::format(
      "Measured on {} (ISA {}), oneDNN {}, {} thread{}, floating point {}, {} build, pebench "
      "{}{}{}.",
      distinct([](const Provenance& p) { return p.cpu_model; }),
      distinct([](const Provenance& p) { return p.isa; }),
      distinct([](const Provenance& p) { return p.onednn_version; }), threads,
      threads == "1" ? "" : "s", distinct([](const Provenance& p) { return p.fp_mode; }),
      distinct([](const Provenance& p) { return p.build_type; }), distinct([](const Provenance& p) {
        return p.git_sha.empty() ? "" : p.git_sha.substr(0, 12) + (p.git_dirty ? "-dirty" : "");
      }),
      pooled.empty() ? "" : "; ", pooled);
}

}  // namespace pebench
