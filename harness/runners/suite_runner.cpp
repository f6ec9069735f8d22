#include "runners/suite_runner.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "results/tables.hpp"
#include "runners/memory.hpp"
#include "runners/speed.hpp"
#include "runners/synthetic.hpp"

extern char** environ;

namespace pebench {
namespace {

namespace fs = std::filesystem;

std::string default_run_id(const Provenance& p) {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", std::gmtime(&now));
  return fmt::format("{}-{}", stamp, p.git_sha);
}

struct ChildResult {
  enum Kind { kExited, kSignaled, kTimedOut, kSpawnFailed } kind;
  int code = 0;
  double seconds = 0;
};

// On a terminal: the child's latest progress line (the last line of its log, which a
// training child updates with carriage returns), shown in place.
void show_last_line(const std::string& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - 400);
  std::string tail(static_cast<std::size_t>(size - start), '\0');
  in.seekg(start);
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  const auto cut = tail.find_last_of("\r\n");
  std::string line = cut == std::string::npos ? tail : tail.substr(cut + 1);
  if (line.rfind("\033[K", 0) == 0) line = line.substr(3);
  if (line.size() > 110) line = line.substr(0, 110);
  fmt::print(stderr, "\r\033[K  {}", line);
  std::fflush(stderr);
}

// live: show the child's progress on the terminal while it runs.
ChildResult run_child(const std::vector<std::string>& args, const std::string& log,
                      double timeout_s, bool live) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return {ChildResult::kSpawnFailed, rc, 0};
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int status = 0;
  auto last_shown = std::chrono::steady_clock::now();
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (live && std::chrono::steady_clock::now() - last_shown > std::chrono::milliseconds(500)) {
      last_shown = std::chrono::steady_clock::now();
      show_last_line(log);
    }
    if (elapsed() > timeout_s) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return {ChildResult::kTimedOut, 0, elapsed()};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFSIGNALED(status)) return {ChildResult::kSignaled, WTERMSIG(status), elapsed()};
  return {ChildResult::kExited, WEXITSTATUS(status), elapsed()};
}

// Google Benchmark's JSON of every speed group as one file (the first file's context,
// all groups' benchmarks), so that tools/compare.py compares whole runs. The files are
// Google Benchmark's own output: {"context": {...}, "benchmarks": [...]}.
void merge_benchmark_json(const std::vector<std::string>& files, const std::string& out_path) {
  std::string head, body;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    const std::string key = "\"benchmarks\": [";
    const auto open = text.find(key);
    const auto close = text.rfind(']');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    if (head.empty()) head = text.substr(0, open + key.size());
    std::string inner = text.substr(open + key.size(), close - open - key.size());
    while (!inner.empty() && std::isspace(static_cast<unsigned char>(inner.back())))
      inner.pop_back();
    if (inner.find_first_not_of(" \n\r\t") == std::string::npos) continue;
    body += (body.empty() ? "" : ",") + inner;
  }
  if (!head.empty()) write_file(out_path, head + body + "\n  ]\n}\n");
}

// Speed and memory runs get plots (scripts/plot.py: time or memory vs T, log-log). A missing
// python3 or matplotlib costs the plots only, never the run.
void plot_if_possible(const Suite& suite, const std::string& dir, bool progress) {
  bool wanted = suite.kind == "speed" || suite.kind == "memory";
  for (const auto& part : suite.parts)
    wanted = wanted || part.kind == "speed" || part.kind == "memory";
  if (!wanted) return;
  const std::string script = std::string(PEBENCH_SCRIPTS_DIR) + "/plot.py";
  if (!fs::exists(script)) {
    if (progress) fmt::print(stderr, "plots: {} not found; no plots\n", script);
    return;
  }
  // Debian's python3 (where python3-matplotlib is), not another one first in PATH.
  const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const std::string command = fmt::format("{} {} {} > {} 2>&1", python, shell_quote(script),
                                          shell_quote(dir), shell_quote(dir + "/logs/plot.log"));
  const int rc = std::system(command.c_str());
  if (progress)
    fmt::print(stderr, "{}\n",
               rc == 0
                   ? fmt::format("plots: {}/plots/", dir)
                   : fmt::format("plots: none (scripts/plot.py failed; needs python3-matplotlib; "
                                 "see {}/logs/plot.log)",
                                 dir));
}

}  // namespace

Row conformance_row(const ConformanceReport& report, std::uint64_t seed) {
  Row row;
  row.set("kind", std::string("conformance"));
  row.set("encoding", report.encoding);
  row.set("plugin_version", report.version);
  row.set("plugin_sha256", report.sha256);
  row.set("plugin_path", report.path);
  row.set("seed", static_cast<std::int64_t>(seed));
  row.set("status", std::string(report.passed() ? "PASSED" : "FAILED"));
  std::int64_t passed = 0, failed = 0, skipped = 0;
  std::string failed_names;
  for (const auto& c : report.checks) {
    passed += c.status == CheckStatus::kPassed;
    skipped += c.status == CheckStatus::kSkipped;
    if (c.status == CheckStatus::kFailed) {
      ++failed;
      failed_names += (failed_names.empty() ? "" : "; ") + c.name;
    }
  }
  row.set("checks_passed", passed);
  row.set("checks_failed", failed);
  row.set("checks_skipped", skipped);
  row.set("checks_total", static_cast<std::int64_t>(report.checks.size()));
  row.set("failed_checks", failed_names);
  for (const auto& c : report.checks) {
    row.set("check." + c.name, std::string(to_string(c.status)));
    row.set("figure." + c.name, c.figure);
  }
  add_provenance(row, collect_provenance());
  return row;
}

void write_conformance_tables(const std::vector<Row>& rows, const std::string& dir) {
  Table t;
  t.header = {"encoding", "seed", "status", "checks passed", "failed checks", "plugin version"};
  for (const auto& r : rows) {
    const std::string total = r.get_string("checks_total");
    t.rows.push_back(
        {r.get_string("encoding"), r.get_string("seed"), r.get_string("status"),
         total.empty()
             ? "n/a"
             : r.get_string("checks_passed") + "/" + total +
                   (r.get_string("checks_skipped") == "0" || r.get_string("checks_skipped").empty()
                        ? ""
                        : " (" + r.get_string("checks_skipped") + " skipped)"),
         r.get_string("failed_checks"), r.get_string("plugin_version")});
  }
  write_file(dir + "/table.md", t.to_markdown());
  write_file(dir + "/table.csv", t.to_csv());
  write_file(dir + "/table.tex", t.to_latex());
}

void write_kind_tables(const std::string& kind, const std::vector<Row>& rows,
                       const std::string& dir) {
  if (kind == "synthetic")
    write_synthetic_tables(rows, dir);
  else if (kind == "speed")
    write_speed_tables(rows, dir);
  else if (kind == "memory")
    write_memory_tables(rows, dir);
  else
    write_conformance_tables(rows, dir);
}

std::size_t write_tables_from_files(const std::vector<std::string>& rows_files,
                                    const std::string& dir) {
  std::vector<std::string> kinds;
  std::map<std::string, std::vector<Row>> by_kind;
  std::size_t n = 0;
  for (const auto& f : rows_files)
    for (Row& row : read_rows(f)) {
      const std::string kind = row.get_string("kind");
      if (!by_kind.count(kind)) kinds.push_back(kind);
      by_kind[kind].push_back(std::move(row));
      ++n;
    }
  fs::create_directories(dir);
  if (kinds.size() == 1) {
    write_kind_tables(kinds[0], by_kind[kinds[0]], dir);
    return n;
  }
  std::string markdown;
  for (const auto& kind : kinds) {
    fs::create_directories(dir + "/" + kind);
    write_kind_tables(kind, by_kind[kind], dir + "/" + kind);
    std::ifstream in(dir + "/" + kind + "/table.md");
    std::stringstream text;
    text << in.rdbuf();
    markdown += fmt::format("## {}\n\n{}\n", kind, text.str());
  }
  write_file(dir + "/table.md", markdown);
  return n;
}

void write_tables(const Suite& suite, const std::vector<std::vector<Row>>& rows_per_part,
                  const std::string& dir) {
  auto write_one = [](const Suite& s, const std::vector<Row>& rows, const std::string& d) {
    write_kind_tables(s.kind, rows, d);
  };
  if (suite.parts.empty()) return write_one(suite, rows_per_part.at(0), dir);
  // One folder of tables per part, and table.md with every part's table as a section.
  std::string markdown;
  for (std::size_t p = 0; p < suite.parts.size(); ++p) {
    const std::string part_dir = dir + "/" + suite.parts[p].name;
    fs::create_directories(part_dir);
    write_one(suite.parts[p], rows_per_part.at(p), part_dir);
    std::ifstream in(part_dir + "/table.md");
    std::stringstream text;
    text << in.rdbuf();
    markdown +=
        fmt::format("## {} ({})\n\n{}\n", suite.parts[p].name, suite.parts[p].kind, text.str());
  }
  write_file(dir + "/table.md", markdown);
}

int run_suite(const Suite& suite, const std::vector<Case>& cases, const RunOptions& options) {
  const Provenance prov = collect_provenance();
  // Every row names its run: rows.jsonl appends, so a reused --out holds several runs.
  const std::string run_id = default_run_id(prov);
  const std::string dir =
      options.out_dir.empty() ? fmt::format("results/{}/{}", suite.name, run_id) : options.out_dir;
  fs::create_directories(dir + "/logs");
  RowWriter writer(dir + "/rows.jsonl");
  if (options.progress)
    fmt::print(stderr, "pebench run {}: {} cases -> {}\n", suite.path, cases.size(), dir);

  const bool live = options.progress && isatty(STDERR_FILENO);
  if (live) setenv("PEBENCH_PROGRESS_EVERY_S", "5", 1);  // children's progress, shown in place
  int not_passed = 0;
  // This run's rows per part (rows.jsonl may hold earlier runs' too).
  std::vector<std::vector<Row>> run_rows(std::max<std::size_t>(1, suite.parts.size()));
  // Units of work, one child process each: a case alone, or every case of one group (speed:
  // one mode and shape, all encodings, timed side by side), in order of first appearance.
  std::vector<std::vector<std::size_t>> units;
  std::map<std::string, std::size_t> unit_of_group;
  for (std::size_t n = 0; n < cases.size(); ++n) {
    const std::string& group = cases[n].group;
    if (!group.empty() && unit_of_group.count(group)) {
      units[unit_of_group[group]].push_back(n);
      continue;
    }
    if (!group.empty()) unit_of_group[group] = units.size();
    units.push_back({n});
  }
  std::vector<std::string> benchmark_jsons;
  std::size_t done = 0;
  for (std::size_t u = 0; u < units.size(); ++u) {  // units may grow: see below
    const std::vector<std::size_t> unit = units[u];
    const Case& first = cases[unit.front()];
    const Suite& part = suite_of(suite, first);
    const std::string stem = unit.size() == 1 ? fmt::format("{}/logs/case-{}", dir, unit.front())
                                              : fmt::format("{}/logs/group-{}", dir, u);
    const std::string row_file = stem + ".row.json", log = stem + ".log";
    std::vector<std::string> args = {"pebench"};
    args.insert(args.end(), first.args.begin(), first.args.end());
    for (std::size_t i = 1; i < unit.size(); ++i)
      args.insert(args.end(), {"--case", cases[unit[i]].id});
    args.insert(args.end(), {"--row-out", row_file});
    std::error_code ec;
    fs::remove(row_file, ec);
    fs::remove(row_file + ".benchmark.json", ec);
    // timeout_s is per case: a group of N cases gets N times it.
    const ChildResult res = run_child(args, log, part.timeout_s * double(unit.size()), live);
    if (live) fmt::print(stderr, "\r\033[K");
    // Google Benchmark closes its JSON only at the end: a crashed group's file is cut short
    // (and its cases are measured again, one by one).
    if (res.kind == ChildResult::kExited && fs::exists(row_file + ".benchmark.json"))
      benchmark_jsons.push_back(row_file + ".benchmark.json");

    // The child writes one row per line (a synthetic case: one per split; a speed group:
    // one per case, each naming its case).
    std::vector<Row> unit_rows;
    std::ifstream in(row_file);
    std::string line, bad_row;
    if (in) {  // also after a crash or timeout: rows written before it stand
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        try {
          unit_rows.push_back(Row::from_json(line));
        } catch (const std::exception& e) {
          bad_row = e.what();
        }
      }
    }
    // What happened to the rows the child did not write (all of them, or the splits of a
    // synthetic case after a crash or timeout): one row each, with the child's fate.
    std::string fate;
    switch (res.kind) {
      case ChildResult::kSignaled:
        fate = fmt::format("CRASHED({})", strsignal(res.code));
        break;
      case ChildResult::kTimedOut:
        fate = fmt::format("TIMEOUT({:.0f}s)", part.timeout_s);
        break;
      case ChildResult::kSpawnFailed:
        fate = fmt::format("CRASHED(spawn failed: {})", strerror(res.code));
        break;
      case ChildResult::kExited:  // exited without a (readable) row
        fate = bad_row.empty() ? "LOAD_ERROR" : "CRASHED(unreadable row)";
        break;
    }
    for (std::size_t n : unit) {
      const Case& c = cases[n];
      std::vector<Row> rows;
      for (const Row& r : unit_rows)
        if (unit.size() == 1 || r.get_string("case") == c.id) rows.push_back(r);
      // A group whose process died: its cases without rows run again, each alone, so
      // that only the one that crashes (or hangs) is marked.
      if (unit.size() > 1 && res.kind != ChildResult::kExited && rows.empty()) {
        units.push_back({n});
        continue;
      }
      auto missing_row = [&](const std::string& split) {
        Row row;
        row.set("kind", part.kind);
        row.set("encoding", c.encoding.name);
        row.set("encoding_params", c.encoding.params_text);
        if (c.task >= 0) row.set("task", part.tasks[static_cast<std::size_t>(c.task)].label);
        if (!split.empty()) row.set("split", split);
        if (!c.mode.empty()) {
          row.set("mode", c.mode).set("seq_len", c.seq_len).set("batch", c.batch);
          row.set("heads", c.heads).set("head_dim", c.head_dim);
          if (c.mode == "train_step" || c.mode == "inference") row.set("layers", part.bench.layers);
        }
        row.set("seed", static_cast<std::int64_t>(c.seed));
        row.set("status", fate);
        if (!bad_row.empty()) row.set("error", bad_row);
        add_provenance(row, prov);
        rows.push_back(row);
      };
      if (c.task >= 0) {
        for (const auto& split : part.tasks[static_cast<std::size_t>(c.task)].splits) {
          const bool have = std::any_of(rows.begin(), rows.end(), [&](const Row& r) {
            return r.get_string("split") == split.name;
          });
          if (!have) missing_row(split.name);
        }
      } else if (rows.empty() || !bad_row.empty()) {
        missing_row("");
      }
      std::string case_status = "PASSED";
      for (Row& row : rows) {
        row.set("suite", suite.name);
        row.set("run_id", run_id);
        if (c.part >= 0) row.set("part", part.name);
        row.set("suite_sha256", suite.sha256);
        row.set("case", c.id);
        row.set("repro", c.repro);
        row.set("seconds", res.seconds);
        row.set("log", log);
        writer.write(row);
        run_rows[static_cast<std::size_t>(std::max<std::int64_t>(0, c.part))].push_back(row);
        const std::string status = row.get_string("status");
        // A split the encoding cannot run (n/a) does not fail the case.
        if (status != "PASSED" && status.rfind("SKIPPED", 0) != 0 && case_status == "PASSED")
          case_status = status;
      }
      if (case_status != "PASSED") ++not_passed;
      ++done;
      if (options.progress)
        fmt::print(
            stderr, "[{}/{}] {} {} ({:.1f} s){}\n", done, cases.size(), case_status, c.id,
            res.seconds,
            case_status == "PASSED" ? "" : "\n    __REPRO: " + c.repro + "\n    log: " + log);
    }
  }
  if (!benchmark_jsons.empty()) merge_benchmark_json(benchmark_jsons, dir + "/benchmark.json");
  write_tables(suite, run_rows, dir);
  plot_if_possible(suite, dir, options.progress);
  if (options.progress)
    fmt::print(stderr, "{} of {} cases passed; rows: {}/rows.jsonl, tables: {}/table.md\n",
               cases.size() - not_passed, cases.size(), dir, dir);
  return not_passed;
}

}  // namespace pebench
