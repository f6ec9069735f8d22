// Softmax micro-benchmark (`pebench bench softmax`): oneDNN's softmax forward
// (ops/softmax.hpp) against our own row loop (ops/causal_softmax.hpp) on the same full rows,
// plus our loop with a Toeplitz bias and with the causal limit, in one randomly interleaved
// run on the timing machinery of kind speed (bench/timing.hpp); prints own / oneDNN per
// shape at the end. In place (p = s), as attention calls it.
#pragma once

#include <cstdint>
#include <vector>

namespace pebench {

struct SoftmaxShape {
  std::int64_t rows, cols;
};

struct SoftmaxBenchOptions {
  std::vector<SoftmaxShape> shapes = {{8192, 1024}, {2048, 4096}};
  int repetitions = 9;
  double min_time_s = 0.2;
};

int run_softmax_bench(const SoftmaxBenchOptions& options);

}  // namespace pebench
