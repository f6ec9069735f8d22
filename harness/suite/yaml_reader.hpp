// Reading one suite file: typed values whose errors name file:line:column and the key.
// The generic suite keys (suite/suite.cpp) and every kind's keys (kinds/<kind>/) are
// read through it, so every error has the same shape:
//   suites/x.yaml:4:1: unknown key 'seedz' (did you mean 'seeds'?)
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "pebench/config.hpp"

namespace pebench {

struct SuiteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class YamlReader {
 public:
  explicit YamlReader(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // "file:line:col" of `at`.
  std::string where(const YAML::Node& at) const;
  // "file:line:col: msg" at `at`.
  [[noreturn]] void fail(const YAML::Node& at, const std::string& msg) const;
  // "unknown key 'k' <where> (did you mean 'x'?)".
  [[noreturn]] void unknown_key(const YAML::Node& key_node, const std::string& where,
                                const std::vector<std::string>& valid) const;

  // A scalar of type T ("'key' must be <what>, got 'text'" otherwise).
  template <typename T>
  T scalar(const std::string& key, const YAML::Node& node, const char* what) const {
    if (!node.IsScalar()) fail(node, "'" + key + "' must be " + what);
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, "'" + key + "' must be " + what + ", got '" + node.Scalar() + "'");
    }
  }
  std::int64_t positive_int(const std::string& key, const YAML::Node& v,
                            bool zero_ok = false) const;
  // A number in [lo, hi].
  double number_in(const std::string& key, const YAML::Node& v, double lo, double hi) const;
  // A positive integer or a non-empty list of distinct ones.
  std::vector<std::int64_t> int_list(const std::string& key, const YAML::Node& v) const;
  // A name from `valid`, or a non-empty list of distinct ones ("unknown <what> 'x'").
  std::vector<std::string> choice_list(const std::string& key, const YAML::Node& v,
                                       const std::vector<std::string>& valid,
                                       const char* what) const;
  // Fails at the second of two equal keys in any mapping under `node` (YAML forbids them;
  // yaml-cpp would keep one and drop the other without a word).
  void check_unique_keys(const YAML::Node& node) const;
  // Fails at a quoted scalar under `node` whose closing quote is missing in `text` (the file
  // the nodes were parsed from): yaml-cpp 0.7 reads such a scalar on to the end of the file,
  // so the error would otherwise surface as a strange value of the first key.
  void check_closed_quotes(const YAML::Node& node, const std::string& text) const;
  // Fails at the first byte of `text` that is not UTF-8 (or is NUL): every string of a suite
  // reaches rows.jsonl, which must stay valid UTF-8 JSON.
  void check_utf8(const std::string& text) const;
  // A name that is one plain path component and a part of case ids: letters, digits, '.',
  // '_' or '-', at most 100, not starting with '.' (fails naming `key` and `role`).
  std::string plain_name(const std::string& key, const YAML::Node& v, const char* role) const;
  static bool is_plain_name(const std::string& n);
  // key: value params (a plain scalar is typed by its text; a quoted one is a string).
  Config params(const YAML::Node& node) const;

  // fn(key, value) for each entry of a mapping; a key outside `valid` fails.
  template <typename Fn>
  void for_each_key(const YAML::Node& node, const std::string& what,
                    const std::vector<std::string>& valid, Fn fn) const {
    if (!node.IsMap()) fail(node, "'" + what + "' must be a mapping");
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      bool known = false;
      for (const auto& v : valid) known = known || v == key;
      if (!known) unknown_key(kv.first, "in '" + what + "'", valid);
      fn(key, kv.second);
    }
  }

 private:
  std::string path_;
};

// The candidate closest to `word` by edit distance ("" if none is close).
std::string closest(const std::string& word, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);
// "k=v,k2=v2" -> Config (true/false -> bool, integers, numbers, else string).
Config parse_params(const std::string& text);
ConfigValue parse_scalar(const std::string& text);
// Config values as "k=v,k2=v2" (sorted by key): case ids, rows, tables.
std::string params_to_text(const Config& config);

}  // namespace pebench
