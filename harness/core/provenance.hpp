// Where a result came from: recorded in every row of results.
#pragma once

#include <string>

namespace pebench {

struct Provenance {
  std::string pebench_version, git_sha;
  bool git_dirty = false;
  std::string build_type, compiler;
  std::string onednn_version, isa;
  int threads = 0;
  std::string host;
};

Provenance collect_provenance();  // reads build info, oneDNN, OpenMP threads, hostname
int set_threads(
    int threads);  // OpenMP (oneDNN's runtime here); 0 keeps the default. Returns the count in use.

}  // namespace pebench
