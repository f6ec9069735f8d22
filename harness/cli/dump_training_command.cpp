// `pebench dump-training --out DIR`: a short run's weights, batches and losses for an
// independent reimplementation (tools/training_dump.hpp).
#include <fmt/format.h>

#include "cli/command.hpp"
#include "run/exit_codes.hpp"
#include "suite/yaml_reader.hpp"
#include "tools/training_dump.hpp"

namespace pebench {

Command add_dump_training_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "dump-training", "Train a few steps on random tokens; write weights, batches and losses");
  struct Options {
    TrainingDumpOptions dump;
    std::string params;
  };
  auto o = std::make_shared<Options>();
  TrainingDumpOptions& d = o->dump;
  cmd->add_option("--out", d.out_dir, "Output directory")->required();
  cmd->add_option("--encoding", d.encoding, "Encoding (default nope)");
  cmd->add_option("--params", o->params, "Encoding config, k=v,k2=v2");
  cmd->add_option("--steps", d.steps, "Training steps")->check(CLI::PositiveNumber);
  cmd->add_option("--batch", d.batch, "Batch size")->check(CLI::PositiveNumber);
  cmd->add_option("--seq-len", d.seq_len, "Sequence length")->check(CLI::PositiveNumber);
  cmd->add_option("--layers", d.model.layers, "Layers")->check(CLI::PositiveNumber);
  cmd->add_option("--d-model", d.model.d_model, "Model width")->check(CLI::PositiveNumber);
  cmd->add_option("--heads", d.model.heads, "Heads")->check(CLI::PositiveNumber);
  cmd->add_option("--norm", d.model.norm, "Blocks: pre (GPT-2) or post (LayerNorm after each sum)")
      ->check(CLI::IsMember({"pre", "post"}));
  cmd->add_option("--vocab", d.model.vocab, "Vocabulary")->check(CLI::PositiveNumber);
  cmd->add_option("--lr", d.optimizer.lr, "Peak learning rate");
  cmd->add_option("--warmup-steps", d.optimizer.warmup_steps, "Warm-up steps");
  cmd->add_option("--schedule", d.optimizer.schedule, "linear | cosine | constant");
  cmd->add_option("--seed", d.seed, "Seed of weights and data");
  return {cmd, [&global, o] {
            Registry registry = make_registry(global);
            o->dump.encoding_params = parse_params(o->params);
            fmt::print("{}\n", dump_training(registry, o->dump));
            return kExitOk;
          }};
}

}  // namespace pebench
