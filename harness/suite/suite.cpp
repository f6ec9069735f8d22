#include "suite/suite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/sha256.hpp"
#include "tasks/task.hpp"

namespace pebench {
namespace {

const std::vector<std::string> kSyntheticKeys = {"tasks", "model", "training", "evaluation"};
const std::vector<std::string> kBenchKeys = {"lengths",  "modes",  "batch",       "heads",
                                             "head_dim", "layers", "repetitions", "min_time_s"};
const std::vector<std::string> kTopKeys = [] {
  std::vector<std::string> keys = {"name",  "kind",    "description", "encodings",
                                   "seeds", "threads", "timeout_s"};
  keys.insert(keys.end(), kSyntheticKeys.begin(), kSyntheticKeys.end());
  keys.insert(keys.end(), kBenchKeys.begin(), kBenchKeys.end());
  return keys;
}();
const std::vector<std::string> kKinds = {"conformance", "synthetic", "speed", "memory"};
const std::vector<std::string> kPlannedKinds = {"extrapolation"};

std::string where(const std::string& path, const YAML::Mark& m) {
  return fmt::format("{}:{}:{}", path, m.line + 1, m.column + 1);
}

[[noreturn]] void fail(const std::string& path, const YAML::Node& node, const std::string& msg) {
  throw SuiteError(where(path, node.Mark()) + ": " + msg);
}

template <typename T>
T scalar(const std::string& path, const std::string& key, const YAML::Node& node,
         const char* what) {
  if (!node.IsScalar()) fail(path, node, fmt::format("'{}' must be {}", key, what));
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    fail(path, node, fmt::format("'{}' must be {}, got '{}'", key, what, node.Scalar()));
  }
}

[[noreturn]] void unknown_key(const std::string& path, const YAML::Node& key_node,
                              const std::string& where_text,
                              const std::vector<std::string>& valid) {
  const std::string key = key_node.Scalar();
  const std::string near = closest(key, valid);
  fail(path, key_node,
       fmt::format("unknown key '{}'{}{}", key, where_text,
                   near.empty() ? "" : " (did you mean '" + near + "'?)"));
}

// Calls fn(key, value) for each entry of a mapping; keys outside `valid` fail.
template <typename Fn>
void for_each_key(const std::string& path, const YAML::Node& node, const std::string& what,
                  const std::vector<std::string>& valid, Fn fn) {
  if (!node.IsMap()) fail(path, node, fmt::format("'{}' must be a mapping", what));
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (std::find(valid.begin(), valid.end(), key) == valid.end())
      unknown_key(path, kv.first, fmt::format(" in '{}'", what), valid);
    fn(key, kv.second);
  }
}

std::int64_t positive_int(const std::string& path, const std::string& key, const YAML::Node& v,
                          bool zero_ok = false) {
  const auto x = scalar<std::int64_t>(path, key, v, "an integer");
  if (x < 0 || (x == 0 && !zero_ok))
    fail(path, v, fmt::format("'{}' must be {} 0", key, zero_ok ? ">=" : ">"));
  return x;
}

Config parse_param_map(const std::string& path, const YAML::Node& node) {
  if (!node.IsMap()) fail(path, node, "'params' must be a mapping of key: value");
  Config c;
  for (const auto& p : node) {
    if (!p.second.IsScalar())
      fail(path, p.second, fmt::format("param '{}' must be a scalar", p.first.Scalar()));
    // A quoted scalar ("10") is a string; a plain one is typed by its text.
    c.set(p.first.Scalar(),
          p.second.Tag() == "!" ? ConfigValue(p.second.Scalar()) : parse_scalar(p.second.Scalar()));
  }
  return c;
}

SplitSpec parse_split(const std::string& path, const YAML::Node& node) {
  SplitSpec split;
  for_each_key(path, node, "splits", {"name", "params", "length"},
               [&](const std::string& key, const YAML::Node& v) {
                 if (key == "name") split.name = scalar<std::string>(path, key, v, "a string");
                 if (key == "params") split.params = parse_param_map(path, v);
                 if (key == "length") split.length = positive_int(path, key, v);
               });
  if (split.name.empty()) fail(path, node, "split entry without 'name'");
  return split;
}

TaskSpec parse_task(const std::string& path, const YAML::Node& node) {
  TaskSpec task;
  for_each_key(path, node, "tasks", {"name", "label", "params", "train_length", "splits"},
               [&](const std::string& key, const YAML::Node& v) {
                 if (key == "name") task.name = scalar<std::string>(path, key, v, "a string");
                 if (key == "label") task.label = scalar<std::string>(path, key, v, "a string");
                 if (key == "params") task.params = parse_param_map(path, v);
                 if (key == "train_length") task.train_length = positive_int(path, key, v);
                 if (key == "splits") {
                   if (!v.IsSequence() || v.size() == 0)
                     fail(path, v, "'splits' must be a non-empty list");
                   for (const auto& split : v) {
                     task.splits.push_back(parse_split(path, split));
                     for (std::size_t i = 0; i + 1 < task.splits.size(); ++i)
                       if (task.splits[i].name == task.splits.back().name)
                         fail(path, split,
                              fmt::format("two splits named '{}'", task.splits.back().name));
                   }
                 }
               });
  if (task.name.empty()) fail(path, node, "task entry without 'name'");
  if (task.label.empty()) task.label = task.name;
  if (task.splits.empty()) task.splits.push_back(SplitSpec{"id", {}, 0});
  // Create the task (and each split's) now, so that a bad name, key or value is
  // reported here with its place in the file, not when the case runs.
  auto check = [&](const Config& params, const YAML::Node& at) {
    try {
      make_task(task.name, params);
    } catch (const std::invalid_argument& e) {
      fail(path, at, e.what());
    }
    const auto unused = params.unused_keys();
    if (!unused.empty()) {
      YAML::Node key_node = at;
      for (const auto& kv : at["params"])
        if (kv.first.Scalar() == unused[0]) key_node.reset(kv.first);
      fail(path, key_node, fmt::format("task '{}' has no parameter '{}'", task.name, unused[0]));
    }
  };
  check(task.params, node);
  const auto train_task = make_task(task.name, task.params);
  const std::int64_t train_min = train_task->min_seq_len();
  if (task.train_length == 0 && train_task->any_length())
    fail(path, node,
         fmt::format("task '{}' makes sequences of any length: give 'train_length' (or "
                     "params.length)",
                     task.name));
  if (task.train_length > 0 && task.train_length < train_min)
    fail(path, node["train_length"],
         fmt::format("'train_length' {} is shorter than the task's sequences ({} tokens)",
                     task.train_length, train_min));
  if (node["splits"])
    for (std::size_t i = 0; i < task.splits.size(); ++i) {
      Config merged = task.params;
      for (const auto& [k, v] : task.splits[i].params.values()) merged.set(k, v);
      check(merged, node["splits"][i]);
      const std::int64_t need = make_task(task.name, merged)->min_seq_len();
      if (task.splits[i].length > 0 && task.splits[i].length < need)
        fail(path, node["splits"][i]["length"],
             fmt::format("split '{}': 'length' {} is shorter than its sequences ({} tokens)",
                         task.splits[i].name, task.splits[i].length, need));
    }
  return task;
}

void parse_model(const std::string& path, const YAML::Node& node, ModelConfig& m) {
  for_each_key(path, node, "model", {"layers", "d_model", "heads", "mlp_hidden", "vocab"},
               [&](const std::string& key, const YAML::Node& v) {
                 if (key == "layers") m.layers = positive_int(path, key, v);
                 if (key == "d_model") m.d_model = positive_int(path, key, v);
                 if (key == "heads") m.heads = positive_int(path, key, v);
                 if (key == "mlp_hidden") m.mlp_hidden = positive_int(path, key, v, true);
                 if (key == "vocab") m.vocab = positive_int(path, key, v, true);
               });
  if (m.d_model % m.heads != 0)
    fail(path, node,
         fmt::format("'d_model' ({}) must be divisible by 'heads' ({})", m.d_model, m.heads));
}

void parse_training(const std::string& path, const YAML::Node& node, TrainingSpec& t) {
  OptimizerConfig& o = t.optimizer;
  const std::vector<std::string> keys = {
      "steps", "batch", "lr",  "warmup_steps", "schedule",  "min_lr_ratio",
      "beta1", "beta2", "eps", "weight_decay", "grad_clip", "random_positions"};
  for_each_key(path, node, "training", keys, [&](const std::string& key, const YAML::Node& v) {
    auto number = [&](double lo, double hi) {
      const double x = scalar<double>(path, key, v, "a number");
      if (!(x >= lo && x <= hi))
        fail(path, v, fmt::format("'{}' must be in [{}, {}]", key, lo, hi));
      return x;
    };
    if (key == "steps") t.steps = positive_int(path, key, v);
    if (key == "batch") t.batch = positive_int(path, key, v);
    if (key == "lr") o.lr = number(1e-12, 10);
    if (key == "warmup_steps") o.warmup_steps = positive_int(path, key, v, true);
    if (key == "min_lr_ratio") o.min_lr_ratio = number(0, 1);
    if (key == "beta1") o.beta1 = number(0, 0.999999);
    if (key == "beta2") o.beta2 = number(0, 0.999999);
    if (key == "eps") o.eps = number(1e-30, 1);
    if (key == "weight_decay") o.weight_decay = number(0, 10);
    if (key == "grad_clip") o.grad_clip = number(0, 1e9);
    if (key == "random_positions") t.random_positions = positive_int(path, key, v, true);
    if (key == "schedule") {
      o.schedule = scalar<std::string>(path, key, v, "a string");
      const std::vector<std::string> valid = {"linear", "cosine", "constant"};
      if (std::find(valid.begin(), valid.end(), o.schedule) == valid.end())
        fail(path, v,
             fmt::format("'schedule' is '{}', expected linear|cosine|constant", o.schedule));
    }
  });
}

void parse_evaluation(const std::string& path, const YAML::Node& node, EvaluationSpec& e) {
  for_each_key(path, node, "evaluation", {"batches", "batch"},
               [&](const std::string& key, const YAML::Node& v) {
                 if (key == "batches") e.batches = positive_int(path, key, v);
                 if (key == "batch") e.batch = positive_int(path, key, v);
               });
}

// A positive integer or a non-empty list of them.
std::vector<std::int64_t> int_list(const std::string& path, const std::string& key,
                                   const YAML::Node& v) {
  std::vector<std::int64_t> out;
  if (v.IsScalar()) return {positive_int(path, key, v)};
  if (!v.IsSequence() || v.size() == 0)
    fail(path, v, fmt::format("'{}' must be a positive integer or a non-empty list", key));
  for (const auto& x : v) {
    out.push_back(positive_int(path, key, x));
    if (std::count(out.begin(), out.end(), out.back()) > 1)
      fail(path, x, fmt::format("'{}' lists {} twice", key, out.back()));
  }
  return out;
}

// True if `key` is a speed/memory grid key (and parses it).
bool parse_bench_key(const std::string& path, const std::string& key, const YAML::Node& v,
                     BenchGrid& g) {
  if (key == "lengths") {
    g.lengths = int_list(path, key, v);
  } else if (key == "batch") {
    g.batch = int_list(path, key, v);
  } else if (key == "heads") {
    g.heads = int_list(path, key, v);
  } else if (key == "head_dim") {
    g.head_dim = int_list(path, key, v);
  } else if (key == "layers") {
    g.layers = positive_int(path, key, v);
  } else if (key == "repetitions") {
    g.repetitions = static_cast<int>(positive_int(path, key, v));
    if (g.repetitions < 2)  // Google Benchmark reports no median of a single repetition
      fail(path, v, "'repetitions' must be >= 2 (medians, IQR and cv need repetitions)");
  } else if (key == "min_time_s") {
    g.min_time_s = scalar<double>(path, key, v, "a number of seconds");
    if (!(g.min_time_s > 0)) fail(path, v, "'min_time_s' must be > 0");
  } else if (key == "modes") {
    const YAML::Node list = v.IsScalar() ? YAML::Node(std::vector<std::string>{v.Scalar()}) : v;
    if (!v.IsScalar() && (!v.IsSequence() || v.size() == 0))
      fail(path, v, "'modes' must be a mode or a non-empty list of modes");
    g.modes.clear();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node at = v.IsScalar() ? v : v[i];
      const auto mode = scalar<std::string>(path, key, at, "a mode name");
      if (std::find(kBenchModes.begin(), kBenchModes.end(), mode) == kBenchModes.end()) {
        const std::string near = closest(mode, kBenchModes);
        fail(path, at,
             fmt::format("unknown mode '{}'{} (modes: {})", mode,
                         near.empty() ? "" : " (did you mean '" + near + "'?)",
                         fmt::join(kBenchModes, ", ")));
      }
      if (std::find(g.modes.begin(), g.modes.end(), mode) != g.modes.end())
        fail(path, at, fmt::format("'modes' lists '{}' twice", mode));
      g.modes.push_back(mode);
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string params_to_text(const Config& c) {
  std::string s;
  for (const auto& [k, v] : c.values()) {
    s += (s.empty() ? "" : ",") + k + "=";
    std::visit(
        [&s](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, bool>)
            s += x ? "true" : "false";
          else if constexpr (std::is_same_v<T, std::string>)
            s += x;
          else
            s += fmt::format("{}", x);
        },
        v);
  }
  return s;
}

EncodingSpec parse_encoding(const std::string& path, const YAML::Node& node) {
  EncodingSpec spec;
  if (node.IsScalar()) {
    spec.name = node.Scalar();
    return spec;
  }
  if (!node.IsMap())
    fail(path, node, "each entry of 'encodings' must be a name or {name:, params:}");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (key == "name") {
      spec.name = scalar<std::string>(path, key, kv.second, "a string");
    } else if (key == "params") {
      spec.params = parse_param_map(path, kv.second);
    } else {
      const std::string near = closest(key, {"name", "params"});
      fail(path, kv.first,
           fmt::format("unknown key '{}' in an encoding entry{}", key,
                       near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
  }
  if (spec.name.empty()) fail(path, node, "encoding entry without 'name'");
  spec.params_text = params_to_text(spec.params);
  return spec;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    std::vector<std::size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] != c[j - 1])});
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_d) best_d = prev[c.size()], best = c;
  }
  return best_d <= std::max<std::size_t>(2, word.size() / 3) ? best : "";
}

ConfigValue parse_scalar(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  char* end = nullptr;
  const long long i = std::strtoll(text.c_str(), &end, 10);
  if (!text.empty() && *end == '\0') return static_cast<std::int64_t>(i);
  const double d = std::strtod(text.c_str(), &end);
  if (!text.empty() && *end == '\0') return d;
  return text;
}

Config parse_params(const std::string& text) {
  Config c;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("--params: expected key=value, got '" + item + "'");
    c.set(item.substr(0, eq), parse_scalar(item.substr(eq + 1)));
  }
  return c;
}

// seeds, threads, timeout_s: settings a part inherits from its file. True if `key` is one.
bool parse_shared_setting(const std::string& path, const std::string& key, const YAML::Node& v,
                          Suite& s) {
  if (key == "seeds") {
    if (!v.IsSequence() || v.size() == 0)
      fail(path, v, "'seeds' must be a non-empty list of integers");
    s.seeds.clear();
    for (const auto& x : v)
      s.seeds.push_back(scalar<std::uint64_t>(path, key, x, "a non-negative integer"));
  } else if (key == "threads") {
    s.threads = scalar<int>(path, key, v, "an integer");
    if (s.threads < 0) fail(path, v, "'threads' must be >= 0");
  } else if (key == "timeout_s") {
    s.timeout_s = scalar<double>(path, key, v, "a number of seconds");
    if (!(s.timeout_s > 0)) fail(path, v, "'timeout_s' must be > 0");
  } else {
    return false;
  }
  return true;
}

// One suite mapping (the file's root, or one entry of its 'parts').
Suite parse_suite(const std::string& path, const YAML::Node& root, Suite s, bool is_part) {
  bool has_kind = false, has_encodings = false;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "name") {
      s.name = scalar<std::string>(path, key, v, "a string");
    } else if (key == "description") {
    } else if (key == "parts" && !is_part) {
      if (!v.IsSequence() || v.size() == 0) fail(path, v, "'parts' must be a non-empty list");
      for (const auto& part : v) {
        if (!part.IsMap()) fail(path, part, "each entry of 'parts' must be a suite mapping");
        Suite defaults;  // a part inherits seeds, threads and timeout_s
        defaults.path = s.path, defaults.sha256 = s.sha256;
        defaults.seeds = s.seeds, defaults.threads = s.threads, defaults.timeout_s = s.timeout_s;
        defaults.name = fmt::format("part{}", s.parts.size() + 1);
        s.parts.push_back(parse_suite(path, part, defaults, true));
        for (std::size_t i = 0; i + 1 < s.parts.size(); ++i)
          if (s.parts[i].name == s.parts.back().name)
            fail(path, part, fmt::format("two parts named '{}'", s.parts.back().name));
      }
    } else if (key == "kind") {
      has_kind = true;
      s.kind = scalar<std::string>(path, key, v, "a string");
      if (std::find(kKinds.begin(), kKinds.end(), s.kind) == kKinds.end()) {
        if (std::find(kPlannedKinds.begin(), kPlannedKinds.end(), s.kind) != kPlannedKinds.end())
          fail(path, v,
               fmt::format("kind '{}' has no runner in this pebench yet (available: "
                           "conformance, synthetic, speed, memory)",
                           s.kind));
        const std::string near = closest(s.kind, kKinds);
        fail(path, v,
             fmt::format("unknown kind '{}'{}", s.kind,
                         near.empty() ? "" : " (did you mean '" + near + "'?)"));
      }
    } else if (key == "encodings") {
      has_encodings = true;
      if (v.IsScalar() && v.Scalar() == "all") {
        s.all_encodings = true;
      } else if (v.IsSequence()) {
        for (const auto& e : v) s.encodings.push_back(parse_encoding(path, e));
        if (s.encodings.empty()) fail(path, v, "'encodings' is empty");
      } else {
        fail(path, v, "'encodings' must be 'all' or a list");
      }
    } else if (parse_shared_setting(path, key, v, s)) {
    } else if (key == "tasks") {
      if (!v.IsSequence() || v.size() == 0) fail(path, v, "'tasks' must be a non-empty list");
      for (const auto& t : v) {
        s.tasks.push_back(parse_task(path, t));
        for (std::size_t i = 0; i + 1 < s.tasks.size(); ++i)
          if (s.tasks[i].label == s.tasks.back().label)
            fail(path, t,
                 fmt::format("two tasks labelled '{}'; give one a 'label'", s.tasks.back().label));
      }
    } else if (key == "model") {
      parse_model(path, v, s.model);
    } else if (key == "training") {
      parse_training(path, v, s.training);
    } else if (key == "evaluation") {
      parse_evaluation(path, v, s.evaluation);
    } else if (parse_bench_key(path, key, v, s.bench)) {
    } else {
      const std::string near = closest(key, kTopKeys);
      fail(path, kv.first,
           fmt::format("unknown key '{}'{}", key,
                       near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
  }
  if (!s.parts.empty()) {
    if (has_kind || has_encodings)
      fail(path, root, "a suite with 'parts' has its kinds and encodings in the parts");
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (std::find(kSyntheticKeys.begin(), kSyntheticKeys.end(), key) != kSyntheticKeys.end() ||
          std::find(kBenchKeys.begin(), kBenchKeys.end(), key) != kBenchKeys.end())
        fail(path, kv.first,
             fmt::format("'{}' goes inside a part; parts share only seeds, threads, timeout_s",
                         key));
    }
    s.kind = "parts";
    return s;
  }
  if (!has_kind) fail(path, root, "missing key 'kind'");
  if (!has_encodings) fail(path, root, "missing key 'encodings'");
  if (s.kind == "synthetic" && s.tasks.empty())
    fail(path, root, "kind 'synthetic' needs key 'tasks'");
  if (s.kind == "synthetic") {
    const TrainingSpec& t = s.training;
    if (t.optimizer.warmup_steps >= t.steps)
      fail(path, root["training"] ? root["training"] : root,
           fmt::format("'warmup_steps' ({}) must be < 'steps' ({})", t.optimizer.warmup_steps,
                       t.steps));
    for (const auto& task : s.tasks) {
      const std::int64_t length = task.train_length > 0
                                      ? task.train_length
                                      : make_task(task.name, task.params)->min_seq_len();
      if (t.random_positions > 0 && t.random_positions < length)
        fail(path, root["training"]["random_positions"],
             fmt::format("'random_positions' ({}) must be >= the training length of task '{}' "
                         "({})",
                         t.random_positions, task.label, length));
    }
  }
  const bool bench = s.kind == "speed" || s.kind == "memory";
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const bool synthetic_key =
        std::find(kSyntheticKeys.begin(), kSyntheticKeys.end(), key) != kSyntheticKeys.end();
    const bool bench_key = std::find(kBenchKeys.begin(), kBenchKeys.end(), key) != kBenchKeys.end();
    if ((synthetic_key && s.kind != "synthetic") || (bench_key && !bench))
      fail(path, kv.first,
           fmt::format("key '{}' belongs to kind '{}', not '{}'", key,
                       synthetic_key ? "synthetic" : "speed' or 'memory", s.kind));
    if (s.kind == "memory" && (key == "repetitions" || key == "min_time_s"))
      fail(path, kv.first,
           fmt::format("key '{}' belongs to kind 'speed' (a memory case runs once)", key));
  }
  if (bench) {
    if (s.bench.lengths.empty())
      fail(path, root, fmt::format("kind '{}' needs key 'lengths'", s.kind));
    if (s.bench.modes.empty())
      s.bench.modes =
          s.kind == "speed"
              ? std::vector<std::string>{"attention_fwd", "attention_fwd_bwd", "train_step",
                                         "inference"}
              : std::vector<std::string>{"attention_fwd_bwd", "train_step", "attention_inference"};
  }
  return s;
}

Suite load_suite(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SuiteError(path + ": cannot read suite file");
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::ParserException& e) {
    throw SuiteError(fmt::format("{}: YAML syntax error: {}", where(path, e.mark), e.msg));
  }
  if (!root.IsMap()) throw SuiteError(path + ":1:1: a suite must be a YAML mapping");
  Suite s;
  s.path = path;
  s.sha256 = sha256_hex(text.str());
  s.name = std::filesystem::path(path).stem().string();
  // seeds, threads and timeout_s first, so that parts inherit them wherever they are written.
  for (const char* key : {"seeds", "threads", "timeout_s"})
    if (root[key]) parse_shared_setting(path, key, root[key], s);
  return parse_suite(path, root, s, false);
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_-./=,:+@%") == std::string::npos)
    return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

const Suite& suite_of(const Suite& suite, const Case& c) {
  return c.part >= 0 ? suite.parts.at(static_cast<std::size_t>(c.part)) : suite;
}

std::vector<Case> expand_cases(const Suite& suite, const std::vector<std::string>& available,
                               const std::vector<std::string>& plugin_paths) {
  if (!suite.parts.empty()) {
    std::vector<Case> cases;
    for (std::size_t p = 0; p < suite.parts.size(); ++p) {
      const Suite& part = suite.parts[p];
      for (Case c : expand_cases(part, available, plugin_paths)) {
        c.part = static_cast<std::int64_t>(p);
        const std::string old_id = c.id;
        c.id = fmt::format("{}/{}", part.name, c.id);
        if (!c.group.empty()) c.group = fmt::format("{}/{}", part.name, c.group);
        for (auto& a : c.args)
          if (a == old_id) a = c.id;  // the --case argument of a synthetic case
        c.repro = "pebench";
        for (const auto& a : c.args) c.repro += " " + shell_quote(a);
        cases.push_back(std::move(c));
      }
    }
    return cases;
  }
  std::vector<EncodingSpec> encodings = suite.encodings;
  if (suite.all_encodings) {  // nope first: the baseline of every ratio, the first table row
    if (std::find(available.begin(), available.end(), "nope") != available.end())
      encodings.push_back(EncodingSpec{"nope", {}, ""});
    for (const auto& n : available)
      if (n != "nope") encodings.push_back(EncodingSpec{n, {}, ""});
  }
  std::vector<Case> cases;
  auto finish = [&](Case c) {
    if (suite.threads > 0)
      c.args.insert(c.args.begin(), {"--threads", std::to_string(suite.threads)});
    for (auto it = plugin_paths.rbegin(); it != plugin_paths.rend(); ++it)
      c.args.insert(c.args.begin(), {"--plugin-path", *it});
    c.repro = "pebench";
    for (const auto& a : c.args) c.repro += " " + shell_quote(a);
    cases.push_back(std::move(c));
  };
  for (const auto& e : encodings) {
    const std::string enc_id =
        e.params_text.empty() ? e.name : fmt::format("{}[{}]", e.name, e.params_text);
    if (suite.kind == "speed" || suite.kind == "memory") {
      const BenchGrid& g = suite.bench;
      for (const auto& mode : g.modes)
        for (std::int64_t T : g.lengths)
          for (std::int64_t B : g.batch)
            for (std::int64_t H : g.heads)
              for (std::int64_t d : g.head_dim) {
                Case c;
                c.encoding = e;
                c.seed = suite.seeds.front();
                c.mode = mode, c.seq_len = T, c.batch = B, c.heads = H, c.head_dim = d;
                c.group = fmt::format("{}/T={}/B={}/H={}/d={}", mode, T, B, H, d);
                c.id = enc_id + "/" + c.group;
                if (suite.kind == "memory") c.group.clear();  // a fresh process per case
                c.args = {"run", suite.path, "--case", c.id};
                finish(std::move(c));
              }
      continue;
    }
    if (suite.kind == "synthetic") {
      for (std::size_t t = 0; t < suite.tasks.size(); ++t)
        for (std::uint64_t seed : suite.seeds) {
          Case c;
          c.encoding = e;
          c.task = static_cast<std::int64_t>(t);
          c.seed = seed;
          c.id = fmt::format("{}/{}/seed={}", enc_id, suite.tasks[t].label, seed);
          c.args = {"run", suite.path, "--case", c.id};
          finish(std::move(c));
        }
      continue;
    }
    for (std::uint64_t seed : suite.seeds) {
      Case c;
      c.encoding = e;
      c.seed = seed;
      c.id = fmt::format("{}/seed={}", enc_id, seed);
      c.args = {"check-plugin", e.name, "--seed", std::to_string(seed)};
      if (!e.params_text.empty()) c.args.insert(c.args.end(), {"--params", e.params_text});
      finish(std::move(c));
    }
  }
  // Two equal cases (an encoding, a length or a split listed twice) would share an id, a
  // repro and a benchmark name: refuse them.
  for (std::size_t i = 0; i < cases.size(); ++i)
    for (std::size_t j = i + 1; j < cases.size(); ++j)
      if (cases[i].id == cases[j].id)
        throw SuiteError(
            fmt::format("{}: case '{}' appears twice (an encoding, length, mode or "
                        "seed listed twice?)",
                        suite.path, cases[i].id));
  return cases;
}

}  // namespace pebench
