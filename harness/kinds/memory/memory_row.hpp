// Row metrics of kind memory (docs/rows.md): one row per case, each from a fresh process.
//   encoding_parameters  trainable parameters the encoding adds (whole model: all layers)
//   held_bytes           heap bytes in use after a forward minus before it, once a first step
//                        has run (JIT, primitives, bias caches exist) and what it saved was
//                        freed: training modes, what the step keeps for its backward (the
//                        model's also its step scratch: qkv, logits); inference modes,
//                        attention alone ~0, the model its layer buffers but no probabilities
//   workload_bytes       heap in use after that forward minus before the workload existed
//   peak_rss_bytes       getrusage peak resident size of the process after two steps
//   base_rss_bytes       resident size before the workload was built (binary, libraries)
//   case_peak_bytes      peak_rss_bytes - base_rss_bytes: the case's own peak
#pragma once

#include <cstdint>
#include <optional>

#include "bench/workload_shape.hpp"

namespace pebench {

struct MemoryMetrics : BenchShapeFields {
  std::optional<std::int64_t> encoding_parameters, held_bytes, workload_bytes, peak_rss_bytes,
      base_rss_bytes, case_peak_bytes;
};
PEBENCH_JSON_FIELDS(MemoryMetrics, PEBENCH_BENCH_SHAPE_FIELDS, encoding_parameters, held_bytes,
                    workload_bytes, peak_rss_bytes, base_rss_bytes, case_peak_bytes)

}  // namespace pebench
