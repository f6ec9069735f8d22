// Suite parsing: typed spec, cases, and errors with file:line:column.
#include <gtest/gtest.h>

#include <map>

#include "suite/suite.hpp"

namespace pebench {
namespace {

std::string fixture(const char* f) {
  return std::string(FIXTURE_SUITE_DIR) + "/" + f;
}

std::string error_of(const char* f) {
  try {
    load_suite(fixture(f));
  } catch (const SuiteError& e) {
    return e.what();
  }
  return "";
}

TEST(Suite, QuickSuiteHasAConformanceAndASyntheticPart) {
  const Suite s = load_suite(std::string(FIXTURE_SUITE_DIR) + "/../../../suites/quick.yaml");
  EXPECT_EQ(s.kind, "parts");
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].kind, "conformance");
  EXPECT_TRUE(s.parts[0].all_encodings);
  EXPECT_EQ(s.parts[0].threads, 2) << "parts inherit threads";
  EXPECT_EQ(s.parts[1].kind, "synthetic");
  const auto cases = expand_cases(s, {"alibi", "nope"});
  ASSERT_EQ(cases.size(), 2u + s.parts[1].encodings.size());
  EXPECT_EQ(cases[0].id, "conformance/nope/seed=1") << "encodings: all puts nope first";
  EXPECT_EQ(cases[1].repro, "pebench --threads 2 check-plugin alibi --seed 1");
  EXPECT_EQ(cases[2].id, "flip_flop/nope/flip_flop/seed=1");
  EXPECT_EQ(cases[2].part, 1);
  EXPECT_NE(cases[2].repro.find("--case flip_flop/nope/flip_flop/seed=1"), std::string::npos);
  EXPECT_EQ(s.sha256.size(), 64u);
}

// speed.yaml: two parts; a case per encoding x mode x T x B x H x d; the cases of one
// mode and shape form one group (one process), the repro names the case.
TEST(Suite, SpeedSuiteExpandsTheGridIntoGroups) {
  const Suite s = load_suite(std::string(FIXTURE_SUITE_DIR) + "/../../../suites/speed.yaml");
  ASSERT_EQ(s.parts.size(), 2u);
  const Suite& attention = s.parts[0];
  EXPECT_EQ(attention.kind, "speed");
  EXPECT_EQ(attention.bench.modes,
            (std::vector<std::string>{"attention_fwd", "attention_fwd_bwd"}));
  EXPECT_EQ(attention.bench.repetitions, 9);
  const auto cases = expand_cases(s, {"alibi", "nope"});
  const std::size_t lengths = attention.bench.lengths.size();
  ASSERT_EQ(cases.size(), 2u * 2u * lengths * 2u);  // parts x modes x lengths x encodings
  EXPECT_EQ(cases[0].id, "attention/nope/attention_fwd/T=256/B=1/H=8/d=64");
  EXPECT_EQ(cases[0].group, "attention/attention_fwd/T=256/B=1/H=8/d=64");
  EXPECT_EQ(cases[0].seq_len, 256);
  EXPECT_NE(cases[0].repro.find("run "), std::string::npos);
  EXPECT_NE(cases[0].repro.find("--case attention/nope/attention_fwd/T=256/B=1/H=8/d=64"),
            std::string::npos);
  std::map<std::string, int> group_sizes;
  for (const auto& c : cases) ++group_sizes[c.group];
  for (const auto& [group, n] : group_sizes) EXPECT_EQ(n, 2) << group;

  const Suite m = load_suite(std::string(FIXTURE_SUITE_DIR) + "/../../../suites/memory.yaml");
  for (const auto& c : expand_cases(m, {"nope"}))
    EXPECT_TRUE(c.group.empty()) << "memory cases run one per process: " << c.id;
}

TEST(Suite, ErrorsNameFileLineColumnAndKey) {
  EXPECT_EQ(error_of("unknown_key.yaml"),
            fixture("unknown_key.yaml") + ":4:1: unknown key 'seedz' (did you mean 'seeds'?)");
  EXPECT_EQ(error_of("bad_type.yaml"),
            fixture("bad_type.yaml") + ":4:12: 'seeds' must be a non-negative integer, got 'two'");
  EXPECT_EQ(
      error_of("bad_kind.yaml"),
      fixture("bad_kind.yaml") + ":1:7: unknown kind 'conformanse' (did you mean 'conformance'?)");
  EXPECT_NE(error_of("bad_syntax.yaml").find("YAML syntax error"), std::string::npos);
  EXPECT_EQ(error_of("bad_encoding_key.yaml"),
            fixture("bad_encoding_key.yaml") +
                ":4:5: unknown key 'parms' in an encoding entry (did you mean 'params'?)");
}

TEST(Suite, EncodingParamsAreTypedAndInTheRepro) {
  const Suite s = load_suite(fixture("unknown_param.yaml"));
  ASSERT_EQ(s.encodings.size(), 1u);
  EXPECT_EQ(std::get<std::int64_t>(s.encodings[0].params.values().at("bas")), 100);
  const auto cases = expand_cases(s, {});
  EXPECT_EQ(cases[0].repro, "pebench check-plugin sinusoidal --seed 1 --params bas=100");
}

TEST(Params, ParsesTypedValues) {
  const Config c = parse_params("k=4,scale=0.5,values=true,scaling=yarn");
  EXPECT_EQ(c.get_int("k", 0), 4);
  EXPECT_DOUBLE_EQ(c.get_double("scale", 0), 0.5);
  EXPECT_TRUE(c.get_bool("values", false));
  EXPECT_EQ(c.get_string("scaling", ""), "yarn");
  EXPECT_THROW(parse_params("novalue"), std::invalid_argument);
}

TEST(Closest, SuggestsNearKeysOnly) {
  EXPECT_EQ(closest("seedz", {"seeds", "threads"}), "seeds");
  EXPECT_EQ(closest("xyzzy", {"seeds", "threads"}), "");
}

TEST(Suite, SyntheticSuiteIsTypedAndExpandsPerEncodingTaskSeed) {
  const Suite s = load_suite(fixture("synthetic_tiny.yaml"));
  EXPECT_EQ(s.kind, "synthetic");
  ASSERT_EQ(s.tasks.size(), 1u);
  EXPECT_EQ(s.tasks[0].name, "flip_flop");
  EXPECT_EQ(s.tasks[0].train_length, 16);
  ASSERT_EQ(s.tasks[0].splits.size(), 3u);
  EXPECT_EQ(s.tasks[0].splits[1].params.get_double("p_ignore", 0), 0.98);
  EXPECT_EQ(s.tasks[0].splits[2].length, 64);
  EXPECT_EQ(s.model.d_model, 16);
  EXPECT_EQ(s.training.steps, 6);
  EXPECT_EQ(s.training.optimizer.warmup_steps, 2);
  EXPECT_EQ(s.evaluation.batches, 2);
  const auto cases = expand_cases(s, {});
  ASSERT_EQ(cases.size(), 8u);  // 4 encodings x 1 task x 2 seeds
  EXPECT_EQ(cases[2].id, "learned[max_positions=32]/flip_flop/seed=1");
  EXPECT_EQ(cases[2].repro, "pebench --threads 1 run " + fixture("synthetic_tiny.yaml") +
                                " --case 'learned[max_positions=32]/flip_flop/seed=1'");
}

TEST(Suite, SyntheticErrorsNameFileLineColumnAndKey) {
  EXPECT_EQ(error_of("bad_training_key.yaml"),
            fixture("bad_training_key.yaml") +
                ":4:23: unknown key 'warmpu_steps' in 'training' (did you mean 'warmup_steps'?)");
  EXPECT_EQ(error_of("bad_task_param.yaml"),
            fixture("bad_task_param.yaml") + ":5:14: task 'flip_flop' has no parameter 'p_ignroe'");
  EXPECT_EQ(error_of("synthetic_key_in_conformance.yaml"),
            fixture("synthetic_key_in_conformance.yaml") +
                ":3:1: key 'training' belongs to kind 'synthetic', not 'conformance'");
}

}  // namespace
}  // namespace pebench
