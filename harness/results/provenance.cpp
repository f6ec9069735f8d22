#include "results/provenance.hpp"

#include <omp.h>
#include <unistd.h>

#include <fstream>

#include "core/build_info.hpp"
#include "core/threads.hpp"
#include "ops/dnnl_context.hpp"

namespace pebench {

namespace {

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const std::size_t first = s.find_first_not_of(ws);
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(ws) - first + 1);
}

// The first "model name : ..." line of /proc/cpuinfo, trimmed.
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos || trim(line.substr(0, colon)) != "model name") continue;
    const std::string model = trim(line.substr(colon + 1));
    if (!model.empty()) return model;
  }
  return "unknown";
}

}  // namespace

Provenance collect_provenance() {
  const BuildInfo& b = build_info();
  Provenance p;
  p.pebench_version = b.version;
  p.git_sha = b.git_sha;
  p.git_dirty = b.git_dirty;
  p.build_type = b.build_type;
  p.compiler = b.compiler;
  p.onednn_version = onednn_version();
  p.isa = onednn_isa();
  p.threads = omp_get_max_threads();
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) p.host = host;
  p.cpu_model = cpu_model();
  p.fp_mode = fp_mode();
  return p;
}

}  // namespace pebench
