// `pebench probe`: one forward+backward on .npy inputs, every result as .npy (tools/probe.hpp).
#include <fmt/format.h>

#include "cli/command.hpp"
#include "run/exit_codes.hpp"
#include "suite/yaml_reader.hpp"
#include "tools/probe.hpp"

namespace pebench {

Command add_probe_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd =
      app.add_subcommand("probe", "One forward+backward on .npy inputs, all results as .npy");
  struct Options {
    std::string encoding, params;
    ProbeOptions probe;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--encoding", o->encoding, "Encoding name or plugin path")->required();
  cmd->add_option("--params", o->params, "Encoding config, k=v,k2=v2");
  cmd->add_option("--in", o->probe.in_dir, "Directory with q.npy, k.npy, v.npy [dout.npy] or x.npy")
      ->required();
  cmd->add_option("--out", o->probe.out_dir, "Directory for the results")->required();
  cmd->add_option("--seed", o->probe.seed, "Seed of the parameter initialisation");
  cmd->add_flag("--strict", o->probe.strict, "NaN or Inf in an input file is an error");
  cmd->add_option("--heads", o->probe.heads, "Heads (embed encodings: x.npy has no head axis)");
  cmd->add_option("--block-rows", o->probe.block_rows, "Query rows per attention block");
  cmd->add_option("--random-positions", o->probe.random_positions,
                  "L > 0: positions are a sorted random T-subset of [0, L) (randomized PE)");
  return {cmd, [&global, o] {
            Registry registry = make_registry(global);
            o->probe.config = parse_params(o->params);
            fmt::print("{}\n", run_probe(resolve_encoding(registry, o->encoding), o->probe));
            return kExitOk;
          }};
}

}  // namespace pebench
