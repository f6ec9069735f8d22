// What `pebench compare` tests in one row: each kind says which of its figures matter and
// how they may be tested (SuiteKind::compared_metrics; compare/compare.hpp applies the rules).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pebench {

struct ComparedMetric {
  enum class Test {
    kRepetitions,  // samples are repetitions of one measurement: Mann-Whitney U on them
    kSeeds,        // one value per seed, pooled over the seeds of a case: Welch's t; with one
                   // seed a side, the two-proportion test on `errors`/`trials` where given
    kExact,        // a deterministic figure (bytes held, parameters): any change beyond
                   // `tolerance` (a ratio; 1 = exact) counts, no test needed
  };
  std::string name;  // "ms_per_step", "error_rate_pct", ...
  Test test = Test::kExact;
  bool lower_is_better = true;
  double value = 0;                            // the row's figure (a median for repetitions)
  std::vector<double> samples;                 // kRepetitions: every repetition
  std::optional<std::int64_t> errors, trials;  // kSeeds: counts behind `value`
  double min_difference = 0;  // kSeeds, kExact: a smaller change is never flagged
  // kExact: the ratio allowed either way (1 = any change); none: compare's --max-ratio.
  std::optional<double> tolerance = 1.0;
  // Absolute times: comparable only between rows of the same CPU model, ISA and threads.
  bool machine_bound = false;
  int decimals = 3;  // how the summary prints the value
};

}  // namespace pebench
