#include "kinds/conformance/conformance_layer.hpp"

#include <cmath>

#include "pebench/random.hpp"

namespace pebench {
namespace {

Tensor random_tensor(std::vector<std::int64_t> shape, Rng& rng, float scale) {
  Tensor t(std::move(shape));
  for (auto& x : t.values()) x = static_cast<float>(rng.normal()) * scale;
  return t;
}

// q(B,H,T,d)[b,h,t,c] = sum_e x(B,T,D)[b,t,e] * w(D,D)[e, h*d+c]
void project_to_heads(Tensor& q, const Tensor& x, const Tensor& w, const AttentionDims& d) {
  const std::int64_t D = d.heads * d.head_dim;
  for (std::int64_t b = 0; b < d.batch; ++b)
    for (std::int64_t t = 0; t < d.seq_len; ++t)
      for (std::int64_t o = 0; o < D; ++o) {
        double acc = 0;
        for (std::int64_t e = 0; e < D; ++e)
          acc += double(x[(b * d.seq_len + t) * D + e]) * w[e * D + o];
        const std::int64_t h = o / d.head_dim, c = o % d.head_dim;
        q[((b * d.heads + h) * d.seq_len + t) * d.head_dim + c] = static_cast<float>(acc);
      }
}

// dx(B,T,D)[b,t,e] += sum_o dq[b, h(o), t, c(o)] * w[e, o]
void project_back(Tensor& dx, const Tensor& dq, const Tensor& w, const AttentionDims& d) {
  const std::int64_t D = d.heads * d.head_dim;
  for (std::int64_t b = 0; b < d.batch; ++b)
    for (std::int64_t t = 0; t < d.seq_len; ++t)
      for (std::int64_t e = 0; e < D; ++e) {
        double acc = 0;
        for (std::int64_t o = 0; o < D; ++o) {
          const std::int64_t h = o / d.head_dim, c = o % d.head_dim;
          acc += double(dq[((b * d.heads + h) * d.seq_len + t) * d.head_dim + c]) * w[e * D + o];
        }
        dx[(b * d.seq_len + t) * D + e] += static_cast<float>(acc);
      }
}

}  // namespace

ConformanceLayer::ConformanceLayer(std::shared_ptr<Encoding> encoding, const AttentionDims& dims,
                                   std::int64_t block_rows, std::uint64_t seed,
                                   std::int64_t chunk_bytes)
    : encoding_(encoding),
      dims_(dims),
      embeds_(encoding && (encoding->info().hooks & kHookEmbed)),
      attention_(encoding, AttentionOptions{block_rows, 0.0f, true, chunk_bytes}) {
  if (embeds_) {
    const std::int64_t D = dims.heads * dims.head_dim;
    Rng rng(seed ^ 0x5eedull);
    const float s = 1.0f / std::sqrt(float(D));
    wq_ = random_tensor({D, D}, rng, s);
    wk_ = random_tensor({D, D}, rng, s);
    wv_ = random_tensor({D, D}, rng, s);
  }
}

std::map<std::string, Tensor> ConformanceLayer::random_inputs(std::uint64_t seed,
                                                              float scale) const {
  Rng rng(seed);
  const auto& d = dims_;
  std::map<std::string, Tensor> in;
  if (embeds_) {
    in["x"] = random_tensor({d.batch, d.seq_len, d.heads * d.head_dim}, rng, scale);
  } else {
    for (const char* name : {"q", "k", "v"})
      in[name] = random_tensor({d.batch, d.heads, d.seq_len, d.head_dim}, rng, scale);
  }
  return in;
}

Tensor ConformanceLayer::forward(const std::map<std::string, Tensor>& inputs,
                                 const std::vector<std::int64_t>& positions) {
  saved_inputs_ = inputs;
  const auto& d = dims_;
  attention_.check_positions(positions);  // before any hook sees them
  if (embeds_) {
    x_embedded_ = inputs.at("x");
    encoding_->embed_forward(x_embedded_.view<3>(), Positions{positions.data(), d.seq_len});
    q_ = k_ = v_ = Tensor({d.batch, d.heads, d.seq_len, d.head_dim});
    project_to_heads(q_, x_embedded_, wq_, d);
    project_to_heads(k_, x_embedded_, wk_, d);
    project_to_heads(v_, x_embedded_, wv_, d);
  } else {
    q_ = inputs.at("q");
    k_ = inputs.at("k");
    v_ = inputs.at("v");
  }
  Tensor out({d.batch, d.heads, d.seq_len, d.head_dim});
  attention_.forward(out.data(), cache_, q_.data(), k_.data(), v_.data(), d, positions);
  return out;
}

std::map<std::string, Tensor> ConformanceLayer::backward(const Tensor& dout, float prefill) {
  const auto& d = dims_;
  // Gradients start at `prefill` and it is subtracted afterwards: a hook that writes (=)
  // where it must accumulate (+=) then shows up as a wrong gradient.
  Tensor dq(q_.shape()), dk(k_.shape()), dv(v_.shape());
  for (Tensor* t : {&dq, &dk, &dv}) std::fill(t->values().begin(), t->values().end(), prefill);
  attention_.backward(dq.data(), dk.data(), dv.data(), dout.data(), cache_, q_.data(), k_.data(),
                      v_.data());
  for (Tensor* t : {&dq, &dk, &dv})
    for (auto& x : t->values()) x -= prefill;
  std::map<std::string, Tensor> grads;
  if (!embeds_) {
    grads["q"] = std::move(dq);
    grads["k"] = std::move(dk);
    grads["v"] = std::move(dv);
    return grads;
  }
  Tensor dx(saved_inputs_.at("x").shape());
  project_back(dx, dq, wq_, d);
  project_back(dx, dk, wk_, d);
  project_back(dx, dv, wv_, d);
  encoding_->embed_backward(dx.view<3>(), Positions{cache_.positions.data(), d.seq_len});
  grads["x"] = std::move(dx);
  return grads;
}

}  // namespace pebench
