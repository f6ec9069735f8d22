// `pebench run <suite> [--out DIR] [--filter GLOB] [--case ID ...]`: every case in its own
// child process (run/orchestrator.hpp); with --case and no --out, the named cases in this
// process instead (a repro: output on the terminal, rows with --row-out).
#include <fmt/format.h>

#include <filesystem>

#include "cli/command.hpp"
#include "run/orchestrator.hpp"
#include "run/run_cases.hpp"
#include "run/run_dir.hpp"
#include "suite/suite.hpp"

namespace pebench {

Command add_run_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("run", "Run a suite (YAML)");
  struct Options {
    std::string suite, out, filter, row_out, resume, shard;
    std::vector<std::string> cases;
    int jobs = 1;
    std::int64_t checkpoint_every = 250;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("suite", o->suite, "Suite file (with --resume: the run's own copy by default)");
  cmd->add_option("--shard", o->shard,
                  "Run shard i of N (i/N): a fixed 1/N of the cases, grouped cases together; "
                  "`pebench merge` joins the shards' run directories");
  cmd->add_option("--jobs", o->jobs,
                  "Cases at once, in child processes, with the threads split between them "
                  "(speed cases still run one at a time)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--checkpoint-every", o->checkpoint_every,
                  "Training cases save their state every N steps (0: never); --resume goes on "
                  "from it")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--resume", o->resume,
                  "Go on with this run directory: cases recorded with the same version are "
                  "kept, the rest run");
  cmd->add_option("--out", o->out, "Run directory (default results/<suite>/<run-id>)");
  cmd->add_option("--filter", o->filter, "Only cases whose id matches this glob (* ? [..])");
  cmd->add_option("--case", o->cases,
                  "Run this case (its id; repeatable); without --out: in this process (a repro)");
  cmd->add_option("--row-out", o->row_out, "With --case in this process: also write its rows");
  return {cmd, [&global, o] {
            if (!o->resume.empty()) {
              if (!o->out.empty() && o->out != o->resume)
                throw std::invalid_argument("--resume names the run directory; drop --out");
              o->out = o->resume;
              if (o->suite.empty()) o->suite = suite_snapshot(o->resume);
            }
            if (o->suite.empty())
              throw std::invalid_argument("run: suite is required (or --resume <run-dir>)");
            Registry registry = make_registry(global);
            const Suite suite = load_suite(o->suite);
            describe_named_plugins(registry, encoding_names(suite));
            const ExpandOptions expand = expand_options(registry, global);
            print_load_errors(registry);
            if (o->cases.empty() || !o->out.empty()) {
              RunOptions options;
              options.out_dir = o->out, options.only = o->cases, options.filter = o->filter;
              options.plugin_catalog = registry.catalog();
              options.resume = !o->resume.empty();
              options.jobs = o->jobs;
              options.checkpoint_every = o->checkpoint_every;
              if (!o->shard.empty())
                std::tie(options.shard, options.shards) = parse_shard(o->shard);
              return run_suite(suite, expand, options);
            }
            // A repro: the named cases here. Cases that must share a process (a speed group)
            // may be named together; otherwise one case.
            const auto cases =
                select_cases(expand_cases(suite, expand), o->cases, o->filter, suite.path);
            for (const Case& c : cases)
              if (c.kind != cases.front().kind ||
                  (cases.size() > 1 && (c.group.empty() || c.group != cases.front().group)))
                throw std::invalid_argument(
                    "--case in this process: one case, or cases of one group (give --out to run "
                    "several in child processes)");
            return run_cases_here(cases, registry, CaseRunOptions{o->row_out, "", true});
          }};
}

}  // namespace pebench
