// A tiny decoder-only transformer (GPT-2 shape) with a positional encoding:
//
//   x = wte[tokens]  (+ E(pos) for encodings with an embed hook), dropout(x) in training
//   (model.dropout; also on each block's attention and MLP output and MLP hidden activation;
//   model.attention_dropout on the attention probabilities)
//   N pre-LN blocks:  x += proj(attn(ln1(x)));   x += mlp(ln2(x))
//   (or, with norm: post, post-LN blocks: x = ln1(x + proj(attn(x))); x = ln2(x + mlp(x)),
//    and no lnf: the original Transformer's order, as the CoPE paper's runs)
//     attn: qkv = ln1(x) Wqkv + b  (columns [q | k | v], head h at h*d..),
//           causal attention with the encoding's hooks (scale 1/sqrt(d))
//     mlp:  gelu(x Wfc + bfc) Wproj + bproj,  hidden 4D, exact (erf) GELU
//   logits = lnf(x) wte^T  (tied head);  loss = masked mean cross-entropy
//
// Linear weights are stored (in, out). Parameter names and init follow GPT-2
// (Radford et al. 2019): weights N(0, 0.02), residual projections N(0, 0.02/sqrt(2N)),
// biases 0, LayerNorm 1/0. scripts/torch_reference/tiny_model.py is the same model.
//
// Encodings: one instance per layer, or one for all layers when the encoding
// declares shared_across_layers (T5). An embed hook acts once, on the input, with
// layer 0's instance (the embed part of later layers' instances stays unused).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attention/attention.hpp"
#include "model/model_config.hpp"
#include "pebench/encoding.hpp"

namespace pebench {

// A trainable tensor: the model's own or an encoding's.
// A tensor saved beside a model's weights (an optimizer's state).
struct ExtraTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  float* data = nullptr;
  std::int64_t count = 0;
};

struct ParamRef {
  std::string name;  // e.g. "h0.attn.qkv.weight", "h1.enc.slope", "enc.table"
  std::vector<std::int64_t> shape;
  float* value = nullptr;
  float* grad = nullptr;
  std::int64_t size = 0;
  bool weight_decay = false;  // 2-D weights only (GPT-2 / nanoGPT convention)
};

// Creates the encoding of one layer (null: no positional encoding).
using MakeEncoding = std::function<std::shared_ptr<Encoding>(const AttentionShape&)>;

// One batch of token sequences: tokens, targets (B*T), mask (B*T); positions (T).
struct ModelInput {
  std::int64_t batch = 0, seq_len = 0;
  const std::int32_t* tokens = nullptr;
  const std::int32_t* targets = nullptr;
  const float* loss_mask = nullptr;
  const std::vector<std::int64_t>* positions = nullptr;
};

// train: keep what backward() needs. inference: attention keeps no probabilities
// (CausalAttention::forward_inference), so long sequences fit; backward() then throws.
enum class Pass { train, inference };

class Model {
 public:
  // Throws std::invalid_argument for inconsistent dims (d_model % heads != 0, ...).
  Model(const ModelConfig& config, const MakeEncoding& encoding, std::uint64_t seed);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Returns the masked mean cross-entropy; saves activations for backward().
  double forward(const ModelInput& input, Pass pass = Pass::train);
  // Accumulates parameter gradients of the last forward's loss.
  void backward();
  // The training step whose dropout masks forward(Pass::train) draws (a function of the
  // model's seed, the step, the layer and the site: the same again for the same step).
  void set_dropout_step(std::int64_t step) { dropout_step_ = step; }
  // Argmax next-token predictions (B*T) of the last forward.
  std::vector<std::int32_t> predictions() const;
  // -log p(target) of every token (B*T) of the last forward, masked or not (nats).
  std::vector<float> token_losses() const;

  // Frees what forward saved for backward and the step scratch (memory measurements).
  void release_activations();

  std::vector<ParamRef>& parameters() { return params_; }
  void zero_grad();
  // Call after parameter values changed (optimizer step, finite differences):
  // attention caches derived from encoding parameters are rebuilt.
  void parameters_changed();
  const ModelConfig& config() const { return config_; }
  std::int64_t parameter_count() const;
  std::int64_t encoding_parameter_count() const;
  const std::vector<std::shared_ptr<Encoding>>& encodings() const { return encodings_; }

 private:
  struct Layer;
  struct Activations;
  void add_param(const std::string& name, std::vector<std::int64_t> shape, bool decay);
  // One post-norm block's backward: the activations' dx holds d(its output), and then
  // d(its input).
  void backward_post_norm_layer(Layer& L, const AttentionDims& dims);
  // The two branches of a block's backward, from the activations' dx (the gradient where the
  // branch output joins the residual, before its dropout) to dtmp = d(branch input): the MLP
  // proj(gelu(fc(input))), the attention proj(attn(qkv(input))).
  void mlp_branch_backward(Layer& L, std::int64_t M, const float* input);
  void attention_branch_backward(Layer& L, const AttentionDims& dims, const float* input);
  float* value(std::size_t index) { return params_[index].value; }

  ModelConfig config_;
  std::vector<float> values_, grads_;  // the model's own parameters, contiguous
  std::vector<ParamRef> params_;
  std::vector<std::shared_ptr<Encoding>> encodings_;  // per layer (may repeat; may be null)
  std::vector<std::unique_ptr<Layer>> layers_;
  std::unique_ptr<Activations> acts_;
  std::size_t wte_ = 0, lnf_w_ = 0, lnf_b_ = 0;  // indices into params_
  std::uint64_t seed_ = 0;
  std::int64_t dropout_step_ = 0;
  // Dropout in place on x (n) at `site` of `layer` (layer -1: the embeddings), when training
  // with config.dropout > 0; `keep` gets the mask. True if it dropped.
  bool drop(float* x, std::vector<std::uint8_t>& keep, std::int64_t n, std::int64_t layer,
            int site);
  // The dropout stream of (seed, step, layer, site) (site 4: attention probabilities).
  std::uint64_t dropout_seed(std::int64_t layer, int site) const;
  // dx (n) = the dropout backward of dy where `drop` dropped; else dx = dy unless the same.
  void undrop(float* dx, const float* dy, const std::vector<std::uint8_t>& keep, std::int64_t n);
};

}  // namespace pebench
