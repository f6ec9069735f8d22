// Golden tests of `shaw` (Shaw et al. 2018, relative position representations) on a
// hand-computed tiny case: 2 heads, T = 4, d = 2, clip k = 2, so distances 0, -1 and
// <= -2 use table rows r = 2, 1, 0 (r = clip(j - i, -k, k) + k).
//   aK rows: r0 = (1,0), r1 = (0,1), r2 = (1,1), r3 = (5,5), r4 = (7,7)  (r3, r4: j > i)
//   aV rows: r0 = (1,0), r1 = (0,1), r2 = (2,3), r3 = r4 = (9,9)
// How to add a case: write the expected integers by hand in a table like kKeyDots,
// then compare through the plugin's hooks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

constexpr std::int64_t kH = 2, kT = 4, kD = 2;
const float kInf = std::numeric_limits<float>::infinity();
const double kScale = 1.0 / std::sqrt(2.0);  // 1/sqrt(d)

std::shared_ptr<Encoding> tiny_shaw(bool values = true) {
  Config c;
  c.set("k", std::int64_t{2});
  c.set("values", values);
  auto enc = test::make_encoding("shaw", kH, kD, c);
  auto params = enc->parameters();
  EXPECT_EQ(params.size(), values ? 2u : 1u);
  const float ak[5][2] = {{1, 0}, {0, 1}, {1, 1}, {5, 5}, {7, 7}};
  const float av[5][2] = {{1, 0}, {0, 1}, {2, 3}, {9, 9}, {9, 9}};
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 2; ++c) {
      params[0].value[r * 2 + c] = ak[r][c];
      if (values) params[1].value[r * 2 + c] = av[r][c];
    }
  return enc;
}

// q[h, i]: head 0 (i, 1), head 1 (1, -i).
std::vector<float> tiny_q() {
  std::vector<float> q(kH * kT * kD);
  for (int i = 0; i < kT; ++i) {
    q[(0 * kT + i) * kD + 0] = float(i), q[(0 * kT + i) * kD + 1] = 1.0f;
    q[(1 * kT + i) * kD + 0] = 1.0f, q[(1 * kT + i) * kD + 1] = -float(i);
  }
  return q;
}

// q_i . aK[r(i,j)] by hand, [head][i][j], j <= i.
const double kKeyDots[2][4][4] = {
    {{1}, {1, 2}, {2, 1, 3}, {3, 3, 1, 4}},
    {{1}, {-1, 0}, {1, -2, -1}, {1, 1, -3, -2}},
};

TEST(Shaw, KeysAddScaledQueryDotRelativeKeyByHand) {
  auto enc = tiny_shaw();
  const auto q = tiny_q();
  std::vector<float> s(kH * kT * kT);
  for (int h = 0; h < kH; ++h)
    for (int i = 0; i < kT; ++i)
      for (int j = 0; j < kT; ++j) s[(h * kT + i) * kT + j] = j <= i ? 0.5f : -kInf;
  std::vector<std::int64_t> pos{0, 1, 2, 3};
  enc->score_forward(dense_view<float, 4>(s.data(), {1, kH, kT, kT}),
                     dense_view<const float, 4>(q.data(), {1, kH, kT, kD}),
                     dense_view<const float, 4>(q.data(), {1, kH, kT, kD}),
                     Positions{pos.data(), 4}, Positions{pos.data(), 4});
  for (int h = 0; h < kH; ++h)
    for (int i = 0; i < kT; ++i)
      for (int j = 0; j < kT; ++j) {
        const float got = s[(h * kT + i) * kT + j];
        if (j > i) {
          EXPECT_EQ(got, -kInf) << "masked entry must stay -inf";
        } else {
          EXPECT_NEAR(got, 0.5 + kKeyDots[h][i][j] * kScale, tol::kGolden)
              << "h " << h << " i " << i << " j " << j;
        }
      }
}

TEST(Shaw, KeysUsePositionValuesAndQueryBlocks) {
  // Rows 2..3 as one block over keys 0..3, positions strided by 3: distances -3, -6, ...
  // all clip to r0 except the diagonal (r2).
  auto enc = tiny_shaw();
  const auto q = tiny_q();
  std::vector<std::int64_t> pos{10, 13, 16, 19};
  std::vector<float> s(kH * 2 * kT, 0.0f);
  s[0 * kT + 3] = -kInf;  // (h0, row 2, key 3) masked
  s[(1 * 2 + 0) * kT + 3] = -kInf;
  const View<const float, 4> qblk{
      q.data() + 2 * kD, {1, kH, 2, kD}, {kH * kT * kD, kT * kD, kD, 1}};
  enc->score_forward(dense_view<float, 4>(s.data(), {1, kH, 2, kT}), qblk,
                     dense_view<const float, 4>(q.data(), {1, kH, kT, kD}),
                     Positions{pos.data() + 2, 2}, Positions{pos.data(), 4});
  // head 0, row 3: q = (3, 1): keys 0..2 -> r0 (1,0): 3; key 3 -> r2: 4.
  EXPECT_NEAR(s[(0 * 2 + 1) * kT + 0], 3 * kScale, tol::kGolden);
  EXPECT_NEAR(s[(0 * 2 + 1) * kT + 2], 3 * kScale, tol::kGolden);
  EXPECT_NEAR(s[(0 * 2 + 1) * kT + 3], 4 * kScale, tol::kGolden);
  // head 1, row 2: q = (1, -2): key 1 (distance -3) -> r0: 1; key 2 -> r2: -1.
  EXPECT_NEAR(s[(1 * 2 + 0) * kT + 1], 1 * kScale, tol::kGolden);
  EXPECT_NEAR(s[(1 * 2 + 0) * kT + 2], -1 * kScale, tol::kGolden);
  EXPECT_EQ(s[(1 * 2 + 0) * kT + 3], -kInf);
}

TEST(Shaw, KeysBackwardByHand) {
  auto enc = tiny_shaw();
  const auto q = tiny_q();
  std::vector<std::int64_t> pos{0, 1, 2, 3};
  // dlogits only at head 1, row 2: (0.5, -1, 2) on keys 0..2.
  std::vector<float> ds(kH * kT * kT, 0.0f);
  ds[(1 * kT + 2) * kT + 0] = 0.5f, ds[(1 * kT + 2) * kT + 1] = -1.0f,
                         ds[(1 * kT + 2) * kT + 2] = 2.0f;
  const auto ds_before = ds;
  std::vector<float> dq(kH * kT * kD, 1.0f), dk(kH * kT * kD, 0.0f);  // dq starts at 1: +=
  enc->score_backward(nullptr, dense_view<float, 4>(ds.data(), {1, kH, kT, kT}),
                      dense_view<float, 4>(dq.data(), {1, kH, kT, kD}),
                      dense_view<float, 4>(dk.data(), {1, kH, kT, kD}),
                      dense_view<const float, 4>(q.data(), {1, kH, kT, kD}),
                      dense_view<const float, 4>(q.data(), {1, kH, kT, kD}),
                      Positions{pos.data(), 4}, Positions{pos.data(), 4});
  // dq[1, 2] += (0.5 aK[r0] - aK[r1] + 2 aK[r2]) / sqrt 2 = (2.5, 1) / sqrt 2
  for (int h = 0; h < kH; ++h)
    for (int i = 0; i < kT; ++i) {
      const bool hit = h == 1 && i == 2;
      EXPECT_NEAR(dq[(h * kT + i) * kD + 0], 1.0 + (hit ? 2.5 * kScale : 0.0), tol::kGolden);
      EXPECT_NEAR(dq[(h * kT + i) * kD + 1], 1.0 + (hit ? 1.0 * kScale : 0.0), tol::kGolden);
    }
  for (float x : dk) EXPECT_EQ(x, 0.0f);  // the key term does not involve k
  EXPECT_EQ(ds, ds_before);               // nor the incoming logits
  // daK[r] += (sum of dS in bucket r) q[1, 2] / sqrt 2, q[1, 2] = (1, -2)
  const float* dak = enc->parameters()[0].grad;
  const double w[5] = {0.5, -1.0, 2.0, 0.0, 0.0};
  for (int r = 0; r < 5; ++r) {
    EXPECT_NEAR(dak[r * 2 + 0], w[r] * 1.0 * kScale, tol::kGolden) << r;
    EXPECT_NEAR(dak[r * 2 + 1], w[r] * -2.0 * kScale, tol::kGolden) << r;
  }
}

// P[h][i][j], rows sum to 1.
const float kProbs[2][4][4] = {
    {{1}, {0.25f, 0.75f}, {0.5f, 0.25f, 0.25f}, {0.1f, 0.2f, 0.3f, 0.4f}},
    {{1}, {0.25f, 0.75f}, {0.5f, 0.25f, 0.25f}, {0.4f, 0.3f, 0.2f, 0.1f}},
};

TEST(Shaw, ValuesAddProbabilityWeightedRelativeValuesByHand) {
  auto enc = tiny_shaw();
  std::vector<float> p(kH * kT * kT, 0.0f);
  for (int h = 0; h < kH; ++h)
    for (int i = 0; i < kT; ++i)
      for (int j = 0; j <= i; ++j) p[(h * kT + i) * kT + j] = kProbs[h][i][j];
  std::vector<float> out(kH * kT * kD, 10.0f);  // += onto P V
  std::vector<std::int64_t> pos{0, 1, 2, 3};
  enc->mix_forward(dense_view<float, 4>(out.data(), {1, kH, kT, kD}),
                   dense_view<const float, 4>(p.data(), {1, kH, kT, kT}), Positions{pos.data(), 4},
                   Positions{pos.data(), 4});
  // out_i += sum_j P_ij aV[r(i,j)]:
  //   i=0: aV[r2] = (2,3);  i=1: .25 (0,1) + .75 (2,3) = (1.5, 2.5)
  //   i=2: .5 (1,0) + .25 (0,1) + .25 (2,3) = (1, 1)
  //   i=3: head 0: (.1+.2) (1,0) + .3 (0,1) + .4 (2,3) = (1.1, 1.5)
  //        head 1: (.4+.3) (1,0) + .2 (0,1) + .1 (2,3) = (0.9, 0.5)
  const double expected[2][4][2] = {{{2, 3}, {1.5, 2.5}, {1, 1}, {1.1, 1.5}},
                                    {{2, 3}, {1.5, 2.5}, {1, 1}, {0.9, 0.5}}};
  for (int h = 0; h < kH; ++h)
    for (int i = 0; i < kT; ++i)
      for (int c = 0; c < kD; ++c)
        EXPECT_NEAR(out[(h * kT + i) * kD + c], 10.0 + expected[h][i][c], 1e-5)
            << "h " << h << " i " << i << " c " << c;
}

TEST(Shaw, ValuesBackwardByHand) {
  auto enc = tiny_shaw();
  std::vector<float> p(kH * kT * kT, 0.0f);
  for (int h = 0; h < kH; ++h)
    for (int i = 0; i < kT; ++i)
      for (int j = 0; j <= i; ++j) p[(h * kT + i) * kT + j] = kProbs[h][i][j];
  // dout only at head 0, row 3: (1, -1).
  std::vector<float> dout(kH * kT * kD, 0.0f);
  dout[(0 * kT + 3) * kD + 0] = 1.0f, dout[(0 * kT + 3) * kD + 1] = -1.0f;
  std::vector<float> dp(kH * kT * kT, 0.5f);  // += onto 0.5
  std::vector<std::int64_t> pos{0, 1, 2, 3};
  enc->mix_backward(nullptr, dense_view<const float, 4>(dout.data(), {1, kH, kT, kD}),
                    dense_view<const float, 4>(p.data(), {1, kH, kT, kT}),
                    dense_view<float, 4>(dp.data(), {1, kH, kT, kT}), Positions{pos.data(), 4},
                    Positions{pos.data(), 4});
  // dP[0, 3, j] += dout . aV[r]: keys 0, 1 (r0): 1; key 2 (r1): -1; key 3 (r2): 2 - 3 = -1.
  const double row3[4] = {1, 1, -1, -1};
  for (int h = 0; h < kH; ++h)
    for (int i = 0; i < kT; ++i)
      for (int j = 0; j < kT; ++j) {
        const double add = (h == 0 && i == 3) ? row3[j] : 0.0;
        EXPECT_NEAR(dp[(h * kT + i) * kT + j], 0.5 + add, tol::kGolden)
            << "h " << h << " i " << i << " j " << j;
      }
  // daV[r] += (sum of P in bucket r) dout: r0 (.1 + .2), r1 .3, r2 .4.
  const float* dav = enc->parameters()[1].grad;
  const double w[5] = {0.3, 0.3, 0.4, 0.0, 0.0};
  for (int r = 0; r < 5; ++r) {
    EXPECT_NEAR(dav[r * 2 + 0], w[r], 1e-6) << r;
    EXPECT_NEAR(dav[r * 2 + 1], -w[r], 1e-6) << r;
  }
}

TEST(Shaw, ValuesFalseDropsTheMixHookAndItsTable) {
  auto enc = tiny_shaw(false);
  EXPECT_EQ(enc->info().hooks, std::uint32_t{kHookScore});
  ASSERT_EQ(enc->parameters().size(), 1u);
  EXPECT_EQ(enc->parameters()[0].name, "a_k");
  EXPECT_EQ(enc->parameters()[0].shape, (std::vector<std::int64_t>{5, 2}));
  auto with = tiny_shaw(true);
  EXPECT_EQ(with->info().hooks, std::uint32_t{kHookScore | kHookMix});
  EXPECT_TRUE(with->info().relative);
}

TEST(Shaw, InitIsGlorotUniformAndDeterministic) {
  auto a = test::make_encoding("shaw", 2, 64), b = test::make_encoding("shaw", 2, 64);
  a->init_parameters(3), b->init_parameters(3);
  const double limit = std::sqrt(6.0 / (33 + 64));
  for (std::size_t t = 0; t < 2; ++t) {
    const auto pa = a->parameters()[t], pb = b->parameters()[t];
    EXPECT_EQ(pa.shape, (std::vector<std::int64_t>{33, 64}));
    double mx = 0;
    for (int x = 0; x < 33 * 64; ++x) {
      ASSERT_EQ(pa.value[x], pb.value[x]);
      mx = std::max(mx, std::fabs(double(pa.value[x])));
    }
    EXPECT_LE(mx, limit);
    EXPECT_GT(mx, 0.95 * limit);
  }
}

TEST(Shaw, ConfigIsValidated) {
  Config c;
  c.set("k", std::int64_t{0});
  try {
    test::make_encoding("shaw", 1, 2, c);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'k'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("shaw"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pebench
