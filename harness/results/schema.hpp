// The row schema: one JSON object per line of rows.jsonl, the canonical record of a run.
// docs/rows.md documents every field. A row is
//   RowHeader   what was run and how it ended (the same fields for every kind)
//   Provenance  where the number came from (results/provenance.hpp), filled in one place:
//               the process that ran the case (kinds/kind.cpp, case_row)
//   metrics     the kind's own typed fields (kinds/<kind>/<kind>_row.hpp), flattened
//               into the same object; a metric may not reuse a header or provenance key.
// Bump kSchemaVersion whenever a field changes meaning or is removed; adding an
// optional field keeps the version.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "results/json_fields.hpp"
#include "results/provenance.hpp"

namespace pebench {

inline constexpr int kSchemaVersion = 2;

// How a case (or one row of it) ended. One spelling each, as written in rows.
enum class Status {
  kPassed,   // ran and measured
  kSkipped,  // n/a: the encoding refuses this input (e.g. beyond max_positions); status_detail says
             // why
  kFailed,   // ran and failed (a check, an exception); `error` says what
  kDiverged,    // training produced a non-finite loss or gradient
  kMistrusted,  // ran, but the measurement cannot be trusted (e.g. a degenerate check)
  kLoadError,   // the encoding could not be loaded or created
  kCrashed,     // the case's process died; status_detail names the signal
  kTimeout,     // the case's process ran past timeout_s and was killed
};
const char* to_string(Status s);
std::optional<Status> status_from_string(const std::string& text);
// PASSED or SKIPPED (n/a never fails a case).
inline bool is_ok(Status s) {
  return s == Status::kPassed || s == Status::kSkipped;
}
template <typename J>
void to_json(J& j, Status s) {
  j = to_string(s);
}
template <typename J>
void from_json(const J& j, Status& s) {
  const auto parsed =
      j.is_string() ? status_from_string(j.template get<std::string>()) : std::nullopt;
  if (!parsed) throw json_fields::FieldError("not a status: " + j.dump());
  s = *parsed;
}

struct RowHeader {
  int schema_version = kSchemaVersion;
  std::string kind;     // conformance | synthetic | speed | memory | ...
  std::string case_id;  // stable across runs and machines: no paths, threads or plugin paths
  std::string row_id;   // case_id, or case_id/<point> where a case writes several rows
  std::string suite, part, suite_sha256, run_id;
  std::string repro;  // a command line that reruns this case alone
  std::string encoding, encoding_params;
  std::uint64_t seed = 0;
  Status status = Status::kFailed;
  std::string status_detail;      // SKIPPED: why; CRASHED: the signal; TIMEOUT: the limit
  std::string error;              // FAILED / LOAD_ERROR / ...: the message
  std::optional<double> seconds;  // wall time of the case's process
  std::string log;                // path of the log of the case's process (stdout + stderr)
  std::string plugin_version, plugin_sha256;
  // sha256 of what the case computes (kind, id, encoding and params, seed, the kind's spec),
  // the plugins' sha256 and the ABI: `run --resume` skips a case whose rows carry it.
  std::string case_version;
  // sha256 of what the case computes alone (kind, id, encoding and params, seed, spec):
  // `pebench compare` compares rows whose spec_sha256 agree, whatever the plugins' code.
  std::string spec_sha256;
};
PEBENCH_JSON_FIELDS(RowHeader, schema_version, kind, case_id, row_id, suite, part, suite_sha256,
                    run_id, repro, encoding, encoding_params, seed, status, status_detail, error,
                    seconds, log, plugin_version, plugin_sha256, case_version, spec_sha256)
PEBENCH_JSON_FIELDS(Provenance, pebench_version, git_sha, git_dirty, build_type, compiler,
                    onednn_version, isa, cpu_model, fp_mode, threads, host)

struct RowError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Rows keep their fields in declaration order: header, provenance, the kind's metrics.
using RowJson = nlohmann::ordered_json;

struct Row {
  RowHeader head;
  Provenance provenance;
  RowJson metrics = RowJson::object();  // the kind's typed fields

  // The kind's metrics struct (kinds/<kind>/<kind>_row.hpp).
  template <typename M>
  M get() const {
    try {
      return metrics.get<M>();
    } catch (const std::exception& e) {
      throw RowError(head.row_id + ": " + e.what());
    }
  }
  template <typename M>
  Row& put(const M& m) {
    RowJson j = m;
    check_metric_keys(j);
    metrics = std::move(j);
    return *this;
  }

  RowJson to_json() const;
  std::string to_json_line() const;                    // one line, no trailing newline
  static Row from_json(const RowJson& j);              // throws RowError
  static Row from_json_line(const std::string& line);  // throws RowError

 private:
  static void check_metric_keys(const RowJson& j);
};

// "alibi", or "learned[max_positions=48]" with its parameters: a table's row label.
std::string encoding_label(const Row& row);

// The status as a table shows it: "n/a" for SKIPPED, else the status ("CRASHED").
std::string status_cell(Status s);

}  // namespace pebench
