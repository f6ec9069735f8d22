// RoPE, rotary position embedding (Su, Lu, Pan, Murtadha, Wen, Liu 2021, "RoFormer: Enhanced
// Transformer with Rotary Position Embedding"), with evaluation-time context extension.
//
//   For each pair p_i = (a, b) of the first r dims of q and of k at position n:
//     (x_a, x_b) <- g * (x_a cos(n f_i) - x_b sin(n f_i),  x_b cos(n f_i) + x_a sin(n f_i))
//     f_i = theta^(-2i/r),  i = 0 .. r/2-1,  r = floor(fraction * d) (even), theta = 10000
//   dims r .. d-1 pass through unchanged. So q_m . k_n = g^2 sum_i Re[q_i conj(k_i)
//   e^{i (m-n) f_i}] + pass-through part depends on m - n only: relative, also with every
//   scaling below (they change f_i and g only).
//
//   pairing  interleaved: p_i = (2i, 2i+1)     GPT-J, Meta LLaMA (complex view), RoFormer
//            half:        p_i = (i, i + r/2)   GPT-NeoX, HF rotate_half
//   r = int(d * fraction) as HF partial_rotary_factor, plus a 1e-9 guard (0.29 * 100 < 29).
//   scaling (applied at evaluation time, no retraining; s = factor, L = original_length)
//     none    f_i as above, g = 1
//     linear  position interpolation (Chen et al. 2023): n -> n / s, i.e. f_i / s
//             (HF _compute_linear_scaling_rope_parameters divides inv_freq the same way)
//     ntk     theta' = theta * s^(r/(r-2))  ("NTK-aware" scaling, bloc97 2023)
//     yarn    (Peng, Quesnelle, Fan, Shippole 2023, "YaRN: Efficient Context Window Extension
//             of Large Language Models"). Rotations of pair i over L tokens:
//             rot_i = L f_i / (2 pi); the pair index with rot_i = beta is
//               i(beta) = r ln(L / (2 pi beta)) / (2 ln theta).
//             The paper ramps linearly in rot_i between beta_slow and beta_fast; the reference
//             code ramps linearly in the pair index between rounded bounds, and we follow the
//             code (jquesnelle/yarn _yarn_find_correction_range, HF _compute_yarn_parameters
//             with its default truncate = true):
//               low = max(floor(i(beta_fast)), 0), high = min(ceil(i(beta_slow)), r - 1)
//               ramp_i = clamp((i - low) / (high - low), 0, 1)   (high += 0.001 if equal)
//               f_i <- (f_i / s) ramp_i + f_i (1 - ramp_i)
//             (fast pairs, many rotations, keep f_i; slow pairs are interpolated by s), and
//             the attention factor g = 0.1 ln s + 1 (1 for s <= 1) multiplies cos and sin,
//             hence both q and k (reference: cos_cached * mscale; HF: cos * attention_scaling),
//             so logits gain g^2. Pass-through dims (fraction < 1) are not scaled, as in HF.
//             Defaults beta_fast = 32, beta_slow = 1, L = 256 (train_length is L).
//             The code computes these in float32; we compute them in double.
//
// Backward: the transpose (= inverse) rotation, times g again.
// Implementation: g cos, g sin per (position, pair) are tabulated in double and stored as
// float once per distinct positions vector (cached: the backward and the other layers reuse
// it), then rows are rotated in parallel over (batch, head). Parameter-free.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <pebench/pebench.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr double kPi = 3.14159265358979323846;

std::invalid_argument config_error(const std::string& key, const std::string& what) {
  return std::invalid_argument("rope: config key '" + key + "' " + what);
}

std::string number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

// Runs a Config getter, prefixing its type errors with the encoding's name.
template <typename F>
auto read_key(F&& get) {
  try {
    return get();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("rope: ") + e.what());
  }
}

class Rope final : public pebench::Encoding {
 public:
  Rope(const pebench::Config& config, const pebench::AttentionShape& shape)
      : head_dim_(shape.head_dim) {
    theta_ = read_key([&] { return config.get_double("theta", 10000.0); });
    if (!(theta_ > 1.0) || !std::isfinite(theta_))
      throw config_error("theta", "must be a finite number > 1");
    const std::string pairing =
        read_key([&] { return config.get_string("pairing", "interleaved"); });
    if (pairing != "interleaved" && pairing != "half")
      throw config_error("pairing", "is '" + pairing + "', expected interleaved|half");
    interleaved_ = pairing == "interleaved";

    const double fraction = read_key([&] { return config.get_double("fraction", 1.0); });
    if (!(fraction > 0.0 && fraction <= 1.0)) throw config_error("fraction", "must be in (0, 1]");
    rot_dim_ = static_cast<std::int64_t>(std::floor(fraction * double(head_dim_) + 1e-9));
    if (rot_dim_ < 2 || rot_dim_ % 2 != 0)
      throw config_error("fraction", "gives a rotated width floor(" + number(fraction) + " * " +
                                         std::to_string(head_dim_) + ") = " +
                                         std::to_string(rot_dim_) + "; it must be even and >= 2");
    half_ = rot_dim_ / 2;

    scaling_ = read_key([&] { return config.get_string("scaling", "none"); });
    if (scaling_ != "none" && scaling_ != "linear" && scaling_ != "ntk" && scaling_ != "yarn")
      throw config_error("scaling", "is '" + scaling_ + "', expected none|linear|ntk|yarn");
    double factor = 1.0;
    if (scaling_ != "none") {     // factor is read (and known) only with a scaling
      if (!config.has("factor"))  // a default of 1 would make the scaling a silent no-op
        throw config_error("factor", "is required with scaling '" + scaling_ +
                                         "' (the context extension, e.g. 4)");
      factor = read_key([&] { return config.get_double("factor", 1.0); });
      if (!(factor >= 1.0) || !std::isfinite(factor))
        throw config_error("factor", "must be a finite number >= 1 (context extension)");
    }

    const double r = double(rot_dim_);
    inv_freq_.resize(static_cast<std::size_t>(half_));
    for (std::int64_t i = 0; i < half_; ++i) inv_freq_[i] = std::pow(theta_, -2.0 * i / r);

    if (scaling_ == "linear") {
      for (auto& f : inv_freq_) f /= factor;
    } else if (scaling_ == "ntk") {
      if (rot_dim_ <= 2)
        throw config_error("scaling", "ntk needs a rotated width > 2 (theta * s^(r/(r-2)))");
      const double base = theta_ * std::pow(factor, r / (r - 2.0));
      for (std::int64_t i = 0; i < half_; ++i) inv_freq_[i] = std::pow(base, -2.0 * i / r);
    } else if (scaling_ == "yarn") {
      original_length_ = read_key([&] { return config.get_int("original_length", 256); });
      if (original_length_ < 1) throw config_error("original_length", "must be >= 1");
      const double beta_fast = read_key([&] { return config.get_double("beta_fast", 32.0); });
      const double beta_slow = read_key([&] { return config.get_double("beta_slow", 1.0); });
      if (!(beta_fast > 0.0) || !std::isfinite(beta_fast))
        throw config_error("beta_fast", "must be a finite number > 0");
      if (!(beta_slow > 0.0 && beta_slow <= beta_fast))
        throw config_error("beta_slow", "must be > 0 and <= beta_fast");
      // Pair index whose number of rotations over L tokens is `rotations`.
      auto correction_dim = [&](double rotations) {
        return r * std::log(double(original_length_) / (rotations * 2.0 * kPi)) /
               (2.0 * std::log(theta_));
      };
      const double low = std::max(std::floor(correction_dim(beta_fast)), 0.0);
      double high = std::min(std::ceil(correction_dim(beta_slow)), r - 1.0);
      if (low == high) high += 0.001;
      for (std::int64_t i = 0; i < half_; ++i) {
        const double ramp = std::clamp((double(i) - low) / (high - low), 0.0, 1.0);
        inv_freq_[i] = inv_freq_[i] / factor * ramp + inv_freq_[i] * (1.0 - ramp);
      }
      attention_factor_ = factor > 1.0 ? 0.1 * std::log(factor) + 1.0 : 1.0;
    }
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "rope";
    i.version = "1.0.1";  // 1.0.1: a scaling without a factor is an error
    i.paper = "Su et al. 2021, RoFormer: Enhanced Transformer with Rotary Position Embedding";
    if (scaling_ == "yarn") i.paper += "; Peng et al. 2023, YaRN";
    if (scaling_ == "linear") i.paper += "; Chen et al. 2023, Position Interpolation";
    i.hooks = pebench::kHookRotate;
    i.relative = true;  // a rotation by an angle linear in the position, whatever the scaling
    i.max_positions = 0;
    i.train_length = scaling_ == "yarn" ? original_length_ : 256;
    i.parameter_formula = "0";
    i.extrapolates = scaling_ == "none" ? "no" : "limited";
    return i;
  }

  void rotate_forward(pebench::Span<4> q, pebench::Span<4> k, pebench::Positions pos) override {
    apply<false>(q, k, pos);
  }

  void rotate_backward(pebench::Span<4> dq, pebench::Span<4> dk, pebench::ConstSpan<4>,
                       pebench::ConstSpan<4>, pebench::Positions pos) override {
    apply<true>(dq, dk, pos);
  }

 private:
  template <bool kInverse>
  void apply(pebench::Span<4> q, pebench::Span<4> k, pebench::Positions pos) {
    pebench::check_rotate_shapes("rope", q, k, pos, head_dim_);
    std::lock_guard<std::mutex> lock(mutex_);
    update_tables(pos);
    const auto pairing = interleaved_ ? pebench::Pairing::kInterleaved : pebench::Pairing::kHalf;
    for (auto x : {q, k})
      pebench::rotate_rows<kInverse>(x, cos_.data(), sin_.data(), half_, pairing);
  }

  // cos/sin (times the attention factor) per (position, pair), rebuilt when positions change.
  void update_tables(pebench::Positions pos) {
    const std::int64_t T = pos.size;
    if (pebench::same_positions(table_pos_, pos)) return;
    cos_.resize(static_cast<std::size_t>(T * half_));
    sin_.resize(static_cast<std::size_t>(T * half_));
    const double g = attention_factor_;
#pragma omp parallel for schedule(static) if (T * half_ > 4096)
    for (std::int64_t t = 0; t < T; ++t) {
      for (std::int64_t i = 0; i < half_; ++i) {
        const double angle = double(pos[t]) * inv_freq_[i];
        cos_[t * half_ + i] = static_cast<float>(g * std::cos(angle));
        sin_[t * half_ + i] = static_cast<float>(g * std::sin(angle));
      }
    }
    table_pos_.assign(pos.data, pos.data + T);
  }

  std::int64_t head_dim_;
  double theta_ = 10000.0;
  bool interleaved_ = true;
  std::int64_t rot_dim_ = 0, half_ = 0;
  std::string scaling_ = "none";
  std::int64_t original_length_ = 256;
  double attention_factor_ = 1.0;
  std::vector<double> inv_freq_;  // (r/2) after scaling

  std::mutex mutex_;  // guards the tables (one rotation at a time per instance)
  std::vector<std::int64_t> table_pos_;
  std::vector<float> cos_, sin_;  // (T, r/2)
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Rope)
