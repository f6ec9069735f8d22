// The attention layer check-plugin (and `pebench probe`) exercise:
//
//   without an embed hook:  inputs q, k, v (B,H,T,d) -> CausalAttention -> out (B,H,T,d)
//   with an embed hook:     input x (B,T,D) -> x += E(pos) -> q,k,v = heads(x W_{q,k,v})
//                           -> CausalAttention -> out
//
// W_{q,k,v} (D,D) are fixed random projections (not trained) so that the embed
// hook's gradient flows through a realistic path. Small sizes only: the
// projections are naive loops.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "attention/attention.hpp"
#include "core/tensor.hpp"

namespace pebench {

class ConformanceLayer {
 public:
  // chunk_bytes: AttentionOptions::chunk_bytes (hooks called per chunk of a block's rows).
  ConformanceLayer(std::shared_ptr<Encoding> encoding, const AttentionDims& dims,
                   std::int64_t block_rows, std::uint64_t seed,
                   std::int64_t chunk_bytes = AttentionOptions{}.chunk_bytes);

  // Random inputs for this layer: {"q","k","v"} or {"x"}, N(0, input_scale^2).
  std::map<std::string, Tensor> random_inputs(std::uint64_t seed, float input_scale = 1.0f) const;

  Tensor forward(const std::map<std::string, Tensor>& inputs,
                 const std::vector<std::int64_t>& positions);
  // Gradients of sum(out * dout) w.r.t. each input; encoding grads are accumulated.
  // `prefill`: the value internal gradient buffers start from (subtracted at the end).
  std::map<std::string, Tensor> backward(const Tensor& dout, float prefill = 0.0f);

  bool embeds() const { return embeds_; }
  const AttentionDims& dims() const { return dims_; }
  CausalAttention& attention() { return attention_; }

 private:
  std::shared_ptr<Encoding> encoding_;
  AttentionDims dims_;
  bool embeds_;
  CausalAttention attention_;
  AttentionCache cache_;
  Tensor wq_, wk_, wv_;                         // (D, D)
  std::map<std::string, Tensor> saved_inputs_;  // what backward needs
  Tensor x_embedded_, q_, k_, v_;
};

}  // namespace pebench
