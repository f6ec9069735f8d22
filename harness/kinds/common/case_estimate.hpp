// What a case will need, estimated from its model and attention shapes before anything runs
// (SuiteKind::estimate; `pebench validate` prints it, and a suite whose case cannot fit its
// memory cap or cannot finish within its timeout is refused). Rough by design: the harness's
// own tensors only (a plugin's buffers are not known), matmul FLOPs only.
//
// Bytes, checked against the memory suite (suites/memory.yaml, AMD EPYC, nope): attention
// forward+backward at B=1, H=8, d=64, T=1024 peaks at 52 MiB (estimate 58 MiB); a train step
// of the 2-layer d_model 512 model at T=1024 at 282 MiB (estimate 318 MiB).
#pragma once

#include <cstdint>

#include "bench/workload_shape.hpp"
#include "model/model_config.hpp"
#include "suite/case.hpp"

namespace pebench {

// Probabilities CausalAttention keeps for its backward: every query block's rows x visible
// keys (blocks of 256 rows), B x H of them.
double attention_probs_bytes(std::int64_t batch, std::int64_t heads, std::int64_t seq_len);

// Peak bytes of a speed or memory workload (attention alone or the whole model).
double workload_bytes(const WorkloadShape& shape);

// Peak bytes of a train step of `model` (parameters, gradients and AdamW's moments,
// activations and probabilities kept for the backward, one layer's backward scratch), and of
// an inference forward (parameters and one layer's activations and scores).
double model_train_bytes(const ModelConfig& model, std::int64_t batch, std::int64_t seq_len);
double model_inference_bytes(const ModelConfig& model, std::int64_t batch, std::int64_t seq_len);

// The FLOPs of `steps` train steps and the bytes of one, at (batch, seq_len).
CaseEstimate training_estimate(const ModelConfig& model, std::int64_t steps, std::int64_t batch,
                               std::int64_t seq_len);

// `a` then `b` in one process: FLOPs and minimum times add, the peak is the larger.
CaseEstimate then(const CaseEstimate& a, const CaseEstimate& b);

}  // namespace pebench
