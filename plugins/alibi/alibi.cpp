// ALiBi (Press et al. 2022, "Train Short, Test Long: Attention with Linear Biases
// Enables Input Length Extrapolation"):
//
//   bias[h, i, j] = -m_h * (pos_i - pos_j)          (keys j <= i; a static bias)
//   m_h = 2^(-8 (h+1) / n) for n heads, n a power of two: 1/2, 1/4, ... 1/256 for n = 8.
//
// For n not a power of two the reference `get_slopes` (ofirpress/attention_with_linear_biases)
// takes the n' = 2^floor(log2 n) slopes of n', then every other slope of 2n'
// (Python [0::2]: indices 0, 2, 4, ...), the first n - n' of them. Parameter-free, relative.
#include <cmath>
#include <pebench/pebench.hpp>
#include <vector>

namespace {

std::vector<double> power_of_two_slopes(std::int64_t n) {
  const double start = std::pow(2.0, -std::pow(2.0, -(std::log2(double(n)) - 3.0)));
  std::vector<double> slopes;
  for (std::int64_t i = 0; i < n; ++i) slopes.push_back(start * std::pow(start, double(i)));
  return slopes;
}

std::vector<double> alibi_slopes(std::int64_t n) {
  const std::int64_t closest = std::int64_t{1}
                               << static_cast<int>(std::floor(std::log2(double(n))));
  if (closest == n) return power_of_two_slopes(n);
  std::vector<double> slopes = power_of_two_slopes(closest);
  const std::vector<double> extra = alibi_slopes(2 * closest);
  for (std::int64_t i = 0; i < n - closest; ++i) slopes.push_back(extra[2 * i]);
  return slopes;
}

class Alibi final : public pebench::Encoding {
 public:
  Alibi(const pebench::Config&, const pebench::AttentionShape& shape)
      : slopes_(alibi_slopes(shape.heads)) {}

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "alibi";
    i.version = "1.0.0";
    i.paper = "Press et al. 2022, Train Short, Test Long (ALiBi)";
    i.hooks = pebench::kHookStaticBias;
    i.relative = true;
    i.extrapolates = "yes";
    return i;
  }

  void bias_forward(pebench::Span<3> bias, pebench::Positions qpos,
                    pebench::Positions kpos) override {
    if (bias.size(0) != static_cast<std::int64_t>(slopes_.size()))
      throw std::invalid_argument("alibi: created for " + std::to_string(slopes_.size()) +
                                  " heads, called with " + std::to_string(bias.size(0)));
    for (std::int64_t h = 0; h < bias.size(0); ++h) {
      const double m = slopes_[static_cast<std::size_t>(h)];
      for (std::int64_t i = 0; i < bias.size(1); ++i) {
        float* row = bias.row(h, i);
        for (std::int64_t j = 0; j < bias.size(2); ++j)
          row[j] = static_cast<float>(-m * static_cast<double>(qpos[i] - kpos[j]));
      }
    }
  }

 private:
  std::vector<double> slopes_;
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Alibi)
