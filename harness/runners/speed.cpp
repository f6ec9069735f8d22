#include "runners/speed.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <list>
#include <map>
#include <memory>

#include "attention/encoding_source.hpp"
#include "core/memory_usage.hpp"
#include "results/bench_rows.hpp"
#include "results/provenance.hpp"
#include "results/tables.hpp"
#include "runners/workload.hpp"

namespace pebench {
namespace {

struct Entry {
  const Case* c = nullptr;  // null: a nope baseline added for the ratio
  std::string name;         // the benchmark's name: the case's repro
  std::string group;        // mode/T/B/H/d: entries of one group share the nope baseline
  WorkloadShape shape;
  EncodingSource source;  // empty name: no encoding at all
  bool nope = false;      // the ratio's baseline
  Config params;
  std::uint64_t seed = 1;
  std::string status, error;  // set when it cannot run
  double median_ms = 0, p25_ms = 0, p75_ms = 0, mean_ms = 0, stddev_ms = 0;
  std::int64_t iterations = 0;
  bool measured = false;
};

// Workloads kept alive between repetitions, least recently used out first, within a heap
// budget. Building one again costs a warm-up step (with interleaved repetitions, seconds per
// repetition for a train step at T = 4096); keeping all of a group's may not fit (T = 8192:
// ~1 GB of saved probabilities each).
class LiveWorkloads {
 public:
  LiveWorkloads() {
    const std::int64_t ram = std::int64_t(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
    budget_ = std::min<std::int64_t>(std::int64_t(4) << 30, ram / 4);
  }
  // Builds and warms up (one untimed step) on a miss; throws what either throws.
  Workload& get(const Entry& e) {
    for (auto it = slots_.begin(); it != slots_.end(); ++it)
      if (it->entry == &e) {
        slots_.splice(slots_.begin(), slots_, it);
        return *slots_.front().workload;
      }
    const std::int64_t before = heap_bytes_in_use();
    auto w = std::make_unique<Workload>(e.shape, e.source.name.empty() ? nullptr : &e.source,
                                        e.params, e.seed);
    w->step();  // warm-up: JIT, primitive creation, bias caches, first-touch page faults
    const std::int64_t bytes = std::max<std::int64_t>(0, heap_bytes_in_use() - before);
    slots_.push_front(Slot{&e, std::move(w), bytes});
    used_ += bytes;
    while (used_ > budget_ && slots_.size() > 1) {
      used_ -= slots_.back().bytes;
      slots_.pop_back();
    }
    return *slots_.front().workload;
  }
  void drop(const Entry& e) {
    slots_.remove_if([&](const Slot& s) {
      if (s.entry == &e) used_ -= s.bytes;
      return s.entry == &e;
    });
  }
  void clear() { slots_.clear(), used_ = 0; }

 private:
  struct Slot {
    const Entry* entry;
    std::unique_ptr<Workload> workload;
    std::int64_t bytes;
  };
  std::list<Slot> slots_;  // most recently used first
  std::int64_t budget_ = 0, used_ = 0;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double at = p * double(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(at));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (at - double(lo)) * (v[hi] - v[lo]);
}

void run_entry(benchmark::State& state, Entry& e, LiveWorkloads& live) {
  if (!e.status.empty()) {
    state.SkipWithError(e.error.empty() ? e.status.c_str() : e.error.c_str());
    return;
  }
  Workload* w = nullptr;
  try {
    w = &live.get(e);
  } catch (const PositionsUnsupported& x) {
    e.status = "SKIPPED(" + std::string(x.what()) + ")";
  } catch (const std::exception& x) {
    e.status = "FAILED", e.error = x.what();
  }
  if (!w) {
    state.SkipWithError(e.error.empty() ? e.status.c_str() : e.error.c_str());
    return;
  }
  for (auto _ : state) {
    try {
      w->step();
    } catch (const std::exception& x) {
      e.status = "FAILED", e.error = x.what();
      state.SkipWithError(x.what());
      break;
    }
  }
  if (!e.status.empty()) return live.drop(e);
  state.counters["tokens/s"] =
      benchmark::Counter(double(w->tokens()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOPS"] = benchmark::Counter(workload_flops(e.shape) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

// Console output as usual, and the aggregates of every benchmark kept.
class Collector : public benchmark::ConsoleReporter {
 public:
  explicit Collector(std::map<std::string, Entry*> by_name) : by_name_(std::move(by_name)) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      const auto it = by_name_.find(r.run_name.function_name);
      if (it == by_name_.end() || r.error_occurred || r.run_type != Run::RT_Aggregate) continue;
      Entry& e = *it->second;
      const double ms = r.GetAdjustedRealTime();  // the benchmarks' unit: milliseconds
      if (r.aggregate_name == "median") e.median_ms = ms, e.measured = true;
      if (r.aggregate_name == "p25") e.p25_ms = ms;
      if (r.aggregate_name == "p75") e.p75_ms = ms;
      if (r.aggregate_name == "mean") e.mean_ms = ms;
      if (r.aggregate_name == "stddev") e.stddev_ms = ms;
      e.iterations = r.iterations;
    }
    ConsoleReporter::ReportRuns(runs);
  }

 private:
  std::map<std::string, Entry*> by_name_;
};

WorkloadShape shape_of(const Suite& suite, const Case& c) {
  WorkloadShape s;
  s.mode = c.mode, s.seq_len = c.seq_len, s.batch = c.batch, s.heads = c.heads;
  s.head_dim = c.head_dim, s.layers = suite.bench.layers;
  return s;
}

}  // namespace

void run_speed_cases(const Suite& suite, const std::vector<const Case*>& cases, Registry& registry,
                     const std::string& benchmark_json,
                     const std::function<void(const Row&)>& emit) {
  const Provenance prov = collect_provenance();
  std::vector<std::unique_ptr<Entry>> entries;
  for (const Case* c : cases) {
    auto e = std::make_unique<Entry>();
    e->c = c, e->name = c->repro, e->group = c->group, e->shape = shape_of(suite, *c);
    e->params = c->encoding.params, e->seed = c->seed;
    e->nope = c->encoding.name == "nope" && c->encoding.params_text.empty();
    try {
      e->source = resolve_encoding(registry, c->encoding.name);
    } catch (const std::exception& x) {
      e->status = "LOAD_ERROR", e->error = x.what();
    }
    if (prov.build_type != "Release")
      e->status = "FAILED",
      e->error = fmt::format("a {} build: speed numbers need a Release build", prov.build_type);
    entries.push_back(std::move(e));
  }
  // nope beside every group that lacks it: the ratio's baseline, measured in this run.
  for (const Case* c : cases) {
    const bool has_nope = std::any_of(entries.begin(), entries.end(), [&](const auto& e) {
      return e->group == c->group && e->nope && e->status.empty();
    });
    if (has_nope || prov.build_type != "Release") continue;
    auto e = std::make_unique<Entry>();
    e->name = "nope (baseline) " + c->group, e->group = c->group, e->shape = shape_of(suite, *c);
    e->seed = c->seed, e->nope = true;
    try {
      e->source = resolve_encoding(registry, "nope");
    } catch (const std::exception&) {  // no nope plugin: no encoding at all, the same work
    }
    entries.push_back(std::move(e));
  }

  LiveWorkloads live;
  std::map<std::string, Entry*> by_name;
  for (auto& owned : entries) {
    Entry* e = owned.get();
    by_name[e->name] = e;
    benchmark::RegisterBenchmark(e->name.c_str(),
                                 [e, &live](benchmark::State& s) { run_entry(s, *e, live); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->ComputeStatistics("p25", [](const std::vector<double>& v) { return percentile(v, 0.25); })
        ->ComputeStatistics("p75",
                            [](const std::vector<double>& v) { return percentile(v, 0.75); });
  }
  std::vector<std::string> flags = {
      "pebench",
      fmt::format("--benchmark_repetitions={}", suite.bench.repetitions),
      fmt::format("--benchmark_min_time={}", suite.bench.min_time_s),
      "--benchmark_enable_random_interleaving=true",
      "--benchmark_display_aggregates_only=true",
      "--benchmark_counters_tabular=true"};
  if (!benchmark_json.empty())
    flags.insert(flags.end(), {"--benchmark_out=" + benchmark_json, "--benchmark_out_format=json"});
  std::vector<char*> argv;
  for (auto& f : flags) argv.push_back(f.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
  benchmark::AddCustomContext("pebench_git_sha", prov.git_sha + (prov.git_dirty ? "-dirty" : ""));
  benchmark::AddCustomContext("onednn_version", prov.onednn_version);
  benchmark::AddCustomContext("isa", prov.isa);
  Collector collector(by_name);
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::ClearRegisteredBenchmarks();
  live.clear();

  for (const auto& owned : entries) {
    const Entry& e = *owned;
    if (!e.c) continue;
    Row row;
    row.set("kind", std::string("speed"));
    row.set("case", e.c->id);  // a group's rows come from one process: each names its case
    row.set("encoding", e.c->encoding.name);
    row.set("encoding_params", e.c->encoding.params_text);
    row.set("mode", e.shape.mode);
    row.set("seq_len", e.shape.seq_len).set("batch", e.shape.batch);
    row.set("heads", e.shape.heads).set("head_dim", e.shape.head_dim);
    if (e.shape.is_model()) row.set("layers", e.shape.layers);
    row.set("seed", static_cast<std::int64_t>(e.seed));
    std::string status = e.status;
    std::string error = e.error;
    if (status.empty()) status = e.measured ? "PASSED" : "FAILED";
    if (!e.measured && error.empty()) error = "no median reported by Google Benchmark";
    row.set("status", status);
    if (!error.empty()) row.set("error", error);
    if (status == "PASSED") {
      const double cv = e.mean_ms > 0 ? e.stddev_ms / e.mean_ms : 0.0;
      row.set("median_ms", e.median_ms).set("p25_ms", e.p25_ms).set("p75_ms", e.p75_ms);
      row.set("iqr_ms", e.p75_ms - e.p25_ms).set("cv", cv).set("unstable", cv > kUnstableCv);
      row.set("repetitions", std::int64_t{suite.bench.repetitions});
      row.set("iterations", e.iterations);
      row.set("tokens_per_s", double(e.shape.batch * e.shape.seq_len) / (e.median_ms * 1e-3));
      row.set("flops", workload_flops(e.shape));
      row.set("gflops", workload_flops(e.shape) * 1e-9 / (e.median_ms * 1e-3));
      for (const auto& other : entries)
        if (other->group == e.group && other->nope && other->measured && other->status.empty()) {
          row.set("nope_median_ms", other->median_ms);
          row.set("ratio_vs_nope", e.median_ms / other->median_ms);
          break;
        }
    }
    row.set("plugin_version", e.source.version).set("plugin_sha256", e.source.sha256);
    add_provenance(row, prov);
    emit(row);
  }
}

void write_speed_tables(const std::vector<Row>& rows, const std::string& dir) {
  const BenchIndex index = index_bench_rows(rows);
  std::string markdown =
      "Median time per step (attention modes) or tokens/s (model modes); × = time relative to "
      "nope in the same run (1.10× = 10% slower); † = unstable (cv > 10%); n/a = the encoding "
      "cannot run that length.\n\n";
  std::string latex;
  Table csv;
  csv.header = {"encoding",
                "mode",
                "T",
                "B",
                "H",
                "d",
                "status",
                "median_ms",
                "iqr_ms",
                "cv",
                "tokens_per_s",
                "gflops",
                "ratio_vs_nope",
                "unstable"};
  Table scaling;
  scaling.header = {"encoding", "mode (shape)", "exponent (all T)", "exponent (upper half of T)",
                    "points"};
  for (const auto& section : index.sections) {
    Table t;
    t.header = {"encoding"};
    for (std::int64_t T : index.lengths) t.header.push_back(fmt::format("T={}", T));
    for (const auto& enc : index.encodings) {
      std::vector<std::string> line = {enc};
      std::vector<std::pair<double, double>> points;  // (log T, log ms)
      bool any = false;
      for (std::int64_t T : index.lengths) {
        const Row* found = index.find(section, enc, T);
        if (!found) {
          line.push_back("");
          continue;
        }
        any = true;
        const Row& r = *found;
        const std::string status = r.get_string("status");
        csv.rows.push_back(
            {enc, r.get_string("mode"), r.get_string("seq_len"), r.get_string("batch"),
             r.get_string("heads"), r.get_string("head_dim"), status, r.get_string("median_ms"),
             r.get_string("iqr_ms"), r.get_string("cv"), r.get_string("tokens_per_s"),
             r.get_string("gflops"), r.get_string("ratio_vs_nope"), r.get_string("unstable")});
        if (status != "PASSED") {
          line.push_back(status_cell(status));
          continue;
        }
        const double ms = std::stod(r.get_string("median_ms"));
        points.push_back({std::log(double(T)), std::log(ms)});
        const bool model = !r.get_string("layers").empty();
        std::string text =
            model ? fmt::format("{:.1f}k tok/s", std::stod(r.get_string("tokens_per_s")) / 1e3)
                  : fmt::format("{:.3g} ms", ms);
        if (!r.get_string("ratio_vs_nope").empty())
          text += fmt::format(" {:.2f}×", std::stod(r.get_string("ratio_vs_nope")));
        if (r.get_string("unstable") == "true") text += " †";
        line.push_back(text);
      }
      if (!any) continue;
      t.rows.push_back(line);
      // Least-squares slope of log time on log T: ~2 where attention dominates, ~1 where
      // the per-token work (projections, MLP) does.
      auto slope = [](const std::vector<std::pair<double, double>>& p) {
        double mx = 0, my = 0;
        for (auto [x, y] : p) mx += x / double(p.size()), my += y / double(p.size());
        double sxy = 0, sxx = 0;
        for (auto [x, y] : p) sxy += (x - mx) * (y - my), sxx += (x - mx) * (x - mx);
        return sxx > 0 ? sxy / sxx : 0.0;
      };
      if (points.size() >= 2) {
        const std::vector<std::pair<double, double>> upper(points.begin() + points.size() / 2,
                                                           points.end());
        scaling.rows.push_back({enc, section, fmt::format("{:.2f}", slope(points)),
                                upper.size() >= 2 ? fmt::format("{:.2f}", slope(upper)) : "",
                                std::to_string(points.size())});
      }
    }
    markdown += "### " + section + "\n\n" + t.to_markdown() + "\n";
    latex += "% " + section + "\n" + t.to_latex() + "\n";
  }
  markdown += "### Scaling: fitted exponent of time vs T (time ~ T^k)\n\n" + scaling.to_markdown();
  write_file(dir + "/table.md", markdown);
  write_file(dir + "/table.tex", latex);
  write_file(dir + "/table.csv", csv.to_csv());
  write_file(dir + "/scaling.csv", scaling.to_csv());
}

}  // namespace pebench
