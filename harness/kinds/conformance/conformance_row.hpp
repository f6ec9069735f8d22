// Row metrics of kind conformance (docs/rows.md): one row per encoding and seed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "results/json_fields.hpp"

namespace pebench {

struct CheckRecord {
  std::string name;    // "gradient q", "causality", ...
  std::string status;  // PASSED | FAILED | SKIPPED | MISTRUSTED
  std::string figure;  // what was measured
};
PEBENCH_JSON_FIELDS(CheckRecord, name, status, figure)

struct ConformanceMetrics {
  std::string plugin_path;
  std::optional<std::int64_t> checks_passed, checks_failed, checks_skipped, checks_total;
  std::string failed_checks;  // "; "-joined names
  std::vector<CheckRecord> checks;
};
PEBENCH_JSON_FIELDS(ConformanceMetrics, plugin_path, checks_passed, checks_failed, checks_skipped,
                    checks_total, failed_checks, checks)

}  // namespace pebench
