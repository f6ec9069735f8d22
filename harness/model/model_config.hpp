// The model's and the optimizer's settings: plain values, so that suite specs and
// case specs can hold them without the model itself (model/model.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace pebench {

struct ModelConfig {
  std::int64_t vocab = 256, d_model = 128, heads = 4, layers = 2;
  std::int64_t mlp_hidden = 0;  // 0: 4 * d_model
  // "pre": GPT-2's pre-LN blocks and a final LayerNorm; "post": the original Transformer's
  // post-LN blocks, x = LN(x + f(x)), and no final LayerNorm (the CoPE paper's runs,
  // facebookresearch/RAM projects/cope: --post-norm).
  std::string norm = "pre";
  // Dropout probability in training (0: none) on the embeddings, the attention block's output,
  // the MLP's hidden activation and its output (ops/dropout.hpp).
  double dropout = 0;
  // Dropout on the attention probabilities in training (attention/attention.hpp,
  // AttentionDropout): GPT-2's attn_pdrop, fairseq's --attention-dropout; the CoPE reference's
  // --drop drops them too (transformer.py L61), so its suites set both.
  double attention_dropout = 0;
  bool post_norm() const { return norm == "post"; }
  std::int64_t hidden() const { return mlp_hidden > 0 ? mlp_hidden : 4 * d_model; }
  std::int64_t head_dim() const { return d_model / heads; }
};

// AdamW and its schedule (model/optimizer.hpp has the formulas).
struct OptimizerConfig {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weight_decay = 0.1;
  double grad_clip = 1.0;  // max global norm; 0 = off
  std::int64_t warmup_steps = 0, total_steps = 1;
  std::string schedule = "cosine";  // linear | cosine | constant
  double min_lr_ratio = 0.1;        // decay ends at lr * min_lr_ratio
};

}  // namespace pebench
