// Golden tests of the fire plugin: the bias against the paper's formula evaluated here in
// double with a plain MLP (x = log(|c d| + 1) / (log(|c max(i, |L_mult L_init|)| + 1) + 1e-6),
// out = W2 relu(w1 x + b1) + b2), values pinned by hand for a 2-unit MLP, and the gradients
// of every parameter (w1, b1, w2, b2, c, L_multiplier) against central differences,
// including rows below, above and exactly at the threshold L.
// How to add a case: add positions to the vectors below or a config to make().
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/tensor.hpp"
#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

std::shared_ptr<Encoding> make(std::int64_t heads, std::int64_t width, double init_length) {
  Config c;
  c.set("mlp_width", width);
  c.set("init_length", init_length);
  return test::make_encoding("fire", heads, 4, c);
}

std::map<std::string, Parameter> by_name(Encoding& enc) {
  std::map<std::string, Parameter> m;
  for (auto& p : enc.parameters()) m[p.name] = p;
  return m;
}

// The formula in double, reading the parameters through the plugin ABI.
double reference_bias(Encoding& enc, double init_length, std::int64_t h, std::int64_t qi,
                      std::int64_t kj) {
  auto p = by_name(enc);
  const std::int64_t W = p["b1"].shape[0];
  const double c = p["c"].value[0], lm = p["L_multiplier"].value[0];
  const double threshold = std::fabs(lm * init_length);
  const double normalizer = std::max(double(qi), threshold);
  const double x = std::log(std::fabs(c * double(qi - kj)) + 1.0) /
                   (std::log(std::fabs(c * normalizer) + 1.0) + 1e-6);
  double out = p["b2"].value[h];
  for (std::int64_t k = 0; k < W; ++k) {
    const double z = double(p["w1"].value[k]) * x + p["b1"].value[k];
    out += double(p["w2"].value[h * W + k]) * std::max(z, 0.0);
  }
  return out;
}

std::vector<float> forward(Encoding& enc, std::int64_t H, const std::vector<std::int64_t>& qpos,
                           const std::vector<std::int64_t>& kpos) {
  const std::int64_t Tq = qpos.size(), Tk = kpos.size();
  std::vector<float> bias(static_cast<std::size_t>(H * Tq * Tk));
  enc.bias_forward(dense_view<float, 3>(bias.data(), {H, Tq, Tk}), Positions{qpos.data(), Tq},
                   Positions{kpos.data(), Tk});
  return bias;
}

TEST(Fire, HandValuesWithTwoHiddenUnits) {
  auto enc = make(1, 2, 4.0);  // L = 4
  auto p = by_name(*enc);
  p["w1"].value[0] = 1.0f, p["w1"].value[1] = -1.0f;
  p["b1"].value[0] = 0.0f, p["b1"].value[1] = 0.5f;
  p["w2"].value[0] = 1.0f, p["w2"].value[1] = 2.0f;
  p["b2"].value[0] = 0.25f;
  p["c"].value[0] = 1.0f;
  p["L_multiplier"].value[0] = 1.0f;
  const auto b = forward(*enc, 1, {2, 9}, {0, 2, 9});
  // query 9 > L, key 2: x = log 8 / log 10 = 0.90309; unit 1 on, unit 2 off: 0.90309 + 0.25.
  EXPECT_NEAR(b[3 + 1], 0.9030899869919435 + 0.25, 1e-5);
  // query 2 < L, key 0: x = log 3 / log 5 = 0.68261; 0.68261 + 0.25.
  EXPECT_NEAR(b[0], 0.6826061944859854 + 0.25, 1e-5);
  // distance 0: x = 0, unit 2 = relu(0.5): 2 * 0.5 + 0.25.
  EXPECT_NEAR(b[1], 1.25, 1e-6);
  EXPECT_NEAR(b[3 + 2], 1.25, 1e-6);
  // query 9, key 0: x = log 10 / log 10 = 1 (up to eps): 1.25.
  EXPECT_NEAR(b[3 + 0], 1.25, 1e-5);
}

TEST(Fire, MatchesFormulaAtDefaultWidth) {
  const std::int64_t H = 3;
  for (double init_length : {512.0, 6.0}) {
    auto enc = make(H, 32, init_length);
    enc->init_parameters(4);
    auto p = by_name(*enc);
    EXPECT_FLOAT_EQ(p["c"].value[0], 0.1f);
    EXPECT_FLOAT_EQ(p["L_multiplier"].value[0], 1.0f);
    // Offset, strided positions on both sides of L (and beyond the diagonal).
    const std::vector<std::int64_t> qpos{3, 6, 9, 40, 700};
    for (const std::vector<std::int64_t>& kpos :  // strided, then contiguous keys
         {std::vector<std::int64_t>{0, 1, 3, 6, 8, 9, 40, 500, 701},
          std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}) {
      const auto b = forward(*enc, H, qpos, kpos);
      for (std::int64_t h = 0; h < H; ++h)
        for (std::size_t i = 0; i < qpos.size(); ++i)
          for (std::size_t j = 0; j < kpos.size(); ++j) {
            const double e = reference_bias(*enc, init_length, h, qpos[i], kpos[j]);
            EXPECT_NEAR(b[(h * qpos.size() + i) * kpos.size() + j], e, 2e-5 * (1 + std::fabs(e)))
                << "L " << init_length << " h " << h << " q " << qpos[i] << " k " << kpos[j];
          }
    }
  }
}

// Rows whose query sits at or below L come from a per-head table over distances when two or
// more such rows are asked for together (fire.cpp, Rows): bit for bit the row a lone query
// gets from its own runs, for contiguous keys and for strided ones, including keys after the
// query.
TEST(Fire, RowsBelowLFromTheDistanceTableMatchComputedRowsBitForBit) {
  const std::int64_t H = 3, L = 40;
  auto enc = make(H, 32, double(L));
  enc->init_parameters(5);
  const std::vector<std::int64_t> qpos{0, 7, 39, 40, 41, 90};  // 4 rows at or below L
  for (const std::vector<std::int64_t>& kpos :
       {std::vector<std::int64_t>{0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                                  15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
                                  30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43},
        std::vector<std::int64_t>{0, 2, 3, 9, 20, 38, 40, 41, 60, 95}}) {
    const std::int64_t Tk = kpos.size();
    auto together = enc->bias_rows(Positions{qpos.data(), std::int64_t(qpos.size())},
                                   Positions{kpos.data(), Tk});
    ASSERT_NE(together, nullptr);
    for (std::size_t i = 0; i < qpos.size(); ++i) {
      auto alone = enc->bias_rows(Positions{qpos.data() + i, 1}, Positions{kpos.data(), Tk});
      std::vector<float> a(H * Tk, -1.0f), b(H * Tk, -2.0f);
      together->row(std::int64_t(i), dense_view<float, 2>(a.data(), {H, Tk}));
      alone->row(0, dense_view<float, 2>(b.data(), {H, Tk}));
      for (std::int64_t x = 0; x < H * Tk; ++x) {
        ASSERT_EQ(a[x], b[x]) << "q " << qpos[i] << " h " << x / Tk << " k " << kpos[x % Tk];
        const double e = reference_bias(*enc, double(L), x / Tk, qpos[i], kpos[x % Tk]);
        EXPECT_NEAR(a[x], e, 2e-5 * (1 + std::fabs(e)));
      }
    }
  }
}

TEST(Fire, InitFollowsTorchLinearDefaults) {
  auto enc = make(4, 32, 512.0);
  enc->init_parameters(12);
  auto p = by_name(*enc);
  const double b2 = 1.0 / std::sqrt(32.0);
  float w1max = 0, w2max = 0;
  for (int k = 0; k < 32; ++k) {
    EXPECT_LE(std::fabs(p["w1"].value[k]), 1.0f);
    EXPECT_LE(std::fabs(p["b1"].value[k]), 1.0f);
    w1max = std::max(w1max, std::fabs(p["w1"].value[k]));
  }
  for (int e = 0; e < 4 * 32; ++e) {
    EXPECT_LE(std::fabs(p["w2"].value[e]), b2);
    w2max = std::max(w2max, std::fabs(p["w2"].value[e]));
  }
  EXPECT_GT(w1max, 0.8f);
  EXPECT_GT(w2max, 0.8 * b2);
  EXPECT_FALSE(enc->info().relative);
}

// bias_backward of weights w (H,Tq,Tk), called twice (it accumulates): gradients / 2.
std::map<std::string, std::vector<double>> plugin_gradients(Encoding& enc, std::int64_t H,
                                                            const std::vector<std::int64_t>& qpos,
                                                            const std::vector<std::int64_t>& kpos,
                                                            const std::vector<float>& w) {
  const std::int64_t Tq = qpos.size(), Tk = kpos.size();
  auto params = enc.parameters();
  for (auto& p : params) std::fill(p.grad, p.grad + Tensor::count(p.shape), 0.0f);
  for (int rep = 0; rep < 2; ++rep)
    enc.bias_backward(dense_view<const float, 3>(w.data(), {H, Tq, Tk}), Positions{qpos.data(), Tq},
                      Positions{kpos.data(), Tk});
  std::map<std::string, std::vector<double>> out;
  for (auto& p : params)
    for (std::int64_t e = 0; e < Tensor::count(p.shape); ++e)
      out[p.name].push_back(0.5 * double(p.grad[e]));
  return out;
}

double sgn(double v) {
  return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
}

// Plain backpropagation of sum(w * bias) through the formula, per element, in double, with
// torch's conventions: relu'(0) = 0, d|v| = sgn(v), max(a, b) splits the gradient at a tie.
std::map<std::string, std::vector<double>> reference_gradients(
    Encoding& enc, double init_length, std::int64_t H, const std::vector<std::int64_t>& qpos,
    const std::vector<std::int64_t>& kpos, const std::vector<float>& w) {
  auto p = by_name(enc);
  const std::int64_t W = p["b1"].shape[0], Tq = qpos.size(), Tk = kpos.size();
  const double c = p["c"].value[0], lm = p["L_multiplier"].value[0];
  std::map<std::string, std::vector<double>> g{
      {"w1", std::vector<double>(W)},     {"b1", std::vector<double>(W)},
      {"w2", std::vector<double>(H * W)}, {"b2", std::vector<double>(H)},
      {"c", std::vector<double>(1)},      {"L_multiplier", std::vector<double>(1)}};
  for (std::int64_t h = 0; h < H; ++h)
    for (std::int64_t i = 0; i < Tq; ++i)
      for (std::int64_t j = 0; j < Tk; ++j) {
        const double gw = w[(h * Tq + i) * Tk + j];
        const double dist = double(qpos[i] - kpos[j]);
        const double psi = std::log(std::fabs(c * dist) + 1.0);
        const double dpsi_dc = sgn(c * dist) * dist / (std::fabs(c * dist) + 1.0);
        const double threshold = std::fabs(lm * init_length), q = double(qpos[i]);
        const double n = std::max(q, threshold);
        const double den = std::log(std::fabs(c * n) + 1.0) + 1e-6;
        const double dden_dc = sgn(c * n) * n / (std::fabs(c * n) + 1.0);
        const double dden_dn = sgn(c * n) * c / (std::fabs(c * n) + 1.0);
        const double dn_dthreshold = q < threshold ? 1.0 : (q == threshold ? 0.5 : 0.0);
        const double dthreshold_dlm = sgn(lm * init_length) * init_length;
        const double x = psi / den;
        double dx = 0;
        g["b2"][h] += gw;
        for (std::int64_t k = 0; k < W; ++k) {
          const double z = double(p["w1"].value[k]) * x + p["b1"].value[k];
          g["w2"][h * W + k] += gw * std::max(z, 0.0);
          if (z <= 0) continue;
          const double dz = gw * p["w2"].value[h * W + k];
          g["w1"][k] += dz * x;
          g["b1"][k] += dz;
          dx += dz * p["w1"].value[k];
        }
        g["c"][0] += dx * (dpsi_dc / den - psi / (den * den) * dden_dc);
        g["L_multiplier"][0] +=
            dx * (-psi / (den * den)) * dden_dn * dn_dthreshold * dthreshold_dlm;
      }
  return g;
}

// Rows below, at (tie) and above L; keys on both sides of the diagonal, strided or contiguous.
const std::vector<std::int64_t> kQpos{2, 5, 8, 10, 11, 17}, kKpos{0, 2, 3, 5, 8, 9, 11, 16, 17},
    kDenseKpos{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};

void check_against_backprop(std::int64_t width, double init_length, std::uint64_t seed) {
  for (const auto* keys : {&kKpos, &kDenseKpos}) {
    const std::vector<std::int64_t>& kpos = *keys;
    const std::int64_t H = 2;
    auto enc = make(H, width, init_length);
    enc->init_parameters(seed);
    const auto w = test::random_vector(H * kQpos.size() * kpos.size(), seed + 1);
    const auto got = plugin_gradients(*enc, H, kQpos, kpos, w);
    const auto want = reference_gradients(*enc, init_length, H, kQpos, kpos, w);
    for (const auto& [name, ref] : want) {
      ASSERT_EQ(got.at(name).size(), ref.size()) << name;
      double mag = 0;
      for (double v : ref) mag = std::max(mag, std::fabs(v));
      for (std::size_t e = 0; e < ref.size(); ++e)
        EXPECT_NEAR(got.at(name)[e], ref[e], 1e-5 * (1.0 + mag))
            << "width " << width << " L " << init_length << " keys " << kpos.size() << " " << name
            << "[" << e << "]";
    }
  }
}

TEST(Fire, GradientsMatchBackpropRowsBelowL) {
  check_against_backprop(32, 512.0, 3);
}
TEST(Fire, GradientsMatchBackpropRowsAroundL) {
  check_against_backprop(4, 8.0, 5);
}
TEST(Fire, GradientsMatchBackpropTieAtL) {
  check_against_backprop(32, 10.0, 7);
}

// Central differences on an MLP whose breakpoints (-0.3 and 3) lie outside the x range
// ([0, 1.6] here): the bias is smooth in every parameter, so differences are exact to O(h^2).
// Includes the query exactly at L = 8, where the difference in L_multiplier sees half a slope.
TEST(Fire, GradientsMatchFiniteDifferencesAwayFromKinks) {
  const std::int64_t H = 2;
  for (float c : {0.1f, 0.3f}) {
    auto enc = make(H, 2, 8.0);
    auto p = by_name(*enc);
    const float w1[] = {1.0f, -0.5f}, b1[] = {0.3f, 1.5f}, w2[] = {0.7f, -0.4f, -1.1f, 0.25f},
                b2[] = {0.1f, -0.2f};
    std::copy(w1, w1 + 2, p["w1"].value);
    std::copy(b1, b1 + 2, p["b1"].value);
    std::copy(w2, w2 + 4, p["w2"].value);
    std::copy(b2, b2 + 2, p["b2"].value);
    p["c"].value[0] = c;
    p["L_multiplier"].value[0] = 1.0f;
    const auto w = test::random_vector(H * kQpos.size() * kKpos.size(), 31);
    const auto got = plugin_gradients(*enc, H, kQpos, kKpos, w);
    auto loss = [&] {
      const auto b = forward(*enc, H, kQpos, kKpos);
      double s = 0;
      for (std::size_t e = 0; e < b.size(); ++e) s += double(w[e]) * b[e];
      return s;
    };
    for (auto& q : enc->parameters())
      for (std::int64_t e = 0; e < Tensor::count(q.shape); ++e) {
        // L_multiplier: the tie row's max() kink makes the difference O(h): a smaller step.
        const float orig = q.value[e], step = q.name == "L_multiplier" ? 1e-3f : 1e-2f;
        q.value[e] = orig + step;
        const double plus = loss();
        q.value[e] = orig - step;
        const double minus = loss();
        q.value[e] = orig;
        const double fd = (plus - minus) / (double(orig + step) - double(orig - step));
        EXPECT_NEAR(got.at(q.name)[e], fd, 2e-3 * (1.0 + std::fabs(fd)))
            << "c " << c << " " << q.name << "[" << e << "]";
      }
  }
}

TEST(Fire, InvalidConfigNamesEncodingAndKey) {
  try {
    make(2, 0, 512.0);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fire"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mlp_width"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make(2, 32, -1.0), std::invalid_argument);
}

}  // namespace
}  // namespace pebench
