// Suite parsing and expansion: the generic keys, each kind's keys through its folder,
// cases handed over whole, errors with file:line:column.
// How to add a case: a fixture under tests/fixtures/suites/ and an EXPECT on load_suite /
// expand_cases (or error_of for a suite that must be refused).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>

#include "kinds/kinds.hpp"
#include "kinds/synthetic/synthetic_spec.hpp"
#include "suite/long_seed_lists.hpp"
#include "suite/suite.hpp"

namespace pebench {
namespace {

std::string fixture(const char* f) {
  return std::string(FIXTURE_SUITE_DIR) + "/" + f;
}
std::string suite_file(const char* f) {
  return std::string(FIXTURE_SUITE_DIR) + "/../../../suites/" + f;
}

std::string error_of(const char* f) {
  try {
    load_suite(fixture(f));
  } catch (const SuiteError& e) {
    return e.what();
  }
  return "";
}

std::vector<Case> expand(const Suite& s, std::vector<std::string> available,
                         std::vector<std::string> plugin_paths = {}) {
  ExpandOptions o;
  o.available = std::move(available);
  o.plugin_paths = std::move(plugin_paths);
  return expand_cases(s, o);
}

TEST(Suite, QuickSuiteHasAConformanceAndASyntheticPart) {
  const Suite s = load_suite(suite_file("quick.yaml"));
  EXPECT_TRUE(s.has_parts());
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].kind->name(), "conformance");
  EXPECT_TRUE(s.parts[0].all_encodings);
  EXPECT_EQ(s.parts[0].threads, 2) << "parts inherit threads";
  EXPECT_EQ(s.parts[1].kind->name(), "synthetic");
  const auto cases = expand(s, {"alibi", "nope"});
  ASSERT_EQ(cases.size(), 2u + s.parts[1].encodings.size());
  EXPECT_EQ(cases[0].id, "conformance/nope/seed=1") << "encodings: all puts nope first";
  EXPECT_EQ(cases[1].repro,
            "pebench run " + suite_file("quick.yaml") + " --case conformance/alibi/seed=1");
  EXPECT_EQ(cases[2].id, "flip_flop/nope/flip_flop/seed=1");
  EXPECT_EQ(cases[2].part, "flip_flop");
  EXPECT_EQ(cases[2].kind, "synthetic");
  EXPECT_EQ(cases[2].threads, 2);
  EXPECT_EQ(s.sha256.size(), 64u);
  EXPECT_EQ(cases[2].suite_sha256, s.sha256);
}

// speed.yaml: two parts; a case per encoding x mode x T x B x H x d; the cases of one
// mode and shape form one group (one process), the repro names the case.
TEST(Suite, SpeedSuiteExpandsTheGridIntoGroups) {
  const Suite s = load_suite(suite_file("speed.yaml"));
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.parts[0].kind->name(), "speed");
  const auto cases = expand(s, {"alibi", "nope"});
  ASSERT_EQ(cases.size(), 2u * 2u * 5u * 2u);  // parts x modes x lengths x encodings
  EXPECT_EQ(cases[0].id, "attention/nope/attention_fwd/T=256/B=1/H=8/d=64");
  EXPECT_EQ(cases[0].group, "attention/attention_fwd/T=256/B=1/H=8/d=64");
  EXPECT_EQ(cases[0].spec["shape"]["seq_len"], 256);
  EXPECT_EQ(cases[0].spec["repetitions"], 9);
  EXPECT_NE(cases[0].repro.find("--case attention/nope/attention_fwd/T=256/B=1/H=8/d=64"),
            std::string::npos);
  std::map<std::string, int> group_sizes;
  for (const auto& c : cases) ++group_sizes[c.group];
  for (const auto& [group, n] : group_sizes) EXPECT_EQ(n, 2) << group;

  for (const auto& c : expand(load_suite(suite_file("memory.yaml")), {"nope"}))
    EXPECT_TRUE(c.group.empty()) << "memory cases run one per process: " << c.id;
}

// The case id never holds a path, a thread count or a plugin path (the nightly compare
// matches cases across machines by it); the repro and the run settings do.
TEST(Suite, CaseIdsHoldNoPathsOrThreads) {
  const Suite s = load_suite(fixture("synthetic_tiny.yaml"));
  const auto cases = expand(s, {}, {"/opt/plugins/x"});
  for (const Case& c : cases) {
    EXPECT_EQ(c.id.find('/' + std::string("opt")), std::string::npos) << c.id;
    EXPECT_EQ(c.id.find("thread"), std::string::npos) << c.id;
    EXPECT_EQ(c.plugin_paths, std::vector<std::string>{"/opt/plugins/x"});
    EXPECT_EQ(c.threads, 1);
    EXPECT_EQ(c.repro.rfind("pebench --plugin-path /opt/plugins/x run ", 0), 0u) << c.repro;
  }
}

// An encoding named by its plugin's path counts by its file name; --threads overrides the
// suite's threads (in the case and its repro), never in the id.
TEST(Suite, PluginPathsAndThreadsStayOutOfIds) {
  const Suite s = parse_suite("inline.yaml",
                              "kind: conformance\n"
                              "encodings: [/opt/x/pebench-my_pe.so, rope+/opt/y/pebench-z.so]\n"
                              "threads: 2\n");
  ExpandOptions o;
  o.threads = 7;
  const auto cases = expand_cases(s, o);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].id, "my_pe/seed=1");
  EXPECT_EQ(cases[1].id, "rope+z/seed=1");
  EXPECT_EQ(cases[0].encoding.name, "/opt/x/pebench-my_pe.so") << "the child loads the path";
  EXPECT_EQ(cases[0].threads, 7);
  EXPECT_EQ(cases[0].repro, "pebench --threads 7 run inline.yaml --case my_pe/seed=1");
}

TEST(Suite, ErrorsNameFileLineColumnAndKey) {
  EXPECT_EQ(error_of("unknown_key.yaml"),
            fixture("unknown_key.yaml") + ":4:1: unknown key 'seedz' (did you mean 'seeds'?)");
  EXPECT_EQ(error_of("bad_type.yaml"),
            fixture("bad_type.yaml") + ":4:12: 'seeds' must be a non-negative integer, got 'two'");
  EXPECT_EQ(error_of("bad_kind.yaml"),
            fixture("bad_kind.yaml") +
                ":1:7: unknown kind 'conformanse' (did you mean 'conformance'?) (kinds: "
                "conformance, synthetic, speed, memory, extrapolation)");
  EXPECT_NE(error_of("bad_syntax.yaml").find("YAML syntax error"), std::string::npos);
  EXPECT_EQ(error_of("bad_encoding_key.yaml"),
            fixture("bad_encoding_key.yaml") +
                ":4:5: unknown key 'parms' in an encoding entry (did you mean 'params'?)");
  EXPECT_EQ(error_of("speed_key_in_memory.yaml"),
            fixture("speed_key_in_memory.yaml") +
                ":4:1: key 'repetitions' belongs to kind 'speed', not 'memory'");
}

TEST(Suite, EncodingParamsAreTypedAndTravelWithTheCase) {
  const Suite s = load_suite(fixture("unknown_param.yaml"));
  ASSERT_EQ(s.parts[0].encodings.size(), 1u);
  EXPECT_EQ(std::get<std::int64_t>(s.parts[0].encodings[0].params.values().at("bas")), 100);
  const auto cases = expand(s, {});
  EXPECT_EQ(cases[0].id, "sinusoidal[bas=100]/seed=1");
  EXPECT_EQ(std::get<std::int64_t>(cases[0].encoding.params.values().at("bas")), 100);
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
  EXPECT_FALSE(s.has_parts());
  EXPECT_EQ(s.parts[0].kind->name(), "synthetic");
  const auto cases = expand(s, {});
  ASSERT_EQ(cases.size(), 8u);  // 4 encodings x 1 task x 2 seeds
  EXPECT_EQ(cases[2].id, "learned[max_positions=32]/flip_flop/seed=1");
  EXPECT_EQ(cases[2].repro, "pebench run " + fixture("synthetic_tiny.yaml") +
                                " --case 'learned[max_positions=32]/flip_flop/seed=1'");
  const auto spec = cases[2].spec.get<SyntheticCaseSpec>();
  EXPECT_EQ(spec.task.name, "flip_flop");
  EXPECT_EQ(spec.task.train_length, 16);
  ASSERT_EQ(spec.task.splits.size(), 3u);
  EXPECT_EQ(spec.task.splits[1].params.get_double("p_ignore", 0), 0.98);
  EXPECT_EQ(spec.task.splits[2].length, 64);
  EXPECT_EQ(spec.model.d_model, 16);
  EXPECT_EQ(spec.training.steps, 6);
  EXPECT_EQ(spec.training.optimizer.warmup_steps, 2);
  EXPECT_EQ(spec.evaluation.batches, 2);
}

TEST(Suite, SyntheticErrorsNameFileLineColumnAndKey) {
  EXPECT_EQ(error_of("bad_training_key.yaml"),
            fixture("bad_training_key.yaml") +
                ":4:23: unknown key 'warmpu_steps' in 'training' (did you mean 'warmup_steps'?)");
  EXPECT_EQ(error_of("bad_task_param.yaml"),
            fixture("bad_task_param.yaml") + ":5:14: task 'flip_flop' has no parameter 'p_ignroe'");
  EXPECT_EQ(
      error_of("synthetic_key_in_conformance.yaml"),
      fixture("synthetic_key_in_conformance.yaml") +
          ":3:1: key 'training' belongs to kind 'synthetic' or 'extrapolation', not 'conformance'");
}

// A fixed training set iterated in epochs: the steps follow (epochs x ceil(examples / batch));
// epochs without examples, or beside steps, are refused at 'epochs'.
TEST(Suite, TrainingEpochsOfAFixedSetSetTheSteps) {
  const std::string head =
      "kind: synthetic\nencodings: [nope]\ntasks: [{name: flip_flop, train_length: 16}]\n";
  const auto cases =
      expand(parse_suite("e.yaml", head + "training: {examples: 10, epochs: 3, batch: 4}\n"), {});
  const auto spec = cases.at(0).spec.get<SyntheticCaseSpec>();
  EXPECT_EQ(spec.training.steps, 9);
  EXPECT_EQ(spec.training.examples, 10);
  auto error = [&](const std::string& training) {
    try {
      parse_suite("e.yaml", head + training);
    } catch (const SuiteError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("training: {epochs: 3}\n"),
            "e.yaml:4:20: 'epochs' needs 'examples' (the size of the fixed training set)");
  EXPECT_NE(error("training: {examples: 8, steps: 5, epochs: 3}\n")
                .find("e.yaml:4:43: give 'steps' or 'epochs', not both"),
            std::string::npos);
  EXPECT_EQ(error("training: {examples: 0}\n").find("e.yaml:4:22: 'examples' must be > 0"), 0u);
}

// model.norm: pre (default) or post; anything else is refused at its value.
TEST(Suite, ModelNormIsPreOrPost) {
  const std::string head =
      "kind: synthetic\nencodings: [nope]\ntasks: [{name: flip_flop, train_length: 16}]\n";
  EXPECT_EQ(expand(parse_suite("n.yaml", head), {}).at(0).spec.get<SyntheticCaseSpec>().model.norm,
            "pre");
  EXPECT_EQ(expand(parse_suite("n.yaml", head + "model: {norm: post}\n"), {})
                .at(0)
                .spec.get<SyntheticCaseSpec>()
                .model.norm,
            "post");
  try {
    parse_suite("n.yaml", head + "model: {norm: mid}\n");
    FAIL();
  } catch (const SuiteError& e) {
    EXPECT_STREQ(e.what(), "n.yaml:4:15: 'norm' is 'mid', expected pre|post");
  }
}

// A case crosses to its child whole: serialized and read back, it is the same case, and
// nothing in it points back to the suite file except the repro line.
TEST(Suite, CaseFileRoundTripsEveryCase) {
  const std::string file = ::testing::TempDir() + "/cases.json";
  for (const char* name : {"quick.yaml", "speed.yaml", "memory.yaml", "synthetic-quick.yaml"}) {
    const auto cases = expand(load_suite(suite_file(name)), {"nope", "alibi"});
    write_case_file(file, cases);
    const auto back = read_case_file(file);
    ASSERT_EQ(back.size(), cases.size()) << name;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ(nlohmann::json(back[i]), nlohmann::json(cases[i])) << cases[i].id;
      EXPECT_EQ(back[i].encoding.params_text, cases[i].encoding.params_text);
    }
  }
}

// A param value with a comma stays one value (it never passes through "k=v,k2=v2").
TEST(Suite, ParamWithACommaStaysOneValue) {
  const Suite s = parse_suite("inline.yaml",
                              "kind: conformance\n"
                              "encodings: [{name: rope, params: {scaling: \"yarn,factor=8\"}}]\n");
  const auto cases = expand(s, {});
  const std::string file = ::testing::TempDir() + "/comma.json";
  write_case_file(file, cases);
  const Config back = read_case_file(file).at(0).encoding.params;
  EXPECT_EQ(back.values().size(), 1u);
  EXPECT_EQ(back.get_string("scaling", ""), "yarn,factor=8");
}

// Long seed lists are read without yaml-cpp (suite/long_seed_lists.hpp): whether the shortcut
// is taken or not, a suite reads the same, and every error is yaml-cpp's.
TEST(Suite, LongSeedListsReadAsYamlCppReadsThem) {
  const auto seed_list = [](int first, int count, const char* gap) {
    std::string list = "[";
    for (int i = 0; i < count; ++i)
      list += (i ? std::string(",") + gap : "") + std::to_string(first + i);
    return list + "]";
  };
  const std::string head = "kind: conformance\nencodings: [nope]\n";
  struct Outcome {
    std::vector<std::vector<std::uint64_t>> seeds;  // per part
    std::string description, error;
  };
  const auto read = [](const std::string& text, std::size_t bytes) {
    Outcome o;
    try {
      const Suite s = parse_suite("inline.yaml", text, bytes);
      for (const auto& p : s.parts) o.seeds.push_back(p.seeds);
      o.description = s.text;
    } catch (const SuiteError& e) {
      o.error = e.what();
    }
    return o;
  };
  const auto expect_same = [&](const std::string& text, bool shortcut) {
    SCOPED_TRACE(text.substr(0, 120));
    EXPECT_EQ(!LongSeedLists(text, 8).empty(), shortcut);
    const Outcome fast = read(text, 8), slow = read(text, SIZE_MAX);
    EXPECT_EQ(fast.seeds, slow.seeds);
    EXPECT_EQ(fast.error, slow.error);
    return slow;
  };
  // Taken: on one line, over many lines, in parts.
  Outcome o = expect_same(head + "seeds: " + seed_list(1, 3000, " ") + "\n", true);
  ASSERT_EQ(o.seeds.size(), 1u);
  EXPECT_EQ(o.seeds[0].size(), 3000u);
  EXPECT_EQ(o.seeds[0].back(), 3000u);
  expect_same(head + "seeds: " + seed_list(0, 200, "\n  ") + "\nthreads: 1\n", true);
  o = expect_same(
      "parts:\n  - name: a\n    kind: conformance\n    encodings: [nope]\n"
      "    seeds: " +
          seed_list(7, 100, " ") +
          "\n  - seeds: [1, 2]\n"
          "    kind: conformance\n    encodings: [nope]\n",
      true);
  ASSERT_EQ(o.seeds.size(), 2u);
  EXPECT_EQ(o.seeds[0].front(), 7u);
  EXPECT_EQ(o.seeds[1], (std::vector<std::uint64_t>{1, 2}));
  // Blanked but not a `seeds` value (a block scalar): read by yaml-cpp, the text kept.
  o = expect_same(head + "description: |\n  seeds: " + seed_list(1, 50, " ") + "\n", true);
  EXPECT_NE(o.description.find("seeds: [1, 2, 3"), std::string::npos);
  // Errors are yaml-cpp's, at the seed's line and column.
  o = expect_same(head + "seeds: [\n  1, 2, 3,\n  4, 2, 5, 6, 7, 8, 9]\n", true);
  EXPECT_EQ(o.error, "inline.yaml:5:6: 'seeds' lists 2 twice");
  // Forms yaml-cpp reads its own way are not taken: octal, a sign, a comment, a tab, a
  // trailing comma, a value beyond 64 bits, an anchor.
  for (const char* list : {"[010, 1, 2, 3, 4, 5, 6]", "[+1, 2, 3, 4, 5, 6, 7]",
                           "[1, 2, 3, # c\n 4, 5]", "[1,\t2, 3, 4, 5, 6]", "[1, 2, 3, 4, 5, 6,]",
                           "[18446744073709551616, 1]", "&a [1, 2, 3, 4, 5, 6]"})
    expect_same(head + "seeds: " + list + "\n", false);
}

// yaml-cpp 0.7.0 gets stuck at a ',' where a document could start (its LoadAll never
// returned): each is a syntax error at the ','; a real second document is named as one.
TEST(Suite, StrayCommaAndSecondDocumentsEndParsing) {
  auto error = [](const std::string& text) {
    try {
      parse_suite("inline.yaml", text);
    } catch (const SuiteError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("\"x\", y\n"), "inline.yaml:1:4: YAML syntax error: unexpected ','");
  EXPECT_EQ(error("# c\n, kind: speed\n"), "inline.yaml:2:1: YAML syntax error: unexpected ','");
  EXPECT_EQ(error("- kind: speed\n, encodings: [nope]\n"),
            "inline.yaml:2:1: YAML syntax error: unexpected ','");
  EXPECT_EQ(error("kind: speed\n%encodings: [nope]\n  - x\n"),
            "inline.yaml:2:1: YAML syntax error: a line starting with '%' is a YAML directive, "
            "which ends the document; quote or indent it");
  EXPECT_EQ(error("%YAML 1.2\n---\n"), "inline.yaml:1:1: a suite must be a YAML mapping");
  EXPECT_EQ(error("kind: speed\n%threads: 4\n"),  // the last line: yaml-cpp would drop it
            "inline.yaml:2:1: YAML syntax error: a line starting with '%' is a YAML directive, "
            "which ends the document; quote or indent it");
  // An integer beyond 64 bits is refused as yaml-cpp refuses it (not read as 0).
  EXPECT_NE(error("kind: conformance\nencodings: [nope]\nseeds: [18446744073709551616]\n")
                .find("inline.yaml:3:9: 'seeds' must be a non-negative integer"),
            std::string::npos);
  const std::string second = "a suite file holds one YAML document";
  EXPECT_NE(error("kind: speed\n---\nseeds: [1]\n").find("inline.yaml:2:1: " + second),
            std::string::npos);
  EXPECT_NE(error("kind: speed\n...\n# c\n\nseeds: [1]\n").find("inline.yaml:5:1: " + second),
            std::string::npos);
  EXPECT_NE(error("kind: speed\n--- \n").find(second), std::string::npos);  // even empty
}

// The cases of one spec that differ by seed share it (200k seeds took 1.9 GB of copies), and
// a case's own change does not leak into the others.
TEST(Suite, SeedsShareOneSpec) {
  const auto cases = expand(load_suite(fixture("synthetic_tiny.yaml")), {});
  ASSERT_GE(cases.size(), 2u);
  EXPECT_EQ(cases[0].seed, 1u);
  EXPECT_EQ(cases[1].seed, 2u);
  EXPECT_TRUE(cases[0].spec.shares(cases[1].spec));
  Case changed = cases[0];
  changed.spec.set("thorough", true);
  EXPECT_FALSE(changed.spec.shares(cases[1].spec));
  EXPECT_FALSE(cases[1].spec.json().contains("thorough"));
  EXPECT_EQ(changed.spec["task"], cases[0].spec["task"]);
}

// Many seeds expand in linear time: 20k seeds of one task, each case with its estimate.
TEST(Suite, ManySeedsExpandLinearly) {
  std::string text =
      "kind: synthetic\nencodings: [nope, alibi]\ntasks: [{name: flip_flop, train_length: 16}]\n"
      "model: {layers: 1, d_model: 16, heads: 2}\ntraining: {steps: 2, batch: 2}\n"
      "evaluation: {batches: 1, batch: 2}\nseeds: [";
  for (int i = 1; i <= 20000; ++i) text += (i > 1 ? ", " : "") + std::to_string(i);
  text += "]\n";
  const auto cases = expand(parse_suite("many.yaml", text), {});
  ASSERT_EQ(cases.size(), 40000u);
  EXPECT_EQ(cases.back().id, "alibi/flip_flop/seed=20000");
  EXPECT_GT(cases.back().estimate.bytes, 0);
  EXPECT_EQ(cases[19999].estimate.bytes, cases[0].estimate.bytes);
  EXPECT_EQ(
      select_cases(cases, {"alibi/flip_flop/seed=7", "nope/flip_flop/seed=9"}, "", "x").size(), 2u);
}

// A million cases is refused before they exist (50 MB of seeds once took 3 GB, then bad_alloc).
TEST(Suite, TooManyCasesAreRefusedWithTheCount) {
  std::string text = "kind: conformance\nencodings: all\nseeds: [";
  for (int i = 1; i <= 83334; ++i) text += (i > 1 ? ", " : "") + std::to_string(i);
  text += "]\n";
  const Suite suite = parse_suite("many.yaml", text);
  try {
    expand(suite, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"});
    FAIL() << "1,000,008 cases were expanded";
  } catch (const SuiteError& e) {
    EXPECT_NE(std::string(e.what()).find("many.yaml: 1000008 cases"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(expand(suite, {"a", "b"}).size(), 166668u);
}

TEST(Suite, SelectCasesByIdAndGlob) {
  const auto cases = expand(load_suite(fixture("synthetic_tiny.yaml")), {});
  EXPECT_EQ(select_cases(cases, {}, "", "x").size(), 8u);
  EXPECT_EQ(select_cases(cases, {}, "*/seed=2", "x").size(), 4u);
  EXPECT_EQ(select_cases(cases, {"nope/flip_flop/seed=1"}, "", "x").size(), 1u);
  EXPECT_THROW(select_cases(cases, {}, "zzz*", "x"), NothingToRun);
  try {
    select_cases(cases, {"nope/flip_flop/seed=3"}, "", "x");
    FAIL();
  } catch (const NothingToRun& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'nope/flip_flop/seed=1'"), std::string::npos)
        << e.what();
  }
}

// Kinds: unique names, no key of a kind shadows a generic key.
TEST(Kinds, RegistryIsConsistent) {
  const std::vector<std::string> generic = {"name",  "description", "kind",      "encodings",
                                            "seeds", "threads",     "timeout_s", "parts"};
  std::vector<std::string> names;
  for (const SuiteKind* k : suite_kinds()) {
    EXPECT_EQ(std::count(names.begin(), names.end(), k->name()), 0) << k->name();
    names.push_back(k->name());
    EXPECT_EQ(find_kind(k->name()), k);
    for (const auto& key : k->keys())
      EXPECT_EQ(std::count(generic.begin(), generic.end(), key), 0) << k->name() << ": " << key;
  }
  EXPECT_EQ(find_kind("extrapolation_typo"), nullptr);
}

}  // namespace
}  // namespace pebench
