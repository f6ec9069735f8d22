// Row metrics of kind speed (docs/rows.md): one row per case (encoding x mode x shape).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bench/workload_shape.hpp"

namespace pebench {

struct SpeedMetrics : BenchShapeFields {
  std::optional<double> median_ms, p25_ms, p75_ms, iqr_ms;  // per step, over repetitions
  std::optional<double> cv;                                 // stddev / mean of repetitions
  std::optional<bool> unstable;                             // cv > kUnstableCv
  std::optional<std::int64_t> repetitions, iterations;      // iterations per repetition
  std::vector<double> repetition_ms;                        // each repetition's time per step
  std::optional<double> tokens_per_s;                       // B T / median
  std::optional<double> flops, gflops;                      // bench/workload.hpp's count
  std::optional<double> nope_median_ms, ratio_vs_nope;      // nope at this shape, same process
  std::vector<double> nope_repetition_ms;  // nope's repetitions, in the same rounds as ours
  std::optional<double> gemm_median_ms, ratio_vs_gemm;  // a same-FLOP GEMM, same process
};
PEBENCH_JSON_FIELDS(SpeedMetrics, PEBENCH_BENCH_SHAPE_FIELDS, median_ms, p25_ms, p75_ms, iqr_ms, cv,
                    unstable, repetitions, iterations, repetition_ms, tokens_per_s, flops, gflops,
                    nope_median_ms, nope_repetition_ms, ratio_vs_nope, gemm_median_ms,
                    ratio_vs_gemm)

}  // namespace pebench
