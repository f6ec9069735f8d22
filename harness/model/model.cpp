#include "model/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "attention/encoding_stack.hpp"
#include "ops/cross_entropy.hpp"
#include "ops/dropout.hpp"
#include "ops/embedding.hpp"
#include "ops/gelu.hpp"
#include "ops/layer_norm.hpp"
#include "ops/linear.hpp"
#include "ops/matmul.hpp"
#include "pebench/random.hpp"

namespace pebench {
namespace {

using Buffer = std::vector<float>;

void resize(Buffer& b, std::int64_t n) {
  b.resize(static_cast<std::size_t>(n));
}
void zeros(Buffer& b, std::int64_t n) {
  b.assign(static_cast<std::size_t>(n), 0.0f);
}

// qkv (B,T,3,H,d) -> q, k, v (B,H,T,d), and the reverse (overwriting qkv).
void split_heads(float* q, float* k, float* v, const float* qkv, const AttentionDims& d) {
  const std::int64_t H = d.heads, T = d.seq_len, hd = d.head_dim, D = H * hd;
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t b = 0; b < d.batch; ++b)
    for (std::int64_t t = 0; t < T; ++t) {
      const float* row = qkv + (b * T + t) * 3 * D;
      for (std::int64_t h = 0; h < H; ++h) {
        const std::int64_t o = ((b * H + h) * T + t) * hd;
        std::copy_n(row + h * hd, hd, q + o);
        std::copy_n(row + D + h * hd, hd, k + o);
        std::copy_n(row + 2 * D + h * hd, hd, v + o);
      }
    }
}

void merge_qkv(float* qkv, const float* q, const float* k, const float* v, const AttentionDims& d) {
  const std::int64_t H = d.heads, T = d.seq_len, hd = d.head_dim, D = H * hd;
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t b = 0; b < d.batch; ++b)
    for (std::int64_t t = 0; t < T; ++t) {
      float* row = qkv + (b * T + t) * 3 * D;
      for (std::int64_t h = 0; h < H; ++h) {
        const std::int64_t o = ((b * H + h) * T + t) * hd;
        std::copy_n(q + o, hd, row + h * hd);
        std::copy_n(k + o, hd, row + D + h * hd);
        std::copy_n(v + o, hd, row + 2 * D + h * hd);
      }
    }
}

// heads (B,H,T,d) <-> rows (B,T,H*d).
template <bool kToRows>
void permute_heads(float* dst, const float* src, const AttentionDims& d) {
  const std::int64_t H = d.heads, T = d.seq_len, hd = d.head_dim;
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t b = 0; b < d.batch; ++b)
    for (std::int64_t t = 0; t < T; ++t)
      for (std::int64_t h = 0; h < H; ++h) {
        const std::int64_t heads_at = ((b * H + h) * T + t) * hd;
        const std::int64_t rows_at = ((b * T + t) * H + h) * hd;
        if constexpr (kToRows)
          std::copy_n(src + heads_at, hd, dst + rows_at);
        else
          std::copy_n(src + rows_at, hd, dst + heads_at);
      }
}

void add_into(float* acc, const float* x, std::int64_t n) {
#pragma omp parallel for simd schedule(static)
  for (std::int64_t i = 0; i < n; ++i) acc[i] += x[i];
}

}  // namespace

struct Model::Layer {
  std::size_t ln1_w, ln1_b, qkv_w, qkv_b, proj_w, proj_b, ln2_w, ln2_b, fc_w, fc_b, mlp_w, mlp_b;
  std::shared_ptr<Encoding> encoding;
  std::unique_ptr<CausalAttention> attention;
  // Saved by forward for backward.
  // Pre-norm: ln1 = LN1(x_in) feeds qkv, x_mid = x_in + attn, ln2 = LN2(x_mid) feeds the MLP.
  // Post-norm: qkv reads x_in, x_mid = x_in + attn, ln1 = LN1(x_mid) feeds the MLP,
  // x_post = ln1 + mlp, and LN2(x_post) is the layer's output.
  Buffer x_in, ln1, mean1, var1, q, k, v, att, merged, x_mid, ln2, mean2, var2, h, a, x_post;
  std::vector<std::uint8_t> keep_attn, keep_hidden, keep_mlp;  // dropout masks
  AttentionCache cache;
};

struct Model::Activations {
  ModelInput input;
  std::vector<std::int32_t> tokens, targets;
  std::vector<float> mask;
  std::vector<std::int64_t> positions;
  bool saved_for_backward = false;
  bool dropped = false;  // this forward applied dropout (masks below and in the layers)
  std::vector<std::uint8_t> keep_embed;
  Buffer x, x_final, lnf, meanf, varf, logp;
  // Scratch kept across steps: fresh large buffers every step cost page faults
  // (measured ~10% of a train step in the kernel before these were kept).
  Buffer qkv, y, logits, dlogits, dx, dtmp, dwide, dh, dq, dk, dv, datt, ddrop;
};

Model::~Model() = default;

void Model::add_param(const std::string& name, std::vector<std::int64_t> shape, bool decay) {
  ParamRef p;
  p.name = name;
  p.shape = std::move(shape);
  p.size = 1;
  for (auto s : p.shape) p.size *= s;
  p.weight_decay = decay;
  params_.push_back(std::move(p));
}

Model::Model(const ModelConfig& config, const MakeEncoding& make_encoding, std::uint64_t seed)
    : config_(config), acts_(std::make_unique<Activations>()), seed_(seed) {
  const ModelConfig& c = config_;
  if (c.vocab <= 0 || c.d_model <= 0 || c.heads <= 0 || c.layers <= 0 || c.hidden() <= 0)
    throw std::invalid_argument("model: vocab, d_model, heads, layers must be > 0");
  if (c.d_model % c.heads != 0)
    throw std::invalid_argument(
        fmt::format("model: d_model ({}) must be divisible by heads ({})", c.d_model, c.heads));
  if (!(c.dropout >= 0 && c.dropout < 1))
    throw std::invalid_argument(fmt::format("model: dropout must be in [0, 1), got {}", c.dropout));
  if (!(c.attention_dropout >= 0 && c.attention_dropout < 1))
    throw std::invalid_argument(
        fmt::format("model: attention_dropout must be in [0, 1), got {}", c.attention_dropout));
  if (c.norm != "pre" && c.norm != "post")
    throw std::invalid_argument(fmt::format("model: norm is '{}', expected pre or post", c.norm));
  const std::int64_t D = c.d_model, F = c.hidden(), V = c.vocab;

  // The model's own parameters: names and shapes first, storage after.
  wte_ = params_.size();
  add_param("wte", {V, D}, true);
  for (std::int64_t l = 0; l < c.layers; ++l) {
    auto layer = std::make_unique<Layer>();
    const std::string p = fmt::format("h{}.", l);
    auto add = [&](const std::string& n, std::vector<std::int64_t> s, bool decay) {
      add_param(p + n, std::move(s), decay);
      return params_.size() - 1;
    };
    layer->ln1_w = add("ln1.weight", {D}, false);
    layer->ln1_b = add("ln1.bias", {D}, false);
    layer->qkv_w = add("attn.qkv.weight", {D, 3 * D}, true);
    layer->qkv_b = add("attn.qkv.bias", {3 * D}, false);
    layer->proj_w = add("attn.proj.weight", {D, D}, true);
    layer->proj_b = add("attn.proj.bias", {D}, false);
    layer->ln2_w = add("ln2.weight", {D}, false);
    layer->ln2_b = add("ln2.bias", {D}, false);
    layer->fc_w = add("mlp.fc.weight", {D, F}, true);
    layer->fc_b = add("mlp.fc.bias", {F}, false);
    layer->mlp_w = add("mlp.proj.weight", {F, D}, true);
    layer->mlp_b = add("mlp.proj.bias", {D}, false);
    layers_.push_back(std::move(layer));
  }
  if (!c.post_norm()) {  // post-norm blocks end in a LayerNorm already
    lnf_w_ = params_.size();
    add_param("lnf.weight", {D}, false);
    lnf_b_ = params_.size();
    add_param("lnf.bias", {D}, false);
  }

  std::int64_t total = 0;
  for (const auto& p : params_) total += p.size;
  zeros(values_, total);
  zeros(grads_, total);
  std::int64_t offset = 0;
  for (auto& p : params_) {
    p.value = values_.data() + offset;
    p.grad = grads_.data() + offset;
    offset += p.size;
  }

  // GPT-2 init, in parameter order from one generator.
  Rng rng(seed);
  const double residual_std = 0.02 / std::sqrt(2.0 * double(c.layers));
  for (auto& p : params_) {
    const bool layer_norm_weight =
        p.name.ends_with("ln1.weight") || p.name.ends_with("ln2.weight") || p.name == "lnf.weight";
    if (layer_norm_weight) {
      std::fill_n(p.value, p.size, 1.0f);
    } else if (p.shape.size() == 2) {
      const bool residual =
          p.name.ends_with("attn.proj.weight") || p.name.ends_with("mlp.proj.weight");
      const double std = residual ? residual_std : 0.02;
      for (std::int64_t i = 0; i < p.size; ++i) p.value[i] = static_cast<float>(std * rng.normal());
    }
  }

  // Encodings: one per layer, or one for all (shared_across_layers, or embed only).
  const AttentionShape shape{c.heads, c.head_dim(), D};
  std::shared_ptr<Encoding> shared;
  for (std::int64_t l = 0; l < c.layers; ++l) {
    Layer& layer = *layers_[static_cast<std::size_t>(l)];
    std::shared_ptr<Encoding> enc = shared;
    if (!enc && make_encoding) {
      enc = make_encoding(shape);
      if (enc) {
        const EncodingInfo info = enc->info();
        const bool one_for_all = info.shared_across_layers || info.hooks == kHookEmbed;
        enc->init_parameters(seed + 1000003ull * std::uint64_t(l + 1));
        const std::string prefix = one_for_all ? "enc." : fmt::format("h{}.enc.", l);
        // A stack's embed-only parts act once, with layer 0's instance: later layers' copies
        // of their parameters never get a gradient and are not the model's parameters.
        std::vector<std::string> unused_parts;
        if (const auto* stack = dynamic_cast<const EncodingStack*>(enc.get()); stack && l > 0)
          unused_parts = stack->embed_only_parts();
        for (const Parameter& ep : enc->parameters()) {
          if (std::any_of(unused_parts.begin(), unused_parts.end(), [&](const std::string& part) {
                return ep.name.rfind(part + ".", 0) == 0;
              }))
            continue;
          ParamRef p;
          p.name = prefix + ep.name;
          p.shape = ep.shape;
          p.size = 1;
          for (auto s : p.shape) p.size *= s;
          p.value = ep.value;
          p.grad = ep.grad;
          params_.push_back(std::move(p));
        }
        if (one_for_all) shared = enc;
      }
    }
    layer.encoding = enc;
    // 128-row query blocks: causal skipping pays off already at T=256 (train tokens/s at
    // B=8, T=256, d=128: 17.5k with 256-row blocks, 26.0k with 128, 24.3k with 64; measured).
    layer.attention = std::make_unique<CausalAttention>(enc, AttentionOptions{.block_rows = 128});
    encodings_.push_back(enc);
  }
}

std::int64_t Model::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& p : params_) n += p.size;
  return n;
}

std::int64_t Model::encoding_parameter_count() const {
  return parameter_count() - static_cast<std::int64_t>(values_.size());
}

void Model::zero_grad() {
  for (auto& p : params_) std::fill_n(p.grad, p.size, 0.0f);
}

void Model::release_activations() {
  acts_ = std::make_unique<Activations>();
  for (auto& L : layers_) {
    for (Buffer* b :
         {&L->x_in, &L->ln1, &L->mean1, &L->var1, &L->q, &L->k, &L->v, &L->att, &L->merged,
          &L->x_mid, &L->ln2, &L->mean2, &L->var2, &L->h, &L->a, &L->x_post})
      Buffer().swap(*b);
    for (auto* keep : {&L->keep_attn, &L->keep_hidden, &L->keep_mlp})
      std::vector<std::uint8_t>().swap(*keep);
    L->cache = AttentionCache{};
    L->attention->release_scratch();
  }
}

void Model::parameters_changed() {
  for (auto& layer : layers_) layer->attention->parameters_changed();
}

double Model::forward(const ModelInput& in, Pass pass) {
  const ModelConfig& c = config_;
  const std::int64_t B = in.batch, T = in.seq_len, M = B * T, D = c.d_model, F = c.hidden();
  if (B <= 0 || T <= 0 || !in.tokens || !in.targets || !in.loss_mask || !in.positions)
    throw std::invalid_argument("model: input needs B, T > 0, tokens, targets, mask, positions");
  if (static_cast<std::int64_t>(in.positions->size()) != T)
    throw std::invalid_argument("model: positions must have T entries");
  // The harness refuses positions an encoding does not support before any hook runs.
  for (const auto& layer : layers_) layer->attention->check_positions(*in.positions);
  Activations& a = *acts_;
  a.tokens.assign(in.tokens, in.tokens + M);
  a.targets.assign(in.targets, in.targets + M);
  a.mask.assign(in.loss_mask, in.loss_mask + M);
  a.positions = *in.positions;
  a.input = in;
  a.saved_for_backward = pass == Pass::train;
  const AttentionDims dims{B, c.heads, T, c.head_dim()};
  const Positions pos{a.positions.data(), T};

  resize(a.x, M * D);
  embedding_forward(a.x.data(), value(wte_), a.tokens.data(), M, c.vocab, D);
  const auto& enc0 = layers_.front()->encoding;
  if (enc0 && (enc0->info().hooks & kHookEmbed))
    enc0->embed_forward(dense_view<float, 3>(a.x.data(), {B, T, D}), pos);
  a.dropped = pass == Pass::train && c.dropout > 0;
  drop(a.x.data(), a.keep_embed, M * D, -1, 0);

  Buffer& qkv = a.qkv;
  Buffer& y = a.y;
  const bool post = c.post_norm();
  std::int64_t l = 0;
  for (auto& lp : layers_) {
    Layer& L = *lp;
    L.x_in = a.x;
    const float* attn_in = a.x.data();
    if (!post) {
      resize(L.ln1, M * D), resize(L.mean1, M), resize(L.var1, M);
      layer_norm_forward(L.ln1.data(), L.mean1.data(), L.var1.data(), a.x.data(), value(L.ln1_w),
                         value(L.ln1_b), M, D);
      attn_in = L.ln1.data();
    }
    resize(qkv, M * 3 * D);
    linear_forward(qkv.data(), attn_in, value(L.qkv_w), value(L.qkv_b), {M, D, 3 * D});
    resize(L.q, M * D), resize(L.k, M * D), resize(L.v, M * D), resize(L.att, M * D);
    split_heads(L.q.data(), L.k.data(), L.v.data(), qkv.data(), dims);
    if (pass == Pass::train)
      L.attention->forward(L.att.data(), L.cache, L.q.data(), L.k.data(), L.v.data(), dims,
                           a.positions, AttentionDropout{c.attention_dropout, dropout_seed(l, 4)});
    else
      L.attention->forward_inference(L.att.data(), L.q.data(), L.k.data(), L.v.data(), dims,
                                     a.positions);
    resize(L.merged, M * D);
    permute_heads<true>(L.merged.data(), L.att.data(), dims);
    resize(y, M * D);
    linear_forward(y.data(), L.merged.data(), value(L.proj_w), value(L.proj_b), {M, D, D});
    drop(y.data(), L.keep_attn, M * D, l, 1);
    add_into(a.x.data(), y.data(), M * D);

    L.x_mid = a.x;
    // The MLP's input: LN2(x_mid) (pre), or LN1(x_mid), which is also the residual (post).
    Buffer& mlp_in = post ? L.ln1 : L.ln2;
    Buffer &mean = post ? L.mean1 : L.mean2, &var = post ? L.var1 : L.var2;
    const std::size_t w = post ? L.ln1_w : L.ln2_w, b = post ? L.ln1_b : L.ln2_b;
    resize(mlp_in, M * D), resize(mean, M), resize(var, M);
    layer_norm_forward(mlp_in.data(), mean.data(), var.data(), a.x.data(), value(w), value(b), M,
                       D);
    if (post) a.x = mlp_in;
    resize(L.h, M * F), resize(L.a, M * F);
    linear_forward(L.h.data(), mlp_in.data(), value(L.fc_w), value(L.fc_b), {M, D, F});
    gelu_forward(L.a.data(), L.h.data(), M * F);
    drop(L.a.data(), L.keep_hidden, M * F, l, 2);
    linear_forward(y.data(), L.a.data(), value(L.mlp_w), value(L.mlp_b), {M, F, D});
    drop(y.data(), L.keep_mlp, M * D, l, 3);
    add_into(a.x.data(), y.data(), M * D);
    if (post) {
      L.x_post = a.x;
      resize(L.ln2, M * D), resize(L.mean2, M), resize(L.var2, M);
      layer_norm_forward(L.ln2.data(), L.mean2.data(), L.var2.data(), L.x_post.data(),
                         value(L.ln2_w), value(L.ln2_b), M, D);
      a.x = L.ln2;
    }
    ++l;
  }

  a.x_final = a.x;
  if (post) {
    a.lnf = a.x;  // no final LayerNorm: the last block's output meets the head
  } else {
    resize(a.lnf, M * D), resize(a.meanf, M), resize(a.varf, M);
    layer_norm_forward(a.lnf.data(), a.meanf.data(), a.varf.data(), a.x.data(), value(lnf_w_),
                       value(lnf_b_), M, D);
  }
  Buffer& logits = a.logits;
  resize(logits, M * c.vocab);
  // logits (M, V) = lnf (M, D) wte^T
  matmul(MatmulShape::dense(1, M, c.vocab, D, false, true), a.lnf.data(), value(wte_),
         logits.data());
  resize(a.logp, M * c.vocab);
  return cross_entropy_forward(a.logp.data(), logits.data(), a.targets.data(), a.mask.data(), M,
                               c.vocab);
}

std::vector<std::int32_t> Model::predictions() const {
  const Activations& a = *acts_;
  const std::int64_t M = a.input.batch * a.input.seq_len;
  std::vector<std::int32_t> out(static_cast<std::size_t>(M));
  if (M > 0) argmax_rows(out.data(), a.logp.data(), M, config_.vocab);
  return out;
}

std::vector<float> Model::token_losses() const {
  const Activations& a = *acts_;
  const std::int64_t M = a.input.batch * a.input.seq_len, V = config_.vocab;
  std::vector<float> out(static_cast<std::size_t>(M));
  for (std::int64_t i = 0; i < M; ++i) out[i] = -a.logp[i * V + a.targets[i]];
  return out;
}

void Model::backward() {
  const ModelConfig& c = config_;
  Activations& a = *acts_;
  const std::int64_t B = a.input.batch, T = a.input.seq_len, M = B * T, D = c.d_model;
  const std::int64_t V = c.vocab;
  if (M == 0 || !a.saved_for_backward)
    throw std::logic_error("model: backward() without a forward(Pass::train)");
  const AttentionDims dims{B, c.heads, T, c.head_dim()};
  auto grad = [&](std::size_t i) { return params_[i].grad; };

  Buffer &dlogits = a.dlogits, &dx = a.dx, &dtmp = a.dtmp;
  zeros(dlogits, M * V);
  cross_entropy_backward(dlogits.data(), a.logp.data(), a.targets.data(), a.mask.data(), M, V);
  // dlnf (M, D) = dlogits (M, V) wte (V, D);  dwte += dlogits^T lnf
  zeros(dtmp, M * D);
  matmul(MatmulShape::dense(1, M, D, V), dlogits.data(), value(wte_), dtmp.data());
  MatmulShape dwte = MatmulShape::dense(1, V, D, M, true, false);
  dwte.accumulate = true;
  matmul(dwte, dlogits.data(), a.lnf.data(), grad(wte_));
  zeros(dx, M * D);
  const bool post = c.post_norm();
  if (post)
    std::copy(dtmp.begin(), dtmp.begin() + M * D, dx.begin());
  else
    layer_norm_backward(dx.data(), grad(lnf_w_), grad(lnf_b_), dtmp.data(), a.x_final.data(),
                        value(lnf_w_), value(lnf_b_), a.meanf.data(), a.varf.data(), M, D);

  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    Layer& L = **it;
    if (post) {
      backward_post_norm_layer(L, dims);
      continue;
    }
    // MLP branch: x_out = x_mid + proj(gelu(fc(ln2(x_mid)))); dx is d x_out.
    mlp_branch_backward(L, M, L.ln2.data());
    layer_norm_backward(dx.data(), grad(L.ln2_w), grad(L.ln2_b), dtmp.data(), L.x_mid.data(),
                        value(L.ln2_w), value(L.ln2_b), L.mean2.data(), L.var2.data(), M, D);

    // Attention branch: x_mid = x_in + proj(attn(ln1(x_in))); dx is now d x_mid.
    attention_branch_backward(L, dims, L.ln1.data());
    layer_norm_backward(dx.data(), grad(L.ln1_w), grad(L.ln1_b), dtmp.data(), L.x_in.data(),
                        value(L.ln1_w), value(L.ln1_b), L.mean1.data(), L.var1.data(), M, D);
  }

  undrop(dx.data(), dx.data(), a.keep_embed, M * D);
  const auto& enc0 = layers_.front()->encoding;
  if (enc0 && (enc0->info().hooks & kHookEmbed))
    enc0->embed_backward(dense_view<const float, 3>(dx.data(), {B, T, D}),
                         Positions{a.positions.data(), T});
  embedding_backward(grad(wte_), dx.data(), a.tokens.data(), M, D);
}

bool Model::drop(float* x, std::vector<std::uint8_t>& keep, std::int64_t n, std::int64_t layer,
                 int site) {
  if (!acts_->dropped) return false;
  keep.resize(static_cast<std::size_t>(n));
  dropout_forward(x, keep.data(), x, n, config_.dropout, dropout_seed(layer, site));
  return true;
}

std::uint64_t Model::dropout_seed(std::int64_t layer, int site) const {
  // One stream per (seed, step, layer, site); elements by index within it (ops/dropout.hpp).
  Rng mix(seed_ ^ 0xD1B54A32D192ED03ull);
  for (const std::uint64_t v :
       {std::uint64_t(dropout_step_), std::uint64_t(layer + 1), std::uint64_t(site)})
    mix = Rng(mix.next_u64() ^ v);
  return mix.next_u64();
}

void Model::undrop(float* dx, const float* dy, const std::vector<std::uint8_t>& keep,
                   std::int64_t n) {
  if (acts_->dropped)
    dropout_backward(dx, dy, keep.data(), n, config_.dropout);
  else if (dx != dy)
    std::copy(dy, dy + n, dx);
}

void Model::backward_post_norm_layer(Layer& L, const AttentionDims& dims) {
  Activations& a = *acts_;
  const std::int64_t M = dims.batch * dims.seq_len, D = config_.d_model;
  // y = LN(x) with LayerNorm `w`, `b` and x's saved statistics: dx (= d y) becomes d x.
  auto through_layer_norm = [&](std::size_t w, std::size_t b, const Buffer& x, const Buffer& mean,
                                const Buffer& var) {
    zeros(a.dtmp, M * D);
    layer_norm_backward(a.dtmp.data(), params_[w].grad, params_[b].grad, a.dx.data(), x.data(),
                        value(w), value(b), mean.data(), var.data(), M, D);
    std::swap(a.dx, a.dtmp);
  };
  through_layer_norm(L.ln2_w, L.ln2_b, L.x_post, L.mean2, L.var2);  // out = LN2(x_post)
  // x_post = x1 + proj(gelu(fc(x1))), x1 = ln1: dx becomes d x1.
  mlp_branch_backward(L, M, L.ln1.data());
  add_into(a.dx.data(), a.dtmp.data(), M * D);
  through_layer_norm(L.ln1_w, L.ln1_b, L.x_mid, L.mean1, L.var1);  // x1 = LN1(x_mid)
  // x_mid = x_in + proj(attn(qkv(x_in))): dx becomes d x_in.
  attention_branch_backward(L, dims, L.x_in.data());
  add_into(a.dx.data(), a.dtmp.data(), M * D);
}

void Model::mlp_branch_backward(Layer& L, std::int64_t M, const float* input) {
  Activations& a = *acts_;
  const std::int64_t D = config_.d_model, F = config_.hidden();
  auto grad = [&](std::size_t i) { return params_[i].grad; };
  resize(a.ddrop, M * D);
  undrop(a.ddrop.data(), a.dx.data(), L.keep_mlp, M * D);
  zeros(a.dwide, M * F);
  linear_backward(a.dwide.data(), grad(L.mlp_w), grad(L.mlp_b), a.ddrop.data(), L.a.data(),
                  value(L.mlp_w), {M, F, D});
  undrop(a.dwide.data(), a.dwide.data(), L.keep_hidden, M * F);
  resize(a.dh, M * F);
  gelu_backward(a.dh.data(), a.dwide.data(), L.h.data(), M * F);
  zeros(a.dtmp, M * D);
  linear_backward(a.dtmp.data(), grad(L.fc_w), grad(L.fc_b), a.dh.data(), input, value(L.fc_w),
                  {M, D, F});
}

void Model::attention_branch_backward(Layer& L, const AttentionDims& dims, const float* input) {
  Activations& a = *acts_;
  const std::int64_t M = dims.batch * dims.seq_len, D = config_.d_model;
  auto grad = [&](std::size_t i) { return params_[i].grad; };
  resize(a.ddrop, M * D);
  undrop(a.ddrop.data(), a.dx.data(), L.keep_attn, M * D);
  zeros(a.dtmp, M * D);
  linear_backward(a.dtmp.data(), grad(L.proj_w), grad(L.proj_b), a.ddrop.data(), L.merged.data(),
                  value(L.proj_w), {M, D, D});
  resize(a.datt, M * D);
  permute_heads<false>(a.datt.data(), a.dtmp.data(), dims);
  zeros(a.dq, M * D), zeros(a.dk, M * D), zeros(a.dv, M * D);
  L.attention->backward(a.dq.data(), a.dk.data(), a.dv.data(), a.datt.data(), L.cache, L.q.data(),
                        L.k.data(), L.v.data());
  resize(a.dwide, M * 3 * D);
  merge_qkv(a.dwide.data(), a.dq.data(), a.dk.data(), a.dv.data(), dims);
  zeros(a.dtmp, M * D);
  linear_backward(a.dtmp.data(), grad(L.qkv_w), grad(L.qkv_b), a.dwide.data(), input,
                  value(L.qkv_w), {M, D, 3 * D});
}

}  // namespace pebench
