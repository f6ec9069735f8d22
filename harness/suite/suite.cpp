#include "suite/suite.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/sha256.hpp"

namespace pebench {
namespace {

const std::vector<std::string> kTopKeys = {"name",  "kind",    "description", "encodings",
                                           "seeds", "threads", "timeout_s"};
const std::vector<std::string> kKinds = {"conformance"};
const std::vector<std::string> kPlannedKinds = {"synthetic", "speed", "memory", "extrapolation"};

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
      if (!kv.second.IsMap()) fail(path, kv.second, "'params' must be a mapping of key: value");
      for (const auto& p : kv.second) {
        if (!p.second.IsScalar())
          fail(path, p.second, fmt::format("param '{}' must be a scalar", p.first.Scalar()));
        // A quoted scalar ("10") is a string; a plain one is typed by its text.
        spec.params.set(p.first.Scalar(), p.second.Tag() == "!" ? ConfigValue(p.second.Scalar())
                                                                : parse_scalar(p.second.Scalar()));
      }
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

}  // namespace

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
  bool has_kind = false, has_encodings = false;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "name") {
      s.name = scalar<std::string>(path, key, v, "a string");
    } else if (key == "description") {
    } else if (key == "kind") {
      has_kind = true;
      s.kind = scalar<std::string>(path, key, v, "a string");
      if (std::find(kKinds.begin(), kKinds.end(), s.kind) == kKinds.end()) {
        if (std::find(kPlannedKinds.begin(), kPlannedKinds.end(), s.kind) != kPlannedKinds.end())
          fail(path, v,
               fmt::format("kind '{}' has no runner in this pebench yet (available: conformance)",
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
    } else if (key == "seeds") {
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
      const std::string near = closest(key, kTopKeys);
      fail(path, kv.first,
           fmt::format("unknown key '{}'{}", key,
                       near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
  }
  if (!has_kind) throw SuiteError(path + ":1:1: missing key 'kind'");
  if (!has_encodings) throw SuiteError(path + ":1:1: missing key 'encodings'");
  return s;
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_-./=,:+@%") == std::string::npos)
    return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<Case> expand_cases(const Suite& suite, const std::vector<std::string>& available,
                               const std::vector<std::string>& plugin_paths) {
  std::vector<EncodingSpec> encodings = suite.encodings;
  if (suite.all_encodings)
    for (const auto& n : available) encodings.push_back(EncodingSpec{n, {}, ""});
  std::vector<Case> cases;
  for (const auto& e : encodings)
    for (std::uint64_t seed : suite.seeds) {
      Case c;
      c.encoding = e;
      c.seed = seed;
      c.id = fmt::format("{}{}/seed={}", e.name,
                         e.params_text.empty() ? "" : "[" + e.params_text + "]", seed);
      c.args = {"check-plugin", e.name, "--seed", std::to_string(seed)};
      if (!e.params_text.empty()) c.args.insert(c.args.end(), {"--params", e.params_text});
      if (suite.threads > 0)
        c.args.insert(c.args.begin(), {"--threads", std::to_string(suite.threads)});
      for (auto it = plugin_paths.rbegin(); it != plugin_paths.rend(); ++it)
        c.args.insert(c.args.begin(), {"--plugin-path", *it});
      c.repro = "pebench";
      for (const auto& a : c.args) c.repro += " " + shell_quote(a);
      cases.push_back(std::move(c));
    }
  return cases;
}

}  // namespace pebench
