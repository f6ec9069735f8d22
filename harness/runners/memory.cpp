#include "runners/memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>

#include "attention/encoding_source.hpp"
#include "core/memory_usage.hpp"
#include "results/bench_rows.hpp"
#include "results/provenance.hpp"
#include "results/tables.hpp"
#include "runners/workload.hpp"

namespace pebench {

void run_memory_case(const Suite& suite, const Case& c, Registry& registry,
                     const std::function<void(const Row&)>& emit) {
  const Provenance prov = collect_provenance();
  WorkloadShape shape;
  shape.mode = c.mode, shape.seq_len = c.seq_len, shape.batch = c.batch, shape.heads = c.heads;
  shape.head_dim = c.head_dim, shape.layers = suite.bench.layers;
  Row row;
  row.set("kind", std::string("memory"));
  row.set("encoding", c.encoding.name);
  row.set("encoding_params", c.encoding.params_text);
  row.set("mode", shape.mode);
  row.set("seq_len", shape.seq_len).set("batch", shape.batch);
  row.set("heads", shape.heads).set("head_dim", shape.head_dim);
  if (shape.is_model()) row.set("layers", shape.layers);
  row.set("seed", static_cast<std::int64_t>(c.seed));

  EncodingSource source;
  std::string status = "PASSED";
  try {
    source = resolve_encoding(registry, c.encoding.name);
  } catch (const std::exception& e) {
    status = "LOAD_ERROR";
    row.set("error", std::string(e.what()));
  }
  if (status == "PASSED") {
    const std::int64_t base_rss = resident_bytes();
    const std::int64_t heap_start = heap_bytes_in_use();
    try {
      Workload w(shape, source.name.empty() ? nullptr : &source, c.encoding.params, c.seed);
      w.step();  // first step: JIT, primitives, caches, scratch
      w.release_saved();
      const std::int64_t heap_before = heap_bytes_in_use();
      w.forward();
      const std::int64_t heap_after = heap_bytes_in_use();
      w.backward();
      row.set("encoding_parameters", w.encoding_parameters());
      row.set("held_bytes", heap_after - heap_before);
      row.set("workload_bytes", heap_after - heap_start);
      row.set("peak_rss_bytes", peak_resident_bytes());
      row.set("base_rss_bytes", base_rss);
      row.set("case_peak_bytes", peak_resident_bytes() - base_rss);
    } catch (const PositionsUnsupported& e) {
      status = "SKIPPED(" + std::string(e.what()) + ")";
    } catch (const std::exception& e) {  // std::bad_alloc included
      status = "FAILED";
      row.set("error", std::string(e.what()));
    }
  }
  row.set("status", status);
  row.set("plugin_version", source.version).set("plugin_sha256", source.sha256);
  add_provenance(row, prov);
  emit(row);
}

void write_memory_tables(const std::vector<Row>& rows, const std::string& dir) {
  const BenchIndex index = index_bench_rows(rows);
  auto mib = [](const std::string& bytes) { return std::stod(bytes) / (1024.0 * 1024.0); };
  auto number = [](const Row* r, const char* key) {
    return r && r->get_string("status") == "PASSED" ? std::stod(r->get_string(key)) : 0.0;
  };

  std::string markdown =
      "Per cell: the case's peak resident memory (MiB above the process's base, × nope at the "
      "same shape) / heap held from forward to backward (MiB, × nope). n/a: the encoding cannot "
      "run that length.\n\n";
  std::string latex;
  Table csv;
  csv.header = {"encoding",
                "mode",
                "T",
                "B",
                "H",
                "d",
                "status",
                "encoding_parameters",
                "held_bytes",
                "held_vs_nope",
                "case_peak_bytes",
                "peak_vs_nope",
                "peak_rss_bytes",
                "workload_bytes"};
  for (const auto& section : index.sections) {
    Table t;
    t.header = {"encoding", "parameters"};
    for (std::int64_t T : index.lengths) t.header.push_back(fmt::format("T={}", T));
    for (const auto& enc : index.encodings) {
      std::vector<std::string> line = {enc, ""};
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
        const Row* nope = index.find(section, "nope", T);
        const double nope_held = number(nope, "held_bytes"),
                     nope_peak = number(nope, "case_peak_bytes");
        std::string held_ratio, peak_ratio;
        if (status == "PASSED") {
          if (line[1].empty()) line[1] = r.get_string("encoding_parameters");
          if (nope_held >= 1 << 20)  // below 1 MiB the ratio is allocator noise
            held_ratio = fmt::format("{:.2f}", std::stod(r.get_string("held_bytes")) / nope_held);
          if (nope_peak > 0)
            peak_ratio =
                fmt::format("{:.2f}", std::stod(r.get_string("case_peak_bytes")) / nope_peak);
        }
        csv.rows.push_back({enc, r.get_string("mode"), r.get_string("seq_len"),
                            r.get_string("batch"), r.get_string("heads"), r.get_string("head_dim"),
                            status, r.get_string("encoding_parameters"), r.get_string("held_bytes"),
                            held_ratio, r.get_string("case_peak_bytes"), peak_ratio,
                            r.get_string("peak_rss_bytes"), r.get_string("workload_bytes")});
        if (status != "PASSED") {
          line.push_back(status_cell(status));
          continue;
        }
        std::string text = fmt::format("{:.0f}", mib(r.get_string("case_peak_bytes")));
        if (!peak_ratio.empty()) text += " (" + peak_ratio + "×)";
        text += fmt::format(" / {:.1f}", mib(r.get_string("held_bytes")));
        if (!held_ratio.empty()) text += " (" + held_ratio + "×)";
        line.push_back(text);
      }
      if (any) t.rows.push_back(line);
    }
    markdown += "### " + section + "\n\n" + t.to_markdown() + "\n";
    latex += "% " + section + "\n" + t.to_latex() + "\n";
  }
  write_file(dir + "/table.md", markdown);
  write_file(dir + "/table.tex", latex);
  write_file(dir + "/table.csv", csv.to_csv());
}

}  // namespace pebench
