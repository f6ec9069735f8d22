// AdamW (Loshchilov & Hutter 2019) with the semantics of torch.optim.AdamW, a
// learning-rate schedule (linear warmup, then linear / cosine decay or constant),
// and gradient clipping by global norm (torch.nn.utils.clip_grad_norm_).
//
//   p -= lr * wd * p                      (decoupled decay; 2-D weights only)
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "model/model_config.hpp"

namespace pebench {

// The learning rate at step t = 0, 1, ...:
//   t < warmup: lr (t+1) / warmup
//   else progress = (t - warmup) / max(1, total - warmup) (clamped to 1),
//   linear: lr (1 - (1-r) progress);  cosine: lr (r + (1-r) (1 + cos(pi progress)) / 2)
double learning_rate(const OptimizerConfig& c, std::int64_t step);

// The global L2 norm of all gradients (NaN or Inf if any gradient is).
double grad_norm(const std::vector<ParamRef>& params);

// Scales all gradients so that their global L2 norm is at most max_norm
// (factor max_norm / (norm + 1e-6), as torch). Returns the norm before clipping.
double clip_grad_norm(std::vector<ParamRef>& params, double max_norm);
// The same with their norm already computed (grad_norm).
double clip_grad_norm(std::vector<ParamRef>& params, double max_norm, double norm);

class AdamW {
 public:
  // Throws std::invalid_argument naming the bad setting.
  explicit AdamW(const OptimizerConfig& config);
  // Clips, then updates every parameter with the learning rate of step `step`.
  // Returns the gradient norm before clipping. A non-finite norm (a NaN or Inf gradient)
  // changes nothing, neither parameters nor moments: the caller reports it (train() ends the
  // training as diverged) and the model stays as the last finite step left it.
  double step(std::vector<ParamRef>& params, std::int64_t step);
  // Its moments as tensors "adam.m.<param>" / "adam.v.<param>" (allocated if not yet), for a
  // training checkpoint to save and load.
  std::vector<ExtraTensor> state(const std::vector<ParamRef>& params);

 private:
  void allocate(const std::vector<ParamRef>& params);  // zero moments, once
  OptimizerConfig config_;
  std::vector<std::vector<float>> m_, v_;
};

}  // namespace pebench
