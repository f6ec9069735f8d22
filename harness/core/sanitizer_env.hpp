// Whether this process runs under AddressSanitizer: the re-run of `check-plugin --asan`
// (run/sanitizer.hpp sets PEBENCH_UNDER_ASAN=1 before it re-executes pebench), or a build
// with -fsanitize=address (the asan preset). ASan reserves terabytes of address space, so a
// memory cap (RLIMIT_AS, core/limits.hpp) must not be applied there: its allocator fails with
// "Failed to mmap" (seen in e2e.reject.* on the asan build before this check).
#pragma once

#include <cstdlib>
#include <cstring>

namespace pebench {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kBuiltWithAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kBuiltWithAsan = true;
#else
inline constexpr bool kBuiltWithAsan = false;
#endif
#else
inline constexpr bool kBuiltWithAsan = false;
#endif

inline bool under_asan() {
  if (kBuiltWithAsan) return true;
  const char* v = std::getenv("PEBENCH_UNDER_ASAN");
  return v && std::strcmp(v, "1") == 0;
}

}  // namespace pebench
