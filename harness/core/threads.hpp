// The worker threads (OpenMP, which is oneDNN's runtime here) and their floating-point mode.
//
// pebench flushes subnormal floats on every thread that computes: FTZ (results below
// FLT_MIN become 0) and DAZ (subnormal inputs read as 0), as torch.set_flush_denormal(True)
// does. Measured on an Intel Xeon (Sapphire Rapids): ALiBi's large negative biases put many
// probabilities in the subnormal range, and subnormal arithmetic made ALiBi 1.8x slower
// than NoPE until FTZ/DAZ was set; AMD cores take a far smaller penalty. Without it, a
// speed table would compare CPUs' subnormal paths, not encodings.
#pragma once

#include <string>

namespace pebench {

// The most threads a suite or --threads may ask for. libgomp creates every thread at the
// first parallel region; `threads: 100000` crashed there (SIGSEGV, out of stacks). Far above
// any node pebench runs on, far below what breaks.
inline constexpr int kMaxThreads = 1024;

// Sets the thread count (0 keeps the default), then flushes subnormals on this thread and
// every OpenMP worker. Returns the count in use.
int set_threads(int threads);

// FTZ + DAZ on this thread and on every OpenMP worker (new workers inherit it from the
// thread that starts them).
void flush_denormals();

// "ftz+daz" when this thread and every OpenMP worker flush, "ieee" when none does, else
// "mixed" (rows record it as provenance).
std::string fp_mode();

}  // namespace pebench
