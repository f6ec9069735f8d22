// T5 relative position bias (Raffel et al. 2020, "Exploring the Limits of Transfer Learning
// with a Unified Text-to-Text Transformer"), a learned static bias:
//
//   bias[h, i, j] = table[bucket(kpos_j - qpos_i), h]          table: (num_buckets, H)
//
//   bucket(r), r = key - query (HF / Mesh-TF `_relative_position_bucket`):
//     bidirectional: n = num_buckets / 2, offset = n if r > 0 else 0, a = |r|
//     causal:        n = num_buckets,     offset = 0,                a = max(-r, 0)
//     m = n / 2 (max_exact)
//     a <  m: offset + a                                          (one bucket per distance)
//     a >= m: offset + min(m + trunc(log(a/m) / log(max_distance/m) * (n - m)), n - 1)
//
// Defaults num_buckets = 32, max_distance = 128, bidirectional = false (decoder: all keys
// after the query share bucket 0; they are masked anyway). The large-distance branch is
// evaluated in float32 as in the reference (torch); over a = m..2e6 and the usual configs
// float32 and double give the same buckets. One table shared by all layers (as in T5, where
// only the first layer owns `relative_attention_bias`).
//
// Initialisation: HF T5PreTrainedModel._init_weights, relative_attention_bias ~
// normal(0, factor * d_model^-0.5) with factor 1 and d_model = D (AttentionShape::model_dim).
// Unlike T5 the harness scales q.k by 1/sqrt(d); the bias is added after that scaling.
//
// Cost: buckets depend on qpos_i - kpos_j only, so forward fills a per-head table over the
// distances present and gathers; backward sums dbias per distance (double) and scatters the
// sums into the buckets. Both O(H Tq Tk) with one load/store per element.
#include <algorithm>
#include <cmath>
#include <pebench/pebench.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using pebench::distance_range;
using pebench::DistanceRange;

class T5Bias final : public pebench::Encoding {
 public:
  T5Bias(const pebench::Config& config, const pebench::AttentionShape& shape)
      : heads_(shape.heads),
        model_dim_(shape.model_dim),
        num_buckets_(config.get_int("num_buckets", 32)),
        max_distance_(config.get_int("max_distance", 128)),
        bidirectional_(config.get_bool("bidirectional", false)) {
    const std::int64_t n = bidirectional_ ? num_buckets_ / 2 : num_buckets_;
    if (n < 2)
      throw std::invalid_argument(
          "t5: config key 'num_buckets' must be >= 2 (>= 4 with bidirectional), got " +
          std::to_string(num_buckets_));
    if (max_distance_ <= n / 2)
      throw std::invalid_argument("t5: config key 'max_distance' must be > max_exact = " +
                                  std::to_string(n / 2) + ", got " + std::to_string(max_distance_));
    auto table = declare_parameter("relative_attention_bias", {num_buckets_, heads_});
    table_ = table.value, grad_ = table.grad;
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "t5";
    i.version = "1.0.0";
    i.paper =
        "Raffel et al. 2020, Exploring the Limits of Transfer Learning with a Unified "
        "Text-to-Text Transformer (T5)";
    i.hooks = pebench::kHookStaticBias;
    i.relative = true;
    i.shared_across_layers = true;
    i.parameter_formula = "num_buckets*H (32*H), shared by all layers";
    i.extrapolates = "limited";  // distances >= max_distance share the last bucket
    return i;
  }

  void init_parameters(std::uint64_t seed) override {
    pebench::Rng rng(seed);
    const double std_dev = 1.0 / std::sqrt(static_cast<double>(model_dim_));
    for (auto& x : table_) x = static_cast<float>(rng.normal() * std_dev);
  }

  // The reference bucket of r = key position - query position.
  std::int64_t bucket(std::int64_t r) const {
    std::int64_t n = num_buckets_, out = 0, a;
    if (bidirectional_) {
      n /= 2;
      if (r > 0) out += n;
      a = r < 0 ? -r : r;
    } else {
      a = r < 0 ? -r : 0;
    }
    const std::int64_t max_exact = n / 2;
    if (a < max_exact) return out + a;
    const float scaled = std::log(static_cast<float>(a) / static_cast<float>(max_exact)) /
                         static_cast<float>(std::log(double(max_distance_) / double(max_exact))) *
                         static_cast<float>(n - max_exact);
    return out + std::min<std::int64_t>(max_exact + static_cast<std::int64_t>(scaled), n - 1);
  }

  void bias_forward(pebench::Span<3> bias, pebench::Positions qpos,
                    pebench::Positions kpos) override {
    const std::int64_t H = bias.size(0), Tq = bias.size(1), Tk = bias.size(2);
    if (Tq == 0 || Tk == 0) return;
    const DistanceRange range = distance_range(qpos, kpos);
    const std::int64_t nd = range.size();
    // lut[h * nd + (qpos - kpos - range.min)] = table[bucket(kpos - qpos), h]
    std::vector<float> lut(static_cast<std::size_t>(H * nd));
#pragma omp parallel for schedule(static)
    for (std::int64_t e = 0; e < nd; ++e) {
      const std::int64_t b = bucket(-(range.min + e));
      for (std::int64_t h = 0; h < H; ++h) lut[h * nd + e] = table_[b * heads_ + h];
    }
    pebench::gather_by_distance(bias, qpos, kpos, range, lut.data());
  }

  void bias_backward(pebench::ConstSpan<3> dbias, pebench::Positions qpos,
                     pebench::Positions kpos) override {
    const std::int64_t H = dbias.size(0);
    if (dbias.size(1) == 0 || dbias.size(2) == 0) return;
    const DistanceRange range = distance_range(qpos, kpos);
    const std::int64_t nd = range.size();
    std::vector<std::int64_t> buckets(static_cast<std::size_t>(nd));
    for (std::int64_t e = 0; e < nd; ++e) buckets[e] = bucket(-(range.min + e));
    const std::vector<double> sums = pebench::sum_by_distance(dbias, qpos, kpos, range);
#pragma omp parallel for schedule(static)
    for (std::int64_t h = 0; h < H; ++h) {
      const double* acc = sums.data() + h * nd;
      std::vector<double> per_bucket(static_cast<std::size_t>(num_buckets_), 0.0);
      for (std::int64_t e = 0; e < nd; ++e) per_bucket[buckets[e]] += acc[e];
      for (std::int64_t b = 0; b < num_buckets_; ++b)
        grad_[b * heads_ + h] += static_cast<float>(per_bucket[b]);
    }
  }

 private:
  std::int64_t heads_, model_dim_, num_buckets_, max_distance_;
  bool bidirectional_;
  pebench::ParameterBuffer table_, grad_;  // (num_buckets, H), as HF's nn.Embedding weight
};

}  // namespace

PEBENCH_EXPORT_ENCODING(T5Bias)
