// One measured step of a speed or memory case: causal attention alone or the whole
// model, with one encoding, at one shape. Used by the speed suite (timed steps) and
// the memory suite (bytes held between forward and backward, peak resident memory).
//
// Modes:
//   attention_fwd        CausalAttention::forward (keeps P for backward, as in training)
//   attention_fwd_bwd    forward + backward
//   attention_inference  forward_inference (nothing kept; memory O(T * block))
//   train_step           model: zero_grad, forward, backward, AdamW step
//   inference            model: forward, Pass::inference
// Attention modes run (B, H, T, d) on random q, k, v; model modes run the GPT-2-shape
// model (harness/model) with d_model = H * d, `layers` blocks, a byte vocabulary (256)
// and random tokens.
//
// FLOP counts (matmuls only; elementwise work is not counted), causal attention counts
// the visible (lower-triangle) pairs only, as FlashAttention reports causal attention:
//   attention forward          A = 2 B H d T (T + 1)      (Q K^T and P V, T(T+1)/2 pairs)
//   attention forward+backward 3 A                        (+ dP, dV, dQ, dK)
//   model forward              2 M L (4 D^2 + 2 D F) + L A + 2 M D V,   M = B T, F = 4 D
//   train step                 3 x model forward          (backward = 2 x forward)
// This is the only FLOP count in pebench: every GFLOPS figure (speed rows, the same-FLOP
// GEMM baseline) uses workload_flops().
//
// The same-FLOP GEMM (SameFlopGemm, speed's gemm_baseline) of an attention shape is the
// batched matmul (B H) x [T x K] x [K x (T + 1)] with K = d (forward, inference) or 3 d
// (forward+backward): exactly workload_flops(shape). Time relative to it says how much of
// a plain GEMM's throughput the attention reaches on the work it must do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attention/attention.hpp"
#include "attention/encoding_source.hpp"
#include "bench/workload_shape.hpp"
#include "model/model.hpp"
#include "model/optimizer.hpp"
#include "ops/matmul.hpp"

namespace pebench {

// Anything the speed kind times: one step per call (the first, untimed, is the warm-up).
class Stepper {
 public:
  virtual ~Stepper() = default;
  virtual void step() = 0;
};

class SameFlopGemm : public Stepper {
 public:
  explicit SameFlopGemm(const WorkloadShape& attention_shape);  // attention modes only
  void step() override;

 private:
  MatmulShape shape_;
  std::vector<float> a_, b_, c_;
};

class Workload : public Stepper {
 public:
  // encoding == nullptr: no positional encoding (nope). Throws what the encoding throws.
  Workload(const WorkloadShape& shape, const EncodingSource* encoding, const Config& params,
           std::uint64_t seed);
  ~Workload();

  // Throws PositionsUnsupported for a length the encoding refuses.
  void step() override {
    forward();
    backward();
  }
  void forward();        // the forward half of the step (all of it for forward-only modes)
  void backward();       // the rest: backward (+ optimizer for train_step); no-op without one
  void release_saved();  // drops what the last forward saved for backward
  std::int64_t encoding_parameters() const;
  std::int64_t tokens() const { return shape_.batch * shape_.seq_len; }

 private:
  WorkloadShape shape_;
  // Attention modes.
  std::unique_ptr<CausalAttention> attention_;
  std::shared_ptr<Encoding> encoding_;
  std::unique_ptr<AttentionCache> cache_;
  std::vector<float> q_, k_, v_, out_, dout_, dq_, dk_, dv_;
  // Model modes.
  std::unique_ptr<Model> model_;
  std::unique_ptr<AdamW> optimizer_;
  std::vector<std::int32_t> tokens_, targets_;
  std::vector<float> mask_;
  std::vector<std::int64_t> positions_;
  std::int64_t steps_ = 0;
};

}  // namespace pebench
