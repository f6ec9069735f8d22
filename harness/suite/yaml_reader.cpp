#include "suite/yaml_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <sstream>
#include <variant>

namespace pebench {

std::string YamlReader::where(const YAML::Node& at) const {
  const YAML::Mark m = at.Mark();
  return fmt::format("{}:{}:{}", path_, m.line + 1, m.column + 1);
}

void YamlReader::fail(const YAML::Node& at, const std::string& msg) const {
  const YAML::Mark m = at.Mark();
  throw SuiteError(fmt::format("{}:{}:{}: {}", path_, m.line + 1, m.column + 1, msg));
}

void YamlReader::unknown_key(const YAML::Node& key_node, const std::string& where,
                             const std::vector<std::string>& valid) const {
  const std::string key = key_node.Scalar();
  fail(key_node, fmt::format("unknown key '{}'{}{}", key, where.empty() ? "" : " " + where,
                             did_you_mean(key, valid)));
}

std::int64_t YamlReader::positive_int(const std::string& key, const YAML::Node& v,
                                      bool zero_ok) const {
  const auto x = scalar<std::int64_t>(key, v, "an integer");
  if (x < 0 || (x == 0 && !zero_ok))
    fail(v, fmt::format("'{}' must be {} 0", key, zero_ok ? ">=" : ">"));
  return x;
}

double YamlReader::number_in(const std::string& key, const YAML::Node& v, double lo,
                             double hi) const {
  const double x = scalar<double>(key, v, "a number");
  if (!(x >= lo && x <= hi)) fail(v, fmt::format("'{}' must be in [{}, {}]", key, lo, hi));
  return x;
}

std::vector<std::int64_t> YamlReader::int_list(const std::string& key, const YAML::Node& v) const {
  if (v.IsScalar()) return {positive_int(key, v)};
  if (!v.IsSequence() || v.size() == 0)
    fail(v, fmt::format("'{}' must be a positive integer or a non-empty list", key));
  std::vector<std::int64_t> out;
  std::set<std::int64_t> seen;
  for (const auto& x : v) {
    const std::int64_t n = positive_int(key, x);
    if (!seen.insert(n).second) fail(x, fmt::format("'{}' lists {} twice", key, n));
    out.push_back(n);
  }
  return out;
}

std::vector<std::string> YamlReader::choice_list(const std::string& key, const YAML::Node& v,
                                                 const std::vector<std::string>& valid,
                                                 const char* what) const {
  if (!v.IsScalar() && (!v.IsSequence() || v.size() == 0))
    fail(v, fmt::format("'{}' must be a {} or a non-empty list of them", key, what));
  std::vector<YAML::Node> items;
  if (v.IsScalar())
    items.push_back(v);
  else
    for (const auto& x : v) items.push_back(x);
  std::vector<std::string> out;
  for (const auto& at : items) {
    const auto name = scalar<std::string>(key, at, "a name");
    if (std::find(valid.begin(), valid.end(), name) == valid.end())
      fail(at, fmt::format("unknown {} '{}'{} ({}s: {})", what, name, did_you_mean(name, valid),
                           what, fmt::join(valid, ", ")));
    if (std::find(out.begin(), out.end(), name) != out.end())
      fail(at, fmt::format("'{}' lists '{}' twice", key, name));
    out.push_back(name);
  }
  return out;
}

void YamlReader::check_utf8(const std::string& text) const {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    // Length of the sequence b starts and the smallest code point it may encode (overlong
    // forms are invalid), per RFC 3629.
    std::size_t len = 0;
    std::uint32_t cp = 0, min = 0;
    if (b < 0x80)
      len = 1, cp = b;
    else if ((b & 0xE0) == 0xC0)
      len = 2, cp = b & 0x1F, min = 0x80;
    else if ((b & 0xF0) == 0xE0)
      len = 3, cp = b & 0x0F, min = 0x800;
    else if ((b & 0xF8) == 0xF0)
      len = 4, cp = b & 0x07, min = 0x10000;
    bool ok = len > 0 && i + len <= text.size() && b != 0;
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      ok = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (!ok)
      throw SuiteError(fmt::format(
          "{}:{}:{}: {} (byte 0x{:02x}): a suite must be UTF-8 text, since its strings go "
          "into rows.jsonl",
          path_, line, column, b == 0 ? "a NUL byte" : "not valid UTF-8", b));
    if (b == '\n')
      line += 1, column = 1;
    else
      column += 1;
    i += len;
  }
}

bool YamlReader::is_plain_name(const std::string& n) {
  return !n.empty() && n[0] != '.' && n.size() <= 100 &&
         std::all_of(n.begin(), n.end(), [](char ch) {
           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' ||
                  ch == '-';
         });
}

std::string YamlReader::plain_name(const std::string& key, const YAML::Node& v,
                                   const char* role) const {
  const std::string n = scalar<std::string>(key, v, "a string");
  if (!is_plain_name(n))
    fail(v, fmt::format("{} '{}' must be letters, digits, '.', '_' or '-' (at most 100, not "
                        "starting with '.'): {}",
                        key, n, role));
  return n;
}

void YamlReader::check_unique_keys(const YAML::Node& node) const {
  // Iterative, so that a deeply nested file cannot exhaust the stack; each node once by its
  // place in the text, so that aliases of aliases ("billion laughs") cost nothing extra.
  std::vector<YAML::Node> pending = {node};
  std::set<int> visited;
  while (!pending.empty()) {
    const YAML::Node n = pending.back();
    pending.pop_back();
    if ((n.IsMap() || n.IsSequence()) && !visited.insert(n.Mark().pos).second) continue;
    if (n.IsMap()) {
      std::set<std::string> seen;
      for (const auto& kv : n) {
        if (kv.first.IsScalar() && !seen.insert(kv.first.Scalar()).second)
          fail(kv.first, fmt::format("key '{}' appears twice in one mapping", kv.first.Scalar()));
        pending.push_back(kv.second);
      }
    } else if (n.IsSequence()) {
      for (const auto& item : n) pending.push_back(item);
    }
  }
}

namespace {

// Whether the quoted scalar starting at text[at] (a ' or ") has its closing quote.
bool closed_quote(const std::string& text, std::size_t at) {
  const char quote = text[at];
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escaped character
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is one quote inside single quotes
        continue;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

void YamlReader::check_closed_quotes(const YAML::Node& node, const std::string& text) const {
  std::vector<YAML::Node> pending = {node};
  std::set<int> visited;
  while (!pending.empty()) {
    const YAML::Node n = pending.back();
    pending.pop_back();
    const int pos = n.Mark().pos;
    if (n.IsScalar()) {
      if (pos >= 0 && static_cast<std::size_t>(pos) < text.size() &&
          (text[pos] == '"' || text[pos] == '\'') && !closed_quote(text, std::size_t(pos)))
        fail(n, fmt::format("unclosed quote: the {} opened here has no closing {}",
                            text[pos] == '"' ? "double quote" : "single quote", text[pos]));
      continue;
    }
    if (!visited.insert(pos).second) continue;
    if (n.IsMap()) {
      for (const auto& kv : n) pending.push_back(kv.first), pending.push_back(kv.second);
    } else if (n.IsSequence()) {
      for (const auto& item : n) pending.push_back(item);
    }
  }
}

Config YamlReader::params(const YAML::Node& node) const {
  if (!node.IsMap()) fail(node, "'params' must be a mapping of key: value");
  Config c;
  for (const auto& p : node) {
    if (!p.second.IsScalar())
      fail(p.second, fmt::format("param '{}' must be a scalar", p.first.Scalar()));
    // A quoted scalar ("10") is a string; a plain one is typed by its text.
    const ConfigValue value =
        p.second.Tag() == "!" ? ConfigValue(p.second.Scalar()) : parse_scalar(p.second.Scalar());
    // Case files are JSON, which has no inf or nan: such a value would reach the case as
    // null and fail it late with a strange message.
    if (const double* d = std::get_if<double>(&value); d && !std::isfinite(*d))
      fail(p.second, fmt::format("param '{}' is '{}': not a finite number (quote it for a string)",
                                 p.first.Scalar(), p.second.Scalar()));
    c.set(p.first.Scalar(), value);
  }
  return c;
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

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string near = closest(word, candidates);
  return near.empty() ? "" : " (did you mean '" + near + "'?)";
}

ConfigValue parse_scalar(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  char* end = nullptr;
  errno = 0;
  const long long i = std::strtoll(text.c_str(), &end, 10);
  // Beyond int64 (errno ERANGE): a number all the same, read as a double below, never the
  // clamped LLONG_MAX.
  if (!text.empty() && *end == '\0' && errno != ERANGE) return static_cast<std::int64_t>(i);
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

}  // namespace pebench
