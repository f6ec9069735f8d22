// Sinusoidal absolute encoding (Vaswani et al. 2017, "Attention Is All You Need", 3.5):
//
//   E(pos, 2i)   = sin(pos / base^(2i/D))
//   E(pos, 2i+1) = cos(pos / base^(2i/D))        base = 10000,  x(B,T,D) += E(pos)
//
// Parameter-free; the embed backward has nothing to accumulate (dx passes through).
// Angles are computed in double: pos/base^(2i/D) reaches 1e4 rad for long inputs,
// where float rounding of the angle alone would be ~1e-3.
#include <cmath>
#include <pebench/pebench.hpp>

namespace {

class Sinusoidal final : public pebench::Encoding {
 public:
  Sinusoidal(const pebench::Config& config, const pebench::AttentionShape&)
      : base_(config.get_double("base", 10000.0)) {
    if (!(base_ > 1.0) || !std::isfinite(base_))
      throw std::invalid_argument("sinusoidal: config key 'base' must be a finite number > 1");
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "sinusoidal";
    i.version = "1.0.0";
    i.paper = "Vaswani et al. 2017, Attention Is All You Need";
    i.hooks = pebench::kHookEmbed;
    i.relative = false;
    i.extrapolates = "no";
    return i;
  }

  void embed_forward(pebench::Span<3> x, pebench::Positions pos) override {
    const std::int64_t D = x.size(2);
    for (std::int64_t t = 0; t < x.size(1); ++t) {
      for (std::int64_t c = 0; c < D; ++c) {
        const double value = encoding(pos[t], c, D);
        for (std::int64_t b = 0; b < x.size(0); ++b) x.row(b, t)[c] += static_cast<float>(value);
      }
    }
  }

  double encoding(std::int64_t pos, std::int64_t c, std::int64_t D) const {
    const double inv_freq = std::pow(base_, -static_cast<double>(c - c % 2) / D);
    const double angle = static_cast<double>(pos) * inv_freq;
    return c % 2 == 0 ? std::sin(angle) : std::cos(angle);
  }

 private:
  double base_;
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Sinusoidal)
