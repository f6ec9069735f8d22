// Summary statistics of the values pooled in one table cell (seeds, or a benchmark's
// repetitions): mean, sample standard deviation (n - 1), a 95% confidence interval of the
// mean from Student's t with n - 1 degrees of freedom (Boost.Math), and the median.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace pebench {

struct Summary {
  std::size_t n = 0;
  double mean = 0, median = 0;
  std::optional<double> sd, ci_lo, ci_hi;  // need n >= 2
};

// The summary of `values` (n = 0: all zero, no sd/CI).
Summary summarize(const std::vector<double>& values);

// The (1 + level) / 2 quantile of Student's t with `dof` degrees of freedom: the half-width
// of a two-sided `level` interval is this times sd / sqrt(n). dof >= 1.
double student_t_quantile(double level, std::size_t dof);

}  // namespace pebench
