#include "attention/attention.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "attention/toeplitz_bias.hpp"
#include "ops/matmul.hpp"
#include "ops/softmax.hpp"

namespace pebench {
namespace {

// A (1, H, rows, width) view into a (B, H, T, width) dense tensor at batch b, row r0.
template <typename T>
View<T, 4> rows_view(T* base, const AttentionDims& d, std::int64_t b, std::int64_t r0,
                     std::int64_t rows) {
  const std::int64_t hd = d.head_dim;
  return View<T, 4>{base + (b * d.heads * d.seq_len + r0) * hd,
                    {1, d.heads, rows, hd},
                    {d.heads * d.seq_len * hd, d.seq_len * hd, hd, 1}};
}

Positions slice(const std::vector<std::int64_t>& pos, std::int64_t first, std::int64_t count) {
  return Positions{pos.data() + first, count};
}

}  // namespace

CausalAttention::CausalAttention(std::shared_ptr<Encoding> encoding, AttentionOptions options)
    : encoding_(std::move(encoding)), options_(options) {
  if (encoding_) info_ = encoding_->info();
  if (options_.block_rows <= 0) throw std::invalid_argument("attention block_rows must be > 0");
}

std::vector<CausalAttention::Block> CausalAttention::make_blocks(const AttentionDims& d) const {
  std::vector<Block> blocks;
  std::size_t offset = 0;
  for (std::int64_t i0 = 0; i0 < d.seq_len; i0 += options_.block_rows) {
    const std::int64_t rows = std::min(options_.block_rows, d.seq_len - i0);
    blocks.push_back(Block{i0, rows, i0 + rows, offset});
    offset += static_cast<std::size_t>(d.batch * d.heads * rows * (i0 + rows));
  }
  return blocks;
}

void CausalAttention::check_positions(const std::vector<std::int64_t>& positions) const {
  for (std::size_t i = 1; i < positions.size(); ++i)
    if (positions[i] < positions[i - 1])
      throw std::invalid_argument("attention positions must be non-decreasing");
  if (!positions.empty() && positions.front() < 0)
    throw std::invalid_argument("attention positions must be >= 0");
  if (info_.max_positions > 0 && !positions.empty() && positions.back() >= info_.max_positions)
    throw PositionsUnsupported(fmt::format(
        "encoding '{}' supports positions < max_positions = {}; got position {} (T = {})",
        info_.name, info_.max_positions, positions.back(), positions.size()));
}

void CausalAttention::update_bias_cache(const AttentionDims& d,
                                        const std::vector<std::int64_t>& positions,
                                        bool per_block_cache) {
  BiasKey key{d.heads, d.seq_len, positions, parameter_version_, per_block_cache};
  if (key == bias_key_) return;
  // A training cache serves inference too (evaluation at the training length).
  BiasKey as_training = key;
  as_training.per_block = true;
  if (!per_block_cache && as_training == bias_key_) return;
  bias_key_ = BiasKey{};  // invalid until rebuilt: a throw below leaves no stale key
  bias_blocks_.clear();
  toeplitz_.clear();
  if (options_.toeplitz_bias)
    toeplitz_ = toeplitz_bias_table(*encoding_, info_, d.heads, positions);
  if (toeplitz_.empty() && per_block_cache) {
    for (const Block& blk : make_blocks(d)) {
      std::vector<float> bias(static_cast<std::size_t>(d.heads * blk.rows * blk.keys));
      encoding_->bias_forward(dense_view<float, 3>(bias.data(), {d.heads, blk.rows, blk.keys}),
                              slice(positions, blk.first_row, blk.rows),
                              slice(positions, 0, blk.keys));
      bias_blocks_.push_back(std::move(bias));
    }
  }
  bias_key_ = std::move(key);
}

RowBias CausalAttention::bias_rows(std::size_t r, const Block& blk, std::int64_t seq_len) const {
  if (!toeplitz_.empty())  // row i of the block: table[h, (T-1-(first_row+i)) + j]
    return RowBias{toeplitz_.data() + (seq_len - 1 - blk.first_row), seq_len, -1};
  if (!bias_blocks_.empty()) return RowBias{bias_blocks_[r].data(), blk.rows * blk.keys, blk.keys};
  return RowBias{};
}

void CausalAttention::forward(float* out, AttentionCache& cache, const float* q, const float* k,
                              const float* v, const AttentionDims& d,
                              const std::vector<std::int64_t>& positions) {
  run_forward(out, &cache, q, k, v, d, positions);
}

void CausalAttention::forward_inference(float* out, const float* q, const float* k, const float* v,
                                        const AttentionDims& d,
                                        const std::vector<std::int64_t>& positions) {
  run_forward(out, nullptr, q, k, v, d, positions);
}

void CausalAttention::run_forward(float* out, AttentionCache* cache, const float* q, const float* k,
                                  const float* v, const AttentionDims& d,
                                  const std::vector<std::int64_t>& positions) {
  if (d.batch <= 0 || d.heads <= 0 || d.seq_len <= 0 || d.head_dim <= 0)
    throw std::invalid_argument(
        fmt::format("attention: B, H, T, d must be > 0 (got {}, {}, {}, {})", d.batch, d.heads,
                    d.seq_len, d.head_dim));
  if (static_cast<std::int64_t>(positions.size()) != d.seq_len)
    throw std::invalid_argument("attention: positions must have T entries");
  check_positions(positions);
  // Parameters may be sized lazily (in init_parameters), so this is read per forward.
  has_bias_params_ = (info_.hooks & kHookStaticBias) && !encoding_->parameters().empty();
  const std::uint32_t hooks = encoding_ ? info_.hooks : 0u;
  const std::int64_t B = d.batch, H = d.heads, T = d.seq_len, hd = d.head_dim;
  const float scale = options_.scale > 0 ? options_.scale : 1.0f / std::sqrt(float(hd));
  const bool training = cache != nullptr;

  if (training) {
    cache->dims = d;
    cache->positions = positions;
    cache->encoding = encoding_;
    cache->score_states.clear();
    cache->mix_states.clear();
  }

  if (hooks & kHookRotate) {
    // Rotated copies of q, k: kept (in the cache, or the inference scratch) and reused while
    // the shape stays, since fresh buffers every step cost page faults and a zero fill.
    Tensor& qr = training ? cache->q_rot : q_rot_scratch_;
    Tensor& kr = training ? cache->k_rot : k_rot_scratch_;
    const std::vector<std::int64_t> shape{B, H, T, hd};
    if (qr.shape() != shape) qr = Tensor(shape);
    if (kr.shape() != shape) kr = Tensor(shape);
    std::copy(q, q + B * H * T * hd, qr.data());
    std::copy(k, k + B * H * T * hd, kr.data());
    encoding_->rotate_forward(qr.view<4>(), kr.view<4>(), Positions{positions.data(), T});
    q = qr.data();
    k = kr.data();
  }
  if (hooks & kHookStaticBias) update_bias_cache(d, positions, training);
  // Inference with a bias that is neither a Toeplitz table nor cached: per block, below.
  const bool bias_per_block =
      (hooks & kHookStaticBias) && toeplitz_.empty() && bias_blocks_.empty();

  const auto blocks = make_blocks(d);
  const Block& last = blocks.back();
  if (training) {
    // Every block overwrites its slice: resize, no fill (a fill is 256 MB of writes at T=4096).
    cache->probs.resize(last.probs_offset + std::size_t(B * H * last.rows * last.keys));
  } else {
    scores_.resize(static_cast<std::size_t>(H * blocks.front().rows * T));
  }
  if (bias_per_block) block_bias_.resize(static_cast<std::size_t>(H * blocks.front().rows * T));

  for (std::size_t r = 0; r < blocks.size(); ++r) {
    const Block& blk = blocks[r];
    const Positions qpos = slice(positions, blk.first_row, blk.rows);
    const Positions kpos = slice(positions, 0, blk.keys);
    RowBias block_bias;
    if (bias_per_block) {
      encoding_->bias_forward(dense_view<float, 3>(block_bias_.data(), {H, blk.rows, blk.keys}),
                              qpos, kpos);
      block_bias = RowBias{block_bias_.data(), blk.rows * blk.keys, blk.keys};
    } else if (hooks & kHookStaticBias) {
      block_bias = bias_rows(r, blk, T);
    }
    for (std::int64_t b = 0; b < B; ++b) {
      float* s = training ? cache->probs.data() + blk.probs_offset + b * H * blk.rows * blk.keys
                          : scores_.data();
      const std::int64_t batch_offset = b * H * T * hd;

      // S (H, rows, keys) = scale * Q_blk (H, rows, d) K^T (H, d, keys) [+ bias]
      MatmulShape qk;
      qk.batch = H, qk.m = blk.rows, qk.n = blk.keys, qk.k = hd, qk.alpha = scale;
      qk.a_strides = {T * hd, hd, 1};
      qk.b_strides = {T * hd, 1, hd};  // K^T as a transposed view
      qk.c_strides = {blk.rows * blk.keys, blk.keys, 1};
      matmul(qk, q + batch_offset + blk.first_row * hd, k + batch_offset, s);
      const CausalRows rows{H, blk.rows, blk.keys, blk.first_row};
      RowBias bias = block_bias;
      if (hooks & kHookScore) {
        add_bias_and_mask(s, rows, bias);
        bias = RowBias{};
        auto state = encoding_->score_forward(dense_view<float, 4>(s, {1, H, blk.rows, blk.keys}),
                                              rows_view(q, d, b, blk.first_row, blk.rows),
                                              rows_view(k, d, b, 0, blk.keys), qpos, kpos);
        if (training) cache->score_states.push_back(std::move(state));
      }
      causal_softmax_forward(s, s, rows, bias);

      // O_blk (H, rows, d) = P (H, rows, keys) V (H, keys, d)
      MatmulShape pv;
      pv.batch = H, pv.m = blk.rows, pv.n = hd, pv.k = blk.keys;
      pv.a_strides = {blk.rows * blk.keys, blk.keys, 1};
      pv.b_strides = {T * hd, hd, 1};
      pv.c_strides = {T * hd, hd, 1};
      matmul(pv, s, v + batch_offset, out + batch_offset + blk.first_row * hd);
      if (hooks & kHookMix) {
        auto state = encoding_->mix_forward(
            rows_view(out, d, b, blk.first_row, blk.rows),
            dense_view<const float, 4>(s, {1, H, blk.rows, blk.keys}), qpos, kpos);
        if (training) cache->mix_states.push_back(std::move(state));
      }
    }
  }
}

void CausalAttention::release_scratch() {
  std::vector<float>().swap(scores_);
  std::vector<float>().swap(block_bias_);
  q_rot_scratch_ = k_rot_scratch_ = dq_rot_scratch_ = dk_rot_scratch_ = Tensor();
}

void CausalAttention::backward(float* dq, float* dk, float* dv, const float* dout,
                               AttentionCache& cache, const float* q_in, const float* k_in,
                               const float* v) {
  const AttentionDims& d = cache.dims;
  const std::uint32_t hooks = encoding_ ? info_.hooks : 0u;
  const std::int64_t B = d.batch, H = d.heads, T = d.seq_len, hd = d.head_dim;
  const float scale = options_.scale > 0 ? options_.scale : 1.0f / std::sqrt(float(hd));
  const std::vector<std::int64_t>& positions = cache.positions;
  const bool rotated = hooks & kHookRotate;
  const float* q = rotated ? cache.q_rot.data() : q_in;
  const float* k = rotated ? cache.k_rot.data() : k_in;

  // With a rotate hook, gradients w.r.t. the rotated q, k are gathered apart and
  // mapped back at the end (the rotation backward is in place, not +=).
  float* dq_acc = dq;
  float* dk_acc = dk;
  Tensor& dq_rot = dq_rot_scratch_;
  Tensor& dk_rot = dk_rot_scratch_;
  if (rotated) {
    const std::vector<std::int64_t> shape{B, H, T, hd};
    if (dq_rot.shape() != shape) {
      dq_rot = Tensor(shape);
      dk_rot = Tensor(shape);
    } else {
      dq_rot.zero();
      dk_rot.zero();
    }
    dq_acc = dq_rot.data();
    dk_acc = dk_rot.data();
  }

  const auto blocks = make_blocks(d);
  std::vector<float> ds(static_cast<std::size_t>(H * blocks.front().rows * T));
  std::vector<float> dbias;
  std::size_t state_index = 0;
  for (const Block& blk : blocks) {
    const Positions qpos = slice(positions, blk.first_row, blk.rows);
    const Positions kpos = slice(positions, 0, blk.keys);
    const std::int64_t block_size = H * blk.rows * blk.keys;
    // dbias = sum over the batch of dS; with B = 1 that is dS itself (no copy).
    if (has_bias_params_ && B > 1) dbias.assign(static_cast<std::size_t>(block_size), 0.0f);
    for (std::int64_t b = 0; b < B; ++b, ++state_index) {
      const float* p = cache.probs.data() + blk.probs_offset + b * block_size;
      const std::int64_t batch_offset = b * H * T * hd;
      const std::int64_t row_offset = batch_offset + blk.first_row * hd;

      // dP (H, rows, keys) = dO_blk (H, rows, d) V^T (H, d, keys)
      MatmulShape dp;
      dp.batch = H, dp.m = blk.rows, dp.n = blk.keys, dp.k = hd;
      dp.a_strides = {T * hd, hd, 1};
      dp.b_strides = {T * hd, 1, hd};
      dp.c_strides = {blk.rows * blk.keys, blk.keys, 1};
      matmul(dp, dout + row_offset, v + batch_offset, ds.data());

      // dV[:keys] (H, keys, d) += P^T (H, keys, rows) dO_blk (H, rows, d)
      MatmulShape dvs;
      dvs.batch = H, dvs.m = blk.keys, dvs.n = hd, dvs.k = blk.rows, dvs.accumulate = true;
      dvs.a_strides = {blk.rows * blk.keys, 1, blk.keys};
      dvs.b_strides = {T * hd, hd, 1};
      dvs.c_strides = {T * hd, hd, 1};
      matmul(dvs, p, dout + row_offset, dv + batch_offset);

      const auto p_view = dense_view<const float, 4>(p, {1, H, blk.rows, blk.keys});
      const auto ds_view = dense_view<float, 4>(ds.data(), {1, H, blk.rows, blk.keys});
      if (hooks & kHookMix) {
        encoding_->mix_backward(cache.mix_states[state_index].get(),
                                rows_view(dout, d, b, blk.first_row, blk.rows), p_view, ds_view,
                                qpos, kpos);
      }
      softmax_backward(ds.data(), p, ds.data(), H * blk.rows, blk.keys);
      if (hooks & kHookScore) {
        encoding_->score_backward(cache.score_states[state_index].get(), ds_view,
                                  rows_view(dq_acc, d, b, blk.first_row, blk.rows),
                                  rows_view(dk_acc, d, b, 0, blk.keys),
                                  rows_view(q, d, b, blk.first_row, blk.rows),
                                  rows_view(k, d, b, 0, blk.keys), qpos, kpos);
      }
      if (has_bias_params_ && B == 1) {
        encoding_->bias_backward(dense_view<const float, 3>(ds.data(), {H, blk.rows, blk.keys}),
                                 qpos, kpos);
      } else if (has_bias_params_) {
        float* acc = dbias.data();
        const float* add = ds.data();
#pragma omp parallel for simd schedule(static)
        for (std::int64_t i = 0; i < block_size; ++i) acc[i] += add[i];
      }

      // dQ_blk (H, rows, d) += scale * dS (H, rows, keys) K (H, keys, d)
      MatmulShape dqs;
      dqs.batch = H, dqs.m = blk.rows, dqs.n = hd, dqs.k = blk.keys;
      dqs.alpha = scale, dqs.accumulate = true;
      dqs.a_strides = {blk.rows * blk.keys, blk.keys, 1};
      dqs.b_strides = {T * hd, hd, 1};
      dqs.c_strides = {T * hd, hd, 1};
      matmul(dqs, ds.data(), k + batch_offset, dq_acc + row_offset);

      // dK[:keys] (H, keys, d) += scale * dS^T (H, keys, rows) Q_blk (H, rows, d)
      MatmulShape dks;
      dks.batch = H, dks.m = blk.keys, dks.n = hd, dks.k = blk.rows;
      dks.alpha = scale, dks.accumulate = true;
      dks.a_strides = {blk.rows * blk.keys, 1, blk.keys};
      dks.b_strides = {T * hd, hd, 1};
      dks.c_strides = {T * hd, hd, 1};
      matmul(dks, ds.data(), q + row_offset, dk_acc + batch_offset);
    }
    if (has_bias_params_ && B > 1) {
      encoding_->bias_backward(dense_view<const float, 3>(dbias.data(), {H, blk.rows, blk.keys}),
                               qpos, kpos);
    }
  }

  if (rotated) {
    encoding_->rotate_backward(
        dq_rot.view<4>(), dk_rot.view<4>(), dense_view<const float, 4>(q_in, {B, H, T, hd}),
        dense_view<const float, 4>(k_in, {B, H, T, hd}), Positions{positions.data(), T});
    const std::int64_t n = B * H * T * hd;
    const float* gq = dq_rot.data();
    const float* gk = dk_rot.data();
#pragma omp parallel for simd schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      dq[i] += gq[i];
      dk[i] += gk[i];
    }
  }
}

}  // namespace pebench
