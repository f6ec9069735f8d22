// kind: speed. Keys: the grid (bench/bench_grid.hpp) and
//   repetitions: 9        # timed repetitions (medians, IQR, cv); >= 2
//   min_time_s: 0.2       # minimum time of one repetition
//   gemm_baseline: false  # also time a GEMM of the same FLOP count beside each attention shape
//
// The cases of one mode and shape form a group, run in one process together with nope at
// the same shape (added when the group lacks it) and the same-FLOP GEMM, on one timing
// machinery (bench/timing.hpp) with randomly interleaved repetitions, so drift hits all
// alike. Per case: median, p25/p75 (IQR), cv (unstable when > 10%), tokens/s, GFLOPS (the
// one FLOP count, bench/workload.hpp: causal attention counts the visible pairs), and the
// ratios to nope and to the GEMM measured in the same process. Google Benchmark's JSON of
// every repetition goes to <artifacts>.benchmark.json; the run merges them. Non-Release
// builds refuse (FAILED rows): no Debug numbers in tables.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <set>

#include "bench/bench_grid.hpp"
#include "bench/bench_table.hpp"
#include "bench/timing.hpp"
#include "bench/workload.hpp"
#include "core/memory_usage.hpp"
#include "kinds/common/case_estimate.hpp"
#include "kinds/kind.hpp"
#include "kinds/speed/speed_row.hpp"
#include "results/stat_table.hpp"
#include "results/tables.hpp"

namespace pebench {
namespace {

inline constexpr double kUnstableCv = 0.10;

struct SpeedCaseSpec {
  WorkloadShape shape;
  int repetitions = 9;
  double min_time_s = 0.2;
  bool gemm_baseline = false;
};
PEBENCH_JSON_FIELDS(SpeedCaseSpec, shape, repetitions, min_time_s, gemm_baseline)

struct SpeedSettings : KindSettings {
  BenchGrid grid;
  SpeedCaseSpec common;  // shape unset
};

// One timed benchmark: a case, or a baseline added for the ratios.
struct Entry {
  const Case* c = nullptr;  // null: a baseline
  std::string name;         // the benchmark's name: the case id, or "<baseline> <group>"
  std::string group;        // entries of one group share the baselines
  WorkloadShape shape;
  enum class Role { kCase, kNope, kGemm } role = Role::kCase;
  EncodingSource source;  // empty name: no encoding at all
  Config params;
  std::uint64_t seed = 1;
  Status status = Status::kPassed;  // kLoadError / kFailed / kSkipped when it cannot run
  std::string error;
  TimingStats stats;
  bool nope() const {
    return role == Role::kNope ||
           (c && c->encoding.name == "nope" && c->encoding.params_text.empty());
  }
};

std::unique_ptr<Stepper> make_stepper(const Entry& e) {
  if (e.role == Entry::Role::kGemm) return std::make_unique<SameFlopGemm>(e.shape);
  return std::make_unique<Workload>(e.shape, e.source.name.empty() ? nullptr : &e.source, e.params,
                                    e.seed);
}

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
  Stepper& get(const Entry& e) {
    for (auto it = slots_.begin(); it != slots_.end(); ++it)
      if (it->entry == &e) {
        slots_.splice(slots_.begin(), slots_, it);
        return *slots_.front().stepper;
      }
    const std::int64_t before = heap_bytes_in_use();
    auto w = make_stepper(e);
    w->step();  // warm-up: JIT, primitive creation, bias caches, first-touch page faults
    const std::int64_t bytes = std::max<std::int64_t>(0, heap_bytes_in_use() - before);
    slots_.push_front(Slot{&e, std::move(w), bytes});
    used_ += bytes;
    while (used_ > budget_ && slots_.size() > 1) {
      used_ -= slots_.back().bytes;
      slots_.pop_back();
    }
    return *slots_.front().stepper;
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
    std::unique_ptr<Stepper> stepper;
    std::int64_t bytes;
  };
  std::list<Slot> slots_;  // most recently used first
  std::int64_t budget_ = 0, used_ = 0;
};

void run_entry(benchmark::State& state, Entry& e, LiveWorkloads& live) {
  Stepper* w = nullptr;
  if (e.status == Status::kPassed) {
    try {
      w = &live.get(e);
    } catch (const PositionsUnsupported& x) {
      e.status = Status::kSkipped, e.error = x.what();
    } catch (const std::exception& x) {
      e.status = Status::kFailed, e.error = x.what();
    }
  }
  if (!w) {
    state.SkipWithError(e.error.empty() ? to_string(e.status) : e.error.c_str());
    return;
  }
  for (auto _ : state) {
    try {
      w->step();
    } catch (const std::exception& x) {
      e.status = Status::kFailed, e.error = x.what();
      state.SkipWithError(x.what());
      break;
    }
  }
  if (e.status != Status::kPassed) return live.drop(e);
  const double tokens = double(e.shape.batch * e.shape.seq_len);
  state.counters["tokens/s"] =
      benchmark::Counter(tokens, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOPS"] = benchmark::Counter(workload_flops(e.shape) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

SpeedMetrics metrics_of(const Entry& e, const SpeedCaseSpec& spec,
                        const std::vector<std::unique_ptr<Entry>>& entries) {
  SpeedMetrics m;
  m.set_shape(e.shape);
  if (e.status != Status::kPassed) return m;
  const TimingStats& s = e.stats;
  m.median_ms = s.median_ms, m.p25_ms = s.p25_ms, m.p75_ms = s.p75_ms;
  m.iqr_ms = s.p75_ms - s.p25_ms, m.cv = s.cv(), m.unstable = s.cv() > kUnstableCv;
  m.repetitions = spec.repetitions, m.iterations = s.iterations;
  m.repetition_ms = s.repetitions_ms;
  m.tokens_per_s = double(e.shape.batch * e.shape.seq_len) / (s.median_ms * 1e-3);
  m.flops = workload_flops(e.shape);
  m.gflops = *m.flops * 1e-9 / (s.median_ms * 1e-3);
  for (const auto& other : entries) {
    if (other->group != e.group || other->status != Status::kPassed || !other->stats.measured)
      continue;
    if (other->nope() && !m.ratio_vs_nope)
      m.nope_median_ms = other->stats.median_ms,
      m.ratio_vs_nope = s.median_ms / other->stats.median_ms,
      m.nope_repetition_ms = other->stats.repetitions_ms;
    if (other->role == Entry::Role::kGemm)
      m.gemm_median_ms = other->stats.median_ms,
      m.ratio_vs_gemm = s.median_ms / other->stats.median_ms;
  }
  return m;
}

// Google Benchmark's JSON of every group as one file (the first file's context, all
// groups' benchmarks), so that tools/compare.py compares whole runs. A group whose
// process died left no complete JSON: its file is skipped (its cases ran again alone).
void merge_benchmark_json(const std::vector<std::string>& files, const std::string& out_path) {
  nlohmann::ordered_json merged;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) continue;
    nlohmann::ordered_json j;
    try {
      j = nlohmann::ordered_json::parse(in);
    } catch (const nlohmann::json::parse_error&) {
      continue;  // cut short by a crash
    }
    if (!j.is_object() || !j.contains("benchmarks")) continue;
    if (merged.is_null()) {
      merged = std::move(j);
      continue;
    }
    for (auto& b : j["benchmarks"]) merged["benchmarks"].push_back(std::move(b));
  }
  if (!merged.is_null()) write_file(out_path, merged.dump(2) + "\n");
}

class SpeedKind : public SuiteKind {
 public:
  std::string name() const override { return "speed"; }
  std::vector<std::string> keys() const override {
    std::vector<std::string> keys = bench_grid_keys();
    keys.insert(keys.end(), {"repetitions", "min_time_s", "gemm_baseline"});
    return keys;
  }

  std::shared_ptr<const KindSettings> parse(const YamlReader& yaml,
                                            const YAML::Node& root) const override {
    auto s = std::make_shared<SpeedSettings>();
    s->grid = parse_bench_grid(yaml, root,
                               {"attention_fwd", "attention_fwd_bwd", "train_step", "inference"});
    if (const YAML::Node v = root["repetitions"]) {
      s->common.repetitions = static_cast<int>(yaml.positive_int("repetitions", v));
      if (s->common.repetitions < 2)  // Google Benchmark reports no median of one repetition
        yaml.fail(v, "'repetitions' must be >= 2 (medians, IQR and cv need repetitions)");
    }
    if (const YAML::Node v = root["min_time_s"]) {
      s->common.min_time_s = yaml.scalar<double>("min_time_s", v, "a number of seconds");
      if (!(s->common.min_time_s > 0)) yaml.fail(v, "'min_time_s' must be > 0");
    }
    if (const YAML::Node v = root["gemm_baseline"])
      s->common.gemm_baseline = yaml.scalar<bool>("gemm_baseline", v, "true or false");
    return s;
  }

  std::vector<CaseDraft> expand(const KindSettings& settings,
                                const std::vector<std::uint64_t>& seeds) const override {
    const auto& s = settings_as<SpeedSettings>(settings);
    std::vector<CaseDraft> drafts;
    for (const WorkloadShape& shape : grid_shapes(s.grid)) {
      SpeedCaseSpec spec = s.common;
      spec.shape = shape;
      drafts.push_back({shape_id(shape), shape_id(shape), seeds.front(), CaseSpec(spec)});
    }
    return drafts;
  }

  // Every repetition runs at least min_time_s (and one step); a warm-up step first.
  CaseEstimate estimate(const Case& c) const override {
    const auto spec = c.spec.get<SpeedCaseSpec>();
    return {workload_bytes(spec.shape), (spec.repetitions + 1) * workload_flops(spec.shape),
            spec.repetitions * spec.min_time_s};
  }

  std::vector<Row> planned_rows(const Case& c) const override {
    SpeedMetrics m;
    m.set_shape(c.spec.get<SpeedCaseSpec>().shape);
    return {case_row(c).put(m)};
  }

  void run(const std::vector<const Case*>& cases, CaseContext& ctx) const override;

  std::string summary(const Row& row) const override {
    const auto m = row.get<SpeedMetrics>();
    if (!m.median_ms) return row.head.case_id;
    return fmt::format("{}: median {:.3f} ms (IQR {:.3f}), cv {:.1f}%, {:.0f} tokens/s{}{}",
                       row.head.case_id, *m.median_ms, m.iqr_ms.value_or(0), 100 * m.cv.value_or(0),
                       m.tokens_per_s.value_or(0),
                       m.ratio_vs_nope ? fmt::format(", {:.3f}x nope", *m.ratio_vs_nope) : "",
                       m.ratio_vs_gemm ? fmt::format(", {:.3f}x GEMM", *m.ratio_vs_gemm) : "");
  }

  void write_tables(const std::vector<Row>& rows, const std::string& dir) const override;

  void finish_run(const std::string& run_dir, const std::vector<std::string>& artifacts,
                  bool) const override {
    std::vector<std::string> files;
    for (const auto& stem : artifacts)
      if (std::filesystem::exists(stem + ".benchmark.json"))
        files.push_back(stem + ".benchmark.json");
    if (!files.empty()) merge_benchmark_json(files, run_dir + "/benchmark.json");
  }
  bool plots() const override { return true; }
  bool timing() const override { return true; }

  // The time per step over its repetitions (same machine only), and the same repetitions
  // relative to nope in the same run (comparable across machines): each repetition over
  // nope's repetition of the same round (random interleaving runs every benchmark once per
  // round), so that nope's own noise is in the samples. Dividing by nope's median instead
  // flagged 5 of 235 relative figures in 5 A/A pairs of suites/nightly.yaml's speed parts,
  // pairing by round 1 (AMD EPYC, 2 threads).
  std::vector<ComparedMetric> compared_metrics(const Row& row) const override {
    const auto m = row.get<SpeedMetrics>();
    if (!m.median_ms) return {};  // rows without repetition_ms (older runs): not comparable
    ComparedMetric time;
    time.name = "ms_per_step", time.test = ComparedMetric::Test::kRepetitions;
    time.value = *m.median_ms, time.samples = m.repetition_ms;
    time.machine_bound = true, time.decimals = 4;
    std::vector<ComparedMetric> out = {time};
    if (m.nope_median_ms && *m.nope_median_ms > 0 && *m.nope_median_ms != *m.median_ms) {
      ComparedMetric relative = time;
      relative.name = "time_vs_nope", relative.machine_bound = false, relative.decimals = 3;
      relative.value = *m.median_ms / *m.nope_median_ms;
      const bool paired = m.nope_repetition_ms.size() == relative.samples.size();
      for (std::size_t i = 0; i < relative.samples.size(); ++i)
        relative.samples[i] /=
            paired && m.nope_repetition_ms[i] > 0 ? m.nope_repetition_ms[i] : *m.nope_median_ms;
      out.push_back(relative);
    }
    return out;
  }
};

void SpeedKind::run(const std::vector<const Case*>& cases, CaseContext& ctx) const {
  const Provenance prov = collect_provenance();
  const auto first = cases.front()->spec.get<SpeedCaseSpec>();
  std::vector<std::unique_ptr<Entry>> entries;
  for (const Case* c : cases) {
    auto e = std::make_unique<Entry>();
    e->c = c, e->name = c->id, e->group = c->group;
    e->shape = c->spec.get<SpeedCaseSpec>().shape;
    e->params = c->encoding.params, e->seed = c->seed;
    try {
      e->source = resolve_encoding(ctx.registry, c->encoding.name);
    } catch (const std::exception& x) {
      e->status = Status::kLoadError, e->error = x.what();
    }
    if (prov.build_type != "Release")
      e->status = Status::kFailed,
      e->error = fmt::format("a {} build: speed numbers need a Release build", prov.build_type);
    entries.push_back(std::move(e));
  }
  // Baselines beside every group: nope where the group lacks it (the ratio's baseline,
  // measured in this run) and, when asked for, the same-FLOP GEMM of an attention shape.
  if (prov.build_type == "Release")
    for (const Case* c : cases) {
      const auto spec = c->spec.get<SpeedCaseSpec>();
      auto has = [&](Entry::Role role) {
        return std::any_of(entries.begin(), entries.end(), [&](const auto& e) {
          return e->group == c->group && e->status == Status::kPassed &&
                 (role == Entry::Role::kNope ? e->nope() : e->role == role);
        });
      };
      auto add = [&](Entry::Role role, const char* what) {
        auto e = std::make_unique<Entry>();
        e->role = role, e->name = fmt::format("{} {}", what, c->group), e->group = c->group;
        e->shape = spec.shape, e->seed = c->seed;
        if (role == Entry::Role::kNope) try {
            e->source = resolve_encoding(ctx.registry, "nope");
          } catch (const std::exception&) {  // no nope plugin: no encoding at all, the same work
          }
        entries.push_back(std::move(e));
      };
      if (!has(Entry::Role::kNope)) add(Entry::Role::kNope, "nope (baseline)");
      if (spec.gemm_baseline && !spec.shape.is_model() && !has(Entry::Role::kGemm))
        add(Entry::Role::kGemm, "gemm (same FLOPs)");
    }

  LiveWorkloads live;
  std::vector<TimedBenchmark> benchmarks;
  for (auto& owned : entries) {
    Entry* e = owned.get();
    benchmarks.push_back({e->name, [e, &live](benchmark::State& s) { run_entry(s, *e, live); }});
  }
  TimingOptions options;
  options.repetitions = first.repetitions;
  options.min_time_s = first.min_time_s;
  if (!ctx.artifacts.empty()) options.json_out = ctx.artifacts + ".benchmark.json";
  options.context = {{"pebench_git_sha", prov.git_sha + (prov.git_dirty ? "-dirty" : "")},
                     {"onednn_version", prov.onednn_version},
                     {"isa", prov.isa},
                     {"cpu_model", prov.cpu_model}};
  const auto stats = run_timed(benchmarks, options);
  live.clear();
  for (auto& e : entries) {
    const auto it = stats.find(e->name);
    if (it != stats.end()) e->stats = it->second;
    if (e->status == Status::kPassed && !e->stats.measured)
      e->status = Status::kFailed, e->error = "no median reported by Google Benchmark";
  }

  for (const auto& owned : entries) {
    const Entry& e = *owned;
    if (!e.c) continue;
    Row row = case_row(*e.c);
    row.head.status = e.status;
    if (e.status == Status::kSkipped)
      row.head.status_detail = e.error;
    else
      row.head.error = e.error;
    row.head.plugin_version = e.source.version, row.head.plugin_sha256 = e.source.sha256;
    ctx.emit(row.put(metrics_of(e, e.c->spec.get<SpeedCaseSpec>(), entries)));
  }
}

// The long CSV lines of one speed row: the time per step of every repetition (and tokens/s
// in model modes), and the ratios of medians to nope and to the GEMM.
void add_long_rows(SectionedTables& tables, const std::string& section, const std::string& enc,
                   const std::string& column, const Row& r, const SpeedMetrics& m) {
  if (r.head.status != Status::kPassed || !m.median_ms) {
    CellValues failed;
    failed.add_missing(status_cell(r.head.status));
    tables.add_long(section, enc, column, "ms_per_step", failed);
    return;
  }
  CellValues ms, tokens, nope, gemm;
  for (double v : m.repetition_ms) {
    ms.add(v);
    if (m.layers) tokens.add(double(m.batch * m.seq_len) / (v * 1e-3));
  }
  if (m.ratio_vs_nope) nope.add(*m.ratio_vs_nope);
  if (m.ratio_vs_gemm) gemm.add(*m.ratio_vs_gemm);
  tables.add_long(section, enc, column, "ms_per_step", ms);
  tables.add_long(section, enc, column, "tokens_per_s", tokens);
  tables.add_long(section, enc, column, "ratio_vs_nope", nope);
  tables.add_long(section, enc, column, "ratio_vs_gemm", gemm);
}

void SpeedKind::write_tables(const std::vector<Row>& rows, const std::string& dir) const {
  const BenchIndex index = index_bench_rows(rows);
  SectionedTables tables(
      "Median time per step over n interleaved repetitions (attention modes) or tokens/s at "
      "that median (model modes); × = time relative to nope in the same run (1.10× = 10% "
      "slower); G = time relative to a GEMM of the same FLOP count (gemm_baseline); † = "
      "unstable (cv > 10%); the fastest per column in bold; n/a = the encoding cannot run that "
      "length. table_long.csv: mean, std and 95% CI (Student t) of the repetitions.\n\n",
      {"median_ms", "iqr_ms", "cv", "tokens_per_s", "gflops", "ratio_vs_nope", "ratio_vs_gemm",
       "unstable"});
  Table scaling;
  scaling.header = {"encoding", "mode (shape)", "exponent (all T)", "exponent (upper half of T)",
                    "points"};
  auto text = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.6g}", *v) : std::string();
  };
  std::set<std::int64_t> repetitions;
  for (const auto& section : index.sections) {
    Table t = SectionedTables::section_table(index, {"encoding"});
    std::vector<std::vector<std::optional<double>>> medians;  // per table row, per length
    for (const auto& enc : index.encodings) {
      std::vector<std::optional<double>> row_medians;
      std::vector<std::string> line = {enc};
      std::vector<std::pair<double, double>> points;  // (log T, log ms)
      bool any = false;
      for (std::int64_t T : index.lengths) {
        const Row* found = index.find(section, enc, T);
        row_medians.emplace_back();
        if (!found) {
          line.push_back("");
          continue;
        }
        any = true;
        const Row& r = *found;
        const auto m = r.get<SpeedMetrics>();
        add_long_rows(tables, section, enc, fmt::format("T={}", T), r, m);
        tables.add_csv_row(r, {text(m.median_ms), text(m.iqr_ms), text(m.cv), text(m.tokens_per_s),
                               text(m.gflops), text(m.ratio_vs_nope), text(m.ratio_vs_gemm),
                               m.unstable ? (*m.unstable ? "true" : "false") : ""});
        if (r.head.status != Status::kPassed || !m.median_ms) {
          line.push_back(status_cell(r.head.status));
          continue;
        }
        points.push_back({std::log(double(T)), std::log(*m.median_ms)});
        row_medians.back() = m.median_ms;
        if (m.repetitions) repetitions.insert(*m.repetitions);
        std::string cell = m.layers ? fmt::format("{:.1f}k tok/s", *m.tokens_per_s / 1e3)
                                    : fmt::format("{:.3g} ms", *m.median_ms);
        if (m.ratio_vs_nope) cell += fmt::format(" {:.2f}×", *m.ratio_vs_nope);
        if (m.ratio_vs_gemm) cell += fmt::format(" {:.2f}G", *m.ratio_vs_gemm);
        if (m.unstable.value_or(false)) cell += " †";
        if (m.repetitions) cell += fmt::format(" n={}", *m.repetitions);
        line.push_back(cell);
      }
      if (!any) continue;
      t.rows.push_back(line);
      medians.push_back(row_medians);
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
    // Fastest median per column (highest tokens/s is the same row in model modes).
    bold_best(
        t, 1, Better::kLower,
        [&](std::size_t row, std::size_t col) { return medians[row][col - 1]; },
        [](double ms) { return fmt::format("{:.3g}", ms); });
    tables.add_section(section, t);
  }
  std::string reps;
  for (auto n : repetitions) reps += (reps.empty() ? "" : " / ") + std::to_string(n);
  tables.set_footnote(provenance_footnote(
      rows, reps.empty() ? "" : "n = " + reps + " interleaved repetitions per cell"));
  tables.append_markdown("### Scaling: fitted exponent of time vs T (time ~ T^k)\n\n" +
                         scaling.to_markdown());
  tables.write(dir);
  write_file(dir + "/scaling.csv", scaling.to_csv());
}

}  // namespace

const SuiteKind& speed_kind() {
  static const SpeedKind kind;
  return kind;
}

}  // namespace pebench
