// Where a result came from: recorded in every row of results.
#pragma once

#include <string>

#include "core/threads.hpp"  // set_threads: what `threads` reports

namespace pebench {

struct Provenance {
  std::string pebench_version, git_sha;
  bool git_dirty = false;
  std::string build_type, compiler;
  std::string onednn_version, isa;
  int threads = 0;
  std::string host;
  std::string cpu_model;  // "model name" in /proc/cpuinfo; "unknown" if absent
  std::string fp_mode;    // "ftz+daz" (subnormals flushed on every thread), "ieee" or "mixed"
};

// Reads build info, oneDNN, OpenMP threads, hostname, /proc/cpuinfo.
Provenance collect_provenance();

}  // namespace pebench
