// pebench SDK: the typed key/value configuration an encoding is created with.
//
// The harness fills it from YAML (or `--params k=v,...`). An encoding reads the
// keys it knows with get(); after construction the harness asks unused_keys(),
// so a key no encoding read is reported as an error naming the key and the
// encoding. A value of the wrong type is an error naming the key.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace pebench {

using ConfigValue = std::variant<bool, std::int64_t, double, std::string>;

class Config {
 public:
  void set(const std::string& key, ConfigValue value) { values_[key] = std::move(value); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  const std::map<std::string, ConfigValue>& values() const { return values_; }

  // Typed getters: return the fallback when the key is absent. An int64 value is
  // accepted where a double is asked for.
  bool get_bool(const std::string& key, bool fallback) const {
    return get<bool>(key, fallback, "a boolean");
  }
  std::int64_t get_int(const std::string& key, std::int64_t fallback) const {
    return get<std::int64_t>(key, fallback, "an integer");
  }
  double get_double(const std::string& key, double fallback) const {
    used_.insert(key);
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    if (auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
    if (auto* d = std::get_if<double>(&it->second)) return *d;
    throw std::invalid_argument("config key '" + key + "' must be a number");
  }
  std::string get_string(const std::string& key, const std::string& fallback) const {
    return get<std::string>(key, fallback, "a string");
  }
  // A string that must be one of `choices`.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const {
    std::string v = get_string(key, fallback);
    for (const auto& c : choices)
      if (c == v) return v;
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : "|") + c;
    throw std::invalid_argument("config key '" + key + "' is '" + v + "', expected one of " + list);
  }

  std::vector<std::string> unused_keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : values_)
      if (!used_.count(k)) out.push_back(k);
    return out;
  }

 private:
  template <typename T>
  T get(const std::string& key, T fallback, const char* what) const {
    used_.insert(key);
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    if (auto* v = std::get_if<T>(&it->second)) return *v;
    throw std::invalid_argument("config key '" + key + "' must be " + what);
  }

  std::map<std::string, ConfigValue> values_;
  mutable std::set<std::string> used_;
};

}  // namespace pebench
