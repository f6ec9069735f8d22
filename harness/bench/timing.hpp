// The one timing machinery of pebench (kind speed and `pebench bench softmax`): Google
// Benchmark with benchmarks registered at run time, repetitions randomly interleaved (so
// drift hits all alike), each repetition at least min_time_s, and per benchmark the
// median, p25/p75 (IQR), mean, stddev (cv) of the repetitions' real time per iteration.
// Warm-up is the caller's: run one untimed step before the timed loop (JIT, primitive
// creation, caches, first-touch page faults).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pebench {

struct TimingStats {
  double median_ms = 0, p25_ms = 0, p75_ms = 0, mean_ms = 0, stddev_ms = 0;
  std::vector<double> repetitions_ms;  // real time per iteration of every repetition
  std::int64_t iterations = 0;         // per repetition
  bool measured = false;               // a median was reported (false: skipped or failed)
  std::string error;                   // what SkipWithError said
  double cv() const { return mean_ms > 0 ? stddev_ms / mean_ms : 0.0; }
};

struct TimedBenchmark {
  std::string name;  // unique
  std::function<void(benchmark::State&)> body;
};

struct TimingOptions {
  int repetitions = 9;
  double min_time_s = 0.2;
  std::string json_out;  // Google Benchmark's own JSON of every repetition ("" = none)
  std::vector<std::pair<std::string, std::string>> context;  // added to that JSON's context
};

// Runs the benchmarks (console output as Google Benchmark prints it) and returns the
// statistics by name.
std::map<std::string, TimingStats> run_timed(const std::vector<TimedBenchmark>& benchmarks,
                                             const TimingOptions& options);

// Linear-interpolated percentile (p in [0, 1]) and the median of a sample.
double percentile(std::vector<double> values, double p);
inline double median(std::vector<double> values) {
  return percentile(std::move(values), 0.5);
}

}  // namespace pebench
