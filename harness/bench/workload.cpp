#include "bench/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "pebench/random.hpp"

namespace pebench {
namespace {

std::vector<float> normal_vector(std::size_t n, Rng& rng) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.normal());
  return v;
}

double attention_forward_flops(const WorkloadShape& s) {
  return 2.0 * double(s.batch) * double(s.heads) * double(s.head_dim) * double(s.seq_len) *
         double(s.seq_len + 1);
}

}  // namespace

ModelConfig WorkloadShape::model_config() const {
  ModelConfig c;
  c.vocab = 256;
  c.d_model = heads * head_dim;
  c.heads = heads;
  c.layers = layers;
  return c;
}

double model_forward_flops(const ModelConfig& c, std::int64_t batch, std::int64_t seq_len) {
  const double A = attention_forward_flops(
      WorkloadShape{"attention_fwd", batch, seq_len, c.heads, c.head_dim(), c.layers});
  const double M = double(batch) * double(seq_len), D = double(c.d_model);
  const double F = double(c.hidden()), L = double(c.layers), V = double(c.vocab);
  return 2 * M * L * (4 * D * D + 2 * D * F) + L * A + 2 * M * D * V;
}

double workload_flops(const WorkloadShape& s) {
  const double A = attention_forward_flops(s);
  if (s.mode == "attention_fwd" || s.mode == "attention_inference") return A;
  if (s.mode == "attention_fwd_bwd") return 3 * A;
  const double forward = model_forward_flops(s.model_config(), s.batch, s.seq_len);
  return s.mode == "train_step" ? 3 * forward : forward;
}

SameFlopGemm::SameFlopGemm(const WorkloadShape& s) {
  if (s.is_model()) throw std::invalid_argument("a same-FLOP GEMM is defined for attention modes");
  const std::int64_t K = s.head_dim * (s.mode == "attention_fwd_bwd" ? 3 : 1);
  const std::int64_t batch = s.batch * s.heads, M = s.seq_len, N = s.seq_len + 1;
  shape_ = MatmulShape::dense(batch, M, N, K);
  Rng rng(1);
  a_ = normal_vector(static_cast<std::size_t>(batch * M * K), rng);
  b_ = normal_vector(static_cast<std::size_t>(batch * K * N), rng);
  c_.resize(static_cast<std::size_t>(batch * M * N));
}

void SameFlopGemm::step() {
  matmul(shape_, a_.data(), b_.data(), c_.data());
}

Workload::Workload(const WorkloadShape& shape, const EncodingSource* encoding, const Config& params,
                   std::uint64_t seed)
    : shape_(shape) {
  if (std::find(kWorkloadModes.begin(), kWorkloadModes.end(), shape.mode) == kWorkloadModes.end())
    throw std::invalid_argument(fmt::format("unknown mode '{}'", shape.mode));
  const std::int64_t B = shape.batch, T = shape.seq_len;
  positions_.resize(static_cast<std::size_t>(T));
  for (std::int64_t t = 0; t < T; ++t) positions_[t] = t;
  Rng rng(seed);
  if (shape.is_model()) {
    MakeEncoding make;
    if (encoding)
      make = [encoding, &params](const AttentionShape& s) { return encoding->create(params, s); };
    model_ = std::make_unique<Model>(shape.model_config(), make, seed);
    for (std::int64_t i = 0; i < B * T; ++i) {
      tokens_.push_back(static_cast<std::int32_t>(rng.below(256)));
      targets_.push_back(static_cast<std::int32_t>(rng.below(256)));
    }
    mask_.assign(static_cast<std::size_t>(B * T), 1.0f);
    OptimizerConfig oc;
    oc.total_steps = 1'000'000'000;
    optimizer_ = std::make_unique<AdamW>(oc);
    return;
  }
  if (encoding) {
    encoding_ = encoding->create(
        params, AttentionShape{shape.heads, shape.head_dim, shape.heads * shape.head_dim});
    encoding_->init_parameters(seed);
  }
  attention_ = std::make_unique<CausalAttention>(encoding_);
  const std::size_t n = static_cast<std::size_t>(B * shape.heads * T * shape.head_dim);
  q_ = normal_vector(n, rng), k_ = normal_vector(n, rng), v_ = normal_vector(n, rng);
  out_.resize(n);
  if (shape.mode == "attention_fwd_bwd") {
    dout_ = normal_vector(n, rng);
    dq_.assign(n, 0.0f), dk_.assign(n, 0.0f), dv_.assign(n, 0.0f);
  }
}

Workload::~Workload() = default;

void Workload::forward() {
  const std::int64_t B = shape_.batch, T = shape_.seq_len;
  if (model_) {
    const ModelInput input{B, T, tokens_.data(), targets_.data(), mask_.data(), &positions_};
    if (shape_.mode == "train_step") {
      model_->zero_grad();
      model_->forward(input, Pass::train);
    } else {
      model_->forward(input, Pass::inference);
    }
    return;
  }
  const AttentionDims dims{B, shape_.heads, T, shape_.head_dim};
  if (shape_.mode == "attention_inference") {
    attention_->forward_inference(out_.data(), q_.data(), k_.data(), v_.data(), dims, positions_);
    return;
  }
  if (!cache_) cache_ = std::make_unique<AttentionCache>();
  attention_->forward(out_.data(), *cache_, q_.data(), k_.data(), v_.data(), dims, positions_);
}

void Workload::backward() {
  if (shape_.mode == "train_step") {
    model_->backward();
    optimizer_->step(model_->parameters(), steps_++);
    model_->parameters_changed();
  } else if (shape_.mode == "attention_fwd_bwd") {
    attention_->backward(dq_.data(), dk_.data(), dv_.data(), dout_.data(), *cache_, q_.data(),
                         k_.data(), v_.data());
  }
}

void Workload::release_saved() {
  cache_.reset();
  if (model_) model_->release_activations();
}

std::int64_t Workload::encoding_parameters() const {
  if (model_) return model_->encoding_parameter_count();
  std::int64_t n = 0;
  if (encoding_)
    for (const auto& p : encoding_->parameters()) n += Tensor::count(p.shape);
  return n;
}

}  // namespace pebench
