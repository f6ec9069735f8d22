// NoPE: no positional encoding (Kazemnejad et al. 2023, "The Impact of Positional
// Encoding on Length Generalization in Transformers"). A causal decoder can still
// infer positions from the mask. Implements no hook, so it costs nothing.
#include <pebench/pebench.hpp>

namespace {

class Nope final : public pebench::Encoding {
 public:
  Nope(const pebench::Config&, const pebench::AttentionShape&) {}
  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "nope";
    i.version = "1.0.0";
    i.paper = "Kazemnejad et al. 2023, The Impact of Positional Encoding on Length Generalization";
    i.hooks = 0;
    i.relative = true;
    i.extrapolates = "limited";
    return i;
  }
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Nope)
