// Sinusoidal absolute encoding (Vaswani et al. 2017, "Attention Is All You Need", 3.5):
//
//   E(pos, 2i)   = sin(pos / base^(2i/D))
//   E(pos, 2i+1) = cos(pos / base^(2i/D))        base = 10000,  x(B,T,D) += scale * E(pos)
//
// scale (default 0.02): Vaswani et al. add unit-amplitude sinusoids to token embeddings
// scaled to unit size (embeddings times sqrt(d_model), 3.4). pebench's model initialises its
// token embedding GPT-2 style, N(0, 0.02^2), unscaled: unit sinusoids would be 50x the token
// signal and swamp identity (measured: flip-flop at chance, 49-50% on every split, training
// loss stuck at ln 2). scale = 0.02 keeps the paper's ratio of position to token at
// initialisation (the learned table starts at the same N(0, 0.02^2)); scale = 1 is the
// unscaled sum.
//
// Parameter-free; the embed backward has nothing to accumulate (dx passes through).
// Angles are computed in double: pos/base^(2i/D) reaches 1e4 rad for long inputs,
// where float rounding of the angle alone would be ~1e-3. The (T, D) table is kept while
// the positions and D stay (recomputing pow/sin/cos per element cost the 2-layer d=128
// model 1.4x nope's inference time at T=256, measured with suites/speed.yaml).
#include <cmath>
#include <pebench/pebench.hpp>
#include <vector>

namespace {

class Sinusoidal final : public pebench::Encoding {
 public:
  Sinusoidal(const pebench::Config& config, const pebench::AttentionShape&)
      : base_(config.get_double("base", 10000.0)), scale_(config.get_double("scale", 0.02)) {
    if (!(base_ > 1.0) || !std::isfinite(base_))
      throw std::invalid_argument("sinusoidal: config key 'base' must be a finite number > 1");
    if (!(scale_ > 0.0) || !std::isfinite(scale_))
      throw std::invalid_argument("sinusoidal: config key 'scale' must be a finite number > 0");
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "sinusoidal";
    i.version = "1.1.0";
    i.paper = "Vaswani et al. 2017, Attention Is All You Need";
    i.hooks = pebench::kHookEmbed;
    i.relative = false;
    i.extrapolates = "no";
    return i;
  }

  void embed_forward(pebench::Span<3> x, pebench::Positions pos) override {
    const std::int64_t D = x.size(2);
    if (table_dim_ != D || !pebench::same_positions(table_pos_, pos)) {
      table_pos_.assign(pos.data, pos.data + pos.size);
      table_dim_ = D;
      table_.resize(static_cast<std::size_t>(pos.size * D));
      for (std::int64_t t = 0; t < pos.size; ++t)
        for (std::int64_t c = 0; c < D; ++c)
          table_[t * D + c] = static_cast<float>(scale_ * encoding(pos[t], c, D));
    }
    for (std::int64_t b = 0; b < x.size(0); ++b)
      for (std::int64_t t = 0; t < x.size(1); ++t) {
        float* row = x.row(b, t);
        const float* e = table_.data() + t * D;
        for (std::int64_t c = 0; c < D; ++c) row[c] += e[c];
      }
  }

  double encoding(std::int64_t pos, std::int64_t c, std::int64_t D) const {
    const double inv_freq = std::pow(base_, -static_cast<double>(c - c % 2) / D);
    const double angle = static_cast<double>(pos) * inv_freq;
    return c % 2 == 0 ? std::sin(angle) : std::cos(angle);
  }

 private:
  double base_, scale_;
  std::vector<std::int64_t> table_pos_;  // the positions the table was built for
  std::int64_t table_dim_ = -1;
  std::vector<float> table_;  // (T, D): E(pos_t, c)
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Sinusoidal)
