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
// learn_scale (default false): scale is a trainable scalar, initialised to `scale` (the
// "scaled sinusoidal" embedding of Hua et al. 2022, "Transformer Quality in Linear Time",
// whose reference code initialises it to D^-1/2): dscale = sum_{b,t,c} dx[b,t,c] E(pos_t, c).
// Otherwise parameter-free and the embed backward has nothing to accumulate (dx passes
// through).
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
      : base_(config.get_double("base", 10000.0)),
        scale_(config.get_double("scale", 0.02)),
        learn_scale_(config.get_bool("learn_scale", false)) {
    if (!(base_ > 1.0) || !std::isfinite(base_))
      throw std::invalid_argument("sinusoidal: config key 'base' must be a finite number > 1");
    if (!(scale_ > 0.0) || !std::isfinite(scale_))
      throw std::invalid_argument("sinusoidal: config key 'scale' must be a finite number > 0");
    if (learn_scale_) {
      auto gain = declare_parameter("scale", {1});
      gain_ = gain.value, dgain_ = gain.grad;
    }
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "sinusoidal";
    i.version = "1.2.0";  // 1.2.0: learn_scale
    i.paper = "Vaswani et al. 2017, Attention Is All You Need";
    i.hooks = pebench::kHookEmbed;
    i.relative = false;
    i.parameter_formula = learn_scale_ ? "1" : "0";
    i.extrapolates = "no";
    return i;
  }

  void init_parameters(std::uint64_t) override {
    if (learn_scale_) gain_[0] = static_cast<float>(scale_);
  }

  void embed_forward(pebench::Span<3> x, pebench::Positions pos) override {
    const std::int64_t D = x.size(2);
    update_table(pos, D);
    const float gain = learn_scale_ ? gain_[0] : static_cast<float>(scale_);
    for (std::int64_t b = 0; b < x.size(0); ++b)
      for (std::int64_t t = 0; t < x.size(1); ++t) {
        float* row = x.row(b, t);
        const float* e = table_.data() + t * D;
        for (std::int64_t c = 0; c < D; ++c) row[c] += gain * e[c];
      }
  }

  void embed_backward(pebench::ConstSpan<3> dx, pebench::Positions pos) override {
    if (!learn_scale_) return;
    const std::int64_t D = dx.size(2);
    update_table(pos, D);
    double sum = 0.0;
    for (std::int64_t b = 0; b < dx.size(0); ++b)
      for (std::int64_t t = 0; t < dx.size(1); ++t) {
        const float* g = dx.row(b, t);
        const float* e = table_.data() + t * D;
        float row = 0.0f;
        for (std::int64_t c = 0; c < D; ++c) row += g[c] * e[c];
        sum += row;
      }
    dgain_[0] += static_cast<float>(sum);
  }

  // table_ (T, D) = E(pos_t, c), unscaled; rebuilt when the positions or D change.
  void update_table(pebench::Positions pos, std::int64_t D) {
    if (table_dim_ == D && pebench::same_positions(table_pos_, pos)) return;
    table_pos_.assign(pos.data, pos.data + pos.size);
    table_dim_ = D;
    table_.resize(static_cast<std::size_t>(pos.size * D));
    for (std::int64_t t = 0; t < pos.size; ++t)
      for (std::int64_t c = 0; c < D; ++c)
        table_[t * D + c] = static_cast<float>(encoding(pos[t], c, D));
  }

  double encoding(std::int64_t pos, std::int64_t c, std::int64_t D) const {
    const double inv_freq = std::pow(base_, -static_cast<double>(c - c % 2) / D);
    const double angle = static_cast<double>(pos) * inv_freq;
    return c % 2 == 0 ? std::sin(angle) : std::cos(angle);
  }

 private:
  double base_, scale_;
  bool learn_scale_;
  pebench::ParameterBuffer gain_, dgain_;  // the trainable scale (learn_scale)
  std::vector<std::int64_t> table_pos_;    // the positions the table was built for
  std::int64_t table_dim_ = -1;
  std::vector<float> table_;  // (T, D): E(pos_t, c)
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Sinusoidal)
