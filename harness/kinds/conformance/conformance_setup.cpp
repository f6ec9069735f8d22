#include "kinds/conformance/conformance_setup.hpp"

#include <algorithm>
#include <cmath>

#include "core/positions.hpp"
#include "pebench/random.hpp"

namespace pebench {

std::vector<std::int64_t> iota_positions(std::int64_t n, std::int64_t start) {
  return sequential_positions(n, start);
}

std::vector<std::int64_t> random_positions(std::int64_t n, std::int64_t max_positions,
                                           std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  std::int64_t at = static_cast<std::int64_t>(rng.below(5));
  for (std::int64_t i = 0; i < n; ++i) {
    p[i] = at;
    at += 1 + static_cast<std::int64_t>(rng.below(3));
  }
  if (max_positions > 0 && !p.empty() && p.back() >= max_positions) return iota_positions(n);
  return p;
}

void randomise_parameters(const std::vector<Parameter>& params, std::uint64_t seed) {
  Rng rng(seed ^ 0x9e3779b97f4a7c15ull);
  for (const auto& p : params) {
    const std::int64_t n = Tensor::count(p.shape);
    double sum_sq = 0;
    for (std::int64_t i = 0; i < n; ++i) sum_sq += double(p.value[i]) * p.value[i];
    const double rms = n > 0 && sum_sq > 0 ? std::sqrt(sum_sq / double(n)) : 1.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double z = rng.normal();
      p.value[i] = p.value[i] != 0.0f ? static_cast<float>(p.value[i] * std::exp(0.3 * z))
                                      : static_cast<float>(0.3 * z * rms);
    }
  }
}

Setup::Setup(const EncodingSource& entry, const ConformanceOptions& o, std::int64_t seq_len,
             std::int64_t block_rows, std::int64_t chunk_bytes) {
  encoding = entry.create(o.config, AttentionShape{o.heads, o.head_dim, o.heads * o.head_dim});
  encoding->init_parameters(o.seed);
  params = encoding->parameters();
  randomise_parameters(params, o.seed);
  layer = std::make_unique<ConformanceLayer>(
      encoding, AttentionDims{o.batch, o.heads, seq_len, o.head_dim},
      block_rows > 0 ? block_rows : o.block_rows, o.seed, chunk_bytes);
}

void Setup::zero_param_grads() {
  for (auto& p : params) std::fill(p.grad, p.grad + Tensor::count(p.shape), 0.0f);
}

std::vector<float> full_run(const EncodingSource& entry, const ConformanceOptions& o,
                            const std::vector<std::int64_t>& pos, float input_scale,
                            std::int64_t block_rows, std::int64_t chunk_bytes) {
  const auto seq_len = static_cast<std::int64_t>(pos.size());
  Setup s(entry, o, seq_len, block_rows, chunk_bytes);
  const Inputs in = s.layer->random_inputs(o.seed, input_scale);
  const Tensor out = s.layer->forward(in, pos);
  Tensor ones(out.shape());
  for (auto& x : ones.values()) x = 1.0f;
  s.zero_param_grads();
  const Inputs grads = s.layer->backward(ones);
  std::vector<float> all = out.values();
  for (auto& [name, g] : grads) all.insert(all.end(), g.values().begin(), g.values().end());
  for (auto& p : s.params) all.insert(all.end(), p.grad, p.grad + Tensor::count(p.shape));
  return all;
}

Difference compare_runs(const std::vector<float>& a, const std::vector<float>& b) {
  Difference d;
  if (a.size() != b.size()) {
    d.nan_mismatch = std::max(a.size(), b.size());
    return d;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) {
      ++d.nan_mismatch;
      continue;
    }
    if (std::isnan(a[i])) continue;
    d.max_diff = std::max(d.max_diff, std::fabs(double(a[i]) - double(b[i])));
    d.scale = std::max(d.scale, std::fabs(double(b[i])));
  }
  return d;
}

}  // namespace pebench
