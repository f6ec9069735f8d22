// Sandwich (Chi et al. 2023, "Dissecting Transformer Length Extrapolation via the Lens of
// Receptive Field Analysis"), a parameter-free static bias: the inner product of two
// sinusoidal embeddings of dimension d' depends only on the distance,
//
//   p_m . p_n = sum_{k=1}^{d'/2} cos((m - n) / 10000^(2k/d'))
//
//   bias[h, i, j] = (sum_{k=1}^{d'/2} cos((qpos_i - kpos_j) / 10000^(2k/d')) - d'/2) / s_h
//   s_h = 8 (h + 1) / H                      (h = 0..H-1; compare ALiBi's slopes 2^(-8(h+1)/H))
//
// d' is the config key `dim` (default 128). The per-head compensation follows the
// reference implementation (NVIDIA NeMo, SandwichRelativePositionEmbedding, after the
// paper): frequencies with k = 1..d'/2 (not 0..d'/2-1), the bias shifted by -d'/2 so that
// bias(distance 0) = 0 (a per-head constant: softmax is unchanged by it) and each head
// divided by 8 h' / H with h' = 1..H, so head 0 is the sharpest (largest magnitude).
// Above the diagonal the reference uses tril (distance 0); those entries are masked.
//
// Cost: the bias depends on |qpos_i - kpos_j| only: the kernel per distance (d'/2 cosines, in
// double) is computed once and kept, then a per-head table and a gather per element.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <pebench/pebench.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using pebench::distance_range;
using pebench::DistanceRange;

class Sandwich final : public pebench::Encoding {
 public:
  Sandwich(const pebench::Config& config, const pebench::AttentionShape& shape)
      : heads_(shape.heads), dim_(config.get_int("dim", 128)) {
    if (dim_ < 2 || dim_ % 2 != 0) {
      std::string message = "sandwich: config key 'dim' must be even and >= 2, got ";
      message += std::to_string(dim_);
      throw std::invalid_argument(message);
    }
    for (std::int64_t k = 1; k <= dim_ / 2; ++k)
      inv_freq_.push_back(std::pow(10000.0, -2.0 * double(k) / double(dim_)));
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "sandwich";
    i.version = "1.0.0";
    i.paper =
        "Chi et al. 2023, Dissecting Transformer Length Extrapolation via the Lens of Receptive "
        "Field Analysis (Sandwich)";
    i.hooks = pebench::kHookStaticBias;
    i.relative = true;
    i.extrapolates = "yes";
    return i;
  }

  // The unscaled kernel sum_k cos(r * inv_freq_k) - d'/2 (<= 0, 0 at r = 0).
  double kernel(double r) const {
    double s = 0;
    for (double f : inv_freq_) s += std::cos(r * f);
    return s - 0.5 * double(dim_);
  }

  void bias_forward(pebench::Span<3> bias, pebench::Positions qpos,
                    pebench::Positions kpos) override {
    const std::int64_t H = bias.size(0), Tq = bias.size(1), Tk = bias.size(2);
    if (Tq == 0 || Tk == 0) return;
    const std::lock_guard<std::mutex> lock(mutex_);  // kernel_ grows on demand
    const DistanceRange range = distance_range(qpos, kpos);
    const std::int64_t nd = range.size();
    const std::vector<double>& k = kernel_table(std::max(std::abs(range.min), std::abs(range.max)));
    // lut[h * nd + (qpos - kpos - range.min)] = kernel / s_h
    std::vector<float> lut(static_cast<std::size_t>(H * nd));
    for (std::int64_t h = 0; h < H; ++h) {
      const double inv_scale = double(heads_) / (8.0 * double(h + 1));
      for (std::int64_t e = 0; e < nd; ++e)
        lut[h * nd + e] = static_cast<float>(k[std::abs(range.min + e)] * inv_scale);
    }
    pebench::gather_by_distance(bias, qpos, kpos, range, lut.data());
  }

 private:
  // kernel(|d|) for |d| = 0..max_distance, kept across calls (parameter-free: d'/2 cosines per
  // distance cost more than the gather for long inputs, and the bias is rebuilt whenever the
  // harness's parameter version changes).
  const std::vector<double>& kernel_table(std::int64_t max_distance) {
    const std::int64_t have = static_cast<std::int64_t>(kernel_.size());
    if (max_distance >= have) {
      kernel_.resize(static_cast<std::size_t>(max_distance + 1));
#pragma omp parallel for schedule(static)
      for (std::int64_t r = have; r <= max_distance; ++r) kernel_[r] = kernel(double(r));
    }
    return kernel_;
  }

  std::int64_t heads_, dim_;
  std::vector<double> inv_freq_;
  std::vector<double> kernel_;
  std::mutex mutex_;
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Sandwich)
