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
// missing key or null leaves the member's default; a value of the wrong type (or, for an
// integer member, a fraction or a number outside its type) is an error naming the key.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
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

// A parser callback, J::parse(text, depth_limit<J>(64)), that throws FieldError for a value
// nested deeper than `max_depth`: the JSON library copies and writes values recursively, so a
// file of 100000 '[' would overflow the stack after it parsed.
template <typename J>
typename J::parser_callback_t depth_limit(int max_depth) {
  return [max_depth](int depth, typename J::parse_event_t, J&) {
    if (depth > max_depth)
      throw FieldError("nested more than " + std::to_string(max_depth) + " levels deep");
    return true;
  };
}

// An integer member takes an integer, or a number with an integral value, in its range
// (nlohmann would convert any number with a cast: undefined for 1e300, wrapped for 2^40).
template <typename T, typename J>
void check_integer(const J& v, const char* key) {
  const auto fail = [&](const char* what) {
    throw FieldError(std::string("key '") + key + "': " + what + ", got " + v.dump());
  };
  if (v.is_number_unsigned()) {
    if (!std::in_range<T>(v.template get<std::uint64_t>())) fail("out of range");
  } else if (v.is_number_integer()) {
    const auto x = v.template get<std::int64_t>();
    if (x < 0 && std::is_unsigned_v<T>) fail("must be >= 0");
    if (!std::in_range<T>(x)) fail("out of range");
  } else if (v.is_number_float()) {
    const double x = v.template get<double>();
    if (!(x == std::trunc(x))) fail("must be an integer");
    if (x < 0 && std::is_unsigned_v<T>) fail("must be >= 0");
    // Both bounds as doubles: min is a power of two, max + 1 too (max itself may round up).
    const double lo = static_cast<double>(std::numeric_limits<T>::min());
    const double hi = 2.0 * static_cast<double>(std::numeric_limits<T>::max() / 2 + 1);
    if (!(x >= lo && x < hi)) fail("out of range");
  }
}

template <typename J, typename T>
void get(const J& j, const char* key, T& value) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) check_integer<T>(*it, key);
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
