// Position generators: sequential and randomized (Ruoss et al. 2023).
#include <gtest/gtest.h>

#include <cmath>

#include "core/positions.hpp"

namespace pebench {
namespace {

TEST(Positions, SequentialWithOffset) {
  EXPECT_EQ(sequential_positions(4, 3), (std::vector<std::int64_t>{3, 4, 5, 6}));
}

TEST(Positions, RandomizedAreSortedDistinctInRangeAndSeeded) {
  Rng a(7), b(7), c(8);
  const auto p = randomized_positions(64, 1024, a);
  ASSERT_EQ(p.size(), 64u);
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_GE(p[i], 0);
    EXPECT_LT(p[i], 1024);
    if (i) {
      EXPECT_LT(p[i - 1], p[i]);  // sorted, no repeats
    }
  }
  EXPECT_EQ(p, randomized_positions(64, 1024, b));
  EXPECT_NE(p, randomized_positions(64, 1024, c));
  Rng d(1);
  EXPECT_EQ(randomized_positions(5, 5, d), sequential_positions(5));  // the only 5-subset of 5
  EXPECT_THROW(randomized_positions(6, 5, d), std::invalid_argument);
}

TEST(Positions, RandomizedSubsetsAreUniform) {
  // Each value of [0, 32) is in a 8-subset with probability 1/4: count over 4000 draws.
  Rng rng(3);
  std::vector<int> hits(32, 0);
  const int draws = 4000;
  for (int n = 0; n < draws; ++n)
    for (auto x : randomized_positions(8, 32, rng)) ++hits[x];
  for (int v = 0; v < 32; ++v) {
    const double expected = draws * 0.25, sd = std::sqrt(draws * 0.25 * 0.75);
    EXPECT_NEAR(hits[v], expected, 5 * sd) << "value " << v;
  }
}

}  // namespace
}  // namespace pebench
