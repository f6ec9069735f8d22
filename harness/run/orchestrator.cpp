#include "run/orchestrator.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "attention/encoding_source.hpp"
#include "bench/plots.hpp"
#include "core/sha256.hpp"
#include "kinds/kinds.hpp"
#include "results/row_file.hpp"
#include "results/tables.hpp"
#include "run/child_fate.hpp"
#include "run/child_process.hpp"
#include "run/exit_codes.hpp"
#include "run/plugin_child.hpp"
#include "run/run_dir.hpp"
#include "run/run_tables.hpp"

namespace pebench {
namespace {

namespace fs = std::filesystem;

// UTC time, git sha and process id: two runs started in the same second differ.
std::string new_run_id() {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", std::gmtime(&now));
  return fmt::format("{}-{}-{}", stamp, collect_provenance().git_sha, getpid());
}

// The suite's bytes, where its cases' repro lines point. The file keeps its name, so the
// suite's default name (the file's stem) stays the same.
std::string snapshot(const Suite& suite, const std::string& dir) {
  const std::string folder = fmt::format("{}/suite/{}", dir, suite.sha256.substr(0, 12));
  fs::create_directories(folder);
  const std::string path = folder + "/" + fs::path(suite.path).filename().string();
  write_file(path, suite.text);
  return path;
}

// Plugin sha256 by encoding name and by file path, from a catalog.
std::map<std::string, std::string> plugin_sha256s(const nlohmann::json& catalog) {
  std::map<std::string, std::string> sha;
  if (!catalog.is_object() || !catalog.contains("plugins")) return sha;
  for (const auto& p : catalog["plugins"]) {
    sha[p.value("path", "")] = p.value("sha256", "");
    if (p.contains("info")) sha[p["info"].value("name", "")] = p.value("sha256", "");
  }
  return sha;
}

// The rows a resumed run keeps: every planned row of a case, with its version (the latest
// where a row is there twice). The file is rewritten with those alone (a torn last line and
// a half-recorded case's rows go), atomically.
std::map<std::string, std::vector<Row>> keep_recorded(const std::string& rows_path,
                                                      const std::vector<Case>& cases,
                                                      const std::vector<std::string>& versions,
                                                      bool progress) {
  std::map<std::string, std::vector<Row>> kept;
  if (!fs::exists(rows_path)) return kept;
  std::vector<std::string> errors;
  const std::vector<Row> rows = read_good_rows(rows_path, errors);
  for (const auto& e : errors)
    if (progress) fmt::print(stderr, "resume: dropping {}\n", e);
  std::map<std::string, std::map<std::string, const Row*>> latest;  // case id -> row id -> row
  for (const Row& r : rows) latest[r.head.case_id][r.head.row_id] = &r;
  std::vector<Row> keep;
  for (std::size_t n = 0; n < cases.size(); ++n) {
    const Case& c = cases[n];
    const auto found = latest.find(c.id);
    if (found == latest.end()) continue;
    std::vector<Row> mine;
    const std::vector<Row> planned = expected_rows(kind_of(c.kind), c);
    for (const Row& p : planned) {
      const auto r = found->second.find(p.head.row_id);
      if (r == found->second.end() || r->second->head.case_version != versions[n]) break;
      mine.push_back(*r->second);
    }
    if (mine.size() != planned.size()) continue;
    keep.insert(keep.end(), mine.begin(), mine.end());
    kept[c.id] = std::move(mine);
  }
  const std::string tmp = rows_path + ".resume";
  fs::remove(tmp);
  {
    RowWriter writer(tmp);
    for (const Row& r : keep) writer.write(r);
  }
  fs::rename(tmp, rows_path);
  return kept;
}

// The cases of one shard: units (a group, or a case alone) in order of first appearance,
// round-robin over the shards.
std::vector<Case> shard_of(std::vector<Case> cases, int shard, int shards) {
  if (shards <= 1) return cases;
  std::map<std::string, int> unit_of;
  std::vector<Case> mine;
  for (Case& c : cases) {
    const std::string key = c.group.empty() ? "case " + c.id : "group " + c.group;
    const auto [it, added] = unit_of.emplace(key, static_cast<int>(unit_of.size()));
    if (it->second % shards == shard) mine.push_back(std::move(c));
  }
  return mine;
}

// What the case computes, whatever code computes it (RowHeader::spec_sha256).
std::string spec_sha256(const Case& c) {
  const nlohmann::json what = {
      {"kind", c.kind}, {"id", c.id}, {"encoding", c.encoding}, {"seed", c.seed}, {"spec", c.spec}};
  return sha256_hex(what.dump());
}

// The case's version (RowHeader::case_version), with the plugins' sha256 by name and path.
std::string case_version(const Case& c, const std::map<std::string, std::string>& sha) {
  std::string plugins;
  for (const std::string& part : stack_parts(c.encoding.name)) {
    std::string key = part;
    if (part.find('/') != std::string::npos) {
      std::error_code ec;
      key = fs::weakly_canonical(fs::absolute(part), ec).string();
    }
    const auto it = sha.find(key);
    plugins += (plugins.empty() ? "" : "+") + (it == sha.end() ? "?" : it->second);
  }
  const nlohmann::json what = {{"kind", c.kind},    {"id", c.id},     {"encoding", c.encoding},
                               {"seed", c.seed},    {"spec", c.spec}, {"plugins", plugins},
                               {"abi", kAbiVersion}};
  return sha256_hex(what.dump());
}

}  // namespace

int run_suite(const Suite& suite, const ExpandOptions& expand, const RunOptions& options) {
  const std::string run_id = new_run_id();
  const std::string shard_suffix =
      options.shards > 1 ? fmt::format("-shard{}of{}", options.shard + 1, options.shards) : "";
  const std::string dir = options.out_dir.empty()
                              ? fmt::format("results/{}/{}{}", suite.name, run_id, shard_suffix)
                              : options.out_dir;
  fs::create_directories(dir + "/logs");
  fs::create_directories(dir + "/checkpoints");
  ExpandOptions with_snapshot = expand;
  with_snapshot.repro_path = snapshot(suite, dir);
  const std::vector<Case> cases = shard_of(
      select_cases(expand_cases(suite, with_snapshot), options.only, options.filter, suite.path),
      options.shard, options.shards);
  const std::string catalog = dir + "/logs/plugins.json";
  write_catalog(catalog, options.plugin_catalog);
  std::vector<std::string> versions;
  const auto plugin_sha = plugin_sha256s(options.plugin_catalog);
  for (const Case& c : cases) versions.push_back(case_version(c, plugin_sha));
  const std::map<std::string, std::vector<Row>> recorded =
      options.resume ? keep_recorded(dir + "/rows.jsonl", cases, versions, options.progress)
                     : std::map<std::string, std::vector<Row>>{};
  RowWriter writer(dir + "/rows.jsonl");
  if (options.progress)
    fmt::print(stderr, "pebench run {}: {} cases -> {}{}\n", suite.path, cases.size(), dir,
               options.resume ? fmt::format(" (resumed: {} recorded, {} to run)", recorded.size(),
                                            cases.size() - recorded.size())
                              : "");
  stop_on_signals();  // SIGINT/SIGTERM/SIGHUP: the running child is stopped, the run ends

  const bool live = options.progress && isatty(STDERR_FILENO);
  if (live) setenv("PEBENCH_PROGRESS_EVERY_S", "5", 1);  // children's progress, shown in place
  // Units of work, one child process each: a case alone, or every case of one group, in
  // order of first appearance.
  std::vector<std::vector<std::size_t>> units;
  std::map<std::string, std::size_t> unit_of_group;
  std::map<std::string, std::vector<Row>> rows_of_part;  // this run's rows, for its tables
  std::size_t done = 0, not_passed = 0;
  for (std::size_t n = 0; n < cases.size(); ++n) {
    if (const auto r = recorded.find(cases[n].id); r != recorded.end()) {  // resumed
      bool passed = true;
      for (const Row& row : r->second) {
        rows_of_part[cases[n].part].push_back(row);
        passed = passed && is_ok(row.head.status);
      }
      ++done;
      not_passed += passed ? 0 : 1;
      continue;
    }
    const std::string& group = cases[n].group;
    if (!group.empty() && unit_of_group.count(group)) {
      units[unit_of_group[group]].push_back(n);
      continue;
    }
    if (!group.empty()) unit_of_group[group] = units.size();
    units.push_back({n});
  }
  std::map<std::string, std::vector<std::string>> artifacts_of_kind;
  // A resumed run numbers its units after the ones already there (their logs stay).
  const std::vector<std::string> earlier =
      options.resume ? unit_stems(dir) : std::vector<std::string>{};
  const int first_unit = static_cast<int>(earlier.size());
  for (const std::string& stem : earlier) {
    try {
      const auto unit_cases = read_case_file(stem + ".json");
      if (!unit_cases.empty() && recorded.count(unit_cases.front().id))
        artifacts_of_kind[unit_cases.front().kind].push_back(stem);
    } catch (const std::exception&) {
    }
  }
  int interrupted = 0;
  std::mutex mutex;  // guards everything below that workers record into
  // One unit in a child process, then its rows recorded. `threads` > 0: the cases' threads
  // (--jobs splits them).
  auto run_unit = [&](const std::vector<std::size_t>& unit, int number, int threads, bool show_live,
                      std::vector<std::vector<std::size_t>>& queue) {
    const Case& first = cases[unit.front()];
    const SuiteKind& kind = kind_of(first.kind);
    const std::string stem = fmt::format("{}/logs/unit-{}", dir, number);
    const std::string case_file = stem + ".json", row_file = stem + ".rows.jsonl";
    const std::string log = stem + ".log";
    std::vector<Case> unit_cases;
    for (std::size_t n : unit) {
      unit_cases.push_back(cases[n]);
      Case& uc = unit_cases.back();
      uc.version = versions[n];
      uc.checkpoint_every = options.checkpoint_every;
      uc.checkpoint = fmt::format("{}/checkpoints/{}.ckpt", dir, sha256_hex(uc.id).substr(0, 16));
      int& t = uc.threads;
      if (threads > 0) t = t > 0 ? std::min(t, threads) : threads;
    }
    write_case_file(case_file, unit_cases);
    for (const char* stale : {".rows.jsonl", ".benchmark.json"}) {  // a reused --out
      std::error_code ec;
      fs::remove(stem + stale, ec);
    }
    // timeout_s is per case: a group of N cases gets N times it.
    const double timeout_s = first.timeout_s * double(unit.size());
    const ChildResult res = run_child({"pebench", "--plugin-catalog", catalog, "run-case",
                                       case_file, "--row-out", row_file, "--artifacts", stem},
                                      log, timeout_s, show_live, first.log_limit_mb * 1e6);
    std::lock_guard<std::mutex> lock(mutex);
    if (show_live) fmt::print(stderr, "\r\033[K");
    if (res.kind == ChildResult::kInterrupted) {  // nothing recorded: a resume runs it again
      interrupted = res.code;
      return;
    }
    if (res.kind == ChildResult::kExited) artifacts_of_kind[first.kind].push_back(stem);

    // Rows written before a crash or timeout stand; a bad line (one torn by the crash) is
    // left out, and the rows it would have been get the child's fate with its reason.
    std::vector<Row> written;
    std::vector<std::string> errors;
    if (fs::exists(row_file)) written = read_good_rows(row_file, errors);
    const std::string bad_rows = errors.empty() ? "" : errors.front();
    const ChildFate fate = child_fate(res, timeout_s, first.log_limit_mb, bad_rows);
    for (std::size_t n : unit) {
      const Case& c = cases[n];
      std::vector<Row> rows;
      for (const Row& r : written)
        if (r.head.case_id == c.id) rows.push_back(r);
      // A group whose process died: its cases without rows run again, each alone, so that
      // only the one that crashes (or hangs) is marked.
      if (unit.size() > 1 && res.kind != ChildResult::kExited && rows.empty()) {
        queue.push_back({n});
        continue;
      }
      for (Row& planned : expected_rows(kind, c)) {
        const bool have = std::any_of(rows.begin(), rows.end(), [&](const Row& r) {
          return r.head.row_id == planned.head.row_id;
        });
        if (have) continue;
        planned.head.status = fate.status;
        planned.head.status_detail = fate.detail;
        planned.head.error = fate.error;
        rows.push_back(std::move(planned));
      }
      Status case_status = Status::kPassed;
      for (Row& row : rows) {
        row.head.run_id = run_id;
        row.head.case_version = versions[n];
        row.head.spec_sha256 = spec_sha256(c);
        row.head.seconds = res.seconds;
        row.head.log = log;
        writer.write(row);
        rows_of_part[c.part].push_back(row);
        if (!is_ok(row.head.status) && case_status == Status::kPassed)
          case_status = row.head.status;
      }
      not_passed += !is_ok(case_status);
      ++done;
      if (options.progress)
        fmt::print(stderr, "[{}/{}] {} {} ({:.1f} s){}\n", done, cases.size(),
                   to_string(case_status), c.id, res.seconds,
                   is_ok(case_status) ? "" : "\n    __REPRO: " + c.repro + "\n    log: " + log);
    }
  };
  // --jobs N: N workers (threads, each waiting on one child at a time) take units from a
  // queue. Units of a kind that times itself (speed) run afterwards, one at a time: another
  // case computing beside them would be in their figures.
  const int jobs = std::max(1, options.jobs);
  std::vector<std::vector<std::size_t>> shared_units, alone_units;
  for (auto& unit : units)
    (jobs > 1 && kind_of(cases[unit.front()].kind).timing() ? alone_units : shared_units)
        .push_back(std::move(unit));
  int next_number = first_unit;
  auto run_queue = [&](std::vector<std::vector<std::size_t>>& queue, int workers) {
    const int threads = workers > 1 ? std::max(1, omp_get_max_threads() / workers) : 0;
    std::size_t next = 0;
    auto work = [&] {
      while (true) {
        std::vector<std::size_t> unit;
        int number = 0;
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (interrupted || (interrupted = stop_requested()) || next >= queue.size()) return;
          unit = queue[next++];
          number = next_number++;
        }
        run_unit(unit, number, threads, live && workers == 1, queue);
      }
    };
    if (workers == 1) return work();
    std::vector<std::thread> pool;
    for (int w = 0; w < workers; ++w) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  };
  if (jobs > 1) setenv("OMP_WAIT_POLICY", "PASSIVE", 0);  // busy-waiting jobs slow each other
  run_queue(shared_units, jobs);
  run_queue(alone_units, 1);
  // Tables per part (in the suite's order), then what each kind makes of the whole run. Rows
  // in case order (--jobs and resumed runs record them in another order).
  std::map<std::string, std::size_t> case_index;
  for (std::size_t n = 0; n < cases.size(); ++n) case_index[cases[n].id] = n;
  for (auto& [part, rows] : rows_of_part)
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      return case_index[a.head.case_id] < case_index[b.head.case_id];
    });
  std::vector<RowGroup> groups;
  for (const SuitePart& part : suite.parts)
    if (rows_of_part.count(part.name))
      groups.push_back({part.name, part.kind->name(), rows_of_part[part.name]});
  if (!groups.empty()) write_grouped_tables(groups, dir, suite.has_parts());
  std::vector<const SuiteKind*> finished;
  bool plots = false;
  for (const SuitePart& part : suite.parts)
    if (rows_of_part.count(part.name) &&
        std::find(finished.begin(), finished.end(), part.kind) == finished.end()) {
      part.kind->finish_run(dir, artifacts_of_kind[part.kind->name()], options.progress);
      plots = plots || part.kind->plots();
      finished.push_back(part.kind);
    }
  if (plots) plot_run(dir, options.progress);
  if (interrupted) {
    fmt::print(stderr,
               "interrupted ({}): {} of {} cases recorded in {}/rows.jsonl; go on with: pebench "
               "run --resume {}\n",
               strsignal(interrupted), done, cases.size(), dir, dir);
    return 128 + interrupted;
  }
  if (options.progress)
    fmt::print(stderr, "{} of {} cases passed; rows: {}/rows.jsonl, tables: {}/table.md\n",
               done - not_passed, cases.size(), dir, dir);
  if (cases.empty()) return kExitNothingRan;
  return not_passed == 0 ? kExitOk : kExitNotPassed;
}

}  // namespace pebench
