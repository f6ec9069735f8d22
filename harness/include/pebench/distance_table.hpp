// pebench SDK: helpers for static biases that depend on the distance qpos_i - kpos_j only
// (T5, KERPLE, Sandwich, ...): fill a small per-head table over the distances a block
// spans, gather it into the bias, and reduce dbias back to per-distance sums.
//
//   table[h * range.size() + (qpos_i - kpos_j - range.min)]  <->  bias[h, i, j]
//
// When kpos_j = kpos_0 + j (the usual case) the gather reads the table backwards
// contiguously; otherwise it indexes by position. Uses OpenMP when the plugin is built
// with it (pebench_add_encoding links it).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "pebench/view.hpp"

namespace pebench {

// The distances qpos_i - kpos_j of a block span [min, max].
struct DistanceRange {
  std::int64_t min = 0, max = -1;
  std::int64_t size() const { return max - min + 1; }
};

inline DistanceRange distance_range(Positions q, Positions k) {
  if (q.size == 0 || k.size == 0) return {};
  const auto [qmin, qmax] = std::minmax_element(q.data, q.data + q.size);
  const auto [kmin, kmax] = std::minmax_element(k.data, k.data + k.size);
  return {*qmin - *kmax, *qmax - *kmin};
}

// True when kpos_j = kpos_0 + j.
inline bool contiguous(Positions k) {
  for (std::int64_t j = 1; j < k.size; ++j)
    if (k[j] != k[0] + j) return false;
  return true;
}

// bias[h, i, j] = table[h * range.size() + (qpos_i - kpos_j - range.min)].
inline void gather_by_distance(Span<3> bias, Positions qpos, Positions kpos,
                               const DistanceRange& range, const float* table) {
  const std::int64_t H = bias.size(0), Tq = bias.size(1), Tk = bias.size(2), nd = range.size();
  const bool dense = contiguous(kpos);
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t h = 0; h < H; ++h)
    for (std::int64_t i = 0; i < Tq; ++i) {
      float* row = bias.row(h, i);
      const float* t = table + h * nd + (qpos[i] - range.min);
      if (dense) {
        const float* base = t - kpos[0];  // base[-j]: distance qpos_i - (kpos_0 + j)
        for (std::int64_t j = 0; j < Tk; ++j) row[j] = base[-j];
      } else {
        for (std::int64_t j = 0; j < Tk; ++j) row[j] = t[-kpos[j]];
      }
    }
}

// sums[h * range.size() + e] = sum of dbias[h, i, j] over qpos_i - kpos_j = range.min + e,
// accumulated in double, one head per thread in a fixed order (deterministic).
inline std::vector<double> sum_by_distance(ConstSpan<3> dbias, Positions qpos, Positions kpos,
                                           const DistanceRange& range) {
  const std::int64_t H = dbias.size(0), Tq = dbias.size(1), Tk = dbias.size(2), nd = range.size();
  std::vector<double> sums(static_cast<std::size_t>(H * std::max<std::int64_t>(nd, 0)), 0.0);
  const bool dense = contiguous(kpos);
#pragma omp parallel for schedule(static)
  for (std::int64_t h = 0; h < H; ++h)
    for (std::int64_t i = 0; i < Tq; ++i) {
      const float* g = dbias.row(h, i);
      double* s = sums.data() + h * nd + (qpos[i] - range.min);
      if (dense) {
        double* base = s - kpos[0];
        for (std::int64_t j = 0; j < Tk; ++j) base[-j] += g[j];
      } else {
        for (std::int64_t j = 0; j < Tk; ++j) s[-kpos[j]] += g[j];
      }
    }
  return sums;
}

}  // namespace pebench
