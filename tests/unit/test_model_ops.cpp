// The model's ops (linear, layer norm, GELU, cross-entropy, embedding) against naive
// double-precision loops. How to add a case: run the op on random data, compute
// the same with a loop in double, compare with the op's tolerance.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "ops/cross_entropy.hpp"
#include "ops/dropout.hpp"
#include "ops/embedding.hpp"
#include "ops/gelu.hpp"
#include "ops/layer_norm.hpp"
#include "ops/linear.hpp"
#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

using test::random_vector;
using test::scaled_error;

TEST(Linear, ForwardAndBackwardMatchLoops) {
  const std::int64_t M = 13, K = 7, N = 5;
  auto x = random_vector(M * K, 1), w = random_vector(K * N, 2), b = random_vector(N, 3);
  auto dy = random_vector(M * N, 4);
  std::vector<float> y(M * N);
  linear_forward(y.data(), x.data(), w.data(), b.data(), {M, K, N});
  // Gradients start at 1: the backward must accumulate.
  std::vector<float> dx(M * K, 1.0f), dw(K * N, 1.0f), db(N, 1.0f);
  linear_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), {M, K, N});
  std::vector<double> y_ref(M * N), dx_ref(M * K, 1.0), dw_ref(K * N, 1.0), db_ref(N, 1.0);
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t j = 0; j < N; ++j) {
      double acc = b[j];
      for (std::int64_t e = 0; e < K; ++e) {
        acc += double(x[i * K + e]) * w[e * N + j];
        dx_ref[i * K + e] += double(dy[i * N + j]) * w[e * N + j];
        dw_ref[e * N + j] += double(x[i * K + e]) * dy[i * N + j];
      }
      y_ref[i * N + j] = acc;
      db_ref[j] += dy[i * N + j];
    }
  EXPECT_LT(scaled_error(y, y_ref), tol::kMatmul);
  EXPECT_LT(scaled_error(dx, dx_ref), tol::kMatmul);
  EXPECT_LT(scaled_error(dw, dw_ref), tol::kMatmul);
  EXPECT_LT(scaled_error(db, db_ref), tol::kMatmul);
}

TEST(LayerNorm, ForwardAndBackwardMatchLoops) {
  const std::int64_t R = 9, C = 16;
  auto x = random_vector(R * C, 5, 3.0), g = random_vector(C, 6), b = random_vector(C, 7);
  auto dy = random_vector(R * C, 8);
  std::vector<float> y(R * C), mean(R), var(R);
  layer_norm_forward(y.data(), mean.data(), var.data(), x.data(), g.data(), b.data(), R, C);
  std::vector<float> dx(R * C, 1.0f), dg(C, 1.0f), db(C, 1.0f);
  layer_norm_backward(dx.data(), dg.data(), db.data(), dy.data(), x.data(), g.data(), b.data(),
                      mean.data(), var.data(), R, C);
  std::vector<double> y_ref(R * C), dx_ref(R * C, 1.0), dg_ref(C, 1.0), db_ref(C, 1.0);
  for (std::int64_t r = 0; r < R; ++r) {
    double mu = 0, v = 0;
    for (std::int64_t c = 0; c < C; ++c) mu += x[r * C + c];
    mu /= C;
    for (std::int64_t c = 0; c < C; ++c) v += (x[r * C + c] - mu) * (x[r * C + c] - mu);
    v /= C;
    const double inv = 1.0 / std::sqrt(v + kLayerNormEps);
    // dx = inv * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g
    double mean_d = 0, mean_dx = 0;
    for (std::int64_t c = 0; c < C; ++c) {
      const double xhat = (x[r * C + c] - mu) * inv, dxhat = double(dy[r * C + c]) * g[c];
      y_ref[r * C + c] = xhat * g[c] + b[c];
      dg_ref[c] += dy[r * C + c] * xhat;
      db_ref[c] += dy[r * C + c];
      mean_d += dxhat / C;
      mean_dx += dxhat * xhat / C;
    }
    for (std::int64_t c = 0; c < C; ++c) {
      const double xhat = (x[r * C + c] - mu) * inv, dxhat = double(dy[r * C + c]) * g[c];
      dx_ref[r * C + c] += inv * (dxhat - mean_d - xhat * mean_dx);
    }
  }
  EXPECT_LT(scaled_error(y, y_ref), 1e-5);
  EXPECT_LT(scaled_error(dx, dx_ref), 1e-5);
  EXPECT_LT(scaled_error(dg, dg_ref), 1e-5);
  EXPECT_LT(scaled_error(db, db_ref), 1e-5);
}

// Inverted dropout: the kept fraction is 1 - p (within 5 standard errors over 1M
// elements), kept entries are scaled by 1 / (1 - p), dropped ones are 0; the mask depends on
// the seed alone (not on the thread count); the backward passes the gradient where kept.
TEST(Dropout, KeepsOneMinusPScaledAndIsAFunctionOfTheSeed) {
  const std::int64_t n = 1 << 20;
  const double p = 0.3;
  std::vector<float> x(n), y(n), y1(n), dx(n);
  for (std::int64_t i = 0; i < n; ++i) x[i] = 1.0f + float(i % 7);
  std::vector<std::uint8_t> keep(n), keep1(n), keep2(n);
  // p resolves to 19661 / 65536; the scale is 1 / P(kept) of it, so E[y] = x exactly.
  const float scale = static_cast<float>(65536.0 / (65536.0 - 19661.0));
  dropout_forward(y.data(), keep.data(), x.data(), n, p, 42);
  std::int64_t kept = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    kept += keep[i];
    EXPECT_EQ(y[i], keep[i] ? x[i] * scale : 0.0f) << i;
  }
  const double se = std::sqrt(p * (1 - p) / double(n));
  EXPECT_NEAR(double(kept) / double(n), 1 - p, 5 * se);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  dropout_forward(y1.data(), keep1.data(), x.data(), n, p, 42);
  omp_set_num_threads(threads);
  EXPECT_EQ(keep1, keep);
  dropout_forward(y1.data(), keep2.data(), x.data(), n, p, 43);
  EXPECT_NE(keep2, keep);
  // Neighbouring elements are not correlated (4 elements share one 64-bit draw).
  std::int64_t both = 0;
  for (std::int64_t i = 0; i + 1 < n; ++i) both += keep[i] && keep[i + 1];
  EXPECT_NEAR(double(both) / double(n - 1), (1 - p) * (1 - p), 10 * se);
  dropout_backward(dx.data(), x.data(), keep.data(), n, p);
  EXPECT_EQ(dx, y);
  EXPECT_THROW(dropout_forward(y.data(), keep.data(), x.data(), n, 1.0, 1), std::invalid_argument);
}

// dropout_apply (no mask kept: attention probabilities) draws element first + i of the same
// stream as dropout_forward, from any first element (4 elements share one 64-bit word), in
// place or not.
TEST(Dropout, ApplyDrawsTheForwardsMaskFromAnyElement) {
  const std::int64_t n = 203;
  std::vector<float> x(n), full(n);
  for (std::int64_t i = 0; i < n; ++i) x[i] = 0.5f + float(i % 5);
  std::vector<std::uint8_t> keep(n);
  dropout_forward(full.data(), keep.data(), x.data(), n, 0.3, 42);
  for (const std::int64_t first : {0, 1, 2, 3, 5, 27, 100}) {
    const std::int64_t count = n - first;
    std::vector<float> part(count);
    dropout_apply(part.data(), x.data() + first, count, 0.3, 42, std::uint64_t(first));
    for (std::int64_t i = 0; i < count; ++i)
      ASSERT_EQ(part[i], full[first + i]) << first << " " << i;
    std::vector<float> in_place(x.begin() + first, x.end());
    dropout_apply(in_place.data(), in_place.data(), count, 0.3, 42, std::uint64_t(first));
    EXPECT_EQ(in_place, part) << first;
  }
  std::vector<float> other(n);
  dropout_apply(other.data(), x.data(), n, 0.3, 43, 0);
  EXPECT_NE(other, full);
  EXPECT_THROW(dropout_apply(other.data(), x.data(), n, 1.0, 1, 0), std::invalid_argument);
}

TEST(Gelu, ErfFormAndDerivative) {
  const std::int64_t n = 257;
  auto x = random_vector(n, 9, 3.0), dy = random_vector(n, 10);
  std::vector<float> y(n), dx(n);
  gelu_forward(y.data(), x.data(), n);
  gelu_backward(dx.data(), dy.data(), x.data(), n);
  std::vector<double> y_ref(n), dx_ref(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = x[i], cdf = 0.5 * (1 + std::erf(v / std::sqrt(2.0)));
    const double pdf = std::exp(-0.5 * v * v) / std::sqrt(2 * M_PI);
    y_ref[i] = v * cdf;
    dx_ref[i] = dy[i] * (cdf + v * pdf);
  }
  EXPECT_LT(scaled_error(y, y_ref), 1e-5);
  EXPECT_LT(scaled_error(dx, dx_ref), 1e-5);
}

TEST(CrossEntropy, MaskedMeanAndGradient) {
  const std::int64_t R = 6, V = 11;
  auto logits = random_vector(R * V, 11, 4.0);
  std::vector<std::int32_t> targets{3, 0, 10, 5, 5, 7};
  std::vector<float> mask{1, 0, 1, 1, 0, 1};
  std::vector<float> logp(R * V), dlogits(R * V, 1.0f);
  const double loss =
      cross_entropy_forward(logp.data(), logits.data(), targets.data(), mask.data(), R, V);
  cross_entropy_backward(dlogits.data(), logp.data(), targets.data(), mask.data(), R, V);
  double loss_ref = 0;
  std::vector<double> d_ref(R * V, 1.0);
  for (std::int64_t r = 0; r < R; ++r) {
    double mx = -1e300, sum = 0;
    for (std::int64_t j = 0; j < V; ++j) mx = std::max(mx, double(logits[r * V + j]));
    for (std::int64_t j = 0; j < V; ++j) sum += std::exp(logits[r * V + j] - mx);
    if (mask[r] == 0) continue;
    loss_ref += -(logits[r * V + targets[r]] - mx - std::log(sum)) / 4.0;
    for (std::int64_t j = 0; j < V; ++j)
      d_ref[r * V + j] += (std::exp(logits[r * V + j] - mx) / sum - (j == targets[r])) / 4.0;
  }
  EXPECT_NEAR(loss, loss_ref, 1e-6 * (1 + loss_ref));
  EXPECT_LT(scaled_error(dlogits, d_ref), 1e-6);
  std::vector<std::int32_t> bad{3, 0, 11, 5, 5, 7};
  EXPECT_THROW(cross_entropy_forward(logp.data(), logits.data(), bad.data(), mask.data(), R, V),
               std::out_of_range);
}

TEST(Embedding, GatherAndScatterAdd) {
  const std::int64_t V = 5, D = 3;
  auto table = random_vector(V * D, 12);
  std::vector<std::int32_t> tokens{4, 1, 4};
  std::vector<float> x(3 * D), dtable(V * D, 0.0f), dx(3 * D, 1.0f);
  embedding_forward(x.data(), table.data(), tokens.data(), 3, V, D);
  for (std::int64_t c = 0; c < D; ++c) EXPECT_EQ(x[D + c], table[1 * D + c]);
  embedding_backward(dtable.data(), dx.data(), tokens.data(), 3, D);
  EXPECT_EQ(dtable[4 * D], 2.0f);
  EXPECT_EQ(dtable[1 * D], 1.0f);
  EXPECT_EQ(dtable[0], 0.0f);
  std::vector<std::int32_t> bad{5};
  EXPECT_THROW(embedding_forward(x.data(), table.data(), bad.data(), 1, V, D), std::out_of_range);
}

}  // namespace
}  // namespace pebench
