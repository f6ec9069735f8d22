// The number of worker threads (OpenMP, which is oneDNN's runtime here).
#pragma once

namespace pebench {

int set_threads(int threads);  // 0 keeps the default. Returns the count in use.

}  // namespace pebench
