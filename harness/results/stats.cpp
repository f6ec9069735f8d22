#include "results/stats.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <stdexcept>

namespace pebench {

double student_t_quantile(double level, std::size_t dof) {
  if (dof == 0 || !(level > 0 && level < 1))
    throw std::invalid_argument("student_t_quantile: needs dof >= 1 and 0 < level < 1");
  const boost::math::students_t t(static_cast<double>(dof));
  return boost::math::quantile(t, 0.5 + level / 2);
}

Summary summarize(const std::vector<double>& values) {
  Summary s;
  s.n = values.size();
  if (s.n == 0) return s;
  for (double v : values) s.mean += v / double(s.n);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  s.median = s.n % 2 ? sorted[s.n / 2] : (sorted[s.n / 2 - 1] + sorted[s.n / 2]) / 2;
  if (s.n < 2) return s;
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(ss / double(s.n - 1));
  const double half = student_t_quantile(0.95, s.n - 1) * *s.sd / std::sqrt(double(s.n));
  s.ci_lo = s.mean - half, s.ci_hi = s.mean + half;
  return s;
}

}  // namespace pebench
