// A suite kind: everything that differs between conformance, synthetic, speed, memory
// (benchdnn's "one driver per folder"). One folder per kind, kinds/<kind>/, registered
// in kinds/kinds.cpp; nothing outside a kind's folder compares a kind name.
//
// A case's path: suite/suite.cpp reads the generic keys and hands the rest of the
// mapping to the kind's parse(); expand() makes the kind's cases of one encoding; the
// orchestrator (run/) hands each case (or group) to a child process, which calls run();
// each row goes to rows.jsonl as soon as it exists; write_tables() derives the tables.
// docs/architecture.md has the checklist for adding a kind.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attention/encoding_source.hpp"
#include "compare/compared_metric.hpp"
#include "registry/registry.hpp"
#include "results/schema.hpp"
#include "suite/case.hpp"
#include "suite/yaml_reader.hpp"

namespace pebench {

// A kind's parsed YAML keys (each kind derives its own).
struct KindSettings {
  virtual ~KindSettings() = default;
};

// One case as the kind makes it; the generic expansion adds the encoding, the part
// and the run settings.
struct CaseDraft {
  std::string id;     // after the encoding's label, e.g. "flip_flop/seed=1"
  std::string group;  // "" or cases of one group run in one process (after the part prefix)
  std::uint64_t seed = 1;
  CaseSpec spec;  // everything run() needs, and no more; share one between seeds
};

// What run() gets: the loaded plugins, where to put extra outputs, and where rows go.
struct CaseContext {
  Registry& registry;
  bool progress = false;                 // progress lines (training) on the terminal
  std::string artifacts;                 // path stem for extra files ("" = none), e.g. speed's
                                         // <stem>.benchmark.json
  std::function<void(const Row&)> emit;  // each row, as soon as it exists
};

class SuiteKind {
 public:
  virtual ~SuiteKind() = default;
  virtual std::string name() const = 0;
  // The YAML keys this kind reads beside the generic ones (suite/suite.hpp).
  virtual std::vector<std::string> keys() const = 0;
  // Reads this kind's keys of one suite mapping (`root`; other keys are already checked).
  virtual std::shared_ptr<const KindSettings> parse(const YamlReader& yaml,
                                                    const YAML::Node& root) const = 0;
  // The cases of one encoding.
  virtual std::vector<CaseDraft> expand(const KindSettings& settings,
                                        const std::vector<std::uint64_t>& seeds) const = 0;
  // The rows a case writes, with the kind's identifying metrics set (status unset): the
  // orchestrator marks those a dead child could not write. Default: one, case_row(c).
  virtual std::vector<Row> planned_rows(const Case& c) const;
  // Runs cases (one, or one group) in this process; rows go to ctx.emit.
  virtual void run(const std::vector<const Case*>& cases, CaseContext& ctx) const = 0;
  // One line per row for the console, after its status (e.g. "split id: error rate 3.1%").
  virtual std::string summary(const Row& row) const = 0;
  // table.md / table.csv / table.tex (and whatever else) from rows of this kind into `dir`.
  virtual void write_tables(const std::vector<Row>& rows, const std::string& dir) const = 0;
  // After every case of a run: outputs made from several cases (merged benchmark JSON,
  // plots). `artifacts`: the stems the children wrote. Default: nothing.
  virtual void finish_run(const std::string& run_dir, const std::vector<std::string>& artifacts,
                          bool progress) const;
  // Whether a run with rows of this kind gets scripts/plot.py's plots (made once per run).
  virtual bool plots() const { return false; }
  // Its figures are times: `run --jobs N` runs its cases alone, after the others.
  virtual bool timing() const { return false; }
  // Memory and FLOPs of one case, from its shapes (kinds/common/case_estimate.hpp), before it
  // runs: validate prints it, and a case beyond its memory cap or timeout is refused.
  // Default: unknown (zeros). It may read the case's spec and encoding only: the seeds of one
  // spec get the first one's estimate (suite/suite.cpp).
  virtual CaseEstimate estimate(const Case&) const { return {}; }
  // The figures of a PASSED row that `pebench compare` tests. Default: none (status only).
  virtual std::vector<ComparedMetric> compared_metrics(const Row&) const { return {}; }
};

// The settings a kind's parse() returned, as the kind's own type.
template <typename Settings>
const Settings& settings_as(const KindSettings& s) {
  return dynamic_cast<const Settings&>(s);
}

// The rows `kind` plans for `c`, never none: a spec the kind cannot read (or that plans no
// row) gets one row for the case, so that no case ever ends without a row.
std::vector<Row> expected_rows(const SuiteKind& kind, const Case& c);

// A row of case `c` (point: the part of the row id after the case id, "" for one row per
// case): header and provenance filled here, in one place; the kind adds status and metrics.
Row case_row(const Case& c, const std::string& point = "");

}  // namespace pebench
