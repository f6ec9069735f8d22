// Several encodings on one model (e.g. CoPE+RoPE, as in the CoPE paper's tables):
// one Encoding whose hooks compose the parts' hooks.
//
//   embed, mix       each part adds its term (order irrelevant)
//   static bias      the sum of the parts' biases; each part's backward gets the same dbias
//   rotate           applied in order; backward in reverse order, each part given its own input
//   score            applied in order (s1 = s0 + f1(s0), s2 = s1 + f2(s1)); backward in reverse,
//                    each part adding its own path into dlogits
// Parameters are named "<part>.<parameter>"; part i is initialised with seed + i.
// The stack holds its parts (and so their libraries) alive.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pebench/encoding.hpp"

namespace pebench {

class EncodingStack final : public Encoding {
 public:
  explicit EncodingStack(std::vector<std::shared_ptr<Encoding>> parts);

  EncodingInfo info() const override;
  // Names of the parts whose only hook is embed: they act once, on the model's input, so a
  // model with one stack per layer uses (and trains) only layer 0's copy of their parameters.
  std::vector<std::string> embed_only_parts() const;
  void init_parameters(std::uint64_t seed) override;

  void embed_forward(Span<3> x, Positions pos) override;
  void embed_backward(ConstSpan<3> dx, Positions pos) override;
  void rotate_forward(Span<4> q, Span<4> k, Positions pos) override;
  void rotate_backward(Span<4> dq, Span<4> dk, ConstSpan<4> q_in, ConstSpan<4> k_in,
                       Positions pos) override;
  void bias_forward(Span<3> bias, Positions qpos, Positions kpos) override;
  void bias_backward(ConstSpan<3> dbias, Positions qpos, Positions kpos) override;
  // The part's rows when exactly one part has a static bias; else nullptr (bias_forward).
  std::unique_ptr<BiasRows> bias_rows(Positions qpos, Positions kpos) override;
  std::unique_ptr<HookState> score_forward(Span<4> logits, ConstSpan<4> q, ConstSpan<4> k,
                                           Positions qpos, Positions kpos) override;
  void score_backward(HookState* state, Span<4> dlogits, Span<4> dq, Span<4> dk, ConstSpan<4> q,
                      ConstSpan<4> k, Positions qpos, Positions kpos) override;
  std::unique_ptr<HookState> mix_forward(Span<4> out, ConstSpan<4> probs, Positions qpos,
                                         Positions kpos) override;
  void mix_backward(HookState* state, ConstSpan<4> dout, ConstSpan<4> probs, Span<4> dprobs,
                    Positions qpos, Positions kpos) override;

 private:
  std::vector<std::shared_ptr<Encoding>> with_hook(Hook hook) const;

  std::vector<std::shared_ptr<Encoding>> parts_;
  std::vector<EncodingInfo> infos_;
};

}  // namespace pebench
