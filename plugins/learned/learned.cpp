// Learned absolute position embedding (GPT / BERT style; the table as in GPT-2:
// Radford et al. 2019, "Language Models are Unsupervised Multitask Learners"):
//
//   x(B,T,D)[b, t, :] += E[pos_t, :]        E (max_positions, D), trainable
//   dE[pos_t, :]      += sum_b dx[b, t, :]   (dx passes through unchanged)
//
// Init E ~ N(0, 0.02^2): HuggingFace GPT2PreTrainedModel._init_weights (nn.Embedding,
// initializer_range = 0.02). The original OpenAI TF code used stddev 0.01 for wpe; we
// follow the issue / HF (config `init_std` overrides it).
//
// A table has no row for position >= max_positions: the encoding declares
// max_positions, the harness refuses longer input before calling hooks, and
// embed_forward also throws std::out_of_range itself (defence in depth).
// One table per model (applied once to the input): shared_across_layers = true.
//
// Config: max_positions (int, default 1024, >= 1), init_std (double, default 0.02, >= 0).
#include <pebench/pebench.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

class Learned final : public pebench::Encoding {
 public:
  Learned(const pebench::Config& config, const pebench::AttentionShape& shape)
      : max_positions_(config.get_int("max_positions", 1024)),
        init_std_(config.get_double("init_std", 0.02)),
        model_dim_(shape.model_dim) {
    if (max_positions_ < 1)
      throw std::invalid_argument("learned: config key 'max_positions' must be >= 1, got " +
                                  std::to_string(max_positions_));
    if (!(init_std_ >= 0.0))
      throw std::invalid_argument("learned: config key 'init_std' must be >= 0");
    if (model_dim_ < 1) throw std::invalid_argument("learned: model_dim must be >= 1");
    auto table = declare_parameter("table", {max_positions_, model_dim_});
    table_ = table.value, grad_ = table.grad;
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "learned";
    i.version = "1.0.0";
    i.paper = "Radford et al. 2019, Language Models are Unsupervised Multitask Learners (GPT-2)";
    i.hooks = pebench::kHookEmbed;
    i.relative = false;
    i.shared_across_layers = true;
    i.max_positions = max_positions_;
    i.parameter_formula = "max_positions*D";
    i.extrapolates = "no";
    return i;
  }

  void init_parameters(std::uint64_t seed) override {
    pebench::Rng rng(seed);
    for (auto& x : table_) x = static_cast<float>(rng.normal() * init_std_);
  }

  void embed_forward(pebench::Span<3> x, pebench::Positions pos) override {
    check(x.size(2), x.size(1), pos);
    for (std::int64_t t = 0; t < x.size(1); ++t) {
      const float* e = table_.data() + pos[t] * model_dim_;
      for (std::int64_t b = 0; b < x.size(0); ++b) {
        float* row = x.row(b, t);
        for (std::int64_t c = 0; c < model_dim_; ++c) row[c] += e[c];
      }
    }
  }

  void embed_backward(pebench::ConstSpan<3> dx, pebench::Positions pos) override {
    check(dx.size(2), dx.size(1), pos);
    // Serial over t: positions may repeat (non-decreasing), so rows may collide.
    for (std::int64_t t = 0; t < dx.size(1); ++t) {
      float* g = grad_.data() + pos[t] * model_dim_;
      for (std::int64_t b = 0; b < dx.size(0); ++b) {
        const float* row = dx.row(b, t);
        for (std::int64_t c = 0; c < model_dim_; ++c) g[c] += row[c];
      }
    }
  }

 private:
  void check(std::int64_t width, std::int64_t T, pebench::Positions pos) const {
    if (width != model_dim_)
      throw std::invalid_argument("learned: input width " + std::to_string(width) +
                                  " != model_dim " + std::to_string(model_dim_));
    if (pos.size != T)
      throw std::invalid_argument("learned: got " + std::to_string(pos.size) +
                                  " positions for T = " + std::to_string(T));
    for (std::int64_t t = 0; t < T; ++t)
      if (pos[t] < 0 || pos[t] >= max_positions_)
        throw std::out_of_range(
            "encoding 'learned': position " + std::to_string(pos[t]) +
            " is out of range [0, max_positions = " + std::to_string(max_positions_) + ")");
  }

  std::int64_t max_positions_;
  double init_std_;
  std::int64_t model_dim_;
  pebench::ParameterBuffer table_, grad_;
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Learned)
