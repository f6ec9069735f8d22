#include "suite/long_seed_lists.hpp"

#include <charconv>
#include <optional>

namespace pebench {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_gap(char c) {
  return c == ' ' || c == '\n';
}

// The list starting at text[open] == '[' if it has the plain form (header), else nothing;
// `close` is set to the position of its ']'.
std::optional<std::vector<ListedSeed>> plain_list(const std::string& text, std::size_t open,
                                                  std::size_t& close) {
  std::vector<ListedSeed> seeds;
  std::size_t i = open + 1;
  const std::size_t n = text.size();
  for (;;) {
    while (i < n && is_gap(text[i])) ++i;
    if (i >= n || !is_digit(text[i])) return std::nullopt;  // a number must come
    const std::size_t start = i;
    while (i < n && is_digit(text[i])) ++i;
    if (text[start] == '0' && i - start > 1) return std::nullopt;  // "010": YAML's octal
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data() + start, text.data() + i, value);
    if (error != std::errc{} || end != text.data() + i) return std::nullopt;  // beyond 64 bits
    seeds.push_back({value, start});
    while (i < n && is_gap(text[i])) ++i;
    if (i < n && text[i] == ',') {
      ++i;
      continue;
    }
    if (i < n && text[i] == ']') {
      close = i;
      return seeds;
    }
    return std::nullopt;
  }
}

// Whether text[at] starts a `seeds:` key at the start of its line, after spaces or the
// dashes of list items only ("  - seeds:"), and the value's '[' follows on the same line.
std::optional<std::size_t> list_after_key(const std::string& text, std::size_t at) {
  for (std::size_t i = at; i > 0 && text[i - 1] != '\n'; --i)
    if (text[i - 1] != ' ' && text[i - 1] != '-') return std::nullopt;
  std::size_t i = at + 6;  // past "seeds:"
  if (i < text.size() && text[i] != ' ') return std::nullopt;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i < text.size() && text[i] == '[') return i;
  return std::nullopt;
}

}  // namespace

LongSeedLists::LongSeedLists(const std::string& text, std::size_t min_bytes) : text_(text) {
  for (std::size_t at = text.find("seeds:"); at != std::string::npos;
       at = text.find("seeds:", at + 1)) {
    const auto open = list_after_key(text, at);
    if (!open) continue;
    std::size_t close = 0;
    auto seeds = plain_list(text, *open, close);
    if (!seeds || close - *open + 1 < min_bytes) continue;
    if (lists_.empty()) blanked_ = text;
    for (std::size_t i = *open + 1; i < close; ++i)
      if (blanked_[i] != '\n') blanked_[i] = ' ';
    lists_.emplace(*open, List{std::move(*seeds), false});
    at = close;
  }
}

const std::vector<ListedSeed>* LongSeedLists::take(std::size_t pos) {
  const auto it = lists_.find(pos);
  if (it == lists_.end()) return nullptr;
  it->second.taken = true;
  return &it->second.seeds;
}

bool LongSeedLists::all_taken() const {
  for (const auto& [pos, list] : lists_)
    if (!list.taken) return false;
  return true;
}

std::pair<int, int> line_and_column(const std::string& text, std::size_t offset) {
  int line = 0;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return {line, static_cast<int>(offset - line_start)};
}

}  // namespace pebench
