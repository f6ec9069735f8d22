// What became of a case's child process that did not write a row: the status, detail and error
// its unwritten rows get. Shared by `pebench run` (orchestrator) and `check-plugin`.
#pragma once

#include <string>

#include "results/schema.hpp"
#include "run/child_process.hpp"

namespace pebench {

struct ChildFate {
  Status status = Status::kFailed;
  std::string detail, error;
};

// bad_rows: why rows the child wrote were unreadable ("" if none); timeout_s and log_limit_mb:
// the limits it ran under.
ChildFate child_fate(const ChildResult& res, double timeout_s, double log_limit_mb,
                     const std::string& bad_rows);

}  // namespace pebench
