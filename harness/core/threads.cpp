#include "core/threads.hpp"

#include <omp.h>

#include <atomic>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace pebench {
namespace {

#if defined(__x86_64__) || defined(__i386__)
constexpr unsigned kFtzDaz = 0x8040;  // MXCSR bits 15 (flush to zero) and 6 (denormals are zero)
void flush_this_thread() {
  _mm_setcsr(_mm_getcsr() | kFtzDaz);
}
bool this_thread_flushes() {
  return (_mm_getcsr() & kFtzDaz) == kFtzDaz;
}
#else
void flush_this_thread() {}
bool this_thread_flushes() {
  return false;
}
#endif

}  // namespace

int set_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
  flush_denormals();
  return omp_get_max_threads();
}

void flush_denormals() {
  flush_this_thread();
#pragma omp parallel
  flush_this_thread();
}

std::string fp_mode() {
  std::atomic<int> flushing{this_thread_flushes() ? 1 : 0}, total{1};
#pragma omp parallel
  {
    total += 1;
    flushing += this_thread_flushes() ? 1 : 0;
  }
  return flushing == total ? "ftz+daz" : flushing == 0 ? "ieee" : "mixed";
}

}  // namespace pebench
