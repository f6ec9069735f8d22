// KERPLE (Chi et al. 2022, "KERPLE: Kernelized Relative Positional Embedding for Length
// Extrapolation"), a trainable static bias from a conditionally positive definite kernel:
//
//   log   (default): bias[h, i, j] = -r1_h * log(1 + r2_h * |qpos_i - kpos_j|)
//   power:           bias[h, i, j] = -r1_h * |qpos_i - kpos_j| ^ r2_h
//
// r1, r2: one pair per head (2H parameters). Reference: the authors' gpt-neox fork
// (chijames/KERPLE, megatron/mpu/layers.py, ParallelKerpleLog / ParallelKerplePower):
//   log:   r1 = bias_p ~ 2 U(0,1), r2 = bias_a ~ U(0,1); both clamped to >= eps = 1e-2
//   power: r1 = bias_a ~ U(0,1),   r2 = bias_p ~ 2 U(0,1); r1 >= 1e-2, r2 in [1e-2, 2]
// As in the reference, the clamp is a projection of the parameter values, applied in place
// at every forward (`param.data = param.data.clamp(...)`), not a function in the graph:
// gradients are those of the formula at the clamped values. We also clamp at init.
// The reference uses tril(i - j) (0 above the diagonal, masked anyway); we use |i - j|,
// equal on every unmasked entry. For the power kernel 0^r2 = 0 and d/dr2 at distance 0 is
// 0 (torch's pow backward convention).
//
// Cost: the bias depends on qpos_i - kpos_j only: forward fills a per-head table over the
// distances present and gathers; backward sums dbias per distance (double) and contracts
// the sums with the per-distance derivatives. Both O(H Tq Tk) with one load/store each.
#include <algorithm>
#include <cmath>
#include <pebench/pebench.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using pebench::distance_range;
using pebench::DistanceRange;

std::string read_variant(const pebench::Config& config) {
  try {
    return config.get_choice("variant", "log", {"log", "power"});
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("kerple: ") + e.what());
  }
}

constexpr double kEps = 1e-2;      // reference clamp floor (both parameters, both kernels)
constexpr double kPowerMax = 2.0;  // power kernel: exponent r2 <= 2 (CPD for p in (0, 2])

class Kerple final : public pebench::Encoding {
 public:
  Kerple(const pebench::Config& config, const pebench::AttentionShape& shape)
      : heads_(shape.heads), power_(read_variant(config) == "power") {
    auto r1 = declare_parameter("r1", {heads_}), r2 = declare_parameter("r2", {heads_});
    r1_ = r1.value, dr1_ = r1.grad, r2_ = r2.value, dr2_ = r2.grad;
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "kerple";
    i.version = "1.0.0";
    i.paper =
        "Chi et al. 2022, KERPLE: Kernelized Relative Positional Embedding for Length "
        "Extrapolation";
    i.hooks = pebench::kHookStaticBias;
    i.relative = true;
    i.parameter_formula = "2*H per layer";
    i.extrapolates = "yes";
    return i;
  }

  void init_parameters(std::uint64_t seed) override {
    pebench::Rng rng(seed);
    const double r1_scale = power_ ? 1.0 : 2.0, r2_scale = power_ ? 2.0 : 1.0;
    for (auto& x : r1_) x = static_cast<float>(r1_scale * rng.uniform());
    for (auto& x : r2_) x = static_cast<float>(r2_scale * rng.uniform());
    clamp_parameters();
  }

  void bias_forward(pebench::Span<3> bias, pebench::Positions qpos,
                    pebench::Positions kpos) override {
    clamp_parameters();
    const std::int64_t H = bias.size(0), Tq = bias.size(1), Tk = bias.size(2);
    if (Tq == 0 || Tk == 0) return;
    const DistanceRange range = distance_range(qpos, kpos);
    const std::int64_t nd = range.size();
    // lut[h * nd + (qpos - kpos - range.min)] = bias at that distance
    std::vector<float> lut(static_cast<std::size_t>(H * nd));
#pragma omp parallel for collapse(2) schedule(static)
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t e = 0; e < nd; ++e)
        lut[h * nd + e] = static_cast<float>(kernel(h, std::fabs(double(range.min + e))));
    pebench::gather_by_distance(bias, qpos, kpos, range, lut.data());
  }

  void bias_backward(pebench::ConstSpan<3> dbias, pebench::Positions qpos,
                     pebench::Positions kpos) override {
    const std::int64_t H = dbias.size(0);
    if (dbias.size(1) == 0 || dbias.size(2) == 0) return;
    const DistanceRange range = distance_range(qpos, kpos);
    const std::int64_t nd = range.size();
    const std::vector<double> sums = pebench::sum_by_distance(dbias, qpos, kpos, range);
#pragma omp parallel for schedule(static)
    for (std::int64_t h = 0; h < H; ++h) {
      const double* acc = sums.data() + h * nd;
      const double r1 = r1_[h], r2 = r2_[h];
      double g1 = 0, g2 = 0;
      for (std::int64_t e = 0; e < nd; ++e) {
        if (acc[e] == 0.0) continue;
        const double x = std::fabs(double(range.min + e));
        if (power_) {
          if (x == 0.0) continue;  // 0^r2 = 0, d/dr2 = 0
          const double xp = std::pow(x, r2);
          g1 += acc[e] * -xp;
          g2 += acc[e] * -r1 * xp * std::log(x);
        } else {
          g1 += acc[e] * -std::log1p(r2 * x);
          g2 += acc[e] * -r1 * x / (1.0 + r2 * x);
        }
      }
      dr1_[h] += static_cast<float>(g1);
      dr2_[h] += static_cast<float>(g2);
    }
  }

 private:
  double kernel(std::int64_t h, double x) const {
    const double r1 = r1_[h], r2 = r2_[h];
    if (power_) return x == 0.0 ? 0.0 : -r1 * std::pow(x, r2);
    return -r1 * std::log1p(r2 * x);
  }

  void clamp_parameters() {
    for (auto& x : r1_) x = std::max(x, static_cast<float>(kEps));
    for (auto& x : r2_) {
      x = std::max(x, static_cast<float>(kEps));
      if (power_) x = std::min(x, static_cast<float>(kPowerMax));
    }
  }

  std::int64_t heads_;
  bool power_;
  pebench::ParameterBuffer r1_, r2_, dr1_, dr2_;
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Kerple)
