// Golden tests of `cope` (Golovneva et al. 2024, Contextual Position Encoding), pinned to
// the reference code's definitions (facebookresearch/RAM projects/cope):
//   gates g = sigmoid(incoming logit), masked -> 0;  p_ij = min(sum_{t=j..i} g_it, npos-1);
//   s_ij += z[ceil p] w + z[floor p] (1 - w),  w = p - floor p,  z[n] = c q_i . E[:, n].
// 1. Separators: gates forced to 1 at separator keys and 0 elsewhere, E with q.E[:,n] = n:
//    the added logit is the number of separators in keys j..i (sentence positions).
// 2. Interpolation by hand at fractional positions.
// 3. Forward and backward against a double-precision implementation of the formula above
//    (backward by central finite differences of that implementation), with and without
//    clamping at npos_max - 1.
// How to add a case: build logits/q/E, call the hook through test::make_encoding, compare
// with cope_reference() or with numbers worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

const float kInf = std::numeric_limits<float>::infinity();

std::shared_ptr<Encoding> make_cope(std::int64_t heads, std::int64_t d, std::int64_t npos,
                                    bool nodiv) {
  Config c;
  c.set("npos_max", npos);
  c.set("nodiv", nodiv);
  return test::make_encoding("cope", heads, d, c);
}

std::vector<std::int64_t> iota(std::int64_t n) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) p[i] = i;
  return p;
}

// Tokens: S at 1, 4, 5, 8 (separators). d = 2: q_i = (40, 1), k_j = (+1 | -1, 0), so the
// incoming logit q.k / sqrt 2 is +-28.3 and the gate is 1 at separators, ~5e-13 elsewhere.
// E[:, n] = (0, n): q . E[:, n] = n.
struct Separators {
  static constexpr std::int64_t T = 10;
  std::vector<int> sep{0, 1, 0, 0, 1, 1, 0, 0, 1, 0};
  std::vector<float> q, k, s;
  Separators() : q(T * 2), k(T * 2), s(T * T) {
    for (std::int64_t t = 0; t < T; ++t) {
      q[t * 2] = 40.0f, q[t * 2 + 1] = 1.0f;
      k[t * 2] = sep[t] ? 1.0f : -1.0f, k[t * 2 + 1] = 0.0f;
    }
    for (std::int64_t i = 0; i < T; ++i)
      for (std::int64_t j = 0; j < T; ++j)
        s[i * T + j] = j <= i ? (q[i * 2] * k[j * 2]) / std::sqrt(2.0f) : -kInf;
  }
  int count(std::int64_t j, std::int64_t i) const {
    int n = 0;
    for (std::int64_t t = j; t <= i; ++t) n += sep[t];
    return n;
  }
};

void set_identity_table(Encoding& enc, std::int64_t npos) {
  auto p = enc.parameters();
  ASSERT_EQ(p.size(), 1u);
  ASSERT_EQ(p[0].shape, (std::vector<std::int64_t>{2, npos}));
  for (std::int64_t n = 0; n < npos; ++n) p[0].value[n] = 0.0f, p[0].value[npos + n] = float(n);
}

TEST(Cope, PositionsCountSeparators) {
  for (const bool nodiv : {true, false}) {
    Separators x;
    auto enc = make_cope(1, 2, 64, nodiv);
    set_identity_table(*enc, 64);
    auto s = x.s;
    const auto pos = iota(x.T);
    enc->score_forward(dense_view<float, 4>(s.data(), {1, 1, x.T, x.T}),
                       dense_view<const float, 4>(x.q.data(), {1, 1, x.T, 2}),
                       dense_view<const float, 4>(x.k.data(), {1, 1, x.T, 2}),
                       Positions{pos.data(), x.T}, Positions{pos.data(), x.T});
    const double c = nodiv ? 1.0 : 1.0 / std::sqrt(2.0);  // the reference divides by sqrt(d)
    for (std::int64_t i = 0; i < x.T; ++i)
      for (std::int64_t j = 0; j < x.T; ++j) {
        if (j > i) {
          EXPECT_EQ(s[i * x.T + j], -kInf);
          continue;
        }
        const double added = double(s[i * x.T + j]) - double(x.s[i * x.T + j]);
        EXPECT_NEAR(added, c * x.count(j, i), 1e-4) << "i " << i << " j " << j;
      }
  }
}

TEST(Cope, PositionsSaturateAtNposMaxMinusOne) {
  Separators x;
  auto enc = make_cope(1, 2, 3, true);  // positions 0, 1, 2
  set_identity_table(*enc, 3);
  auto s = x.s;
  const auto pos = iota(x.T);
  enc->score_forward(dense_view<float, 4>(s.data(), {1, 1, x.T, x.T}),
                     dense_view<const float, 4>(x.q.data(), {1, 1, x.T, 2}),
                     dense_view<const float, 4>(x.k.data(), {1, 1, x.T, 2}),
                     Positions{pos.data(), x.T}, Positions{pos.data(), x.T});
  for (std::int64_t i = 0; i < x.T; ++i)
    for (std::int64_t j = 0; j <= i; ++j)
      EXPECT_NEAR(double(s[i * x.T + j]) - x.s[i * x.T + j], std::min(x.count(j, i), 2), 1e-4)
          << "i " << i << " j " << j;
}

TEST(Cope, InterpolatesBetweenFloorAndCeilByHand) {
  // One query (row 2) over keys 0..2 with gates 0.25, 0.5, 0.75 (logits ln(g / (1 - g))):
  //   p_22 = 0.75, p_21 = 1.25, p_20 = 1.5.  z = (10, 20, 40, 80) via q = (1, 0), E[0, :] = z.
  //   p = 0.75: 10 (1 - .75) + 20 (.75) = 17.5;  p = 1.25: 20 (.75) + 40 (.25) = 25;
  //   p = 1.5:  20 (.5) + 40 (.5) = 30.
  auto enc = make_cope(1, 2, 4, true);
  auto e = enc->parameters()[0].value;
  const float z[4] = {10, 20, 40, 80};
  for (int n = 0; n < 4; ++n) e[n] = z[n], e[4 + n] = 0.0f;
  const float g[3] = {0.25f, 0.5f, 0.75f};
  std::vector<float> s(3), s0(3);
  for (int j = 0; j < 3; ++j) s[j] = s0[j] = std::log(g[j] / (1.0f - g[j]));
  const std::vector<float> q{1.0f, 0.0f}, k(6, 0.0f);
  const std::vector<std::int64_t> qpos{2}, kpos{0, 1, 2};
  enc->score_forward(dense_view<float, 4>(s.data(), {1, 1, 1, 3}),
                     dense_view<const float, 4>(q.data(), {1, 1, 1, 2}),
                     dense_view<const float, 4>(k.data(), {1, 1, 3, 2}), Positions{qpos.data(), 1},
                     Positions{kpos.data(), 3});
  const double expected[3] = {30.0, 25.0, 17.5};
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(s[j] - s0[j], expected[j], 1e-4) << j;
}

// ---- double-precision implementation of the formula, for forward and backward ----

struct Case {
  std::int64_t H = 2, d = 3, Tq = 6, Tk = 11, first_row = 5, npos = 64;
  bool nodiv = false;
  std::vector<double> s, q,
      e;  // s (H,Tq,Tk) incoming logits (masked: -inf), q (H,Tq,d), e (d,npos)
};

Case make_case(std::int64_t npos, bool nodiv, std::uint64_t seed, std::int64_t Tk = 11,
               std::int64_t first_row = 5, double shift = 0.0) {
  Case c;
  c.npos = npos, c.nodiv = nodiv, c.Tk = Tk, c.first_row = first_row;
  const auto s = test::random_vector(c.H * c.Tq * c.Tk, seed, 1.5);
  const auto q = test::random_vector(c.H * c.Tq * c.d, seed + 1);
  const auto e = test::random_vector(c.d * c.npos, seed + 2, 0.7);
  c.q.assign(q.begin(), q.end());
  c.e.assign(e.begin(), e.end());
  c.s.resize(s.size());
  for (std::int64_t h = 0; h < c.H; ++h)
    for (std::int64_t i = 0; i < c.Tq; ++i)
      for (std::int64_t j = 0; j < c.Tk; ++j) {
        const std::size_t x = (h * c.Tq + i) * c.Tk + j;
        c.s[x] = j <= c.first_row + i ? double(s[x]) + shift : -HUGE_VAL;
      }
  return c;
}

// Hook output (H,Tq,Tk) and, optionally, the positions (to check the distance to kinks).
std::vector<double> cope_reference(const Case& c, std::vector<double>* positions = nullptr) {
  const double scale = c.nodiv ? 1.0 : 1.0 / std::sqrt(double(c.d));
  std::vector<double> out = c.s;
  if (positions) positions->assign(out.size(), -1.0);
  for (std::int64_t h = 0; h < c.H; ++h)
    for (std::int64_t i = 0; i < c.Tq; ++i) {
      std::vector<double> z(c.npos, 0.0);
      for (std::int64_t n = 0; n < c.npos; ++n)
        for (std::int64_t ch = 0; ch < c.d; ++ch)
          z[n] += scale * c.q[(h * c.Tq + i) * c.d + ch] * c.e[ch * c.npos + n];
      for (std::int64_t j = 0; j < c.Tk; ++j) {
        const std::size_t x = (h * c.Tq + i) * c.Tk + j;
        if (std::isinf(c.s[x])) continue;
        double cum = 0;
        for (std::int64_t t = j; t < c.Tk; ++t) {
          const double st = c.s[(h * c.Tq + i) * c.Tk + t];
          cum += std::isinf(st) ? 0.0 : 1.0 / (1.0 + std::exp(-st));
        }
        const double p = std::min(cum, double(c.npos - 1));
        const double fl = std::floor(p), ce = std::ceil(p), w = p - fl;
        out[x] += z[std::size_t(ce)] * w + z[std::size_t(fl)] * (1.0 - w);
        if (positions) (*positions)[x] = cum;
      }
    }
  return out;
}

// forward_only: long rows (hundreds of positions: some sit near a kink, where finite
// differences are meaningless) check the output only.
void check_against_reference(std::int64_t npos, bool nodiv, std::uint64_t seed,
                             std::int64_t Tk = 11, std::int64_t first_row = 5,
                             bool forward_only = false, double shift = 0.0) {
  SCOPED_TRACE("npos_max " + std::to_string(npos) + (nodiv ? " nodiv" : "") + " seed " +
               std::to_string(seed) + " Tk " + std::to_string(Tk));
  Case c = make_case(npos, nodiv, seed, Tk, first_row, shift);
  std::vector<double> p;
  const auto ref = cope_reference(c, &p);
  // The interpolation is piecewise linear: keep finite differences away from its kinks.
  if (!forward_only)
    for (double x : p)
      if (x >= 0) {
        const double clamped = std::min(x, double(npos - 1));
        ASSERT_GT(std::fabs(clamped - std::round(clamped)) + (x > npos - 1 + 1e-3 ? 1.0 : 0.0),
                  1e-3)
            << "choose another seed: a position sits on a kink";
      }

  auto enc = make_cope(c.H, c.d, npos, nodiv);
  auto param = enc->parameters()[0];
  for (std::size_t x = 0; x < c.e.size(); ++x) param.value[x] = float(c.e[x]);
  std::vector<float> s(c.s.begin(), c.s.end()), q(c.q.begin(), c.q.end());
  std::vector<float> k(c.H * c.Tk * c.d, 0.0f);
  const auto pos = iota(c.Tk);
  const auto state =
      enc->score_forward(dense_view<float, 4>(s.data(), {1, c.H, c.Tq, c.Tk}),
                         dense_view<const float, 4>(q.data(), {1, c.H, c.Tq, c.d}),
                         dense_view<const float, 4>(k.data(), {1, c.H, c.Tk, c.d}),
                         Positions{pos.data() + c.first_row, c.Tq}, Positions{pos.data(), c.Tk});
  for (std::size_t x = 0; x < ref.size(); ++x) {
    if (std::isinf(ref[x])) {
      EXPECT_EQ(s[x], -kInf) << x;
    } else {
      // Long rows: float positions summed over up to 300 gates (~1e-5 off), times the slope.
      EXPECT_NEAR(s[x], ref[x], (forward_only ? 1e-4 : 2e-5) * (1 + std::fabs(ref[x]))) << x;
    }
  }
  if (forward_only) return;

  // Backward of L = sum W * out (unmasked), W random: plugin vs finite differences.
  const auto w = test::random_vector(ref.size(), seed + 3);
  auto loss = [&](const Case& cc) {
    const auto o = cope_reference(cc);
    double l = 0;
    for (std::size_t x = 0; x < o.size(); ++x)
      if (!std::isinf(o[x])) l += w[x] * o[x];
    return l;
  };
  auto fd = [&](std::vector<double> Case::*field, std::size_t x) {
    const double h = 1e-6;
    Case cp = c, cm = c;
    (cp.*field)[x] += h, (cm.*field)[x] -= h;
    return (loss(cp) - loss(cm)) / (2 * h);
  };
  std::vector<float> ds(ref.size()), dq(q.size(), 0.25f), dk(k.size(), 0.0f);
  for (std::size_t x = 0; x < ds.size(); ++x) ds[x] = std::isinf(ref[x]) ? 0.0f : w[x];
  enc->score_backward(state.get(), dense_view<float, 4>(ds.data(), {1, c.H, c.Tq, c.Tk}),
                      dense_view<float, 4>(dq.data(), {1, c.H, c.Tq, c.d}),
                      dense_view<float, 4>(dk.data(), {1, c.H, c.Tk, c.d}),
                      dense_view<const float, 4>(q.data(), {1, c.H, c.Tq, c.d}),
                      dense_view<const float, 4>(k.data(), {1, c.H, c.Tk, c.d}),
                      Positions{pos.data() + c.first_row, c.Tq}, Positions{pos.data(), c.Tk});
  const double tol = 2e-4;
  // dlogits: W (identity path) + the gate path, added in place; masked stay 0.
  for (std::size_t x = 0; x < ds.size(); ++x) {
    if (std::isinf(ref[x])) {
      EXPECT_EQ(ds[x], 0.0f) << x;
    } else {
      const double g = fd(&Case::s, x);
      EXPECT_NEAR(ds[x], g, tol * (1 + std::fabs(g))) << "dlogits " << x;
    }
  }
  for (std::size_t x = 0; x < dq.size(); ++x) {
    const double g = fd(&Case::q, x);
    EXPECT_NEAR(dq[x], 0.25 + g, tol * (1 + std::fabs(g))) << "dq " << x;  // accumulated
  }
  for (float x : dk) EXPECT_EQ(x, 0.0f);  // k reaches CoPE only through the logits
  for (std::size_t x = 0; x < c.e.size(); ++x) {
    const double g = fd(&Case::e, x);
    EXPECT_NEAR(param.grad[x], g, tol * (1 + std::fabs(g))) << "dE " << x;
  }
}

TEST(Cope, ForwardAndBackwardMatchTheFormulaInDouble) {
  check_against_reference(64, false, 21);  // positions below the cap
  check_against_reference(64, true, 21);
}

TEST(Cope, ForwardAndBackwardMatchTheFormulaInDoubleWhenClamped) {
  check_against_reference(3, false, 31);  // most positions clamp at 2
  check_against_reference(5, true, 33);
}

// Small gates (logits ~ -3.5): ~40 of each row's keys stay below the cap, where ~2 npos_max + 8 =
// 14 were expected, so the plugin's packed gate storage grows while it runs (forward and
// backward read the gates back from it).
TEST(Cope, ManyUnclampedKeysPerRowMatchTheFormula) {
  check_against_reference(3, false, 55, 60, 54, false, -3.5);
}

// Rows long enough for the position logits' full 64-wide passes and their remainders: npos
// 77 (64 + 8 + 5), 133 (2 x 64 + 5), 516 with rows of ~150 keys (z computed up to len + 2 only,
// reading E past that), and 64 with rows that clamp.
TEST(Cope, LongRowsMatchTheFormula) {
  check_against_reference(77, false, 41, 150, 144, true);
  check_against_reference(133, true, 42, 200, 194, true);
  check_against_reference(516, false, 43, 150, 144, true);
  check_against_reference(64, false, 44, 300, 294, true);
}

// gates: qk takes the gates from q.k / sqrt(d) alone: with incoming logits s + bias (what a
// stack with a static bias hands over) its output is the default convention's output on s,
// plus the bias; the default's gates would see the bias. Its gate path reaches dq and dk
// (checked against finite differences by check-plugin and against PyTorch in
// scripts/torch_reference/compare.py).
TEST(Cope, GatesFromQkIgnoreWhatElseTheLogitsCarry) {
  const std::int64_t H = 2, T = 9, d = 4, npos = 6;
  const auto q = test::random_vector(H * T * d, 71), k = test::random_vector(H * T * d, 72);
  std::vector<float> s(H * T * T), bias(s.size());
  const auto bias_values = test::random_vector(s.size(), 73, 3.0);
  for (std::int64_t h = 0; h < H; ++h)
    for (std::int64_t i = 0; i < T; ++i)
      for (std::int64_t j = 0; j < T; ++j) {
        const std::size_t x = (h * T + i) * T + j;
        float dot = 0.0f;
        for (std::int64_t c = 0; c < d; ++c) dot += q[(h * T + i) * d + c] * k[(h * T + j) * d + c];
        s[x] = j <= i ? dot / 2.0f : -kInf;  // 1/sqrt(d) = 1/2
        bias[x] = j <= i ? bias_values[x] : 0.0f;
      }
  auto run = [&](const std::string& gates, const std::vector<float>& logits) {
    Config c;
    c.set("npos_max", npos);
    c.set("init_std", 0.7);
    c.set("gates", gates);
    auto enc = test::make_encoding("cope", H, d, c);
    enc->init_parameters(5);
    std::vector<float> out = logits;
    const auto pos = iota(T);
    enc->score_forward(dense_view<float, 4>(out.data(), {1, H, T, T}),
                       dense_view<const float, 4>(q.data(), {1, H, T, d}),
                       dense_view<const float, 4>(k.data(), {1, H, T, d}), Positions{pos.data(), T},
                       Positions{pos.data(), T});
    return out;
  };
  std::vector<float> biased(s.size());
  for (std::size_t x = 0; x < s.size(); ++x) biased[x] = s[x] + bias[x];
  const auto plain = run("logits", s), from_qk = run("qk", biased),
             from_logits = run("logits", biased);
  double max_diff_qk = 0, max_diff_logits = 0;
  for (std::size_t x = 0; x < s.size(); ++x) {
    if (std::isinf(s[x])) {
      EXPECT_EQ(from_qk[x], -kInf);
      continue;
    }
    max_diff_qk = std::max(max_diff_qk, double(std::fabs(from_qk[x] - (plain[x] + bias[x]))));
    max_diff_logits =
        std::max(max_diff_logits, double(std::fabs(from_logits[x] - (plain[x] + bias[x]))));
  }
  EXPECT_LT(max_diff_qk, 1e-5);
  EXPECT_GT(max_diff_logits, 1e-2);  // the default's gates saw the bias
  EXPECT_EQ(run("qk", s), run("qk", s));
}

TEST(Cope, ZeroInitByDefaultAndConfigIsValidated) {
  auto enc = test::make_encoding("cope", 2, 4);
  enc->init_parameters(5);
  const auto p = enc->parameters()[0];
  EXPECT_EQ(p.shape, (std::vector<std::int64_t>{4, 64}));
  for (int x = 0; x < 4 * 64; ++x) EXPECT_EQ(p.value[x], 0.0f);
  Config c;
  c.set("init_std", 0.5);
  auto a = test::make_encoding("cope", 2, 4, c), b = test::make_encoding("cope", 2, 4, c);
  a->init_parameters(5), b->init_parameters(5);
  double sq = 0;
  for (int x = 0; x < 4 * 64; ++x) {
    ASSERT_EQ(a->parameters()[0].value[x], b->parameters()[0].value[x]);
    sq += double(a->parameters()[0].value[x]) * a->parameters()[0].value[x];
  }
  EXPECT_NEAR(std::sqrt(sq / 256), 0.5, 0.1);
  Config bad;
  bad.set("npos_max", std::int64_t{0});
  try {
    test::make_encoding("cope", 1, 2, bad);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("npos_max"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cope"), std::string::npos) << e.what();
  }
  Config bad_gates;
  bad_gates.set("gates", std::string("q.k"));
  try {
    test::make_encoding("cope", 1, 2, bad_gates);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'gates'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("logits|qk"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pebench
