// Causal multi-head self-attention on oneDNN, with a positional encoding's hooks.
//
//   q,k = rotate(q,k)                                  (rotate hook)
//   S   = scale * Q K^T + bias + causal mask (-inf)    (static bias hook, cached)
//   S  += score(q, k, S)                               (score hook)
//   P   = softmax(S);  O = P V;  O += mix(P)           (mix hook)
//   (in training with AttentionDropout: P' = dropout(P) in place of P in both, as GPT-2's
//    attn_dropout and the CoPE reference's transformer.py L61; Shaw et al.'s tensor2tensor
//    code drops the weights before both the values and the relative values, as here)
//
// Queries are processed in blocks of `block_rows` rows; a block starting at row
// i0 with r rows only sees keys 0..i0+r-1, so fully masked key blocks are never
// computed (causal skipping: ~(1 + 1/nblocks)/2 of the full-square FLOPs).
// Each block's S (H, r, keys) is one batched matmul (scale folded in), then our causal
// softmax (ops/causal_softmax.hpp), which adds the static bias and applies the causal mask
// on the fly and reads only the visible keys j <= i. The static bias comes from
//   - a Toeplitz table (H, T) when the encoding is relative and the positions evenly spaced
//     (attention/toeplitz_bias.hpp): one row per head, cache-resident;
//   - else, with no score or mix hook, from the plugin's BiasRows when it has one
//     (Encoding::bias_rows): each row computed inside the softmax, in a per-thread buffer
//     (FIRE: 1.29x -> 1.17x nope's forward at T=1024, 1.33x -> 1.10x at T=4096);
//   - else bias_forward per chunk of rows (below), into a chunk-sized scratch: FIRE (not
//     relative), randomized (irregular) positions. With B > 1 in training, once per chunk
//     for every batch entry. Never kept whole: a cached (H, T, T/2)
//     bias made FIRE's train step peak at 1.46x nope's memory at T=4096 (1666 vs 1138 MiB),
//     and trainable biases change at every step anyway.
// Score and mix hooks and a per-chunk bias run on chunks of a block's rows
// (AttentionOptions::chunk_bytes): bias, score hook, softmax and mix hook meet in cache
// instead of streaming the block's scores (32 MiB at T=4096, H=8) through memory once per
// step. A chunk of rows [r0, r1) hands the hooks only keys [0, r1) (its causal limit).
// With a score hook the bias and mask are written into S first (the hook expects biased,
// masked logits; without a bias the whole block is masked at once), then the softmax runs
// without bias.
// Before (up to 23a5fff) the cached bias with the mask baked in was fused as a full-shape
// binary post-op into the matmul: 268 MB read per forward at T=4096 (1.10-1.15x NoPE).
// The backward uses the same strided, transposed views; no copies.
//
// forward_inference keeps nothing for backward: each block's scores live in one reused
// (H, rows, T) scratch and hook states are dropped at once. Memory grows O(B H T d + H rows T),
// not O(B H T^2): T = 16384, H = 8, d = 64 with 256-row blocks needs q, k, v, out (128 MiB) and
// the scratch (128 MiB), where the training path would hold 4.3 GB of probabilities. Same
// arithmetic as forward, so the outputs are bitwise equal.
// The scratch is kept for the next call (reallocating it costs page faults every forward);
// release_scratch() gives it back.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/tensor.hpp"
#include "ops/causal_softmax.hpp"
#include "pebench/encoding.hpp"

namespace pebench {

// Positions an encoding refuses (>= its max_positions): suites report n/a, not a failure.
struct PositionsUnsupported : std::out_of_range {
  using std::out_of_range::out_of_range;
};

struct AttentionDims {
  std::int64_t batch = 1, heads = 1, seq_len = 1, head_dim = 1;  // B, H, T, d
};

struct AttentionOptions {
  std::int64_t block_rows = 256;  // query rows per block
  float scale = 0.0f;             // 0: 1/sqrt(d)
  bool toeplitz_bias = true;      // false: the bias per chunk even when relative (tests)
  // Score and mix hooks, and a static bias that is not a Toeplitz table, run per chunk of a
  // block's rows: as many rows as fit H * keys floats in chunk_bytes, so the hook, the
  // softmax and the chunk's bias meet in cache instead of passing the block through memory
  // several times (a block's scores are 32 MiB at T=4096, H=8). Each chunk costs 2-3 OpenMP
  // regions (~4 us each, 2 threads): 2 MiB chunks (more than this machine's 1 MiB L2) were
  // faster than 512 KiB ones for both score hooks, forward/nope at T=256/1024/4096: CoPE
  // 1.95/1.47/1.25 vs 1.93/1.53/1.37, Shaw 1.61/1.30/1.16 vs 1.70/1.38/1.24 (AMD EPYC Zen 5,
  // medians of 20, two runs each).
  std::int64_t chunk_bytes = 2 * 1024 * 1024;
};

// Dropout on the attention probabilities in a training forward. The mask of element
// (b, h, i, j) is element ((b H + h) T + i) T + j of dropout stream `seed` (ops/dropout.hpp):
// independent of blocks, chunks and threads, recomputed in backward instead of stored (it
// would be as large as the probabilities, the largest thing training keeps).
struct AttentionDropout {
  double p = 0;  // [0, 1); 0: none
  std::uint64_t seed = 0;
};

// What forward saves for backward. Holds the encoding (and so its library)
// alive as long as any hook state lives.
struct AttentionCache {
  std::shared_ptr<Encoding> encoding;  // first: destroyed last, after the hook states
  AttentionDims dims;
  std::vector<std::int64_t> positions;  // (T)
  Tensor q_rot, k_rot;                  // (B,H,T,d), only with a rotate hook
  std::vector<float> probs;             // P of every (block, batch): (H, rows, keys) each
  AttentionDropout dropout;             // as the forward applied it (P kept undropped)
  bool chunked = false;                 // hooks ran per chunk of rows (CausalAttention::chunked)
  std::vector<std::unique_ptr<HookState>> score_states, mix_states;  // per (block, batch, chunk)
};

// One query block: rows [first_row, first_row + rows) see keys [0, keys), keys = first_row +
// rows; its scores are (H, rows, keys) per batch.
struct AttentionBlock {
  std::int64_t first_row, rows, keys;
  std::size_t probs_offset;  // of batch 0; batch b adds b * heads * rows * keys
};

class CausalAttention {
 public:
  // `encoding` may be null (no positional encoding at all).
  explicit CausalAttention(std::shared_ptr<Encoding> encoding, AttentionOptions options = {});

  // q, k, v, out: (B,H,T,d) dense. positions: (T), non-decreasing.
  void forward(float* out, AttentionCache& cache, const float* q, const float* k, const float* v,
               const AttentionDims& dims, const std::vector<std::int64_t>& positions,
               const AttentionDropout& dropout = {});
  // The same output as forward, with no cache (evaluation, generation, long sequences).
  void forward_inference(float* out, const float* q, const float* k, const float* v,
                         const AttentionDims& dims, const std::vector<std::int64_t>& positions);
  void release_scratch();
  // Accumulates (+=) into dq, dk, dv (B,H,T,d) and into the encoding's parameter grads.
  void backward(float* dq, float* dk, float* dv, const float* dout, AttentionCache& cache,
                const float* q, const float* k, const float* v);

  // Throws (PositionsUnsupported, naming the encoding) for positions the encoding refuses
  // (>= max_positions), std::invalid_argument for decreasing or negative positions.
  void check_positions(const std::vector<std::int64_t>& positions) const;

  // Call after the encoding's parameters changed (optimizer step, finite differences).
  // Parameter-free biases keep their cache (a bump would rebuild it every train step).
  void parameters_changed() {
    if (has_bias_params_) ++parameter_version_;
  }
  const std::shared_ptr<Encoding>& encoding() const { return encoding_; }

 private:
  using Block = AttentionBlock;
  std::vector<Block> make_blocks(const AttentionDims& dims) const;
  // cache == nullptr: inference (nothing kept for backward).
  void run_forward(float* out, AttentionCache* cache, const float* q, const float* k,
                   const float* v, const AttentionDims& dims,
                   const std::vector<std::int64_t>& positions, const AttentionDropout& dropout);
  // Rows [r0, r1) of every head of batch entry b's block probabilities `p` (H, rows, keys),
  // dropped into the same rows of `out` (which may be p): what P V and the mix hook read
  // in place of P when training with dropout.
  void drop_probs(float* out, const float* p, const AttentionDropout& dropout,
                  const AttentionDims& dims, const Block& blk, std::int64_t b, std::int64_t r0,
                  std::int64_t r1) const;
  // S (H, rows, keys) of batch entry b for one block: into the cache's probabilities in
  // training, into the reused scratch otherwise (cache == nullptr). Returns S.
  float* block_scores(AttentionCache* cache, const float* q, const float* k,
                      const AttentionDims& dims, const Block& blk, std::int64_t b, float scale);
  // One block whose only per-row work is a static bias the plugin gives row by row: the
  // bias is computed inside the softmax (cache == nullptr: inference).
  void forward_block_bias_rows(float* out, AttentionCache* cache, const float* q, const float* k,
                               const float* v, const AttentionDims& dims, const Block& blk,
                               const BiasRows& rows, float scale);
  // One block of a training forward with B > 1 whose only per-chunk work is a static bias:
  // one matmul for every batch entry, each chunk's bias computed once for all of them.
  void forward_block_bias_once(float* out, AttentionCache& cache, const float* q, const float* k,
                               const float* v, const AttentionDims& dims,
                               const std::vector<std::int64_t>& positions, const Block& blk,
                               std::int64_t step, float scale);
  // The Toeplitz table of the static bias, when it applies (else toeplitz_ stays empty).
  void update_bias_cache(const AttentionDims& dims, const std::vector<std::int64_t>& positions);
  // Hooks and a bias that is not a Toeplitz table run per chunk of a block's rows.
  bool chunked(bool bias_per_chunk) const;
  std::int64_t chunk_rows(const AttentionDims& dims, const Block& blk, bool chunked) const;

  std::shared_ptr<Encoding> encoding_;
  EncodingInfo info_;
  AttentionOptions options_;
  bool has_bias_params_ = false;  // static bias with trainable parameters (read at each forward)
  std::uint64_t parameter_version_ = 0;

  // Rows from query index first_row on: slices of the Toeplitz table.
  RowBias toeplitz_rows(std::int64_t first_row, std::int64_t seq_len) const;

  // Static bias, valid for the key below: the Toeplitz table (H, T) when it applies.
  std::vector<float> toeplitz_;
  std::vector<float> scores_;      // inference scratch: (H, rows, T)
  std::vector<float> chunk_bias_;  // a chunk's static bias when not Toeplitz: (H, chunk rows, keys)
  std::vector<float> dropped_;     // a block entry's dropped probabilities: (H, rows, keys)
  // (B, H, T, d) each: rotated q, k in inference; gradients w.r.t. the rotated q, k in backward.
  Tensor q_rot_scratch_, k_rot_scratch_, dq_rot_scratch_, dk_rot_scratch_;
  struct BiasKey {
    std::int64_t heads = -1, seq_len = -1;
    std::vector<std::int64_t> positions;
    std::uint64_t version = ~0ull;
    bool operator==(const BiasKey&) const = default;
  } bias_key_;
};

}  // namespace pebench
