// Golden tests of the kerple plugin: bias values computed here from the paper's formulas
// (log: -r1 log(1 + r2 |m-n|), power: -r1 |m-n|^r2), the reference clamps and init ranges
// (chijames/KERPLE), and the parameter gradients of bias_backward against central
// differences of sum(w * bias_forward).
// How to add a case: add (head, query, key) triples or parameter values below.
#include <gtest/gtest.h>

#include <cmath>

#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

Config variant(const std::string& v) {
  Config c;
  c.set("variant", v);
  return c;
}

void set_params(Encoding& enc, const std::vector<float>& r1, const std::vector<float>& r2) {
  auto p = enc.parameters();
  ASSERT_EQ(p.size(), 2u);
  ASSERT_EQ(p[0].name, "r1");
  ASSERT_EQ(p[1].name, "r2");
  std::copy(r1.begin(), r1.end(), p[0].value);
  std::copy(r2.begin(), r2.end(), p[1].value);
}

std::vector<float> forward(Encoding& enc, std::int64_t H, const std::vector<std::int64_t>& qpos,
                           const std::vector<std::int64_t>& kpos) {
  const std::int64_t Tq = qpos.size(), Tk = kpos.size();
  std::vector<float> bias(static_cast<std::size_t>(H * Tq * Tk));
  enc.bias_forward(dense_view<float, 3>(bias.data(), {H, Tq, Tk}), Positions{qpos.data(), Tq},
                   Positions{kpos.data(), Tk});
  return bias;
}

TEST(Kerple, LogVariantValues) {
  auto enc = test::make_encoding("kerple", 2, 4);  // default variant: log
  set_params(*enc, {0.7f, 1.3f}, {0.2f, 0.05f});
  const std::vector<std::int64_t> qpos{5, 9}, kpos{0, 2, 5, 9, 11};
  const auto b = forward(*enc, 2, qpos, kpos);
  // Contiguous keys (the gather path) against the same formula.
  const std::vector<std::int64_t> dense{3, 4, 5, 6, 7, 8, 9, 10};
  const auto bd = forward(*enc, 2, qpos, dense);
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 8; ++j)
        EXPECT_NEAR(
            bd[(h * 2 + i) * 8 + j],
            -(h ? 1.3f : 0.7f) * std::log(1.0 + (h ? 0.05f : 0.2f) * std::abs(qpos[i] - dense[j])),
            tol::kGolden);
  const double r1[] = {0.7f, 1.3f}, r2[] = {0.2f, 0.05f};
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 5; ++j) {
        const double d = std::abs(qpos[i] - kpos[j]);
        EXPECT_NEAR(b[(h * 2 + i) * 5 + j], -r1[h] * std::log(1.0 + r2[h] * d), tol::kGolden)
            << h << " " << i << " " << j;
      }
  // By hand: h 0, distance 5: -0.7 log 2; h 1, distance 9 (query 9, key 0): -1.3 log 1.45.
  EXPECT_NEAR(b[0], -0.7 * 0.6931471805599453, 1e-6);
  EXPECT_NEAR(b[(1 * 2 + 1) * 5 + 0], -1.3 * 0.371563556432483, 1e-6);
  EXPECT_EQ(b[2], 0.0f);  // distance 0
}

TEST(Kerple, PowerVariantValues) {
  auto enc = test::make_encoding("kerple", 2, 4, variant("power"));
  set_params(*enc, {0.5f, 2.0f}, {1.5f, 0.5f});
  const std::vector<std::int64_t> qpos{9}, kpos{0, 5, 8, 9};
  const auto b = forward(*enc, 2, qpos, kpos);
  // h 0: -0.5 d^1.5 at d = 9, 4, 1, 0; h 1: -2 sqrt(d).
  const float expected[] = {-13.5f, -4.0f, -0.5f, 0.0f, -6.0f, -4.0f, -2.0f, 0.0f};
  for (int e = 0; e < 8; ++e) EXPECT_NEAR(b[e], expected[e], 1e-5) << e;
}

TEST(Kerple, ParametersAreClampedAsInTheReference) {
  auto power = test::make_encoding("kerple", 2, 4, variant("power"));
  set_params(*power, {-1.0f, 0.3f}, {3.0f, 0.0f});
  const auto b = forward(*power, 2, {3}, {0});
  EXPECT_NEAR(b[0], -0.01 * 9.0, 1e-6);                 // r1 -> 0.01, r2 -> 2
  EXPECT_NEAR(b[1], -0.3 * std::pow(3.0, 0.01), 1e-6);  // r2 -> 0.01
  auto p = power->parameters();
  EXPECT_FLOAT_EQ(p[0].value[0], 0.01f);
  EXPECT_FLOAT_EQ(p[1].value[0], 2.0f);
  EXPECT_FLOAT_EQ(p[1].value[1], 0.01f);

  auto log = test::make_encoding("kerple", 1, 4);
  set_params(*log, {0.0f}, {5.0f});  // log: r2 has no upper bound
  const auto c = forward(*log, 1, {2}, {0});
  EXPECT_NEAR(c[0], -0.01 * std::log(11.0), 1e-6);
}

TEST(Kerple, InitFollowsReferenceRanges) {
  const std::int64_t H = 64;
  for (const char* v : {"log", "power"}) {
    auto a = test::make_encoding("kerple", H, 4, variant(v));
    auto b = test::make_encoding("kerple", H, 4, variant(v));
    a->init_parameters(9);
    b->init_parameters(9);
    const bool power = std::string(v) == "power";
    const double r1_max = power ? 1.0 : 2.0, r2_max = power ? 2.0 : 1.0;
    auto pa = a->parameters(), pb = b->parameters();
    double r1_top = 0, r2_top = 0;
    for (std::int64_t h = 0; h < H; ++h) {
      EXPECT_EQ(pa[0].value[h], pb[0].value[h]);  // deterministic
      EXPECT_GE(pa[0].value[h], 0.01f);
      EXPECT_LE(pa[0].value[h], r1_max);
      EXPECT_GE(pa[1].value[h], 0.01f);
      EXPECT_LE(pa[1].value[h], r2_max);
      r1_top = std::max(r1_top, double(pa[0].value[h]));
      r2_top = std::max(r2_top, double(pa[1].value[h]));
    }
    // Uniform over the whole range, not a constant: the top of 64 draws is near the bound.
    EXPECT_GT(r1_top, 0.8 * r1_max) << v;
    EXPECT_GT(r2_top, 0.8 * r2_max) << v;
  }
}

// d(sum w * bias)/d param by central differences vs bias_backward (called twice: accumulates).
void check_gradients(const std::string& v, const std::vector<float>& r1,
                     const std::vector<float>& r2, const std::vector<std::int64_t>& kpos) {
  const std::int64_t H = static_cast<std::int64_t>(r1.size());
  auto enc = test::make_encoding("kerple", H, 4, variant(v));
  set_params(*enc, r1, r2);
  const std::vector<std::int64_t> qpos{3, 4, 7, 12};
  const std::int64_t Tq = qpos.size(), Tk = kpos.size();
  const auto w = test::random_vector(static_cast<std::size_t>(H * Tq * Tk), 21);
  auto loss = [&] {
    const auto b = forward(*enc, H, qpos, kpos);
    double s = 0;
    for (std::size_t e = 0; e < b.size(); ++e) s += double(w[e]) * b[e];
    return s;
  };
  auto params = enc->parameters();
  for (auto& p : params) std::fill(p.grad, p.grad + H, 0.0f);
  for (int rep = 0; rep < 2; ++rep)
    enc->bias_backward(dense_view<const float, 3>(w.data(), {H, Tq, Tk}),
                       Positions{qpos.data(), Tq}, Positions{kpos.data(), Tk});
  for (auto& p : params)
    for (std::int64_t h = 0; h < H; ++h) {
      const float orig = p.value[h];
      const float step = 1e-2f;
      p.value[h] = orig + step;
      const double plus = loss();
      p.value[h] = orig - step;
      const double minus = loss();
      p.value[h] = orig;
      const double fd = (plus - minus) / (double(orig + step) - double(orig - step));
      EXPECT_NEAR(p.grad[h], 2.0 * fd, 2e-3 * (1.0 + std::fabs(fd)))
          << v << " " << p.name << "[" << h << "]";
    }
}

TEST(Kerple, LogGradientsMatchFiniteDifferences) {
  check_gradients("log", {0.7f, 1.9f, 0.1f}, {0.3f, 0.05f, 0.9f}, {0, 1, 3, 4, 7, 12, 13});
  check_gradients("log", {0.7f, 1.9f, 0.1f}, {0.3f, 0.05f, 0.9f}, {2, 3, 4, 5, 6, 7, 8, 9});
}

TEST(Kerple, PowerGradientsMatchFiniteDifferences) {
  check_gradients("power", {0.7f, 0.2f, 1.5f}, {1.2f, 0.4f, 1.9f}, {0, 1, 3, 4, 7, 12, 13});
  check_gradients("power", {0.7f, 0.2f, 1.5f}, {1.2f, 0.4f, 1.9f}, {2, 3, 4, 5, 6, 7, 8, 9});
}

TEST(Kerple, UnknownVariantNamesEncodingAndKey) {
  try {
    test::make_encoding("kerple", 2, 4, variant("cubic"));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("kerple"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("variant"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pebench
