#include "run/merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "bench/plots.hpp"
#include "kinds/kinds.hpp"
#include "results/row_file.hpp"
#include "results/tables.hpp"
#include "run/exit_codes.hpp"
#include "run/run_dir.hpp"
#include "run/run_tables.hpp"

namespace pebench {

namespace fs = std::filesystem;

int merge_runs(const MergeOptions& o, const ExpandOptions& expand) {
  if (o.run_dirs.empty()) throw std::invalid_argument("merge: name the run directories");
  if (o.out_dir.empty()) throw std::invalid_argument("merge: --out DIR is required");
  for (const auto& d : o.run_dirs)
    if (fs::exists(o.out_dir) && fs::exists(d) && fs::equivalent(d, o.out_dir))
      throw std::invalid_argument("merge: --out must be a new directory, not one of the runs");
  const Suite suite = load_suite(suite_snapshot(o.run_dirs.front()));
  for (const auto& d : o.run_dirs) {
    const Suite other = load_suite(suite_snapshot(d));
    if (other.sha256 != suite.sha256)
      throw std::invalid_argument(
          fmt::format("merge: {} is a run of another suite (sha256 {}... vs {}... of {})", d,
                      other.sha256.substr(0, 12), suite.sha256.substr(0, 12), o.run_dirs.front()));
  }
  fs::create_directories(o.out_dir);
  const std::string folder = fmt::format("{}/suite/{}", o.out_dir, suite.sha256.substr(0, 12));
  fs::create_directories(folder);
  const std::string snapshot = folder + "/" + fs::path(suite.path).filename().string();
  write_file(snapshot, suite.text);
  ExpandOptions with_snapshot = expand;
  with_snapshot.repro_path = snapshot;
  const std::vector<Case> cases = expand_cases(suite, with_snapshot);

  // Rows by (case, row): the later directory wins a duplicate.
  std::map<std::pair<std::string, std::string>, std::pair<Row, std::string>> rows;
  std::vector<std::pair<std::string, std::string>> order;
  std::size_t duplicates = 0;
  for (const auto& d : o.run_dirs) {
    std::vector<std::string> errors;
    const std::string path = d + "/rows.jsonl";
    std::vector<Row> read;
    if (fs::exists(path)) read = read_good_rows(path, errors);
    for (const auto& e : errors) fmt::print(stderr, "warning: merge: left out {}\n", e);
    for (Row& r : read) {
      const auto key = std::make_pair(r.head.case_id, r.head.row_id);
      const auto it = rows.find(key);
      if (it != rows.end()) {
        ++duplicates;
        fmt::print(stderr, "warning: merge: row {} is in {} and {}; keeping {}'s\n", r.head.row_id,
                   it->second.second, d, d);
        it->second = {std::move(r), d};
      } else {
        order.push_back(key);
        rows.emplace(key, std::make_pair(std::move(r), d));
      }
    }
  }

  // The merged rows, in the suite's case order; rows of cases the suite does not have last.
  std::map<std::string, std::size_t> case_index;
  for (std::size_t n = 0; n < cases.size(); ++n) case_index[cases[n].id] = n;
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    const auto ia = case_index.count(a.first) ? case_index[a.first] : cases.size();
    const auto ib = case_index.count(b.first) ? case_index[b.first] : cases.size();
    return ia < ib;
  });
  const std::string rows_path = o.out_dir + "/rows.jsonl";
  fs::remove(rows_path);
  std::map<std::string, std::vector<Row>> rows_of_part;
  std::set<std::string> recorded;
  std::size_t not_passed = 0;
  {
    RowWriter writer(rows_path);
    for (const auto& key : order) {
      const Row& r = rows.at(key).first;
      writer.write(r);
      rows_of_part[r.head.part].push_back(r);
      recorded.insert(r.head.case_id);
      not_passed += is_ok(r.head.status) ? 0 : 1;
      if (!case_index.count(r.head.case_id))
        fmt::print(stderr, "warning: merge: {} is not a case of {} (kept)\n", r.head.case_id,
                   suite.path);
    }
  }
  std::vector<RowGroup> groups;
  for (const SuitePart& part : suite.parts)
    if (rows_of_part.count(part.name))
      groups.push_back({part.name, part.kind->name(), rows_of_part[part.name]});
  if (!groups.empty()) write_grouped_tables(groups, o.out_dir, suite.has_parts());

  // What each kind makes of a whole run, from every directory's units.
  std::map<std::string, std::vector<std::string>> artifacts_of_kind;
  for (const auto& d : o.run_dirs)
    for (const auto& stem : unit_stems(d)) try {
        const auto unit = read_case_file(stem + ".json");
        if (!unit.empty() && recorded.count(unit.front().id))
          artifacts_of_kind[unit.front().kind].push_back(stem);
      } catch (const std::exception&) {
      }
  std::vector<const SuiteKind*> finished;
  bool plots = false;
  for (const SuitePart& part : suite.parts)
    if (rows_of_part.count(part.name) &&
        std::find(finished.begin(), finished.end(), part.kind) == finished.end()) {
      part.kind->finish_run(o.out_dir, artifacts_of_kind[part.kind->name()], o.progress);
      plots = plots || part.kind->plots();
      finished.push_back(part.kind);
    }
  if (plots) plot_run(o.out_dir, o.progress);

  std::vector<std::string> missing;
  for (const Case& c : cases)
    if (!recorded.count(c.id)) missing.push_back(c.id);
  fmt::print(stderr, "merged {} runs of {}: {} of {} cases, {} rows ({} duplicates) -> {}\n",
             o.run_dirs.size(), suite.path, cases.size() - missing.size(), cases.size(),
             order.size(), duplicates, o.out_dir);
  if (!missing.empty()) {
    std::string list;
    for (const auto& id : missing) list += "\n  " + id;
    fmt::print(stderr, "missing {} of {} cases (recorded in no directory):{}\n", missing.size(),
               cases.size(), list);
  }
  return missing.empty() && not_passed == 0 ? kExitOk : kExitNotPassed;
}

}  // namespace pebench
