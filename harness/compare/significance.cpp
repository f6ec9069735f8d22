#include "compare/significance.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

namespace pebench {
namespace {

double normal_two_sided(double z) {
  const boost::math::normal n;
  return std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(n, std::fabs(z))));
}

// Number of arrangements of n1 + n2 distinct values with each U = 0 .. n1 n2 (the
// recurrence of Mann & Whitney 1947), as a probability distribution.
std::vector<double> u_distribution(std::size_t n1, std::size_t n2) {
  // f[m][u] for the current n1 = i over m = 0..n2 second-sample values.
  const std::size_t umax = n1 * n2;
  std::vector<std::vector<double>> prev(n2 + 1, std::vector<double>(umax + 1, 0.0)), cur = prev;
  for (std::size_t m = 0; m <= n2; ++m) prev[m][0] = 1;  // i = 0: U = 0 in one way
  for (std::size_t i = 1; i <= n1; ++i) {
    for (auto& row : cur) std::fill(row.begin(), row.end(), 0.0);
    cur[0][0] = 1;  // m = 0: U = 0
    for (std::size_t m = 1; m <= n2; ++m)
      for (std::size_t u = 0; u <= i * m; ++u)
        // The largest value is from the first sample (it beats all m) or from the second.
        cur[m][u] = (u >= m ? prev[m][u - m] : 0.0) + cur[m - 1][u];
    std::swap(prev, cur);
  }
  std::vector<double> dist = prev[n2];
  double total = 0;
  for (double c : dist) total += c;
  for (double& c : dist) c /= total;
  return dist;
}

}  // namespace

MannWhitney mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
  MannWhitney r;
  const std::size_t n1 = a.size(), n2 = b.size();
  if (n1 == 0 || n2 == 0) return r;
  // Ranks of the pooled sample, ties given their mean rank.
  std::vector<std::pair<double, int>> all;
  for (double v : a) all.push_back({v, 0});
  for (double v : b) all.push_back({v, 1});
  std::sort(all.begin(), all.end());
  const std::size_t n = all.size();
  double rank_sum_a = 0, tie_term = 0;
  bool ties = false;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && all[j].first == all[i].first) ++j;
    const double t = double(j - i), mean_rank = (double(i + 1) + double(j)) / 2;
    if (t > 1) ties = true, tie_term += t * t * t - t;
    for (std::size_t k = i; k < j; ++k)
      if (all[k].second == 0) rank_sum_a += mean_rank;
    i = j;
  }
  r.u = rank_sum_a - double(n1) * double(n1 + 1) / 2;
  const double mean_u = double(n1) * double(n2) / 2;
  if (!ties && n1 <= 50 && n2 <= 50) {
    const std::vector<double> dist = u_distribution(n1, n2);
    const auto u_big = static_cast<std::size_t>(std::llround(std::max(r.u, 2 * mean_u - r.u)));
    double upper = 0;  // P(U >= max(U, U')): the distribution is symmetric
    for (std::size_t u = u_big; u < dist.size(); ++u) upper += dist[u];
    r.p = std::min(1.0, 2 * upper), r.exact = true;
    return r;
  }
  const double var =
      double(n1) * double(n2) / 12 * ((double(n) + 1) - tie_term / (double(n) * double(n - 1)));
  if (var <= 0) return r;                                                // every value equal
  const double distance = std::max(0.0, std::fabs(r.u - mean_u) - 0.5);  // continuity
  r.p = normal_two_sided(distance / std::sqrt(var));
  return r;
}

double welch_t_test(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2 || b.size() < 2) return 1;
  auto moments = [](const std::vector<double>& x) {
    double m = 0, ss = 0;
    for (double v : x) m += v / double(x.size());
    for (double v : x) ss += (v - m) * (v - m);
    return std::pair{m, ss / double(x.size() - 1)};
  };
  const auto [ma, va] = moments(a);
  const auto [mb, vb] = moments(b);
  const double sa = va / double(a.size()), sb = vb / double(b.size());
  if (sa + sb == 0) return ma == mb ? 1.0 : 0.0;
  const double t = (ma - mb) / std::sqrt(sa + sb);
  const double dof =
      (sa + sb) * (sa + sb) / (sa * sa / double(a.size() - 1) + sb * sb / double(b.size() - 1));
  const boost::math::students_t dist(dof);
  return std::min(1.0, 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(t))));
}

double two_proportion_test(std::int64_t k1, std::int64_t n1, std::int64_t k2, std::int64_t n2) {
  if (n1 <= 0 || n2 <= 0) return 1;
  const double p1 = double(k1) / double(n1), p2 = double(k2) / double(n2);
  const double pooled = double(k1 + k2) / double(n1 + n2);
  if (pooled <= 0 || pooled >= 1) return 1;
  const double se = std::sqrt(pooled * (1 - pooled) * (1.0 / double(n1) + 1.0 / double(n2)));
  return normal_two_sided((p1 - p2) / se);
}

}  // namespace pebench
