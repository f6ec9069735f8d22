// pebench SDK: small vector kernels for hook loops, and the attribute that makes them fast
// on any x86-64.
//
// Plugins are built without -march, so that one binary runs on any x86-64; the compiler
// then vectorizes with SSE2 only and forms no FMA. PEBENCH_MULTIVERSION compiles a
// function twice, for FMA (which implies AVX: 8-float vectors) and for the baseline, and the
// loader picks one when the plugin is loaded (GCC/Clang target_clones, an ifunc, chosen by
// CPU feature). Not "arch=haswell": GCC dispatches arch= clones by CPU model, and on an AMD
// EPYC (AVX-512, FMA) the baseline clone ran (measured with perf annotate). Mark a few hot
// functions that hold the inner loops (not whole hooks: OpenMP regions are outlined into
// functions that keep the baseline target). Measured: shaw's per-row dot products and
// updates ran as SSE2 multiply + add with the horizontal sum through memory.
#pragma once

#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PEBENCH_MULTIVERSION __attribute__((target_clones("fma", "default")))
#else
#define PEBENCH_MULTIVERSION
#endif

namespace pebench::simd {

// sum_c a[c] b[c]
PEBENCH_MULTIVERSION static inline float dot(const float* a, const float* b, std::int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (std::int64_t c = 0; c < n; ++c) s += a[c] * b[c];
  return s;
}

// y[c] += alpha x[c]
PEBENCH_MULTIVERSION static inline void axpy(float* y, float alpha, const float* x,
                                             std::int64_t n) {
#pragma omp simd
  for (std::int64_t c = 0; c < n; ++c) y[c] += alpha * x[c];
}

}  // namespace pebench::simd
