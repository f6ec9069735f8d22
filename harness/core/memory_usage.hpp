// Memory of this process, for the memory suite.
//
// Heap bytes in use come from glibc's mallinfo2() (in-use chunks of every arena plus
// mmapped blocks), not from a replaced operator new: it also counts what oneDNN and
// plugins allocate with malloc/posix_memalign, which an operator-new counter misses.
// Resident memory: the current value from /proc/self/statm, the peak from getrusage
// (ru_maxrss, the lifetime peak: measure in a fresh process per case).
#pragma once

#include <cstdint>

namespace pebench {

std::int64_t heap_bytes_in_use();
std::int64_t resident_bytes();       // now
std::int64_t peak_resident_bytes();  // since the process started

}  // namespace pebench
