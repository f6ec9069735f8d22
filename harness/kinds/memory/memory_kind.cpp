// kind: memory. Keys: the grid (bench/bench_grid.hpp). One case per process (the
// orchestrator spawns each in a fresh one, so the peak resident size is the case's own);
// what each figure means: kinds/memory/memory_row.hpp. Ratios to nope (same mode and shape,
// same run) are derived in the tables.
#include <fmt/format.h>

#include "bench/bench_grid.hpp"
#include "bench/bench_table.hpp"
#include "bench/workload.hpp"
#include "core/memory_usage.hpp"
#include "kinds/common/case_estimate.hpp"
#include "kinds/kind.hpp"
#include "kinds/memory/memory_row.hpp"
#include "results/stat_table.hpp"
#include "results/tables.hpp"

namespace pebench {
namespace {

struct MemoryCaseSpec {
  WorkloadShape shape;
};
PEBENCH_JSON_FIELDS(MemoryCaseSpec, shape)

struct MemorySettings : KindSettings {
  BenchGrid grid;
};

class MemoryKind : public SuiteKind {
 public:
  std::string name() const override { return "memory"; }
  std::vector<std::string> keys() const override { return bench_grid_keys(); }

  std::shared_ptr<const KindSettings> parse(const YamlReader& yaml,
                                            const YAML::Node& root) const override {
    auto s = std::make_shared<MemorySettings>();
    s->grid =
        parse_bench_grid(yaml, root, {"attention_fwd_bwd", "train_step", "attention_inference"});
    return s;
  }

  std::vector<CaseDraft> expand(const KindSettings& settings,
                                const std::vector<std::uint64_t>& seeds) const override {
    std::vector<CaseDraft> drafts;
    for (const WorkloadShape& shape : grid_shapes(settings_as<MemorySettings>(settings).grid))
      drafts.push_back({shape_id(shape), "", seeds.front(), CaseSpec(MemoryCaseSpec{shape})});
    return drafts;
  }

  // A few steps: the base, the measured one, the repeat.
  CaseEstimate estimate(const Case& c) const override {
    const WorkloadShape shape = c.spec.get<MemoryCaseSpec>().shape;
    return {workload_bytes(shape), 3 * workload_flops(shape), 0};
  }

  std::vector<Row> planned_rows(const Case& c) const override {
    MemoryMetrics m;
    m.set_shape(c.spec.get<MemoryCaseSpec>().shape);
    return {case_row(c).put(m)};
  }

  void run(const std::vector<const Case*>& cases, CaseContext& ctx) const override {
    for (const Case* c : cases) ctx.emit(measure(*c, ctx.registry));
  }

  std::string summary(const Row& row) const override {
    const auto m = row.get<MemoryMetrics>();
    if (!m.case_peak_bytes || !m.held_bytes) return "";
    return fmt::format("peak {:.1f} MiB above base, {:.1f} MiB held for backward",
                       double(*m.case_peak_bytes) / 1048576.0, double(*m.held_bytes) / 1048576.0);
  }

  void write_tables(const std::vector<Row>& rows, const std::string& dir) const override;

  bool plots() const override { return true; }

  // The parameters are exact: any change counts. The heap held for backward moved by up to
  // 3 KB (attention) and 5.2 KB (a train step, of 126 MB) between runs of one build (5 A/A
  // pairs, AMD EPYC): a change counts from 64 KiB (a real regression, such as one more saved
  // H x T x T tensor, is megabytes). Held bytes only on the same CPU, ISA and
  // threads: oneDNN's kernels, and so their buffers, differ by ISA. The peak resident size
  // moves with the allocator: only beyond compare's --max-ratio and by at least 1 MiB.
  std::vector<ComparedMetric> compared_metrics(const Row& row) const override {
    const auto m = row.get<MemoryMetrics>();
    std::vector<ComparedMetric> out;
    auto add = [&out](const char* name, const std::optional<std::int64_t>& v,
                      std::optional<double> tolerance, bool machine_bound, double at_least) {
      if (!v) return;
      ComparedMetric c;
      c.name = name, c.test = ComparedMetric::Test::kExact, c.value = double(*v);
      c.tolerance = tolerance, c.machine_bound = machine_bound, c.min_difference = at_least;
      c.decimals = 0;
      out.push_back(c);
    };
    add("held_bytes", m.held_bytes, 1.0, true, 64 << 10);
    add("encoding_parameters", m.encoding_parameters, 1.0, false, 0);
    add("case_peak_bytes", m.case_peak_bytes, std::nullopt, true, 1 << 20);
    return out;
  }

 private:
  static Row measure(const Case& c, Registry& registry) {
    const WorkloadShape shape = c.spec.get<MemoryCaseSpec>().shape;
    Row row = case_row(c);
    MemoryMetrics m;
    m.set_shape(shape);
    EncodingSource source;
    row.head.status = Status::kPassed;
    try {
      source = resolve_encoding(registry, c.encoding.name);
    } catch (const std::exception& e) {
      row.head.status = Status::kLoadError, row.head.error = e.what();
      return row.put(m);
    }
    row.head.plugin_version = source.version, row.head.plugin_sha256 = source.sha256;
    const std::int64_t base_rss = resident_bytes();
    const std::int64_t heap_start = heap_bytes_in_use();
    try {
      Workload w(shape, &source, c.encoding.params, c.seed);
      w.step();  // first step: JIT, primitives, caches, scratch
      w.release_saved();
      const std::int64_t heap_before = heap_bytes_in_use();
      w.forward();
      const std::int64_t heap_after = heap_bytes_in_use();
      w.backward();
      m.encoding_parameters = w.encoding_parameters();
      m.held_bytes = heap_after - heap_before;
      m.workload_bytes = heap_after - heap_start;
      m.peak_rss_bytes = peak_resident_bytes();
      m.base_rss_bytes = base_rss;
      m.case_peak_bytes = peak_resident_bytes() - base_rss;
    } catch (const PositionsUnsupported& e) {
      row.head.status = Status::kSkipped, row.head.status_detail = e.what();
    } catch (const std::exception& e) {  // std::bad_alloc included
      row.head.status = Status::kFailed, row.head.error = e.what();
    }
    return row.put(m);
  }
};

void MemoryKind::write_tables(const std::vector<Row>& rows, const std::string& dir) const {
  const BenchIndex index = index_bench_rows(rows);
  auto mib = [](std::int64_t bytes) { return double(bytes) / (1024.0 * 1024.0); };
  auto passed = [](const Row* r) {
    return r && r->head.status == Status::kPassed ? r->get<MemoryMetrics>() : MemoryMetrics{};
  };
  auto text = [](const std::optional<std::int64_t>& v) {
    return v ? std::to_string(*v) : std::string();
  };
  SectionedTables tables(
      "Per cell: the case's peak resident memory (MiB above the process's base, × nope at the "
      "same shape) / heap held from forward to backward (MiB, × nope); the lowest peak per "
      "column in bold. n/a: the encoding cannot run that length.\n\n",
      {"encoding_parameters", "held_bytes", "held_vs_nope", "case_peak_bytes", "peak_vs_nope",
       "peak_rss_bytes", "workload_bytes"});
  for (const auto& section : index.sections) {
    Table t = SectionedTables::section_table(index, {"encoding", "parameters"});
    std::vector<std::vector<std::optional<double>>> peaks;  // per table row, per length
    for (const auto& enc : index.encodings) {
      std::vector<std::string> line = {enc, ""};
      std::vector<std::optional<double>> row_peaks;
      bool any = false;
      for (std::int64_t T : index.lengths) {
        const Row* found = index.find(section, enc, T);
        row_peaks.emplace_back();
        if (!found) {
          line.push_back("");
          continue;
        }
        any = true;
        const Row& r = *found;
        const auto m = r.get<MemoryMetrics>();
        const auto nope = passed(index.find(section, "nope", T));
        std::string held_ratio, peak_ratio;
        const bool ok = r.head.status == Status::kPassed && m.held_bytes && m.case_peak_bytes;
        if (ok) {
          if (line[1].empty()) line[1] = text(m.encoding_parameters);
          if (nope.held_bytes.value_or(0) >= (1 << 20))  // below 1 MiB the ratio is allocator noise
            held_ratio = fmt::format("{:.2f}", double(*m.held_bytes) / double(*nope.held_bytes));
          if (nope.case_peak_bytes.value_or(0) > 0)
            peak_ratio =
                fmt::format("{:.2f}", double(*m.case_peak_bytes) / double(*nope.case_peak_bytes));
        }
        tables.add_csv_row(r, {text(m.encoding_parameters), text(m.held_bytes), held_ratio,
                               text(m.case_peak_bytes), peak_ratio, text(m.peak_rss_bytes),
                               text(m.workload_bytes)});
        CellValues peak, held;
        const std::string column = fmt::format("T={}", T);
        if (!ok) {
          peak.add_missing(status_cell(r.head.status));
          tables.add_long(section, enc, column, "case_peak_bytes", peak);
          line.push_back(status_cell(r.head.status));
          continue;
        }
        peak.add(double(*m.case_peak_bytes)), held.add(double(*m.held_bytes));
        tables.add_long(section, enc, column, "case_peak_bytes", peak);
        tables.add_long(section, enc, column, "held_bytes", held);
        row_peaks.back() = double(*m.case_peak_bytes);
        std::string cell = fmt::format("{:.0f}", mib(*m.case_peak_bytes));
        if (!peak_ratio.empty()) cell += " (" + peak_ratio + "×)";
        cell += fmt::format(" / {:.1f}", mib(*m.held_bytes));
        if (!held_ratio.empty()) cell += " (" + held_ratio + "×)";
        line.push_back(cell);
      }
      if (any) t.rows.push_back(line), peaks.push_back(row_peaks);
    }
    bold_best(
        t, 2, Better::kLower, [&](std::size_t row, std::size_t col) { return peaks[row][col - 2]; },
        [&](double bytes) { return fmt::format("{:.0f}", mib(std::int64_t(bytes))); });
    tables.add_section(section, t);
  }
  tables.set_footnote(provenance_footnote(rows, "n = 1 (one measured step per cell)"));
  tables.write(dir);
}

}  // namespace

const SuiteKind& memory_kind() {
  static const MemoryKind kind;
  return kind;
}

}  // namespace pebench
