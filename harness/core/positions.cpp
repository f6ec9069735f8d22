#include "core/positions.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace pebench {

std::vector<std::int64_t> sequential_positions(std::int64_t T, std::int64_t offset) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(T));
  for (std::int64_t i = 0; i < T; ++i) p[i] = offset + i;
  return p;
}

std::vector<std::int64_t> randomized_positions(std::int64_t T, std::int64_t max_position,
                                               Rng& rng) {
  if (T > max_position)
    throw std::invalid_argument("randomized positions: T = " + std::to_string(T) +
                                " exceeds max_random_position = " + std::to_string(max_position));
  // Floyd's algorithm: a uniform T-subset of [0, max_position) in O(T) draws.
  std::unordered_set<std::int64_t> chosen;
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(T));
  for (std::int64_t j = max_position - T; j < max_position; ++j) {
    const auto t = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(j + 1)));
    const std::int64_t pick = chosen.insert(t).second ? t : j;
    if (pick == j) chosen.insert(j);
    out.push_back(pick);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pebench
