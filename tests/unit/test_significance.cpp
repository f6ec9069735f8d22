// The tests of `pebench compare` against SciPy 1.10.1 (scipy.stats.mannwhitneyu with
// method="exact" / "asymptotic", scipy.stats.ttest_ind(equal_var=False), and the pooled z
// test by hand with scipy.stats.norm), values printed by SciPy and pasted here.
#include <gtest/gtest.h>

#include <cmath>

#include "compare/significance.hpp"

namespace pebench {
namespace {

TEST(Significance, MannWhitneyExactMatchesScipy) {
  const std::vector<double> a = {10.1, 10.4, 10.2, 10.3, 10.6, 10.5, 10.0, 10.7, 10.35};
  const std::vector<double> b = {11.0, 10.9, 11.3, 10.8, 11.1, 10.45, 11.2, 11.4, 10.95};
  MannWhitney r = mann_whitney_u(a, b);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 3.0);
  EXPECT_NEAR(r.p, 0.00028794734677087616, 1e-12);
  EXPECT_NEAR(mann_whitney_u(b, a).p, r.p, 1e-15);  // two-sided: symmetric
  EXPECT_DOUBLE_EQ(mann_whitney_u(b, a).u, 81 - 3.0);

  r = mann_whitney_u({1, 5, 9}, {2, 3, 4, 8});
  EXPECT_DOUBLE_EQ(r.u, 7.0);
  EXPECT_NEAR(r.p, 0.8571428571428571, 1e-12);
  EXPECT_DOUBLE_EQ(mann_whitney_u({1}, {2}).p, 1.0);

  std::vector<double> x, y;
  for (int i = 0; i < 40; ++i) x.push_back(std::sin(i));
  for (int i = 0; i < 30; ++i) y.push_back(std::sin(1.3 * i) + 0.3);
  r = mann_whitney_u(x, y);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 462.0);
  EXPECT_NEAR(r.p, 0.10297986365214581, 1e-10);
}

TEST(Significance, MannWhitneyAsymptoticWithTiesMatchesScipy) {
  MannWhitney r = mann_whitney_u({1, 2, 2, 3, 3, 3, 4}, {3, 4, 4, 5, 5, 6});
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 3.5);
  EXPECT_NEAR(r.p, 0.012999854364387305, 1e-12);

  std::vector<double> x, y;  // over 50 values: the normal approximation
  for (int i = 0; i < 60; ++i) x.push_back(std::sin(i));
  for (int i = 0; i < 55; ++i) y.push_back(std::sin(1.3 * i) + 0.3);
  r = mann_whitney_u(x, y);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 1256.0);
  EXPECT_NEAR(r.p, 0.027582273577325574, 1e-12);

  EXPECT_DOUBLE_EQ(mann_whitney_u({2, 2, 2}, {2, 2}).p, 1.0);  // all equal
  EXPECT_DOUBLE_EQ(mann_whitney_u({}, {1, 2}).p, 1.0);
}

TEST(Significance, WelchMatchesScipy) {
  EXPECT_NEAR(welch_t_test({41.3, 39.9, 42.8}, {45.1, 44.0, 47.9, 46.2}), 0.013907964586585692,
              1e-10);
  EXPECT_NEAR(welch_t_test({1.0, 1.1}, {1.3, 1.2}), 0.10557280900008428, 1e-10);
  EXPECT_DOUBLE_EQ(welch_t_test({1.0}, {1.3, 1.2}), 1.0);       // one seed: no test
  EXPECT_DOUBLE_EQ(welch_t_test({2.0, 2.0}, {2.0, 2.0}), 1.0);  // identical
  EXPECT_DOUBLE_EQ(welch_t_test({2.0, 2.0}, {3.0, 3.0}), 0.0);  // constant, different
}

TEST(Significance, TwoProportionsByHand) {
  EXPECT_NEAR(two_proportion_test(30, 200, 50, 210), 0.024454034789014437, 1e-12);
  EXPECT_NEAR(two_proportion_test(50, 210, 30, 200), 0.024454034789014437, 1e-12);
  EXPECT_DOUBLE_EQ(two_proportion_test(0, 100, 0, 100), 1.0);
  EXPECT_DOUBLE_EQ(two_proportion_test(5, 0, 3, 10), 1.0);
}

}  // namespace
}  // namespace pebench
