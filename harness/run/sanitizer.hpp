// `check-plugin --asan`: this very command again, with the AddressSanitizer runtime preloaded,
// so that a plugin built with pebench_add_encoding(... SANITIZE) reports an out-of-bounds read
// or write in a hook with its stack, without rebuilding pebench.
#pragma once

#include <string>

#include "core/sanitizer_env.hpp"

namespace pebench {

// The runtime to preload: $PEBENCH_LIBASAN, else the one of the compiler pebench was built
// with; "" if neither exists.
std::string asan_runtime();

// under_asan(): true inside the re-executed process (core/sanitizer_env.hpp).

// Replaces this process by the same command line with LD_PRELOAD=<runtime> and
// ASAN_OPTIONS (detect_leaks=0, and whatever the caller set). Returns only on failure,
// with the reason.
std::string rerun_under_asan();

}  // namespace pebench
