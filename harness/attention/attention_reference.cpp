#include "attention/attention_reference.hpp"

#include <cmath>
#include <limits>
#include <memory>

#include "ops/dropout.hpp"

namespace pebench {

ReferenceGradients reference_attention(Encoding* enc, const AttentionDims& dm,
                                       const std::vector<std::int64_t>& positions,
                                       const float* q_in, const float* k_in, const float* v,
                                       const float* dout, float scale,
                                       const AttentionDropout& dropout) {
  const std::int64_t B = dm.batch, H = dm.heads, T = dm.seq_len, D = dm.head_dim;
  const std::uint32_t hooks = enc ? enc->info().hooks : 0u;
  if (scale <= 0) scale = 1.0f / std::sqrt(float(D));
  const double inf = std::numeric_limits<double>::infinity();
  const std::size_t n = static_cast<std::size_t>(B * H * T * D);
  const Positions pos{positions.data(), T};
  auto at = [&](std::int64_t b, std::int64_t h, std::int64_t t) {
    return ((b * H + h) * T + t) * D;
  };

  std::vector<float> q(q_in, q_in + n), k(k_in, k_in + n);
  if (hooks & kHookRotate)
    enc->rotate_forward(dense_view<float, 4>(q.data(), {B, H, T, D}),
                        dense_view<float, 4>(k.data(), {B, H, T, D}), pos);
  std::vector<float> bias(static_cast<std::size_t>(H * T * T), 0.0f);
  if (hooks & kHookStaticBias)
    enc->bias_forward(dense_view<float, 3>(bias.data(), {H, T, T}), pos, pos);

  ReferenceGradients r;
  r.out.assign(n, 0.0);
  r.dq.assign(n, 0.0);
  r.dk.assign(n, 0.0);
  r.dv.assign(n, 0.0);
  std::vector<float> dq_rot(n, 0.0f), dk_rot(n, 0.0f);
  std::vector<float> dbias(static_cast<std::size_t>(H * T * T), 0.0f);

  for (std::int64_t b = 0; b < B; ++b) {
    auto qv = dense_view<const float, 4>(q.data() + at(b, 0, 0), {1, H, T, D});
    auto kv = dense_view<const float, 4>(k.data() + at(b, 0, 0), {1, H, T, D});
    // S = scale q k^T + bias, masked.
    std::vector<double> s(static_cast<std::size_t>(H * T * T));
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < T; ++i)
        for (std::int64_t j = 0; j < T; ++j) {
          double acc = 0;
          for (std::int64_t c = 0; c < D; ++c)
            acc += double(q[at(b, h, i) + c]) * double(k[at(b, h, j) + c]);
          s[(h * T + i) * T + j] = j <= i ? scale * acc + bias[(h * T + i) * T + j] : -inf;
        }
    std::unique_ptr<HookState> score_state, mix_state;
    if (hooks & kHookScore) {
      std::vector<float> sf(s.begin(), s.end());
      score_state =
          enc->score_forward(dense_view<float, 4>(sf.data(), {1, H, T, T}), qv, kv, pos, pos);
      s.assign(sf.begin(), sf.end());
    }
    // P = softmax(S) per row.
    std::vector<double> p(s.size());
    for (std::int64_t row = 0; row < H * T; ++row) {
      double mx = -inf, sum = 0;
      for (std::int64_t j = 0; j < T; ++j) mx = std::max(mx, s[row * T + j]);
      for (std::int64_t j = 0; j < T; ++j) sum += (p[row * T + j] = std::exp(s[row * T + j] - mx));
      for (std::int64_t j = 0; j < T; ++j) p[row * T + j] /= sum;
    }
    // P' = P * mask / P(kept) with dropout (mask[i] = its scale or 0), else P.
    std::vector<double> mask(s.size(), 1.0), pd(p);
    if (dropout.p > 0) {
      const std::vector<float> ones(static_cast<std::size_t>(T), 1.0f);
      std::vector<float> row(static_cast<std::size_t>(T));
      for (std::int64_t hi = 0; hi < H * T; ++hi) {
        dropout_apply(row.data(), ones.data(), T, dropout.p, dropout.seed,
                      static_cast<std::uint64_t>(b * H * T + hi) * static_cast<std::uint64_t>(T));
        for (std::int64_t j = 0; j < T; ++j) {
          mask[hi * T + j] = row[j];
          pd[hi * T + j] *= row[j];
        }
      }
    }
    std::vector<float> pf(pd.begin(), pd.end());
    auto pv = dense_view<const float, 4>(pf.data(), {1, H, T, T});
    // O = P' V (+ mix(P')).
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < T; ++i)
        for (std::int64_t c = 0; c < D; ++c) {
          double acc = 0;
          for (std::int64_t j = 0; j < T; ++j) acc += pd[(h * T + i) * T + j] * v[at(b, h, j) + c];
          r.out[at(b, h, i) + c] = acc;
        }
    if (hooks & kHookMix) {
      std::vector<float> of(r.out.begin() + at(b, 0, 0), r.out.begin() + at(b + 1, 0, 0));
      mix_state = enc->mix_forward(dense_view<float, 4>(of.data(), {1, H, T, D}), pv, pos, pos);
      std::copy(of.begin(), of.end(), r.out.begin() + at(b, 0, 0));
    }

    // Backward. dP' = dO V^T, dV = P'^T dO.
    std::vector<double> dp(s.size(), 0.0);
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < T; ++i)
        for (std::int64_t j = 0; j < T; ++j) {
          double acc = 0;
          for (std::int64_t c = 0; c < D; ++c)
            acc += double(dout[at(b, h, i) + c]) * v[at(b, h, j) + c];
          dp[(h * T + i) * T + j] = acc;
          for (std::int64_t c = 0; c < D; ++c)
            r.dv[at(b, h, j) + c] += pd[(h * T + i) * T + j] * dout[at(b, h, i) + c];
        }
    if (hooks & kHookMix) {
      std::vector<float> dpf(dp.begin(), dp.end());
      enc->mix_backward(mix_state.get(),
                        dense_view<const float, 4>(dout + at(b, 0, 0), {1, H, T, D}), pv,
                        dense_view<float, 4>(dpf.data(), {1, H, T, T}), pos, pos);
      dp.assign(dpf.begin(), dpf.end());
    }
    for (std::size_t i = 0; i < dp.size(); ++i) dp[i] *= mask[i];  // dP = dP' * mask
    // dS = P (dP - sum P dP).
    std::vector<double> ds(s.size());
    for (std::int64_t row = 0; row < H * T; ++row) {
      double dot = 0;
      for (std::int64_t j = 0; j < T; ++j) dot += p[row * T + j] * dp[row * T + j];
      for (std::int64_t j = 0; j < T; ++j)
        ds[row * T + j] = p[row * T + j] * (dp[row * T + j] - dot);
    }
    if (hooks & kHookScore) {
      std::vector<float> dsf(ds.begin(), ds.end());
      enc->score_backward(score_state.get(), dense_view<float, 4>(dsf.data(), {1, H, T, T}),
                          dense_view<float, 4>(dq_rot.data() + at(b, 0, 0), {1, H, T, D}),
                          dense_view<float, 4>(dk_rot.data() + at(b, 0, 0), {1, H, T, D}), qv, kv,
                          pos, pos);
      ds.assign(dsf.begin(), dsf.end());
    }
    for (std::size_t i = 0; i < ds.size(); ++i) dbias[i] += static_cast<float>(ds[i]);
    // dQ = scale dS K, dK = scale dS^T Q (accumulated in double, then added).
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < T; ++i)
        for (std::int64_t c = 0; c < D; ++c) {
          double gq = 0, gk = 0;
          for (std::int64_t j = 0; j < T; ++j) {
            gq += ds[(h * T + i) * T + j] * k[at(b, h, j) + c];
            gk += ds[(h * T + j) * T + i] * q[at(b, h, j) + c];
          }
          r.dq[at(b, h, i) + c] += scale * gq + dq_rot[at(b, h, i) + c];
          r.dk[at(b, h, i) + c] += scale * gk + dk_rot[at(b, h, i) + c];
        }
  }
  if (hooks & kHookStaticBias)
    enc->bias_backward(dense_view<const float, 3>(dbias.data(), {H, T, T}), pos, pos);
  if (hooks & kHookRotate) {
    // The rotation backward maps gradients of rotated q, k back to the inputs (float).
    std::vector<float> gq(r.dq.begin(), r.dq.end()), gk(r.dk.begin(), r.dk.end());
    enc->rotate_backward(dense_view<float, 4>(gq.data(), {B, H, T, D}),
                         dense_view<float, 4>(gk.data(), {B, H, T, D}),
                         dense_view<const float, 4>(q_in, {B, H, T, D}),
                         dense_view<const float, 4>(k_in, {B, H, T, D}), pos);
    r.dq.assign(gq.begin(), gq.end());
    r.dk.assign(gk.begin(), gk.end());
  }
  return r;
}

}  // namespace pebench
