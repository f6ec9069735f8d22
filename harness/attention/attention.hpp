// Causal multi-head self-attention on oneDNN, with a positional encoding's hooks.
//
//   q,k = rotate(q,k)                                  (rotate hook)
//   S   = scale * Q K^T + bias + causal mask (-inf)    (static bias hook, cached)
//   S  += score(q, k, S)                               (score hook)
//   P   = softmax(S);  O = P V;  O += mix(P)           (mix hook)
//
// Queries are processed in blocks of `block_rows` rows; a block starting at row
// i0 with r rows only sees keys 0..i0+r-1, so fully masked key blocks are never
// computed (causal skipping: ~(1 + 1/nblocks)/2 of the full-square FLOPs).
// Each block's S (H, r, keys) is one batched matmul (scale folded in), then our causal
// softmax (ops/causal_softmax.hpp), which adds the static bias and applies the causal mask
// on the fly and reads only the visible keys j <= i. The static bias comes from
//   - a Toeplitz table (H, T) when the encoding is relative and the positions evenly spaced
//     (attention/toeplitz_bias.hpp): one row per head, cache-resident;
//   - else a per-block cache (H, rows, keys) computed once per (T, positions, parameter
//     version): FIRE (not relative), randomized (irregular) positions.
// With a score hook the bias and mask are written into S first (the hook expects biased,
// masked logits), then the softmax runs without bias.
// Before (up to 23a5fff) the cached bias with the mask baked in was fused as a full-shape
// binary post-op into the matmul: 268 MB read per forward at T=4096 (1.10-1.15x NoPE).
// The backward uses the same strided, transposed views; no copies.
//
// forward_inference keeps nothing for backward: each block's scores live in one reused
// (H, rows, T) scratch, hook states are dropped at once, and a bias that is not a
// Toeplitz table is computed per block. Memory grows O(B H T d + H rows T), not
// O(B H T^2): T = 16384, H = 8, d = 64 with 256-row blocks needs q, k, v, out (128 MiB) and
// the scratch (128 MiB; twice that with a per-block bias), where the training path would
// hold 4.3 GB of probabilities. Same arithmetic as forward, so the outputs are bitwise equal.
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
  bool toeplitz_bias = true;      // false: always the per-block bias cache (tests, benchmarks)
};

// What forward saves for backward. Holds the encoding (and so its library)
// alive as long as any hook state lives.
struct AttentionCache {
  std::shared_ptr<Encoding> encoding;  // first: destroyed last, after the hook states
  AttentionDims dims;
  std::vector<std::int64_t> positions;  // (T)
  Tensor q_rot, k_rot;                  // (B,H,T,d), only with a rotate hook
  std::vector<float> probs;             // P of every (block, batch): (H, rows, keys) each
  std::vector<std::unique_ptr<HookState>> score_states, mix_states;  // per (block, batch)
};

class CausalAttention {
 public:
  // `encoding` may be null (no positional encoding at all).
  explicit CausalAttention(std::shared_ptr<Encoding> encoding, AttentionOptions options = {});

  // q, k, v, out: (B,H,T,d) dense. positions: (T), non-decreasing.
  void forward(float* out, AttentionCache& cache, const float* q, const float* k, const float* v,
               const AttentionDims& dims, const std::vector<std::int64_t>& positions);
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
  struct Block {
    std::int64_t first_row, rows, keys;
    std::size_t probs_offset;  // of batch 0; batch b adds b * heads * rows * keys
  };
  std::vector<Block> make_blocks(const AttentionDims& dims) const;
  // cache == nullptr: inference (nothing kept; per-block bias computed on the fly).
  void run_forward(float* out, AttentionCache* cache, const float* q, const float* k,
                   const float* v, const AttentionDims& dims,
                   const std::vector<std::int64_t>& positions);
  // per_block_cache: also build the per-block bias cache when no Toeplitz table applies.
  void update_bias_cache(const AttentionDims& dims, const std::vector<std::int64_t>& positions,
                         bool per_block_cache);

  std::shared_ptr<Encoding> encoding_;
  EncodingInfo info_;
  AttentionOptions options_;
  bool has_bias_params_ = false;  // static bias with trainable parameters (read at each forward)
  std::uint64_t parameter_version_ = 0;

  // The bias of block r, row (h, i): a slice of the Toeplitz table or of the block cache.
  RowBias bias_rows(std::size_t r, const Block& blk, std::int64_t seq_len) const;

  // Static bias, valid for the key below: the Toeplitz table (H, T) if it applies, else
  // one (H, rows, keys) tensor per block (entries j > i unused).
  std::vector<float> toeplitz_;
  std::vector<std::vector<float>> bias_blocks_;
  std::vector<float> scores_, block_bias_;  // inference scratch: (H, rows, T) each
  // (B, H, T, d) each: rotated q, k in inference; gradients w.r.t. the rotated q, k in backward.
  Tensor q_rot_scratch_, k_rot_scratch_, dq_rot_scratch_, dk_rot_scratch_;
  struct BiasKey {
    std::int64_t heads = -1, seq_len = -1;
    std::vector<std::int64_t> positions;
    std::uint64_t version = ~0ull;
    bool per_block = false;  // bias_blocks_ was built (training) or not (inference)
    bool operator==(const BiasKey&) const = default;
  } bias_key_;
};

}  // namespace pebench
