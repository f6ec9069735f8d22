// Typed records as flat JSON objects whose keys are the C++ member names, in declaration
// order (with nlohmann::ordered_json, as rows are written).
//
//   struct SpeedMetrics { std::optional<double> median_ms; std::string mode; ... };
//   PEBENCH_JSON_FIELDS(SpeedMetrics, median_ms, mode)
//
// defines to_json / from_json (found by nlohmann::json through ADL) and
// json_field_names(static_cast<const SpeedMetrics*>(nullptr)). So a key is never
// spelled as a string literal: renaming a member renames its key everywhere.
// Written: every member, except an empty std::optional and a string that is empty where
// its default is empty too (absent means "not measured" / "not applicable"). Read: a
// missing key or null leaves the member's default; a value of the wrong type (or a
// negative number for an unsigned member) is an error naming the key.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace pebench::json_fields {

struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename J, typename T>
void put(J& j, const char* key, const T& value, const T&) {
  j[key] = value;
}
template <typename J, typename T>
void put(J& j, const char* key, const std::optional<T>& value, const std::optional<T>&) {
  if (value) j[key] = *value;
}
template <typename J>
void put(J& j, const char* key, const std::string& value, const std::string& default_value) {
  if (!value.empty() || !default_value.empty()) j[key] = value;
}

template <typename J, typename T>
void get(const J& j, const char* key, T& value) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T> && !std::is_same_v<T, bool>)
    if (it->is_number_integer() && !it->is_number_unsigned())
      throw FieldError(std::string("key '") + key + "': must be >= 0, got " + it->dump());
  try {
    it->get_to(value);
  } catch (const nlohmann::json::exception& e) {
    throw FieldError(std::string("key '") + key + "': " + e.what());
  }
}
template <typename J, typename T>
void get(const J& j, const char* key, std::optional<T>& value) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  T v{};
  get(j, key, v);
  value = std::move(v);
}

}  // namespace pebench::json_fields

#define PEBENCH_JSON_FIELD_TO(f) ::pebench::json_fields::put(j, #f, t.f, defaults.f);
#define PEBENCH_JSON_FIELD_FROM(f) ::pebench::json_fields::get(j, #f, t.f);
#define PEBENCH_JSON_FIELD_NAME(f) #f,

#define PEBENCH_JSON_FIELDS(Type, ...)                                                    \
  template <typename J>                                                                   \
  void to_json(J& j, const Type& t) {                                                     \
    j = J::object();                                                                      \
    static const Type defaults{};                                                         \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(PEBENCH_JSON_FIELD_TO, __VA_ARGS__))         \
  }                                                                                       \
  template <typename J>                                                                   \
  void from_json(const J& j, Type& t) {                                                   \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(PEBENCH_JSON_FIELD_FROM, __VA_ARGS__))       \
  }                                                                                       \
  inline const std::vector<std::string>& json_field_names(const Type*) {                  \
    static const std::vector<std::string> names = {                                       \
        NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(PEBENCH_JSON_FIELD_NAME, __VA_ARGS__))}; \
    return names;                                                                         \
  }
