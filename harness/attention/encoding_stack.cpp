#include "attention/encoding_stack.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/tensor.hpp"
#include "registry/parameter_storage.hpp"

namespace pebench {
namespace {

struct StackState : HookState {
  std::vector<std::unique_ptr<HookState>> parts;  // one per part with the hook, in order
};

// A dense copy of a (possibly strided) 4-D view, and its view.
struct DenseCopy {
  Tensor t;
  explicit DenseCopy(ConstSpan<4> v) : t({v.shape[0], v.shape[1], v.shape[2], v.shape[3]}) {
    for (std::int64_t a = 0; a < v.shape[0]; ++a)
      for (std::int64_t b = 0; b < v.shape[1]; ++b)
        for (std::int64_t c = 0; c < v.shape[2]; ++c)
          std::copy(v.row(a, b, c), v.row(a, b, c) + v.shape[3],
                    t.data() + ((a * v.shape[1] + b) * v.shape[2] + c) * v.shape[3]);
  }
};

}  // namespace

EncodingStack::EncodingStack(std::vector<std::shared_ptr<Encoding>> parts)
    : parts_(std::move(parts)) {
  if (parts_.size() < 2) throw std::invalid_argument("an encoding stack needs at least two parts");
  for (const auto& p : parts_) infos_.push_back(p->info());
  // The parts' parameters (stored with each part), named "<part>.<name>".
  std::vector<Parameter> all;
  for (std::size_t i = 0; i < parts_.size(); ++i)
    for (auto p : parts_[i]->parameters()) {
      p.name = infos_[i].name + "." + p.name;
      all.push_back(std::move(p));
    }
  ParameterStorage::adopt(*this, std::move(all));
  for (std::size_t i = 0; i < infos_.size(); ++i)
    for (std::size_t j = i + 1; j < infos_.size(); ++j)
      if (infos_[i].name == infos_[j].name)
        throw std::invalid_argument("encoding '" + infos_[i].name + "' appears twice in a stack");
}

EncodingInfo EncodingStack::info() const {
  EncodingInfo s;
  s.relative = true;
  s.shared_across_layers = true;
  s.train_length = 0;
  std::string extrapolates = "yes";
  for (const auto& i : infos_) {
    const bool first = s.name.empty();
    s.name += (first ? "" : "+") + i.name;
    s.version += (first ? "" : "+") + i.version;
    s.paper += (first ? "" : "; ") + i.paper;
    s.parameter_formula += (first ? "" : " + ") + i.parameter_formula;
    s.hooks |= i.hooks;
    s.relative = s.relative && i.relative;
    s.shared_across_layers = s.shared_across_layers && i.shared_across_layers;
    if (i.max_positions > 0)
      s.max_positions =
          s.max_positions > 0 ? std::min(s.max_positions, i.max_positions) : i.max_positions;
    s.train_length = std::max(s.train_length, i.train_length);
    if (i.extrapolates == "no" || (i.extrapolates == "limited" && extrapolates == "yes"))
      extrapolates = i.extrapolates;
  }
  s.extrapolates = extrapolates;
  // A score hook sees q and k after another part rotated them: relative only as long as it
  // reads them through q.k alone. CoPE's position logits q.E[p] take the rotated q by itself,
  // so cope+rope is not shift-invariant (check-plugin measured 0.2-1.0 at shifts 1..1035
  // once CoPE's E is off zero); a stack does not promise what no part can check.
  if ((s.hooks & kHookRotate) && (s.hooks & kHookScore)) s.relative = false;
  return s;
}

std::vector<std::string> EncodingStack::embed_only_parts() const {
  std::vector<std::string> names;
  for (const auto& info : infos_)
    if (info.hooks == kHookEmbed) names.push_back(info.name);
  return names;
}

void EncodingStack::init_parameters(std::uint64_t seed) {
  for (std::size_t i = 0; i < parts_.size(); ++i) parts_[i]->init_parameters(seed + i);
}

std::vector<std::shared_ptr<Encoding>> EncodingStack::with_hook(Hook hook) const {
  std::vector<std::shared_ptr<Encoding>> out;
  for (std::size_t i = 0; i < parts_.size(); ++i)
    if (infos_[i].hooks & hook) out.push_back(parts_[i]);
  return out;
}

void EncodingStack::embed_forward(Span<3> x, Positions pos) {
  for (auto& p : with_hook(kHookEmbed)) p->embed_forward(x, pos);
}
void EncodingStack::embed_backward(ConstSpan<3> dx, Positions pos) {
  for (auto& p : with_hook(kHookEmbed)) p->embed_backward(dx, pos);
}

void EncodingStack::rotate_forward(Span<4> q, Span<4> k, Positions pos) {
  for (auto& p : with_hook(kHookRotate)) p->rotate_forward(q, k, pos);
}

void EncodingStack::rotate_backward(Span<4> dq, Span<4> dk, ConstSpan<4> q_in, ConstSpan<4> k_in,
                                    Positions pos) {
  const auto rotators = with_hook(kHookRotate);
  // inputs[i] = what rotator i received in the forward.
  std::vector<DenseCopy> q_inputs{DenseCopy(q_in)}, k_inputs{DenseCopy(k_in)};
  for (std::size_t i = 0; i + 1 < rotators.size(); ++i) {
    q_inputs.push_back(q_inputs.back());
    k_inputs.push_back(k_inputs.back());
    rotators[i]->rotate_forward(q_inputs.back().t.view<4>(), k_inputs.back().t.view<4>(), pos);
  }
  for (std::size_t i = rotators.size(); i-- > 0;)
    rotators[i]->rotate_backward(dq, dk, q_inputs[i].t.view<4>(), k_inputs[i].t.view<4>(), pos);
}

void EncodingStack::bias_forward(Span<3> bias, Positions qpos, Positions kpos) {
  const auto biased = with_hook(kHookStaticBias);
  Tensor part({bias.shape[0], bias.shape[1], bias.shape[2]});
  for (std::size_t n = 0; n < biased.size(); ++n) {
    if (n == 0) {
      biased[n]->bias_forward(bias, qpos, kpos);
      continue;
    }
    biased[n]->bias_forward(part.view<3>(), qpos, kpos);
    for (std::int64_t h = 0; h < bias.shape[0]; ++h)
      for (std::int64_t i = 0; i < bias.shape[1]; ++i) {
        float* row = bias.row(h, i);
        const float* add = part.data() + (h * bias.shape[1] + i) * bias.shape[2];
        for (std::int64_t j = 0; j < bias.shape[2]; ++j) row[j] += add[j];
      }
  }
}

std::unique_ptr<BiasRows> EncodingStack::bias_rows(Positions qpos, Positions kpos) {
  const auto biased = with_hook(kHookStaticBias);
  return biased.size() == 1 ? biased.front()->bias_rows(qpos, kpos) : nullptr;
}

void EncodingStack::bias_backward(ConstSpan<3> dbias, Positions qpos, Positions kpos) {
  for (auto& p : with_hook(kHookStaticBias)) p->bias_backward(dbias, qpos, kpos);
}

std::unique_ptr<HookState> EncodingStack::score_forward(Span<4> logits, ConstSpan<4> q,
                                                        ConstSpan<4> k, Positions qpos,
                                                        Positions kpos) {
  auto state = std::make_unique<StackState>();
  for (auto& p : with_hook(kHookScore))
    state->parts.push_back(p->score_forward(logits, q, k, qpos, kpos));
  return state;
}

void EncodingStack::score_backward(HookState* state, Span<4> dlogits, Span<4> dq, Span<4> dk,
                                   ConstSpan<4> q, ConstSpan<4> k, Positions qpos, Positions kpos) {
  auto& parts = static_cast<StackState*>(state)->parts;
  const auto scorers = with_hook(kHookScore);
  for (std::size_t i = scorers.size(); i-- > 0;)
    scorers[i]->score_backward(parts[i].get(), dlogits, dq, dk, q, k, qpos, kpos);
}

std::unique_ptr<HookState> EncodingStack::mix_forward(Span<4> out, ConstSpan<4> probs,
                                                      Positions qpos, Positions kpos) {
  auto state = std::make_unique<StackState>();
  for (auto& p : with_hook(kHookMix))
    state->parts.push_back(p->mix_forward(out, probs, qpos, kpos));
  return state;
}

void EncodingStack::mix_backward(HookState* state, ConstSpan<4> dout, ConstSpan<4> probs,
                                 Span<4> dprobs, Positions qpos, Positions kpos) {
  auto& parts = static_cast<StackState*>(state)->parts;
  const auto mixers = with_hook(kHookMix);
  for (std::size_t i = 0; i < mixers.size(); ++i)
    mixers[i]->mix_backward(parts[i].get(), dout, probs, dprobs, qpos, kpos);
}

}  // namespace pebench
