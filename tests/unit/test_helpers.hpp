// Shared helpers of the unit tests: random data, error measures, plugin loading.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "attention/encoding_source.hpp"
#include "pebench/random.hpp"
#include "registry/registry.hpp"

namespace pebench::test {

inline std::vector<float> random_vector(std::size_t n, std::uint64_t seed, double scale = 1.0) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.normal() * scale);
  return v;
}

// max |a - b| / (1 + max |b|)
template <typename A, typename B>
double scaled_error(const A& a, const B& b) {
  double err = 0, mag = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    err = std::max(err, std::fabs(double(a[i]) - double(b[i])));
    mag = std::max(mag, std::fabs(double(b[i])));
  }
  return err / (1.0 + mag);
}

// A registry with the in-tree plugins and the correct hook fixtures.
inline Registry& plugins() {
  static Registry registry = [] {
    Registry r;
    r.add_directory(PEBENCH_PLUGIN_DIR);
    r.add_directory(FIXTURE_GOOD_DIR);
    return r;
  }();
  return registry;
}

// Stacks exercised wherever every encoding is: all five hook kinds at once, two biases.
inline const std::vector<std::string> kStacks = {
    "fixture_rotate+fixture_score+fixture_mix+fixture_bias+alibi", "sinusoidal+alibi"};

// An encoding name, a plugin path or a stack "a+b".
inline std::shared_ptr<Encoding> make_encoding(const std::string& name, std::int64_t heads,
                                               std::int64_t head_dim, const Config& config = {}) {
  return resolve_encoding(plugins(), name)
      .create(config, AttentionShape{heads, head_dim, heads * head_dim});
}

}  // namespace pebench::test
