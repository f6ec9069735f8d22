// Whether this process is the AddressSanitizer re-run of `check-plugin --asan`
// (run/sanitizer.hpp sets PEBENCH_UNDER_ASAN=1 before it re-executes pebench).
#pragma once

#include <cstdlib>
#include <cstring>

namespace pebench {

inline bool under_asan() {
  const char* v = std::getenv("PEBENCH_UNDER_ASAN");
  return v && std::strcmp(v, "1") == 0;
}

}  // namespace pebench
