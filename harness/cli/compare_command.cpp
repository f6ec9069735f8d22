// `pebench compare <base> <new>`: every change between two runs, and exit status 4 on a
// significant regression or a newly failing case (compare/compare.hpp has the rules).
#include <fmt/format.h>

#include "cli/command.hpp"
#include "compare/compare.hpp"
#include "results/tables.hpp"
#include "run/exit_codes.hpp"

namespace pebench {

Command add_compare_command(CLI::App& app, const GlobalOptions&) {
  auto* cmd = app.add_subcommand(
      "compare", "Compare two runs case by case; exit 4 on a significant regression");
  struct Options {
    std::string base, now, out;
    CompareOptions compare;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("base", o->base, "The baseline: a run directory or a rows.jsonl")->required();
  cmd->add_option("new", o->now, "The run to judge: a run directory or a rows.jsonl")->required();
  cmd->add_option("--max-ratio", o->compare.max_ratio,
                  "Times: a change must be beyond this ratio of medians to be flagged")
      ->check(CLI::Range(1.0, 100.0));
  cmd->add_option("--alpha", o->compare.alpha, "Significance level of every test")
      ->check(CLI::Range(1e-9, 0.5));
  cmd->add_option("--out", o->out, "Also write the Markdown summary to this file");
  return {cmd, [o] {
            const Comparison c =
                compare_rows(read_run_rows(o->base), read_run_rows(o->now), o->compare);
            const std::string text = c.markdown(o->compare);
            fmt::print("{}", text);
            if (!o->out.empty()) write_file(o->out, text);
            return c.regression() ? kExitRegression : kExitOk;
          }};
}

}  // namespace pebench
