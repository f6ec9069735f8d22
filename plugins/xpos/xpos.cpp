// xPos (Sun, Dong, Patra, Ma, Huang, Benhaim, Chaudhary, Song, Wei 2023, "A
// Length-Extrapolatable Transformer"): RoPE whose pairs also decay exponentially with distance.
//
//   pair i = (2i, 2i+1), i = 0 .. d/2-1, position n:
//     q: (x_a, x_b) <- zeta_i^( e_n) R(n f_i) (x_a, x_b)
//     k: (x_a, x_b) <- zeta_i^(-e_n) R(n f_i) (x_a, x_b)
//     R(a) = [cos a, -sin a; sin a, cos a],  f_i = theta^(-2i/d), theta = 10000
//     zeta_i = (2i + 0.4 d) / (1.4 d)  (in (0, 1)),  e_n = (n - c) / scale_base, scale_base = 512
//   so q_m . k_n = sum_i zeta_i^((m-n)/scale_base) Re[q_i conj(k_i) e^{i (m-n) f_i}]: it depends
//   on m - n only (relative) and decays with distance for the causal m >= n.
//
// Following the reference torchscale code (torchscale/component/xpos_relative_position.py, XPOS
// and its use in multihead_attention.py):
//   - queries get scale = zeta^(+e) (downscale=False), keys 1/scale (downscale=True);
//   - pairs are interleaved (rotate_every_two, duplicate_interleave) and the rotation is
//     x cos + rotate_every_two(x) sin with rotate_every_two(x)_(2i, 2i+1) = (-x_2i+1, x_2i),
//     with cos and sin both multiplied by the scale;
//   - exponents are centred, which the paper does not mention: torchscale uses positions
//     arange(-(L // 2 rounded up), ...) for L tokens, i.e. c = ceil(L/2) for positions 0..L-1.
//     For the positions pebench passes (offset or strided) we centre on the span they cover:
//     c = p_0 + ceil((p_last - p_0 + 1) / 2), which equals torchscale's c for 0..L-1. A
//     common c cancels in q_m . k_n, and shifting all positions shifts c with them, so the
//     exponents, hence the scales, are bitwise unchanged by a shift. The rotation angles use
//     the positions themselves, n f_i (torchscale: 0..L-1 plus the decoding offset).
//   - theta is configurable (`theta`), torchscale fixes 10000.
//
// Range: zeta_i >= zeta_0 = 2/7, so the largest scale is (7/2)^(max|e_n|) with
// max|e_n| ~ span / (2 scale_base): 3.5 at T = 1024 (4 x train_length), 150 at T = 4096. No
// clamping (it would break the relative property); instead, a span whose largest scale would
// exceed e^40 (~2e17; beyond it q, k and their gradients can overflow float with large
// inputs) is refused with std::out_of_range: about 32,700 positions at scale_base 512.
//
// Backward: dq <- zeta^(e) R(-n f_i) dq, dk <- zeta^(-e) R(-n f_i) dk (the transposes).
// Implementation: scaled cos/sin per (position, pair) for q and for k are tabulated in double,
// stored as float once per distinct positions vector (cached: reused by the backward and by
// other layers), then rows are rotated in parallel over (batch, head). Parameter-free.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <pebench/pebench.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr double kMaxLogScale = 40.0;  // refuse spans whose largest scale exceeds e^40

std::invalid_argument config_error(const std::string& key, const std::string& what) {
  return std::invalid_argument("xpos: config key '" + key + "' " + what);
}

template <typename F>
auto read_key(F&& get) {
  try {
    return get();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("xpos: ") + e.what());
  }
}

class Xpos final : public pebench::Encoding {
 public:
  Xpos(const pebench::Config& config, const pebench::AttentionShape& shape)
      : head_dim_(shape.head_dim), half_(shape.head_dim / 2) {
    const double theta = read_key([&] { return config.get_double("theta", 10000.0); });
    if (!(theta > 1.0) || !std::isfinite(theta))
      throw config_error("theta", "must be a finite number > 1");
    scale_base_ = read_key([&] { return config.get_double("scale_base", 512.0); });
    if (!(scale_base_ > 0.0) || !std::isfinite(scale_base_))
      throw config_error("scale_base", "must be a finite number > 0");
    if (head_dim_ < 2 || head_dim_ % 2 != 0)
      throw std::invalid_argument("xpos: head dim " + std::to_string(head_dim_) + " must be even");
    const double d = double(head_dim_);
    for (std::int64_t i = 0; i < half_; ++i) {
      inv_freq_.push_back(std::pow(theta, -2.0 * double(i) / d));
      log_zeta_.push_back(std::log((2.0 * double(i) + 0.4 * d) / (1.4 * d)));
    }
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "xpos";
    i.version = "1.0.0";
    i.paper = "Sun et al. 2023, A Length-Extrapolatable Transformer (xPos)";
    i.hooks = pebench::kHookRotate;
    i.relative = true;  // q_m . k_n depends on m - n only; centring cancels exactly
    i.max_positions = 0;
    i.train_length = 256;
    i.parameter_formula = "0";
    i.extrapolates = "limited";
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
    pebench::check_rotate_shapes("xpos", q, k, pos, head_dim_);
    if (pos.size == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    update_tables(pos);
    constexpr auto kPairs = pebench::Pairing::kInterleaved;  // torchscale rotate_every_two
    pebench::rotate_rows<kInverse>(q, q_cos_.data(), q_sin_.data(), half_, kPairs);
    pebench::rotate_rows<kInverse>(k, k_cos_.data(), k_sin_.data(), half_, kPairs);
  }

  // Scaled cos/sin per (position, pair) for q (zeta^e) and k (zeta^-e); rebuilt when the
  // positions change.
  void update_tables(pebench::Positions pos) {
    const std::int64_t T = pos.size;
    if (pebench::same_positions(table_pos_, pos)) return;
    const std::int64_t span = pos[T - 1] - pos[0] + 1;
    const std::int64_t centre = pos[0] + (span + 1) / 2;
    const double max_e = double(std::max(centre - pos[0], pos[T - 1] - centre)) / scale_base_;
    if (max_e * -log_zeta_[0] > kMaxLogScale) {
      const auto safe_span =
          static_cast<std::int64_t>(2.0 * scale_base_ * kMaxLogScale / -log_zeta_[0]);
      throw std::out_of_range("xpos: positions " + std::to_string(pos[0]) + ".." +
                              std::to_string(pos[T - 1]) + " span " + std::to_string(span) +
                              ", beyond the float-safe span " + std::to_string(safe_span) +
                              " for this scale_base (the scale (7/2)^(span / (2 scale_base)) "
                              "must stay below e^40)");
    }
    table_pos_.clear();  // invalid until rebuilt
    const std::size_t n = static_cast<std::size_t>(T * half_);
    q_cos_.resize(n), q_sin_.resize(n), k_cos_.resize(n), k_sin_.resize(n);
#pragma omp parallel for schedule(static) if (T * half_ > 4096)
    for (std::int64_t t = 0; t < T; ++t) {
      const double e = double(pos[t] - centre) / scale_base_;
      for (std::int64_t i = 0; i < half_; ++i) {
        const double angle = double(pos[t]) * inv_freq_[i];
        const double c = std::cos(angle), s = std::sin(angle);
        const double up = std::exp(e * log_zeta_[i]);  // zeta_i^e
        const double down = std::exp(-e * log_zeta_[i]);
        const std::int64_t j = t * half_ + i;
        q_cos_[j] = static_cast<float>(up * c);
        q_sin_[j] = static_cast<float>(up * s);
        k_cos_[j] = static_cast<float>(down * c);
        k_sin_[j] = static_cast<float>(down * s);
      }
    }
    table_pos_.assign(pos.data, pos.data + T);
  }

  std::int64_t head_dim_, half_;
  double scale_base_ = 512.0;
  std::vector<double> inv_freq_, log_zeta_;  // (d/2)

  std::mutex mutex_;  // guards the tables (one rotation at a time per instance)
  std::vector<std::int64_t> table_pos_;
  std::vector<float> q_cos_, q_sin_, k_cos_, k_sin_;  // (T, d/2)
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Xpos)
