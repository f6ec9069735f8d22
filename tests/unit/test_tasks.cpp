// Synthetic tasks (tasks/task.hpp): flip-flop (Liu et al. 2023), selective copy (Gu & Dao
// 2023) and counting (Golovneva et al. 2024). Each generator is checked by an independent
// decoder that reads the sequences back through token_text() and recomputes the answers.
//
// How to add a case: build the task with make_task(name, cfg({...})), sample a batch from a
// seeded Rng, and decode row_words(); never reuse the generator's token ids for the check.
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tasks/task.hpp"

namespace pebench {
namespace {

Config cfg(std::initializer_list<std::pair<std::string, ConfigValue>> values) {
  Config c;
  for (const auto& [k, v] : values) c.set(k, v);
  return c;
}

// Row b of the batch as text, up to (not including) the first pad token.
std::vector<std::string> row_words(const Task& task, const TaskBatch& batch, std::int64_t b) {
  std::vector<std::string> words;
  for (std::int64_t t = 0; t < batch.seq_len; ++t) {
    const std::int32_t token = batch.tokens[b * batch.seq_len + t];
    if (token == task.pad_token()) break;
    words.push_back(task.token_text(token));
  }
  return words;
}

std::string target_word(const Task& task, const TaskBatch& batch, std::int64_t b, std::int64_t t) {
  return task.token_text(batch.targets[b * batch.seq_len + t]);
}

// Common layout: next-token targets, and everything past the sequence is pad, mask 0, -1.
void expect_layout(const Task& task, const TaskBatch& batch) {
  ASSERT_EQ(batch.tokens.size(), static_cast<std::size_t>(batch.batch * batch.seq_len));
  ASSERT_EQ(batch.targets.size(), batch.tokens.size());
  ASSERT_EQ(batch.loss_mask.size(), batch.tokens.size());
  ASSERT_EQ(batch.answer.size(), batch.tokens.size());
  for (std::int64_t b = 0; b < batch.batch; ++b) {
    const auto len = static_cast<std::int64_t>(row_words(task, batch, b).size());
    for (std::int64_t t = 0; t < batch.seq_len; ++t) {
      const std::int64_t i = b * batch.seq_len + t;
      const bool mask = batch.loss_mask[i] != 0.0f;
      EXPECT_EQ(mask, batch.answer[i] >= 0) << "row " << b << " position " << t;
      if (t + 1 < len) {
        EXPECT_EQ(batch.targets[i], batch.tokens[i + 1]);
      } else {
        EXPECT_EQ(batch.targets[i], task.pad_token());
      }
      if (t >= len) {
        EXPECT_EQ(batch.tokens[i], task.pad_token());
        EXPECT_FALSE(mask);
      }
    }
  }
}

TEST(TaskRegistry, NamesAndUnknownTask) {
  EXPECT_EQ(task_names(), (std::vector<std::string>{"counting", "flip_flop", "selective_copy"}));
  for (const auto& name : task_names()) EXPECT_EQ(make_task(name, Config{})->name(), name);
  try {
    make_task("flipflop", Config{});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'flipflop'"), std::string::npos) << what;
    for (const auto& name : task_names()) EXPECT_NE(what.find(name), std::string::npos) << what;
  }
}

TEST(TaskDeterminism, SameSeedSameBatchOtherSeedOther) {
  const std::vector<std::pair<std::string, Config>> cases = {
      {"flip_flop", cfg({{"length", std::int64_t{64}}})},
      {"selective_copy", cfg({{"blanks", std::int64_t{40}}, {"tokens", std::int64_t{8}}})},
      {"counting", cfg({{"variables", std::int64_t{3}}, {"max_steps", std::int64_t{40}}})}};
  for (const auto& [name, config] : cases) {
    const auto task = make_task(name, config);
    const std::int64_t T = task->min_seq_len() + 3;
    Rng a(11), b(11), c(12);
    const TaskBatch x = task->sample(a, 8, T), y = task->sample(b, 8, T), z = task->sample(c, 8, T);
    EXPECT_EQ(x.tokens, y.tokens) << name;
    EXPECT_EQ(x.targets, y.targets) << name;
    EXPECT_EQ(x.loss_mask, y.loss_mask) << name;
    EXPECT_EQ(x.answer, y.answer) << name;
    EXPECT_NE(x.tokens, z.tokens) << name;
    EXPECT_NE(x.tokens, task->sample(a, 8, T).tokens) << name;  // the stream moves on
    expect_layout(*task, x);
  }
}

// ---- flip-flop -------------------------------------------------------------------------

TEST(TaskFlipFlop, ReadsRecallTheLastWriteAndIgnoreFrequencyIsPIgnore) {
  for (double p : {0.8, 0.3}) {
    const auto task = make_task("flip_flop", cfg({{"p_ignore", p}}));
    Rng rng(5);
    const std::int64_t B = 64, T = 256;
    const TaskBatch batch = task->sample(rng, B, T);
    expect_layout(*task, batch);
    std::map<std::string, std::int64_t> middle;  // instruction counts, first and last excluded
    for (std::int64_t b = 0; b < B; ++b) {
      const auto words = row_words(*task, batch, b);
      ASSERT_EQ(words.size(), static_cast<std::size_t>(T));
      EXPECT_EQ(words.front(), "w");
      EXPECT_EQ(words[T - 2], "r");
      std::string memory;
      std::int32_t reads = 0;
      for (std::int64_t t = 0; t < T; t += 2) {
        const std::string& op = words[t];
        const std::string& bit = words[t + 1];
        ASSERT_TRUE(bit == "0" || bit == "1") << bit;
        const std::int64_t i = b * T + t;
        if (op == "w") memory = bit;
        if (op == "r") {
          EXPECT_EQ(bit, memory);
          EXPECT_EQ(target_word(*task, batch, b, t), memory);
          EXPECT_EQ(batch.loss_mask[i], 1.0f);
          EXPECT_EQ(batch.answer[i], reads++);
        } else {
          ASSERT_TRUE(op == "w" || op == "i") << op;
          EXPECT_EQ(batch.loss_mask[i], 0.0f);
        }
        EXPECT_EQ(batch.loss_mask[i + 1], 0.0f);  // bits are never masked
        if (t > 0 && t < T - 2) ++middle[op];
      }
    }
    const double n = double(middle["i"] + middle["w"] + middle["r"]);
    const double sd = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(middle["i"], n * p, 5 * sd) << "p_ignore " << p;
    const double wr = double(middle["w"] + middle["r"]);
    EXPECT_NEAR(middle["w"], wr / 2, 5 * std::sqrt(wr / 4)) << "p_ignore " << p;
  }
}

TEST(TaskFlipFlop, LengthKeyPadsAndDefaultUsesEvenT) {
  const auto fixed = make_task("flip_flop", cfg({{"length", std::int64_t{10}}}));
  EXPECT_EQ(fixed->min_seq_len(), 10);
  Rng rng(1);
  const TaskBatch batch = fixed->sample(rng, 4, 16);
  expect_layout(*fixed, batch);
  for (std::int64_t b = 0; b < 4; ++b) EXPECT_EQ(row_words(*fixed, batch, b).size(), 10u);

  const auto by_t = make_task("flip_flop", Config{});
  EXPECT_EQ(by_t->min_seq_len(), 4);
  const TaskBatch odd = by_t->sample(rng, 2, 9);  // 4 pairs, then one pad
  expect_layout(*by_t, odd);
  EXPECT_EQ(row_words(*by_t, odd, 0).size(), 8u);

  // p_ignore = 1: only the first write and the final read.
  const auto all_ignore = make_task("flip_flop", cfg({{"p_ignore", 1.0}}));
  const TaskBatch ignore = all_ignore->sample(rng, 1, 12);
  const auto words = row_words(*all_ignore, ignore, 0);
  for (std::size_t t = 2; t + 2 < words.size(); t += 2) EXPECT_EQ(words[t], "i");
  EXPECT_EQ(words[10], "r");
  EXPECT_EQ(words[11], words[1]);
}

// ---- selective copy --------------------------------------------------------------------

TEST(TaskSelectiveCopy, AnswerIsTheDataTokensInOrder) {
  const std::int64_t blanks = 50, tokens = 6;
  const auto task = make_task(
      "selective_copy", cfg({{"blanks", blanks}, {"tokens", tokens}, {"vocab", std::int64_t{4}}}));
  EXPECT_EQ(task->min_seq_len(), blanks + 2 * tokens + 1);
  EXPECT_EQ(task->vocab_size(), 4 + 3);
  Rng rng(9);
  const std::int64_t B = 200, T = task->min_seq_len() + 5;
  const TaskBatch batch = task->sample(rng, B, T);
  expect_layout(*task, batch);
  std::set<std::vector<std::int64_t>> layouts;
  std::map<std::string, int> symbols;
  for (std::int64_t b = 0; b < B; ++b) {
    const auto words = row_words(*task, batch, b);
    ASSERT_EQ(static_cast<std::int64_t>(words.size()), blanks + 2 * tokens + 1);
    std::int64_t sep = -1, blank_count = 0;
    std::vector<std::string> data;
    std::vector<std::int64_t> where;
    for (std::int64_t t = 0; t < static_cast<std::int64_t>(words.size()); ++t) {
      if (words[t] == "|") {
        sep = t;
        break;
      }
      if (words[t] == ".") {
        ++blank_count;
      } else {
        data.push_back(words[t]);
        where.push_back(t);
        ++symbols[words[t]];
      }
    }
    ASSERT_EQ(sep, blanks + tokens);
    EXPECT_EQ(blank_count, blanks);
    const std::vector<std::string> answer(words.begin() + sep + 1, words.end());
    EXPECT_EQ(answer, data);
    layouts.insert(where);
    for (std::int64_t t = 0; t < T; ++t) {
      const std::int64_t i = b * T + t;
      const bool in_answer = t >= sep && t < sep + tokens;
      EXPECT_EQ(batch.loss_mask[i], in_answer ? 1.0f : 0.0f) << t;
      EXPECT_EQ(batch.answer[i], in_answer ? 0 : -1) << t;
      if (in_answer) {
        EXPECT_EQ(target_word(*task, batch, b, t), data[t - sep]);
      }
    }
  }
  EXPECT_GT(layouts.size(), 190u);  // positions are random, not fixed
  ASSERT_EQ(symbols.size(), 4u);    // every symbol used, roughly uniformly
  for (const auto& [word, count] : symbols) EXPECT_NEAR(count, B * tokens / 4.0, 60) << word;
}

TEST(TaskSelectiveCopy, NoBlanks) {
  const auto task = make_task("selective_copy", cfg({{"blanks", std::int64_t{0}}}));
  Rng rng(2);
  const TaskBatch batch = task->sample(rng, 2, task->min_seq_len());
  const auto words = row_words(*task, batch, 0);
  EXPECT_EQ(words.size(), 33u);
  EXPECT_EQ(words[16], "|");
  EXPECT_EQ(std::vector<std::string>(words.begin(), words.begin() + 16),
            std::vector<std::string>(words.begin() + 17, words.end()));
}

// ---- counting --------------------------------------------------------------------------

struct CountingStats {
  // Operation counts by the state before the statement (meaningful for variables = 1): the
  // variable set below 10 (an increment is possible) or set at 10 (it is not). Statements
  // before the first SET are biased by the redraw of programs that set nothing.
  std::map<std::string, std::int64_t> possible, at_cap, unset;
  std::int64_t programs = 0, min_steps = 1 << 30, max_steps = 0;
  std::map<std::int32_t, std::int64_t> answers;
};

// Interprets every row: statements "v = 0 ;", "pass;", "v ++;", then "print v N". Checks
// the syntax, that only set variables are incremented, values <= 10, the answer and mask.
void interpret(const Task& task, const TaskBatch& batch, CountingStats& stats) {
  for (std::int64_t b = 0; b < batch.batch; ++b) {
    const auto w = row_words(task, batch, b);
    ASSERT_GE(w.size(), 3u);
    std::map<std::string, int> value;
    std::int64_t t = 0, steps = 0;
    const auto n = static_cast<std::int64_t>(w.size());
    while (t < n && w[t] != "print") {
      auto& counts = value.empty()                ? stats.unset
                     : value.begin()->second < 10 ? stats.possible
                                                  : stats.at_cap;
      ++steps;
      if (w[t] == "pass;") {
        ++counts["dummy"];
        t += 1;
      } else if (t + 1 < n && w[t + 1] == "++;") {
        ASSERT_TRUE(value.count(w[t])) << "increment of unset " << w[t];
        EXPECT_LE(++value[w[t]], 10);
        ++counts["increment"];
        t += 2;
      } else {
        ASSERT_TRUE(t + 3 < n && w[t + 1] == "=" && w[t + 2] == "0" && w[t + 3] == ";")
            << "bad statement at " << t;
        ASSERT_EQ(w[t].size(), 1u);
        value[w[t]] = 0;
        ++counts["set"];
        t += 4;
      }
    }
    ASSERT_EQ(t + 3, n) << "the program ends with print v N";
    ASSERT_TRUE(value.count(w[t + 1])) << "print of unset " << w[t + 1];
    const int expected = value[w[t + 1]];
    EXPECT_EQ(w[t + 2], std::to_string(expected));
    for (std::int64_t u = 0; u < batch.seq_len; ++u) {
      const std::int64_t i = b * batch.seq_len + u;
      EXPECT_EQ(batch.loss_mask[i], u == t + 1 ? 1.0f : 0.0f);
      EXPECT_EQ(batch.answer[i], u == t + 1 ? 0 : -1);
    }
    EXPECT_EQ(target_word(task, batch, b, t + 1), std::to_string(expected));
    ++stats.programs;
    ++stats.answers[expected];
    stats.min_steps = std::min(stats.min_steps, steps);
    stats.max_steps = std::max(stats.max_steps, steps);
  }
}

TEST(TaskCounting, InterpreterAgreesAndOpsFollowTheWeights) {
  const auto task = make_task("counting", cfg({{"max_steps", std::int64_t{256}}}));
  EXPECT_EQ(task->min_seq_len(), 4 * 256 + 3);
  Rng rng(4);
  CountingStats stats;
  for (int round = 0; round < 4; ++round) {
    const TaskBatch batch = task->sample(rng, 100, task->min_seq_len());
    expect_layout(*task, batch);
    interpret(*task, batch, stats);
  }
  EXPECT_GE(stats.min_steps, 3);
  EXPECT_LE(stats.max_steps, 256);
  EXPECT_GT(stats.max_steps, 200);
  // With one variable set below 10 nothing is redrawn: SET 1, DUMMY 50, INCREMENT 7 of 58.
  const auto& p = stats.possible;
  const double n = double(p.at("set") + p.at("dummy") + p.at("increment"));
  for (const auto& [op, weight] : std::map<std::string, double>{
           {"set", 1.0 / 58}, {"dummy", 50.0 / 58}, {"increment", 7.0 / 58}})
    EXPECT_NEAR(p.at(op), n * weight, 5 * std::sqrt(n * weight * (1 - weight))) << op;
  // At 10 INCREMENT is redrawn: SET 1, DUMMY 50 of 51.
  const auto& q = stats.at_cap;
  EXPECT_EQ(q.count("increment"), 0u);
  const double m = double(q.at("set") + q.at("dummy"));
  EXPECT_NEAR(q.at("set"), m / 51, 5 * std::sqrt(m / 51));
  EXPECT_EQ(stats.unset.count("increment"), 0u);
  EXPECT_GT(stats.answers[10], 0);  // the cap is reached
  EXPECT_GT(stats.answers[0], 0);
}

TEST(TaskCounting, SeveralVariablesAndFixedSteps) {
  const auto task = make_task("counting", cfg({{"variables", std::int64_t{5}},
                                               {"min_steps", std::int64_t{60}},
                                               {"max_steps", std::int64_t{60}}}));
  EXPECT_EQ(task->vocab_size(), 17 + 5);
  std::set<std::string> names;
  for (std::int32_t v = 0; v < task->vocab_size(); ++v) names.insert(task->token_text(v));
  EXPECT_EQ(names.size(), 22u);  // distinct texts
  EXPECT_TRUE(names.count("e") && names.count("10") && names.count("pass;"));
  Rng rng(8);
  const TaskBatch batch = task->sample(rng, 200, task->min_seq_len());
  expect_layout(*task, batch);
  CountingStats stats;
  interpret(*task, batch, stats);
  EXPECT_EQ(stats.min_steps, 60);
  EXPECT_EQ(stats.max_steps, 60);
}

// max_tokens cuts a longer program from the left, as the reference's collator does: the same
// draws give the same programs' last max_tokens tokens, ending in "print v N" with the one
// answer at the printed variable; shorter programs are untouched.
TEST(TaskCounting, MaxTokensCutsFromTheLeft) {
  const Config whole = cfg({{"max_steps", std::int64_t{60}}});
  Config cut = whole;
  cut.set("max_tokens", std::int64_t{40});
  const auto full = make_task("counting", whole), trimmed = make_task("counting", cut);
  EXPECT_EQ(trimmed->min_seq_len(), 40);
  Rng a(5), b(5);
  const TaskBatch x = full->sample(a, 50, full->min_seq_len());
  const TaskBatch y = trimmed->sample(b, 50, 40);
  int cut_rows = 0;
  for (std::int64_t r = 0; r < 50; ++r) {
    auto length = [](const TaskBatch& t, std::int64_t row, std::int32_t pad) {
      std::int64_t n = 0;
      while (n < t.seq_len && t.tokens[row * t.seq_len + n] != pad) ++n;
      return n;
    };
    const std::int64_t n = length(x, r, full->pad_token()), m = length(y, r, full->pad_token());
    EXPECT_EQ(m, std::min<std::int64_t>(n, 40));
    cut_rows += n > 40;
    for (std::int64_t t = 0; t < m; ++t)
      EXPECT_EQ(y.tokens[r * 40 + t], x.tokens[r * x.seq_len + n - m + t]) << r << " " << t;
    EXPECT_EQ(y.loss_mask[r * 40 + m - 2], 1.0f);
    EXPECT_EQ(y.targets[r * 40 + m - 2], x.targets[r * x.seq_len + n - 2]);
  }
  EXPECT_GT(cut_rows, 10);
  Config tiny = whole;
  tiny.set("max_tokens", std::int64_t{3});
  EXPECT_THROW(make_task("counting", tiny), std::invalid_argument);
}

// ---- scoring and errors ----------------------------------------------------------------

TEST(TaskScore, WholeAnswerMustBeRight) {
  const auto copy =
      make_task("selective_copy", cfg({{"blanks", std::int64_t{5}}, {"tokens", std::int64_t{3}}}));
  Rng rng(3);
  const std::int64_t B = 4, T = copy->min_seq_len() + 2;
  const TaskBatch batch = copy->sample(rng, B, T);
  std::vector<std::int32_t> pred = batch.targets;
  AnswerErrors e = score_answers(batch, pred);
  EXPECT_EQ(e.answers, B);
  EXPECT_EQ(e.wrong, 0);
  EXPECT_EQ(e.rate(), 0.0);
  // One wrong token of the 3-token answer in row 2 makes that whole answer wrong.
  const std::int64_t last = 2 * T + 5 + 3 + 2;  // the answer's third target
  ASSERT_EQ(batch.answer[last], 0);
  pred[last] = (pred[last] + 1) % copy->vocab_size();
  e = score_answers(batch, pred);
  EXPECT_EQ(e.answers, B);
  EXPECT_EQ(e.wrong, 1);
  EXPECT_DOUBLE_EQ(e.rate(), 0.25);
  // A second wrong token in the same answer is still one wrong answer; unmasked ones don't count.
  pred[last - 1] = (pred[last - 1] + 1) % copy->vocab_size();
  pred[0] = (pred[0] + 1) % copy->vocab_size();
  EXPECT_EQ(score_answers(batch, pred).wrong, 1);
  pred.pop_back();
  EXPECT_THROW(score_answers(batch, pred), std::invalid_argument);

  // Flip-flop: each read is its own answer.
  const auto ff = make_task("flip_flop", cfg({{"p_ignore", 0.5}}));
  const TaskBatch f = ff->sample(rng, 3, 40);
  std::vector<std::int32_t> fp = f.targets;
  std::int64_t reads = 0, first = -1;
  for (std::size_t i = 0; i < f.answer.size(); ++i)
    if (f.answer[i] >= 0) {
      ++reads;
      if (first < 0) first = static_cast<std::int64_t>(i);
    }
  EXPECT_EQ(score_answers(f, fp).answers, reads);
  EXPECT_EQ(score_answers(f, fp).wrong, 0);
  fp[first] = fp[first] == 0 ? 1 : 0;
  EXPECT_EQ(score_answers(f, fp).wrong, 1);
}

void expect_invalid(const std::string& task, const Config& config, const std::string& key) {
  try {
    make_task(task, config);
    ADD_FAILURE() << task << " accepted a bad '" << key << "'";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(task), std::string::npos) << what;
    EXPECT_NE(what.find(key), std::string::npos) << what;
  }
}

TEST(TaskErrors, BadConfigNamesTaskAndKey) {
  expect_invalid("flip_flop", cfg({{"p_ignore", 1.5}}), "p_ignore");
  expect_invalid("flip_flop", cfg({{"p_ignore", -0.1}}), "p_ignore");
  expect_invalid("flip_flop", cfg({{"p_ignore", std::nan("")}}), "p_ignore");
  expect_invalid("flip_flop", cfg({{"length", std::int64_t{7}}}), "length");
  expect_invalid("flip_flop", cfg({{"length", std::int64_t{2}}}), "length");
  expect_invalid("selective_copy", cfg({{"tokens", std::int64_t{0}}}), "tokens");
  expect_invalid("selective_copy", cfg({{"vocab", std::int64_t{0}}}), "vocab");
  expect_invalid("selective_copy", cfg({{"blanks", std::int64_t{-1}}}), "blanks");
  expect_invalid("counting", cfg({{"variables", std::int64_t{0}}}), "variables");
  expect_invalid("counting", cfg({{"variables", std::int64_t{27}}}), "variables");
  expect_invalid("counting", cfg({{"min_steps", std::int64_t{0}}}), "min_steps");
  expect_invalid("counting", cfg({{"min_steps", std::int64_t{9}}, {"max_steps", std::int64_t{8}}}),
                 "max_steps");
  EXPECT_THROW(make_task("counting", cfg({{"variables", std::string("3")}})),
               std::invalid_argument);
  // Keys are read, so the caller's unused_keys() check sees only unknown ones.
  const Config c = cfg({{"p_ignore", 0.5}, {"bogus", std::int64_t{1}}});
  make_task("flip_flop", c);
  EXPECT_EQ(c.unused_keys(), std::vector<std::string>{"bogus"});
}

TEST(TaskErrors, TooShortTNamesTaskAndLengths) {
  const auto task = make_task("selective_copy", Config{});  // 256 + 2 * 16 + 1 = 289
  EXPECT_EQ(task->min_seq_len(), 289);
  Rng rng(1);
  try {
    task->sample(rng, 2, 288);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("selective_copy"), std::string::npos) << what;
    EXPECT_NE(what.find("288"), std::string::npos) << what;
    EXPECT_NE(what.find("289"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(task->sample(rng, 2, 289));
  EXPECT_THROW(make_task("flip_flop", cfg({{"length", std::int64_t{64}}}))->sample(rng, 1, 62),
               std::invalid_argument);
  EXPECT_THROW(make_task("flip_flop", Config{})->sample(rng, 1, 3), std::invalid_argument);
  EXPECT_THROW(make_task("counting", Config{})->sample(rng, 1, 4 * 512 + 2), std::invalid_argument);
  EXPECT_THROW(task->sample(rng, 0, 289), std::invalid_argument);
  EXPECT_THROW(task->token_text(task->vocab_size()), std::out_of_range);
}

}  // namespace
}  // namespace pebench
