#include "core/provenance.hpp"

#include <omp.h>
#include <unistd.h>

#include "core/build_info.hpp"
#include "ops/dnnl_context.hpp"

namespace pebench {

int set_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
  return omp_get_max_threads();
}

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
  return p;
}

}  // namespace pebench
