#include "tools/training_dump.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "attention/encoding_source.hpp"
#include "core/npy.hpp"
#include "core/positions.hpp"
#include "suite/case.hpp"  // Config as JSON

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

  const nlohmann::json config = {{"vocab", V},
                                 {"d_model", o.model.d_model},
                                 {"heads", o.model.heads},
                                 {"layers", o.model.layers},
                                 {"mlp_hidden", o.model.hidden()},
                                 {"norm", o.model.norm},
                                 {"batch", B},
                                 {"seq_len", T},
                                 {"steps", S},
                                 {"lr", oc.lr},
                                 {"warmup_steps", oc.warmup_steps},
                                 {"schedule", oc.schedule},
                                 {"min_lr_ratio", oc.min_lr_ratio},
                                 {"beta1", oc.beta1},
                                 {"beta2", oc.beta2},
                                 {"eps", oc.eps},
                                 {"weight_decay", oc.weight_decay},
                                 {"grad_clip", oc.grad_clip},
                                 {"encoding", o.encoding},
                                 {"encoding_params", o.encoding_params},
                                 {"seed", o.seed}};
  std::ofstream json(o.out_dir + "/config.json");
  json << config.dump(1) << "\n";
  if (!json.flush()) throw std::runtime_error("cannot write " + o.out_dir + "/config.json");
  return fmt::format("wrote {}: {} steps, loss {:.6f} -> {:.6f}", o.out_dir, S, losses[0],
                     losses[S - 1]);
}

}  // namespace pebench
