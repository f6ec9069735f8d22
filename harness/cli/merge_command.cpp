// `pebench merge <run-dir>... --out DIR`: shards of one suite joined into one run
// (run/merge.hpp).
#include "cli/command.hpp"
#include "run/merge.hpp"

namespace pebench {

Command add_merge_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("merge", "Join the run directories of a suite's shards into one");
  auto o = std::make_shared<MergeOptions>();
  cmd->add_option("runs", o->run_dirs, "Run directories (run --shard i/N)")->required();
  cmd->add_option("--out", o->out_dir, "The merged run's directory")->required();
  return {cmd, [&global, o] {
            Registry registry = make_registry(global);
            print_load_errors(registry);
            return merge_runs(*o, expand_options(registry, global));
          }};
}

}  // namespace pebench
