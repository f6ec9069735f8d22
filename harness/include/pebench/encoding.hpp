// pebench SDK: the interface one positional encoding implements.
//
// An encoding acts on causal multi-head attention through optional hooks and
// declares which ones it implements (EncodingInfo::hooks); the harness calls only
// those, so an encoding without hooks (NoPE) costs nothing. Shapes:
//   B batch, H heads, T length, D model dim, d head dim,
//   Tq query rows of a block, Tk keys visible to that block (causal: keys 0..Tk-1).
//
//   hook         forward                                     backward (accumulates, +=)
//   embed        x(B,T,D) += E(pos)                          dparams from dx
//   rotate       q,k(B,H,T,d) transformed in place           dq,dk transformed in place; dparams
//   static bias  bias(H,Tq,Tk) = f(qpos, kpos)               dparams from dbias = sum_b dS
//   score        logits(B,H,Tq,Tk) += f(q, k, logits, pos)   dlogits += own path; dq,dk,dparams +=
//   mix          out(B,H,Tq,d) += g(P, pos)                  dP += ; dparams +=
//
// Logits reach the score hook already scaled (1/sqrt(d)), biased and causally
// masked (masked entries are -inf and must stay -inf). The static bias must depend on
// positions and parameters only: the harness keeps a relative one as a table and calls any
// other once per chunk of query rows at every forward. Hooks are called for chunks of query
// rows that see their causal keys only (rows [r0, r1) get keys [0, r1); views may be strided),
// hundreds of times per forward at long T: keep per-call set-up out of the call;
// a hook must not assume Tq == Tk or qpos == kpos.
//
// Parameters are declared in the constructor (declare_parameter, pebench/parameter.hpp) and
// stored by the harness. Every backward accumulates into parameter gradients; the harness
// zeroes them. Objects a plugin returns (HookState) are destroyed by the
// harness before the plugin's library is unloaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pebench/config.hpp"
#include "pebench/parameter.hpp"
#include "pebench/view.hpp"

namespace pebench {

// Bumped whenever this header changes in a way that breaks compiled plugins.
// 2: Encoding::bias_rows (a new virtual function).
// 3: parameters declared by the plugin and stored by the harness (declare_parameter).
inline constexpr std::uint32_t kAbiVersion = 3;

enum Hook : std::uint32_t {
  kHookEmbed = 1u << 0,
  kHookRotate = 1u << 1,
  kHookStaticBias = 1u << 2,
  kHookScore = 1u << 3,
  kHookMix = 1u << 4,
};

// The attention the encoding is created for.
struct AttentionShape {
  std::int64_t heads = 1;      // H
  std::int64_t head_dim = 1;   // d
  std::int64_t model_dim = 1;  // D (= H*d in pebench's model)
};

struct EncodingInfo {
  std::string name;     // as written in suites, e.g. "alibi"
  std::string version;  // plugin version, recorded in every result row
  std::string paper;    // e.g. "Press et al. 2022, Train Short, Test Long (ALiBi)"
  std::uint32_t hooks = 0;
  // Declares that outputs are unchanged when all positions shift by a constant
  // (check-plugin verifies it).
  bool relative = false;
  // One instance shared by all layers (T5) or one per layer (CoPE).
  bool shared_across_layers = false;
  // Largest supported position + 1; 0 = unbounded. The harness refuses longer input.
  std::int64_t max_positions = 0;
  // The length the encoding is meant to be trained at; check-plugin runs at 4x.
  std::int64_t train_length = 256;
  // Trainable parameter count as a formula, e.g. "0", "H*32", "d*npos_max per layer".
  std::string parameter_formula = "0";
  std::string extrapolates = "yes";  // yes | no | limited
};

class ParameterStorage;  // the harness's side (registry/parameter_storage.hpp)

// Single rows of a static bias (Encoding::bias_rows), for one set of query and key
// positions. The harness computes each row where the softmax reads it, in a per-thread
// buffer that stays in L1, instead of a (H, Tq, Tk) block through L2 and back (FIRE's bias
// block cost ~0.25 ns per entry, a quarter of nope's forward at T=1024, measured).
class BiasRows {
 public:
  virtual ~BiasRows() = default;
  // out (H, n), n <= Tk: the bias of query row i (0 <= i < Tq) for keys [0, n), every head;
  // exactly what bias_forward writes there (check-plugin "bias rows"). Called from several
  // threads at once, for different rows or out buffers: must not change shared state
  // without a lock. The harness destroys the object before the forward returns.
  virtual void row(std::int64_t i, Span<2> out) const = 0;
};

// What a score or mix hook saves for its backward; owned by the harness.
struct HookState {
  virtual ~HookState() = default;
};

class Encoding {
 public:
  Encoding() = default;
  Encoding(const Encoding&) = delete;  // parameter handles point into this object
  Encoding& operator=(const Encoding&) = delete;
  virtual ~Encoding() = default;

  virtual EncodingInfo info() const = 0;

  // The declared parameters, with the harness's storage once bound (pebench/parameter.hpp).
  const std::vector<Parameter>& parameters() const { return parameters_; }
  // Fills the parameters' values (the harness has bound and zeroed them). Deterministic in
  // seed: two processes given one seed must agree bitwise (check-plugin checks it).
  virtual void init_parameters(std::uint64_t /*seed*/) {}

  // embed: x (B,T,D), pos (T).
  virtual void embed_forward(Span<3> /*x*/, Positions /*pos*/) {}
  virtual void embed_backward(ConstSpan<3> /*dx*/, Positions /*pos*/) {}

  // rotate: q, k (B,H,T,d) in place. Backward maps d(rotated) to d(input) in
  // place; q_in, k_in are the inputs before rotation.
  virtual void rotate_forward(Span<4> /*q*/, Span<4> /*k*/, Positions /*pos*/) {}
  virtual void rotate_backward(Span<4> /*dq*/, Span<4> /*dk*/, ConstSpan<4> /*q_in*/,
                               ConstSpan<4> /*k_in*/, Positions /*pos*/) {}

  // static bias: bias (H,Tq,Tk) is written (=). Backward gets dbias (H,Tq,Tk).
  virtual void bias_forward(Span<3> /*bias*/, Positions /*qpos*/, Positions /*kpos*/) {}
  virtual void bias_backward(ConstSpan<3> /*dbias*/, Positions /*qpos*/, Positions /*kpos*/) {}

  // score: logits (B,H,Tq,Tk) changed in place; q (B,H,Tq,d), k (B,H,Tk,d).
  // Backward: dlogits holds d(loss)/d(hook output) and receives += the path
  // through the hook's own use of the logits; dq, dk and parameter grads +=.
  virtual std::unique_ptr<HookState> score_forward(Span<4> /*logits*/, ConstSpan<4> /*q*/,
                                                   ConstSpan<4> /*k*/, Positions /*qpos*/,
                                                   Positions /*kpos*/) {
    return nullptr;
  }
  virtual void score_backward(HookState* /*state*/, Span<4> /*dlogits*/, Span<4> /*dq*/,
                              Span<4> /*dk*/, ConstSpan<4> /*q*/, ConstSpan<4> /*k*/,
                              Positions /*qpos*/, Positions /*kpos*/) {}

  // mix: out (B,H,Tq,d) += g(probs, pos); probs (B,H,Tq,Tk) after softmax, valid during the
  // call only (backward hands them again). In training with attention dropout they are
  // dropout(P), as P V reads them: rows need not sum to 1.
  virtual std::unique_ptr<HookState> mix_forward(Span<4> /*out*/, ConstSpan<4> /*probs*/,
                                                 Positions /*qpos*/, Positions /*kpos*/) {
    return nullptr;
  }
  virtual void mix_backward(HookState* /*state*/, ConstSpan<4> /*dout*/, ConstSpan<4> /*probs*/,
                            Span<4> /*dprobs*/, Positions /*qpos*/, Positions /*kpos*/) {}

  // static bias, optional: rows of bias_forward's output for these positions, computed one
  // at a time (BiasRows). nullptr (the default): the harness calls bias_forward per chunk of
  // rows. Used where a bias is not a Toeplitz table (FIRE; any bias at irregular positions)
  // and no score or mix hook runs in the same attention.
  virtual std::unique_ptr<BiasRows> bias_rows(Positions /*qpos*/, Positions /*kpos*/) {
    return nullptr;
  }

 protected:
  // In the constructor: a trainable parameter of this shape (every dimension >= 1). The
  // handles' storage is the harness's, bound after construction: size() floats each.
  DeclaredParameter declare_parameter(std::string name, std::vector<std::int64_t> shape) {
    std::int64_t n = 1;
    for (std::int64_t s : shape) {
      if (s < 1 || s > (std::int64_t(1) << 40) / n) {
        std::string message = "parameter '";
        message.append(name).append(
            "': every dimension must be >= 1 and the size at most 2^40 floats");
        throw std::invalid_argument(message);
      }
      n *= s;
    }
    parameters_.push_back({std::move(name), std::move(shape), nullptr, nullptr});
    const std::size_t i = parameters_.size() - 1;
    return {ParameterBuffer(&parameters_, i, false, n), ParameterBuffer(&parameters_, i, true, n)};
  }

 private:
  friend class ParameterStorage;
  std::vector<Parameter> parameters_;
  std::shared_ptr<void> storage_;  // the harness's allocation, freed with the encoding
};

// The factory every plugin exports (see plugin.hpp).
using EncodingFactory = std::unique_ptr<Encoding>(const Config&, const AttentionShape&);
using AbiVersionFunction = std::uint32_t();

}  // namespace pebench
