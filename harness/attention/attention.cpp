#include "attention/attention.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "attention/toeplitz_bias.hpp"
#include "ops/dropout.hpp"
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

// Rows [first_row, first_row + rows) of a block, seeing keys [0, keys): the causal limit of
// its last row. Hooks see exactly these keys; the block's scores stay (H, rows, keys).
struct Chunk {
  std::int64_t first_row, rows, keys;
};

Chunk make_chunk(const AttentionBlock& blk, std::int64_t c0, std::int64_t step) {
  const std::int64_t rows = std::min(step, blk.rows - c0);
  return Chunk{blk.first_row + c0, rows, blk.first_row + c0 + rows};
}

// The chunk's rows inside the block's (H, rows, keys) scores, `width` entries per row.
CausalRows chunk_rows_shape(std::int64_t heads, const AttentionBlock& blk, const Chunk& ch,
                            std::int64_t width) {
  return CausalRows{heads, ch.rows, width, ch.first_row, blk.rows * blk.keys, blk.keys};
}

// A (1, H, chunk rows, chunk keys) view of the chunk inside the block's scores (at its row 0).
template <typename T = float>
View<T, 4> chunk_view(T* chunk_scores, std::int64_t heads, const AttentionBlock& blk,
                      const Chunk& ch) {
  return View<T, 4>{chunk_scores,
                    {1, heads, ch.rows, ch.keys},
                    {heads * blk.rows * blk.keys, blk.rows * blk.keys, blk.keys, 1}};
}

// S (H, rows, keys) = scale * Q_blk (H, rows, d) K^T (H, d, keys), for one batch entry.
MatmulShape scores_matmul(const AttentionDims& d, const AttentionBlock& blk, float scale) {
  const std::int64_t T = d.seq_len, hd = d.head_dim;
  MatmulShape qk;
  qk.batch = d.heads, qk.m = blk.rows, qk.n = blk.keys, qk.k = hd, qk.alpha = scale;
  qk.a_strides = {T * hd, hd, 1};
  qk.b_strides = {T * hd, 1, hd};  // K^T as a transposed view
  qk.c_strides = {blk.rows * blk.keys, blk.keys, 1};
  return qk;
}

// O_blk (H, rows, d) = P (H, rows, keys) V (H, keys, d), for one batch entry.
MatmulShape output_matmul(const AttentionDims& d, const AttentionBlock& blk) {
  const std::int64_t T = d.seq_len, hd = d.head_dim;
  MatmulShape pv;
  pv.batch = d.heads, pv.m = blk.rows, pv.n = hd, pv.k = blk.keys;
  pv.a_strides = {blk.rows * blk.keys, blk.keys, 1};
  pv.b_strides = {T * hd, hd, 1};
  pv.c_strides = {T * hd, hd, 1};
  return pv;
}

// ops/causal_softmax's row callback: row i of a BiasRows, (heads, n).
struct BiasRowsContext {
  const BiasRows* rows;
  std::int64_t heads;
};

void fill_bias_row(void* context, std::int64_t i, std::int64_t n, float* buffer) {
  const auto* c = static_cast<const BiasRowsContext*>(context);
  c->rows->row(i, dense_view<float, 2>(buffer, {c->heads, n}));
}

// out[b, h, first_row + i, :] = 0 for every head and i < rows.
void zero_rows(float* out, const AttentionDims& d, std::int64_t b, std::int64_t first_row,
               std::int64_t rows) {
  for (std::int64_t h = 0; h < d.heads; ++h) {
    float* o = out + ((b * d.heads + h) * d.seq_len + first_row) * d.head_dim;
    std::fill(o, o + rows * d.head_dim, 0.0f);
  }
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
                                        const std::vector<std::int64_t>& positions) {
  BiasKey key{d.heads, d.seq_len, positions, parameter_version_};
  if (key == bias_key_) return;
  bias_key_ = BiasKey{};  // invalid until rebuilt: a throw below leaves no stale key
  toeplitz_.clear();
  if (options_.toeplitz_bias)
    toeplitz_ = toeplitz_bias_table(*encoding_, info_, d.heads, positions);
  bias_key_ = std::move(key);
}

RowBias CausalAttention::toeplitz_rows(std::int64_t first_row, std::int64_t seq_len) const {
  // row i: table[h, (T-1-(first_row+i)) + j]
  return RowBias{toeplitz_.data() + (seq_len - 1 - first_row), seq_len, -1};
}

std::int64_t CausalAttention::chunk_rows(const AttentionDims& d, const Block& blk,
                                         bool chunked) const {
  if (!chunked) return blk.rows;
  const std::int64_t row_bytes = d.heads * blk.keys * std::int64_t(sizeof(float));
  return std::clamp<std::int64_t>(options_.chunk_bytes / row_bytes, 1, blk.rows);
}

bool CausalAttention::chunked(bool bias_per_chunk) const {
  return bias_per_chunk || (info_.hooks & (kHookScore | kHookMix));
}

void CausalAttention::forward(float* out, AttentionCache& cache, const float* q, const float* k,
                              const float* v, const AttentionDims& d,
                              const std::vector<std::int64_t>& positions,
                              const AttentionDropout& dropout) {
  run_forward(out, &cache, q, k, v, d, positions, dropout);
}

void CausalAttention::forward_inference(float* out, const float* q, const float* k, const float* v,
                                        const AttentionDims& d,
                                        const std::vector<std::int64_t>& positions) {
  run_forward(out, nullptr, q, k, v, d, positions, AttentionDropout{});
}

namespace {

void check_dropout(const AttentionDropout& dropout) {
  if (!(dropout.p >= 0 && dropout.p < 1))
    throw std::invalid_argument(
        fmt::format("attention: dropout must be in [0, 1), got {}", dropout.p));
}

}  // namespace

void CausalAttention::run_forward(float* out, AttentionCache* cache, const float* q, const float* k,
                                  const float* v, const AttentionDims& d,
                                  const std::vector<std::int64_t>& positions,
                                  const AttentionDropout& dropout) {
  check_dropout(dropout);
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
    cache->dropout = dropout;
  }
  const bool dropping = training && dropout.p > 0;

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
  if (hooks & kHookStaticBias) update_bias_cache(d, positions);
  // A static bias that is not a Toeplitz table is computed per chunk of rows, below.
  const bool bias_per_chunk = (hooks & kHookStaticBias) && toeplitz_.empty();
  const bool in_chunks = chunked(bias_per_chunk);
  if (training) cache->chunked = in_chunks;

  const auto blocks = make_blocks(d);
  const Block& last = blocks.back();
  if (training) {
    // Every block overwrites its slice: resize, no fill (a fill is 256 MB of writes at T=4096).
    cache->probs.resize(last.probs_offset + std::size_t(B * H * last.rows * last.keys));
  } else {
    scores_.resize(static_cast<std::size_t>(H * blocks.front().rows * T));
  }
  if (dropping) dropped_.resize(static_cast<std::size_t>(H * blocks.front().rows * T));

  // A bias computed per chunk does not depend on the batch entry. In training every entry's
  // scores are kept, so with B > 1 and no score or mix hook (whose states follow the
  // batch-then-chunk order the backward reads) each chunk's bias is computed once for all
  // entries instead of B times.
  const bool bias_alone = bias_per_chunk && !(hooks & (kHookScore | kHookMix));
  const bool bias_once = training && bias_alone && B > 1;
  for (const Block& blk : blocks) {
    // A bias the plugin gives row by row is computed inside the softmax, a query row at a
    // time in a per-thread buffer (ops/causal_softmax.hpp): no (H, rows, keys) bias block.
    if (bias_alone) {
      if (auto rows = encoding_->bias_rows(slice(positions, blk.first_row, blk.rows),
                                           slice(positions, 0, blk.keys))) {
        forward_block_bias_rows(out, cache, q, k, v, d, blk, *rows, scale);
        continue;
      }
    }
    const std::int64_t step = chunk_rows(d, blk, in_chunks);
    if (bias_per_chunk)
      chunk_bias_.resize(std::max(chunk_bias_.size(), std::size_t(H * step * blk.keys)));
    if (bias_once) {
      forward_block_bias_once(out, *cache, q, k, v, d, positions, blk, step, scale);
      continue;
    }
    for (std::int64_t b = 0; b < B; ++b) {
      float* s = block_scores(training ? cache : nullptr, q, k, d, blk, b, scale);
      const std::int64_t batch_offset = b * H * T * hd;

      // The mix hook adds (+=) into the block's output rows, which P V then accumulates into.
      if (hooks & kHookMix) zero_rows(out, d, b, blk.first_row, blk.rows);
      // A score hook sees causally masked logits. Without a static bias to add on the way, the
      // block is masked in one pass (it writes the masked entries only) instead of one per
      // chunk: an OpenMP region costs ~4 us here (2 threads, measured), and CoPE at T=1024
      // runs 64 chunks per forward.
      const bool mask_block = (hooks & kHookScore) && !(hooks & kHookStaticBias);
      if (mask_block) add_bias_and_mask(s, CausalRows{H, blk.rows, blk.keys, blk.first_row});
      for (std::int64_t c0 = 0; c0 < blk.rows; c0 += step) {
        const Chunk ch = make_chunk(blk, c0, step);
        const Positions qpos = slice(positions, ch.first_row, ch.rows);
        const Positions kpos = slice(positions, 0, ch.keys);
        float* sc = s + c0 * blk.keys;
        RowBias bias;
        if (bias_per_chunk) {
          encoding_->bias_forward(dense_view<float, 3>(chunk_bias_.data(), {H, ch.rows, ch.keys}),
                                  qpos, kpos);
          bias = RowBias{chunk_bias_.data(), ch.rows * ch.keys, ch.keys};
        } else if (hooks & kHookStaticBias) {
          bias = toeplitz_rows(ch.first_row, T);
        }
        if (hooks & kHookScore) {
          if (!mask_block) add_bias_and_mask(sc, chunk_rows_shape(H, blk, ch, ch.keys), bias);
          bias = RowBias{};
          auto state = encoding_->score_forward(chunk_view(sc, H, blk, ch),
                                                rows_view(q, d, b, ch.first_row, ch.rows),
                                                rows_view(k, d, b, 0, ch.keys), qpos, kpos);
          if (training) cache->score_states.push_back(std::move(state));
        }
        causal_softmax_forward(sc, sc, chunk_rows_shape(H, blk, ch, blk.keys), bias);
        if (hooks & kHookMix) {
          // The mix hook reads what P V reads: P, or dropout(P), dropped here chunk by chunk.
          const float* pc = sc;
          if (dropping) {
            drop_probs(dropped_.data(), s, dropout, d, blk, b, c0, c0 + ch.rows);
            pc = dropped_.data() + c0 * blk.keys;
          }
          auto state = encoding_->mix_forward(rows_view(out, d, b, ch.first_row, ch.rows),
                                              chunk_view<const float>(pc, H, blk, ch), qpos, kpos);
          if (training) cache->mix_states.push_back(std::move(state));
        }
      }

      // O_blk (+)= P V: the mix hook's term is already in O.
      MatmulShape pv = output_matmul(d, blk);
      pv.accumulate = (hooks & kHookMix) != 0;
      // Without a mix hook, the block is dropped at once (an OpenMP region per chunk costs).
      if (dropping && !(hooks & kHookMix))
        drop_probs(dropped_.data(), s, dropout, d, blk, b, 0, blk.rows);
      matmul(pv, dropping ? dropped_.data() : s, v + batch_offset,
             out + batch_offset + blk.first_row * hd);
    }
  }
}

void CausalAttention::drop_probs(float* out, const float* p, const AttentionDropout& dropout,
                                 const AttentionDims& d, const Block& blk, std::int64_t b,
                                 std::int64_t r0, std::int64_t r1) const {
  const std::int64_t H = d.heads, T = d.seq_len, rows = r1 - r0;
  check_dropout(dropout);  // dropout_apply would throw inside the parallel loop (terminate)
#pragma omp parallel for schedule(static)
  for (std::int64_t hr = 0; hr < H * rows; ++hr) {
    const std::int64_t h = hr / rows, r = r0 + hr % rows;
    const std::int64_t at = (h * blk.rows + r) * blk.keys;
    const std::int64_t visible = blk.first_row + r + 1;  // keys j <= i; the rest are 0
    const auto first = static_cast<std::uint64_t>((b * H + h) * T + blk.first_row + r) *
                       static_cast<std::uint64_t>(T);
    dropout_apply(out + at, p + at, visible, dropout.p, dropout.seed, first);
    std::fill(out + at + visible, out + at + blk.keys, 0.0f);
  }
}

float* CausalAttention::block_scores(AttentionCache* cache, const float* q, const float* k,
                                     const AttentionDims& d, const Block& blk, std::int64_t b,
                                     float scale) {
  const std::int64_t batch_offset = b * d.heads * d.seq_len * d.head_dim;
  float* s = cache ? cache->probs.data() + blk.probs_offset + b * d.heads * blk.rows * blk.keys
                   : scores_.data();
  matmul(scores_matmul(d, blk, scale), q + batch_offset + blk.first_row * d.head_dim,
         k + batch_offset, s);
  return s;
}

void CausalAttention::forward_block_bias_rows(float* out, AttentionCache* cache, const float* q,
                                              const float* k, const float* v,
                                              const AttentionDims& d, const Block& blk,
                                              const BiasRows& rows, float scale) {
  const std::int64_t B = d.batch, H = d.heads, T = d.seq_len, hd = d.head_dim;
  BiasRowsContext context{&rows, H};
  for (std::int64_t b = 0; b < B; ++b) {
    float* s = block_scores(cache, q, k, d, blk, b, scale);
    const std::int64_t batch_offset = b * H * T * hd;
    causal_softmax_forward_row_bias(s, s, CausalRows{H, blk.rows, blk.keys, blk.first_row},
                                    fill_bias_row, &context);
    const bool dropping = cache && cache->dropout.p > 0;
    if (dropping) drop_probs(dropped_.data(), s, cache->dropout, d, blk, b, 0, blk.rows);
    matmul(output_matmul(d, blk), dropping ? dropped_.data() : s, v + batch_offset,
           out + batch_offset + blk.first_row * hd);
  }
}

void CausalAttention::forward_block_bias_once(float* out, AttentionCache& cache, const float* q,
                                              const float* k, const float* v,
                                              const AttentionDims& d,
                                              const std::vector<std::int64_t>& positions,
                                              const Block& blk, std::int64_t step, float scale) {
  const std::int64_t B = d.batch, H = d.heads, T = d.seq_len, hd = d.head_dim;
  const std::int64_t entry = H * blk.rows * blk.keys;  // one batch entry's scores
  float* probs = cache.probs.data() + blk.probs_offset;
  // The matmuls are the per-entry ones of run_forward (same shapes, so the same bits as
  // forward_inference, which tests/unit/test_attention.cpp asserts).
  for (std::int64_t b = 0; b < B; ++b) block_scores(&cache, q, k, d, blk, b, scale);
  for (std::int64_t c0 = 0; c0 < blk.rows; c0 += step) {
    const Chunk ch = make_chunk(blk, c0, step);
    encoding_->bias_forward(dense_view<float, 3>(chunk_bias_.data(), {H, ch.rows, ch.keys}),
                            slice(positions, ch.first_row, ch.rows), slice(positions, 0, ch.keys));
    const RowBias bias{chunk_bias_.data(), ch.rows * ch.keys, ch.keys};
    for (std::int64_t b = 0; b < B; ++b) {
      float* sc = probs + b * entry + c0 * blk.keys;
      causal_softmax_forward(sc, sc, chunk_rows_shape(H, blk, ch, blk.keys), bias);
    }
  }
  const MatmulShape pv = output_matmul(d, blk);
  for (std::int64_t b = 0; b < B; ++b) {
    const float* p = probs + b * entry;
    if (cache.dropout.p > 0) {
      drop_probs(dropped_.data(), p, cache.dropout, d, blk, b, 0, blk.rows);
      p = dropped_.data();
    }
    matmul(pv, p, v + b * H * T * hd, out + b * H * T * hd + blk.first_row * hd);
  }
}

void CausalAttention::release_scratch() {
  std::vector<float>().swap(scores_);
  std::vector<float>().swap(chunk_bias_);
  std::vector<float>().swap(dropped_);
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
  const bool in_chunks = cache.chunked;  // as the forward ran (toeplitz_ may have changed since)
  std::vector<float> ds(static_cast<std::size_t>(H * blocks.front().rows * T));
  // With dropout, P V and the mix hook read dropout(P) (its mask recomputed): their backward
  // uses it too, dP is masked the same way, and the softmax backward takes P itself.
  const bool dropping = cache.dropout.p > 0;
  if (dropping) dropped_.resize(ds.size());
  std::vector<float> dbias;
  std::size_t score_index = 0, mix_index = 0;  // states in the forward's order
  for (const Block& blk : blocks) {
    const std::int64_t step = chunk_rows(d, blk, in_chunks);
    const Positions qpos = slice(positions, blk.first_row, blk.rows);
    const Positions kpos = slice(positions, 0, blk.keys);
    const std::int64_t block_size = H * blk.rows * blk.keys;
    // dbias = sum over the batch of dS; with B = 1 that is dS itself (no copy).
    if (has_bias_params_ && B > 1) dbias.assign(static_cast<std::size_t>(block_size), 0.0f);
    for (std::int64_t b = 0; b < B; ++b) {
      const float* p = cache.probs.data() + blk.probs_offset + b * block_size;
      const float* pd = p;  // P, or dropout(P)
      if (dropping) {
        drop_probs(dropped_.data(), p, cache.dropout, d, blk, b, 0, blk.rows);
        pd = dropped_.data();
      }
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
      matmul(dvs, pd, dout + row_offset, dv + batch_offset);

      if (hooks & kHookMix) {
        for (std::int64_t c0 = 0; c0 < blk.rows; c0 += step) {
          const Chunk ch = make_chunk(blk, c0, step);
          encoding_->mix_backward(
              cache.mix_states.at(mix_index++).get(), rows_view(dout, d, b, ch.first_row, ch.rows),
              chunk_view(pd + c0 * blk.keys, H, blk, ch),
              chunk_view(ds.data() + c0 * blk.keys, H, blk, ch),
              slice(positions, ch.first_row, ch.rows), slice(positions, 0, ch.keys));
        }
      }
      if (dropping) drop_probs(ds.data(), ds.data(), cache.dropout, d, blk, b, 0, blk.rows);
      softmax_backward(ds.data(), p, ds.data(), H * blk.rows, blk.keys);
      if (hooks & kHookScore) {
        for (std::int64_t c0 = 0; c0 < blk.rows; c0 += step) {
          const Chunk ch = make_chunk(blk, c0, step);
          encoding_->score_backward(
              cache.score_states.at(score_index++).get(),
              chunk_view(ds.data() + c0 * blk.keys, H, blk, ch),
              rows_view(dq_acc, d, b, ch.first_row, ch.rows), rows_view(dk_acc, d, b, 0, ch.keys),
              rows_view(q, d, b, ch.first_row, ch.rows), rows_view(k, d, b, 0, ch.keys),
              slice(positions, ch.first_row, ch.rows), slice(positions, 0, ch.keys));
        }
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
