// check-plugin: every correct encoding passes; each broken fixture fails for its reason.
#include <gtest/gtest.h>

#include <algorithm>

#include "kinds/conformance/conformance.hpp"
#include "test_helpers.hpp"

namespace pebench {
namespace {

const CheckResult* find_check(const ConformanceReport& r, const std::string& name) {
  for (const auto& c : r.checks)
    if (c.name == name) return &c;
  return nullptr;
}

class ConformancePasses : public ::testing::TestWithParam<std::string> {};

TEST_P(ConformancePasses, AllChecksPass) {
  const ConformanceReport r =
      run_conformance(resolve_encoding(test::plugins(), GetParam()), ConformanceOptions{});
  for (const auto& c : r.checks)
    EXPECT_NE(c.status, CheckStatus::kFailed) << c.name << ": " << c.figure;
  EXPECT_TRUE(r.passed());
}

std::vector<std::string> all_encodings() {
  std::vector<std::string> names;
  for (const auto& entry : test::plugins().plugins()) names.push_back(entry.info.name);
  names.insert(names.end(), test::kStacks.begin(), test::kStacks.end());
  return names;
}

// Every encoding found: in-tree plugins and the hook fixtures.
INSTANTIATE_TEST_SUITE_P(Encodings, ConformancePasses, ::testing::ValuesIn(all_encodings()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '+', '_');
                           return n;
                         });

ConformanceReport check_broken(const std::string& file) {
  Registry r;
  return run_conformance(resolve_encoding(r, std::string(FIXTURE_BROKEN_DIR) + "/" + file),
                         ConformanceOptions{});
}

TEST(ConformanceRejects, WrongGradient) {
  const auto r = check_broken("pebench-broken_wrong_gradient.so");
  EXPECT_FALSE(r.passed());
  ASSERT_NE(find_check(r, "gradient param slope"), nullptr);
  EXPECT_EQ(find_check(r, "gradient param slope")->status, CheckStatus::kFailed);
  // Only the parameter gradient is wrong: the input gradients and causality hold.
  EXPECT_EQ(find_check(r, "gradient q")->status, CheckStatus::kPassed);
  EXPECT_EQ(find_check(r, "causality")->status, CheckStatus::kPassed);
}

TEST(ConformanceRejects, GradientWrittenInsteadOfAccumulated) {
  const auto r = check_broken("pebench-broken_overwrites_gradient.so");
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(find_check(r, "gradient param slope")->status, CheckStatus::kFailed);
  EXPECT_EQ(find_check(r, "gradient q")->status, CheckStatus::kPassed);
}

TEST(ConformanceRejects, LeakingFutureTokens) {
  const auto r = check_broken("pebench-broken_leaks_future.so");
  EXPECT_FALSE(r.passed());
  const CheckResult* c = find_check(r, "causality");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, CheckStatus::kFailed);
  EXPECT_NE(c->figure.find("future tokens leak"), std::string::npos) << c->figure;
}

TEST(ConformanceRejects, NanInBackward) {
  const auto r = check_broken("pebench-broken_nan_backward.so");
  EXPECT_FALSE(r.passed());
  const CheckResult* c = find_check(r, "large logits");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, CheckStatus::kFailed);
  EXPECT_NE(c->figure.find("NaN/Inf"), std::string::npos) << c->figure;
  EXPECT_EQ(find_check(r, "gradient param slope")->status, CheckStatus::kFailed);
}

// The broken fixtures a fixed small shape (H=2, T=12, one shift of 37, parameters at their
// init) let through: each is caught, by the check that names its fault.
void expect_only_failure(const std::string& file, const std::string& check,
                         const std::string& figure_part,
                         CheckStatus status = CheckStatus::kFailed) {
  const auto r = check_broken(file);
  EXPECT_FALSE(r.passed()) << file;
  const CheckResult* c = find_check(r, check);
  ASSERT_NE(c, nullptr) << file << ": no check " << check;
  EXPECT_EQ(c->status, status) << file << ": " << c->figure;
  EXPECT_NE(c->figure.find(figure_part), std::string::npos) << c->figure;
}

TEST(ConformanceRejects, GradientWrongOnlyForHeadsTwoAndUp) {
  expect_only_failure("pebench-broken_grad_wrong_high_heads.so", "gradient param slope",
                      "elements off");
}

TEST(ConformanceRejects, GradientWrongOnlyForPositionsTwelveAndUp) {
  expect_only_failure("pebench-broken_grad_wrong_late_positions.so", "gradient param slope",
                      "elements off");
}

TEST(ConformanceRejects, DeclaredRelativeButPeriodicInAbsolutePosition) {
  const auto r = check_broken("pebench-broken_relative_period_37.so");
  const CheckResult* c = find_check(r, "relative invariance");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, CheckStatus::kFailed) << c->figure;
  EXPECT_NE(c->figure.find("37: 0.0e+00"), std::string::npos) << c->figure;  // the old shift
  EXPECT_EQ(find_check(r, "causality")->status, CheckStatus::kPassed);
}

TEST(ConformanceRejects, DeclaredRelativeButAbsoluteBeyondSixty) {
  expect_only_failure("pebench-broken_relative_below_60.so", "relative invariance",
                      "depend on absolute positions");
}

TEST(ConformanceRejects, BiasImplementedButNotDeclared) {
  expect_only_failure("pebench-broken_undeclared_bias.so", "declared hooks",
                      "bias_forward changed its output");
}

TEST(ConformanceRejects, ParameterNothingReadsIsMistrusted) {
  expect_only_failure("pebench-broken_dead_parameter.so", "gradient param gate", "identically zero",
                      CheckStatus::kMistrusted);
  const auto r = check_broken("pebench-broken_dead_parameter.so");
  EXPECT_EQ(find_check(r, "gradient param slope")->status, CheckStatus::kPassed);
}

TEST(ConformanceRejects, ScoreHookReadingAKeyTwentyOneAhead) {
  expect_only_failure("pebench-broken_score_reads_ahead.so", "causality",
                      "from up to 21 positions ahead");
}

TEST(ConformanceRejects, RotateHookReadingAKeyThirteenAhead) {
  expect_only_failure("pebench-broken_rotate_leaks_ahead.so", "causality",
                      "from up to 13 positions ahead");
}

TEST(ConformanceRejects, BackwardPathHiddenByAZeroInitialParameter) {
  expect_only_failure("pebench-broken_zero_init_hides_backward.so", "gradient k", "elements off");
}

// Randomised parameters exposed this: CoPE's position logits read the rotated q by itself.
TEST(EncodingStack, RotateUnderAScoreHookIsNotDeclaredRelative) {
  EXPECT_TRUE(test::make_encoding("rope", 2, 4)->info().relative);
  EXPECT_TRUE(test::make_encoding("cope", 2, 4)->info().relative);
  EXPECT_FALSE(test::make_encoding("cope+rope", 2, 4)->info().relative);
  EXPECT_TRUE(test::make_encoding("rope+alibi", 2, 4)->info().relative);
}

TEST(ConformanceRejects, AbiMismatchIsALoadError) {
  Registry r;
  EXPECT_THROW(r.find(std::string(FIXTURE_BROKEN_DIR) + "/pebench-broken_abi_mismatch.so"),
               std::runtime_error);
}

TEST(ConformanceRejects, UnknownConfigKeyFailsWithTheKey) {
  ConformanceOptions o;
  o.config.set("bas", 100.0);
  const auto r = run_conformance(resolve_encoding(test::plugins(), "sinusoidal"), o);
  EXPECT_FALSE(r.passed());
  ASSERT_EQ(r.checks.size(), 1u);
  EXPECT_NE(r.checks[0].figure.find("unknown config key 'bas' for encoding 'sinusoidal'"),
            std::string::npos);
}

}  // namespace
}  // namespace pebench

namespace pebench {
namespace {

TEST(EncodingStack, ConfigKeysArePrefixedWithThePartName) {
  Config c;
  c.set("sinusoidal.base", 100.0);
  auto enc = test::make_encoding("sinusoidal+alibi", 2, 4, c);
  EXPECT_EQ(enc->info().name, "sinusoidal+alibi");
  EXPECT_EQ(enc->info().hooks, kHookEmbed | kHookStaticBias);
  EXPECT_FALSE(enc->info().relative);  // sinusoidal is absolute
  Config bare;
  bare.set("base", 100.0);
  try {
    test::make_encoding("sinusoidal+alibi", 2, 4, bare);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(
        std::string(e.what()).find("must be prefixed with a part's name, e.g. 'sinusoidal.base'"),
        std::string::npos)
        << e.what();
  }
  Config unknown;
  unknown.set("alibi.slope", 1.0);
  EXPECT_THROW(test::make_encoding("sinusoidal+alibi", 2, 4, unknown), std::invalid_argument);
}

TEST(EncodingStack, ParametersAreNamedByPart) {
  auto enc = test::make_encoding("fixture_score+fixture_bias", 2, 4);
  std::vector<std::string> names;
  for (const auto& p : enc->parameters()) names.push_back(p.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"fixture_score.a", "fixture_score.c", "fixture_bias.slope"}));
}

}  // namespace
}  // namespace pebench
