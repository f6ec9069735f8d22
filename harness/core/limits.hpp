// Per-case resource caps, applied inside a case's own process (run-case): a plugin that
// allocates without bound fails its own case with a clear message instead of taking the
// machine (and the other cases) down.
#pragma once

namespace pebench {

// The machine's physical memory in GiB (sysconf).
double physical_memory_gib();

// Caps this process's address space (RLIMIT_AS) at `gib` (<= 0: 90% of physical memory) and
// makes a failed `new` throw a std::bad_alloc whose message names the cap and the suite key
// (memory_limit_gb). Returns the cap applied, in GiB.
double apply_memory_limit(double gib);

}  // namespace pebench
