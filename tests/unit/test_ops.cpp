// Ops against naive double-precision loops.
// How to add a case: call the op on random data, compute the same thing with a
// plain loop in double, compare with the op's tolerance from tolerances.hpp.
#include <gtest/gtest.h>

#include "ops/matmul.hpp"
#include "ops/softmax.hpp"
#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

using test::random_vector;
using test::scaled_error;

struct MatmulCase {
  const char* name;
  bool transpose_a, transpose_b, accumulate, with_add;
  float alpha;
};

class MatmulTest : public ::testing::TestWithParam<MatmulCase> {};

TEST_P(MatmulTest, MatchesNaiveLoop) {
  const MatmulCase& p = GetParam();
  const std::int64_t batch = 3, m = 17, n = 23, k = 9;
  auto a = random_vector(batch * m * k, 1), b = random_vector(batch * k * n, 2);
  auto c = random_vector(batch * m * n, 3), add = random_vector(batch * m * n, 4);
  std::vector<double> ref(c.size());
  for (std::int64_t s = 0; s < batch; ++s)
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (std::int64_t e = 0; e < k; ++e) {
          const double av = p.transpose_a ? a[s * m * k + e * m + i] : a[s * m * k + i * k + e];
          const double bv = p.transpose_b ? b[s * k * n + j * k + e] : b[s * k * n + e * n + j];
          acc += av * bv;
        }
        const std::int64_t o = s * m * n + i * n + j;
        ref[o] = p.alpha * acc + (p.with_add ? add[o] : 0.0) + (p.accumulate ? c[o] : 0.0);
      }
  MatmulShape shape = MatmulShape::dense(batch, m, n, k, p.transpose_a, p.transpose_b);
  shape.alpha = p.alpha;
  shape.accumulate = p.accumulate;
  matmul(shape, a.data(), b.data(), c.data(), p.with_add ? add.data() : nullptr);
  EXPECT_LT(scaled_error(c, ref), tol::kMatmul) << p.name;
}

INSTANTIATE_TEST_SUITE_P(
    Variants, MatmulTest,
    ::testing::Values(MatmulCase{"plain", false, false, false, false, 1.0f},
                      MatmulCase{"transposed_a", true, false, false, false, 1.0f},
                      MatmulCase{"transposed_b", false, true, false, false, 1.0f},
                      MatmulCase{"alpha_accumulate", true, false, true, false, 0.37f},
                      MatmulCase{"alpha_add", false, true, false, true, 0.125f},
                      MatmulCase{"add_accumulate", false, false, true, true, 2.0f}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Matmul, StridedRowBlockOfLargerTensor) {
  // C rows [5, 12) of a (2, 20, 6) tensor = A rows [5,12) of (2, 20, 4) times B (2, 4, 6).
  const std::int64_t batch = 2, rows = 20, k = 4, n = 6, r0 = 5, m = 7;
  auto a = random_vector(batch * rows * k, 5), b = random_vector(batch * k * n, 6);
  std::vector<float> c(batch * rows * n, 0.0f);
  MatmulShape s;
  s.batch = batch, s.m = m, s.n = n, s.k = k;
  s.a_strides = {rows * k, k, 1};
  s.b_strides = {k * n, n, 1};
  s.c_strides = {rows * n, n, 1};
  matmul(s, a.data() + r0 * k, b.data(), c.data() + r0 * n);
  for (std::int64_t q = 0; q < batch; ++q)
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double ref = 0;
        if (i >= r0 && i < r0 + m)
          for (std::int64_t e = 0; e < k; ++e)
            ref += double(a[(q * rows + i) * k + e]) * b[(q * k + e) * n + j];
        EXPECT_NEAR(c[(q * rows + i) * n + j], ref, 1e-5);
      }
}

TEST(Softmax, ForwardAndBackwardMatchNaiveLoops) {
  const std::int64_t rows = 37, cols = 301;
  auto s = random_vector(rows * cols, 7, 4.0);
  for (std::int64_t r = 0; r < rows; ++r)  // masked tails, as attention produces
    for (std::int64_t j = r * 7 + 1; j < cols; ++j) s[r * cols + j] = -INFINITY;
  auto dp = random_vector(rows * cols, 8);
  std::vector<double> p_ref(s.size()), ds_ref(s.size());
  for (std::int64_t r = 0; r < rows; ++r) {
    double mx = -INFINITY, sum = 0, dot = 0;
    for (std::int64_t j = 0; j < cols; ++j) mx = std::max(mx, double(s[r * cols + j]));
    for (std::int64_t j = 0; j < cols; ++j)
      sum += p_ref[r * cols + j] = std::exp(s[r * cols + j] - mx);
    for (std::int64_t j = 0; j < cols; ++j) p_ref[r * cols + j] /= sum;
    for (std::int64_t j = 0; j < cols; ++j) dot += p_ref[r * cols + j] * dp[r * cols + j];
    for (std::int64_t j = 0; j < cols; ++j)
      ds_ref[r * cols + j] = p_ref[r * cols + j] * (dp[r * cols + j] - dot);
  }
  std::vector<float> p(s.size()), ds(s.size());
  softmax_forward(p.data(), s.data(), rows, cols);
  EXPECT_LT(scaled_error(p, p_ref), tol::kSoftmaxForward);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = r * 7 + 1; j < cols; ++j) ASSERT_EQ(p[r * cols + j], 0.0f);
  softmax_backward(ds.data(), p.data(), dp.data(), rows, cols);
  EXPECT_LT(scaled_error(ds, ds_ref), tol::kSoftmaxBackward);
  // In place (dS aliasing dP) gives the same result.
  softmax_backward(dp.data(), p.data(), dp.data(), rows, cols);
  EXPECT_EQ(dp, ds);
}

}  // namespace
}  // namespace pebench
