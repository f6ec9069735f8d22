// Relative position representations (Shaw, Uszkoreit, Vaswani 2018, "Self-Attention
// with Relative Position Representations"), per layer, shared across heads:
//
//   r(i, j)   = clip(pos_j - pos_i, -k, k) + k                 in [0, 2k]
//   keys:     s_ij  += (q_i . aK[r(i,j)]) / sqrt(d)            (score hook)
//   values:   out_i += sum_j P_ij aV[r(i,j)]                   (mix hook, `values: true`)
//   aK, aV (2k+1, d) trainable; d = head dim.
//
// Backward: dq_i += sum_j dS_ij aK[r] / sqrt(d);  daK[r] += dS_ij q_i / sqrt(d);
//           dP_ij += dout_i . aV[r];              daV[r] += P_ij dout_i.
// The logits reach the hook already scaled by 1/sqrt(d); the hook scales its own
// term the same way (eq. 4 of the paper divides (x W^Q)(x W^K + a^K)^T by sqrt(d_z)).
//
// In a causal decoder pos_j - pos_i <= 0, so only aK[0..k], aV[0..k] (distances -k..0)
// receive gradient; we keep the paper's full table of 2k+1 vectors (the same
// checkpoint layout works for a bidirectional model). Unused rows get zero gradient.
//
// Cost: both hooks bucket a row by clipped distance. Keys at distance <= -k share one
// bucket (a contiguous prefix of the row, found by binary search on the sorted
// positions), so per row: (<= k+1) dot products of length d, one constant add over
// the far prefix, and a clip + gather on the <= k near keys; keys after the query's
// position are masked and skipped. Attention forward vs nope (B=1, H=8, d=64, AMD EPYC,
// 2 threads): 1.67x, 1.40x, 1.23x at T=256, 1024, 4096 (2.66x, 1.69x at 1.0.0).
//
// Init: Glorot/Xavier uniform, limit sqrt(6 / (2k+1 + d)) -- tensor2tensor creates the
// tables with tf.get_variable under the model's default initializer
// (uniform_unit_scaling = variance_scaling(fan_avg, uniform)); PyTorch ports use
// nn.init.xavier_uniform_. aK first, then aV, from one Rng(seed).
//
// Config: k (int, clip distance, default 16, >= 1), values (bool, default true).
#include <algorithm>
#include <cmath>
#include <pebench/pebench.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

class Shaw final : public pebench::Encoding {
 public:
  Shaw(const pebench::Config& config, const pebench::AttentionShape& shape)
      : k_(config.get_int("k", 16)),
        values_(config.get_bool("values", true)),
        heads_(shape.heads),
        d_(shape.head_dim) {
    if (k_ < 1)
      throw std::invalid_argument("shaw: config key 'k' must be >= 1, got " + std::to_string(k_));
    if (d_ < 1) throw std::invalid_argument("shaw: head_dim must be >= 1");
    n_ = 2 * k_ + 1;
    scale_ = 1.0f / std::sqrt(static_cast<float>(d_));
    auto ak = declare_parameter("a_k", {n_, d_});
    ak_ = ak.value, dak_ = ak.grad;
    if (values_) {
      auto av = declare_parameter("a_v", {n_, d_});
      av_ = av.value, dav_ = av.grad;
    }
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "shaw";
    i.version = "1.0.3";  // 1.0.1: FMA; 1.0.2: four dots at a time; 1.0.3: masked keys skipped
    i.paper = "Shaw et al. 2018, Self-Attention with Relative Position Representations";
    i.hooks = pebench::kHookScore | (values_ ? pebench::kHookMix : 0u);
    i.relative = true;
    i.shared_across_layers = false;
    i.parameter_formula = std::string(values_ ? "2*(2k+1)*d" : "(2k+1)*d") +
                          " per layer (k = " + std::to_string(k_) + ")";
    i.extrapolates = "yes";
    return i;
  }

  void init_parameters(std::uint64_t seed) override {
    pebench::Rng rng(seed);
    const double limit = std::sqrt(6.0 / static_cast<double>(n_ + d_));
    for (auto& x : ak_) x = static_cast<float>(rng.uniform(-limit, limit));
    for (auto& x : av_) x = static_cast<float>(rng.uniform(-limit, limit));
  }

  // s_ij += scale * q_i . aK[r(i,j)]
  std::unique_ptr<pebench::HookState> score_forward(pebench::Span<4> s, pebench::ConstSpan<4> q,
                                                    pebench::ConstSpan<4>, pebench::Positions qpos,
                                                    pebench::Positions kpos) override {
    check_dim(q.size(3));
    const std::int64_t H = s.size(1), Tq = s.size(2), Tk = s.size(3);
    for (std::int64_t b = 0; b < s.size(0); ++b) {
#pragma omp parallel
      {
        std::vector<float> u(static_cast<std::size_t>(n_));
#pragma omp for collapse(2) schedule(static)
        for (std::int64_t h = 0; h < H; ++h)
          for (std::int64_t i = 0; i < Tq; ++i) {
            const Row r = row_layout(qpos[i], kpos, Tk);
            const float* qi = q.row(b, h, i);
            pebench::simd::dots(u.data() + r.lo, qi, ak_.data() + r.lo * d_, r.hi - r.lo + 1, d_);
            for (std::int64_t t = r.lo; t <= r.hi; ++t) u[t] *= scale_;
            scatter(s.row(b, h, i), u.data(), r, qpos[i], kpos);
          }
      }
    }
    return nullptr;
  }

  // dq_i += scale * sum_r w_r aK[r], daK[r] += scale * w_r q_i, with w_r = sum_{j in r} dS_ij.
  void score_backward(pebench::HookState*, pebench::Span<4> ds, pebench::Span<4> dq,
                      pebench::Span<4>, pebench::ConstSpan<4> q, pebench::ConstSpan<4>,
                      pebench::Positions qpos, pebench::Positions kpos) override {
    check_dim(q.size(3));
    const std::int64_t H = ds.size(1), Tq = ds.size(2), Tk = ds.size(3);
    std::vector<float> w(static_cast<std::size_t>(H * Tq * n_));
    for (std::int64_t b = 0; b < ds.size(0); ++b) {
#pragma omp parallel
      {
        std::vector<float> g(static_cast<std::size_t>(n_));
#pragma omp for collapse(2) schedule(static)
        for (std::int64_t h = 0; h < H; ++h)
          for (std::int64_t i = 0; i < Tq; ++i) {
            float* wi = w.data() + (h * Tq + i) * n_;
            const Row r = row_layout(qpos[i], kpos, Tk);
            bucket(wi, ds.row(b, h, i), r, qpos[i], kpos);
            for (std::int64_t t = r.lo; t <= r.hi; ++t) g[t] = scale_ * wi[t];
            pebench::simd::axpys(dq.row(b, h, i), g.data() + r.lo, ak_.data() + r.lo * d_,
                                 r.hi - r.lo + 1, d_);
          }
      }
      // daK[r] += scale * sum_{h,i} w[h,i,r] q[h,i]: parallel over r, fixed order inside.
      reduce_rows(dak_.data(), w.data(), scale_, H, Tq,
                  [&](std::int64_t h, std::int64_t i) { return q.row(b, h, i); });
    }
  }

  // out_i += sum_r w_r aV[r], w_r = sum_{j in r} P_ij.
  std::unique_ptr<pebench::HookState> mix_forward(pebench::Span<4> out, pebench::ConstSpan<4> p,
                                                  pebench::Positions qpos,
                                                  pebench::Positions kpos) override {
    check_dim(out.size(3));
    const std::int64_t H = p.size(1), Tq = p.size(2), Tk = p.size(3);
    for (std::int64_t b = 0; b < p.size(0); ++b) {
#pragma omp parallel
      {
        std::vector<float> w(static_cast<std::size_t>(n_));
#pragma omp for collapse(2) schedule(static)
        for (std::int64_t h = 0; h < H; ++h)
          for (std::int64_t i = 0; i < Tq; ++i) {
            const Row r = row_layout(qpos[i], kpos, Tk);
            bucket(w.data(), p.row(b, h, i), r, qpos[i], kpos);
            pebench::simd::axpys(out.row(b, h, i), w.data() + r.lo, av_.data() + r.lo * d_,
                                 r.hi - r.lo + 1, d_);
          }
      }
    }
    return nullptr;
  }

  // dP_ij += dout_i . aV[r(i,j)];  daV[r] += w_r dout_i.
  void mix_backward(pebench::HookState*, pebench::ConstSpan<4> dout, pebench::ConstSpan<4> p,
                    pebench::Span<4> dp, pebench::Positions qpos,
                    pebench::Positions kpos) override {
    check_dim(dout.size(3));
    const std::int64_t H = p.size(1), Tq = p.size(2), Tk = p.size(3);
    std::vector<float> w(static_cast<std::size_t>(H * Tq * n_));
    for (std::int64_t b = 0; b < p.size(0); ++b) {
#pragma omp parallel
      {
        std::vector<float> u(static_cast<std::size_t>(n_));
#pragma omp for collapse(2) schedule(static)
        for (std::int64_t h = 0; h < H; ++h)
          for (std::int64_t i = 0; i < Tq; ++i) {
            const Row r = row_layout(qpos[i], kpos, Tk);
            const float* gi = dout.row(b, h, i);
            pebench::simd::dots(u.data() + r.lo, gi, av_.data() + r.lo * d_, r.hi - r.lo + 1, d_);
            scatter(dp.row(b, h, i), u.data(), r, qpos[i], kpos);
            bucket(w.data() + (h * Tq + i) * n_, p.row(b, h, i), r, qpos[i], kpos);
          }
      }
      reduce_rows(dav_.data(), w.data(), 1.0f, H, Tq,
                  [&](std::int64_t h, std::int64_t i) { return dout.row(b, h, i); });
    }
  }

 private:
  // One row's keys: [0, far_end) are at distance <= -k (bucket 0, a prefix because
  // positions are non-decreasing); buckets used lie in [lo, hi].
  // Keys [end, Tk) are at positions after the query's, so masked in a causal decoder (logits
  // -inf, probabilities and their gradients 0): not visited. In a chunk of a query block
  // (attention/attention.hpp) they are up to half the keys of a row at T=256, and their
  // buckets (distances > 0) up to half the dot products.
  struct Row {
    std::int64_t far_end, lo, hi, end;
  };

  std::int64_t index(std::int64_t dist) const {
    return std::clamp(dist, -k_, k_) + k_;
  }

  Row row_layout(std::int64_t qp, pebench::Positions kpos, std::int64_t Tk) const {
    const std::int64_t end = std::upper_bound(kpos.data, kpos.data + Tk, qp) - kpos.data;
    if (end == 0) return {0, 0, -1, 0};
    const std::int64_t far_end = std::upper_bound(kpos.data, kpos.data + end, qp - k_) - kpos.data;
    return {far_end, index(kpos[0] - qp), index(kpos[end - 1] - qp), end};
  }

  // row[j] += u[r(i,j)] for j < r.end; the masked entries after (-inf) stay -inf.
  void scatter(float* row, const float* u, const Row& r, std::int64_t qp,
               pebench::Positions kpos) const {
    pebench::simd::add(row, u[0], r.far_end);
    for (std::int64_t j = r.far_end; j < r.end; ++j) row[j] += u[index(kpos[j] - qp)];
  }

  // w[t] = sum_{j < r.end : r(i,j) = t} x[j] (all 2k+1 entries written).
  void bucket(float* w, const float* x, const Row& r, std::int64_t qp,
              pebench::Positions kpos) const {
    std::fill(w, w + n_, 0.0f);
    if (r.far_end > 0) w[0] += pebench::simd::sum(x, r.far_end);
    for (std::int64_t j = r.far_end; j < r.end; ++j) w[index(kpos[j] - qp)] += x[j];
  }

  // grad[t, :] += alpha * sum_{h, i} w[h, i, t] vec(h, i)[:], parallel over t.
  template <typename VecOf>
  void reduce_rows(float* grad, const float* w, float alpha, std::int64_t H, std::int64_t Tq,
                   VecOf vec_of) const {
#pragma omp parallel
    {
      std::vector<float> acc(static_cast<std::size_t>(d_));
#pragma omp for schedule(static, 1)  // round robin: in a decoder only t <= k are used
      for (std::int64_t t = 0; t < n_; ++t) {
        std::fill(acc.begin(), acc.end(), 0.0f);
        bool any = false;
        for (std::int64_t h = 0; h < H; ++h)
          for (std::int64_t i = 0; i < Tq; ++i) {
            const float g = w[(h * Tq + i) * n_ + t];
            if (g == 0.0f) continue;
            any = true;
            const float* v = vec_of(h, i);
            pebench::simd::axpy(acc.data(), g, v, d_);
          }
        if (any) pebench::simd::axpy(grad + t * d_, alpha, acc.data(), d_);
      }
    }
  }

  void check_dim(std::int64_t d) const {
    if (d != d_)
      throw std::invalid_argument("shaw: head dim " + std::to_string(d) +
                                  " != the AttentionShape's " + std::to_string(d_));
  }

  std::int64_t k_;
  bool values_;
  std::int64_t heads_, d_, n_ = 0;
  float scale_ = 1.0f;
  pebench::ParameterBuffer ak_, dak_, av_, dav_;
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Shaw)
