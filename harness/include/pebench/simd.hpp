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

// y[c] += alpha for c < n (a constant added to a run of logits)
PEBENCH_MULTIVERSION static inline void add(float* y, float alpha, std::int64_t n) {
#pragma omp simd
  for (std::int64_t c = 0; c < n; ++c) y[c] += alpha;
}

// sum_c x[c]
PEBENCH_MULTIVERSION static inline float sum(const float* x, std::int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (std::int64_t c = 0; c < n; ++c) s += x[c];
  return s;
}

// out[t] = sum_c x[c] table[t * d + c] for t < n: n dot products of one vector with the
// rows of a (n, d) table. Four rows at a time: one dot is a chain of dependent multiply-adds
// (4-cycle latency each), four are independent chains and share the loads of x (shaw's
// 2k+1 = 33 dots of d = 64 per query row took 2.3 ns per visible key at T=256, one at a time).
PEBENCH_MULTIVERSION static inline void dots(float* out, const float* x, const float* table,
                                             std::int64_t n, std::int64_t d) {
  std::int64_t t = 0;
  for (; t + 4 <= n; t += 4) {
    const float *a0 = table + t * d, *a1 = a0 + d, *a2 = a1 + d, *a3 = a2 + d;
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
    for (std::int64_t c = 0; c < d; ++c) {
      s0 += x[c] * a0[c];
      s1 += x[c] * a1[c];
      s2 += x[c] * a2[c];
      s3 += x[c] * a3[c];
    }
    out[t] = s0, out[t + 1] = s1, out[t + 2] = s2, out[t + 3] = s3;
  }
  for (; t < n; ++t) {
    const float* a = table + t * d;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (std::int64_t c = 0; c < d; ++c) s += x[c] * a[c];
    out[t] = s;
  }
}

// y[c] += sum_t w[t] table[t * d + c] for c < d: a weighted sum of the rows of a (n, d)
// table. y is held in registers, kBlock floats at a time, across all n rows (one axpy per
// row loads and stores y n times).
PEBENCH_MULTIVERSION static inline void axpys(float* y, const float* w, const float* table,
                                              std::int64_t n, std::int64_t d) {
  constexpr std::int64_t kBlock = 32;
  std::int64_t c0 = 0;
  for (; c0 + kBlock <= d; c0 += kBlock) {
    float acc[kBlock];
#pragma omp simd
    for (std::int64_t l = 0; l < kBlock; ++l) acc[l] = y[c0 + l];
    for (std::int64_t t = 0; t < n; ++t) {
      const float wt = w[t];
      const float* a = table + t * d + c0;
#pragma omp simd
      for (std::int64_t l = 0; l < kBlock; ++l) acc[l] += wt * a[l];
    }
#pragma omp simd
    for (std::int64_t l = 0; l < kBlock; ++l) y[c0 + l] = acc[l];
  }
  for (std::int64_t t = 0; t < n && c0 < d; ++t) {
    const float wt = w[t];
    const float* a = table + t * d;
#pragma omp simd
    for (std::int64_t c = c0; c < d; ++c) y[c] += wt * a[c];
  }
}

}  // namespace pebench::simd
