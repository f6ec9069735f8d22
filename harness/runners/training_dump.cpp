#include "runners/training_dump.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "attention/encoding_source.hpp"
#include "core/npy.hpp"
#include "core/positions.hpp"
#include "results/rows.hpp"

namespace pebench {

std::string dump_training(Registry& registry, const TrainingDumpOptions& o) {
  namespace fs = std::filesystem;
  fs::create_directories(o.out_dir + "/init");
  MakeEncoding make;
  if (o.encoding != "nope") {
    EncodingSource source = resolve_encoding(registry, o.encoding);
    make = [source, &o](const AttentionShape& s) { return source.create(o.encoding_params, s); };
  }
  Model model(o.model, make, o.seed);
  for (const ParamRef& p : model.parameters()) {
    Tensor t(p.shape);
    std::copy_n(p.value, p.size, t.data());
    write_npy(o.out_dir + "/init/" + p.name + ".npy", t);
  }

  // Random tokens; the target is a fixed function of the current token, (3x + 1) mod V,
  // so the loss falls within a few steps and the comparison exercises the optimizer;
  // every 7th position is masked out.
  const std::int64_t S = o.steps, B = o.batch, T = o.seq_len, V = o.model.vocab;
  std::vector<std::int32_t> tokens(S * B * T), targets(S * B * T);
  Tensor mask({S, B, T}), losses({S});
  Rng rng(o.seed + 17);
  for (std::int64_t r = 0; r < S * B; ++r) {
    for (std::int64_t t = 0; t < T; ++t) {
      tokens[r * T + t] = static_cast<std::int32_t>(rng.below(V));
      targets[r * T + t] = static_cast<std::int32_t>((3 * tokens[r * T + t] + 1) % V);
      mask[r * T + t] = (r * T + t) % 7 == 6 ? 0.0f : 1.0f;
    }
  }
  OptimizerConfig oc = o.optimizer;
  oc.total_steps = S;
  AdamW optimizer(oc);
  const std::vector<std::int64_t> positions = sequential_positions(T);
  for (std::int64_t s = 0; s < S; ++s) {
    const std::int64_t at = s * B * T;
    model.zero_grad();
    losses[s] = static_cast<float>(model.forward(
        ModelInput{B, T, tokens.data() + at, targets.data() + at, mask.data() + at, &positions}));
    model.backward();
    optimizer.step(model.parameters(), s);
    model.parameters_changed();
  }
  write_npy_int32(o.out_dir + "/tokens.npy", {S, B, T}, tokens);
  write_npy_int32(o.out_dir + "/targets.npy", {S, B, T}, targets);
  write_npy(o.out_dir + "/loss_mask.npy", mask);
  write_npy(o.out_dir + "/losses.npy", losses);

  std::string params = "{";
  for (const auto& [k, v] : o.encoding_params.values()) {
    params += (params.size() > 1 ? ", " : "") + ("\"" + json_escape(k) + "\": ");
    std::visit(
        [&params](const auto& x) {
          using X = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<X, bool>)
            params += x ? "true" : "false";
          else if constexpr (std::is_same_v<X, std::string>)
            params += "\"" + json_escape(x) + "\"";
          else
            params += json_number(double(x));
        },
        v);
  }
  params += "}";
  std::ofstream json(o.out_dir + "/config.json");
  json << fmt::format(
      "{{\"vocab\": {}, \"d_model\": {}, \"heads\": {}, \"layers\": {}, \"mlp_hidden\": {}, "
      "\"batch\": {}, \"seq_len\": {}, \"steps\": {}, \"lr\": {}, \"warmup_steps\": {}, "
      "\"schedule\": \"{}\", \"min_lr_ratio\": {}, \"beta1\": {}, \"beta2\": {}, \"eps\": {}, "
      "\"weight_decay\": {}, \"grad_clip\": {}, \"encoding\": \"{}\", \"encoding_params\": {}, "
      "\"seed\": {}}}\n",
      V, o.model.d_model, o.model.heads, o.model.layers, o.model.hidden(), B, T, S,
      json_number(oc.lr), oc.warmup_steps, oc.schedule, json_number(oc.min_lr_ratio),
      json_number(oc.beta1), json_number(oc.beta2), json_number(oc.eps),
      json_number(oc.weight_decay), json_number(oc.grad_clip), json_escape(o.encoding), params,
      o.seed);
  return fmt::format("wrote {}: {} steps, loss {:.6f} -> {:.6f}", o.out_dir, S, losses[0],
                     losses[S - 1]);
}

}  // namespace pebench
