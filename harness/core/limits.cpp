#include "core/limits.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <new>
#include <string>

namespace pebench {
namespace {

double g_cap_gib = 0;

// What every catch site prints (e.what()): the cap, not a bare "std::bad_alloc".
class MemoryCapReached : public std::bad_alloc {
 public:
  MemoryCapReached()
      : message_(fmt::format("out of memory: the case reached its memory cap of {:.1f} GiB "
                             "(suite key memory_limit_gb)",
                             g_cap_gib)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

void throw_cap_reached() {
  throw MemoryCapReached();
}

}  // namespace

double physical_memory_gib() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) / double(1ull << 30) : 0.0;
}

double apply_memory_limit(double gib) {
  if (!(gib > 0)) gib = 0.9 * physical_memory_gib();
  if (!(gib > 0)) return 0;
  const auto bytes = static_cast<rlim_t>(gib * double(1ull << 30));
  rlimit limit{bytes, bytes};
  rlimit current{};
  if (getrlimit(RLIMIT_AS, &current) == 0 && current.rlim_max != RLIM_INFINITY &&
      current.rlim_max < bytes)
    limit.rlim_cur = limit.rlim_max = current.rlim_max;  // never above what we were given
  if (setrlimit(RLIMIT_AS, &limit) != 0) return 0;
  g_cap_gib = double(limit.rlim_cur) / double(1ull << 30);
  std::set_new_handler(throw_cap_reached);
  return g_cap_gib;
}

}  // namespace pebench
