// Two-sample tests for `pebench compare`: Mann-Whitney U (benchmark repetitions), Welch's t
// (a metric over seeds) and the two-proportion z test (error counts of one evaluation).
// Every function returns a two-sided p-value in [0, 1].
#pragma once

#include <cstdint>
#include <vector>

namespace pebench {

struct MannWhitney {
  double u = 0;  // U of the first sample: pairs (a, b) with a > b, ties counted 1/2
  double p = 1;  // two-sided
  bool exact = false;
};

// Exact distribution of U when neither sample has over 50 values and there are no ties;
// otherwise the normal approximation with tie and continuity correction (as SciPy's
// mannwhitneyu, method "exact" / "asymptotic"). Fewer than one value on a side: p = 1.
MannWhitney mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);

// Welch's unequal-variance t test of the means (Welch-Satterthwaite degrees of freedom).
// Needs two values on each side (p = 1 otherwise); zero variance on both sides: p = 0 when
// the means differ, 1 when they are equal.
double welch_t_test(const std::vector<double>& a, const std::vector<double>& b);

// Pooled two-proportion z test of k1/n1 against k2/n2 (p = 1 when a count is empty or the
// pooled proportion is 0 or 1).
double two_proportion_test(std::int64_t k1, std::int64_t n1, std::int64_t k2, std::int64_t n2);

}  // namespace pebench
