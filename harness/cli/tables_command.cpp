// `pebench tables A/rows.jsonl [B/rows.jsonl ...] --out DIR`: one set of tables from the
// rows of one or several runs (e.g. seeds run apart).
#include <fmt/format.h>

#include "cli/command.hpp"
#include "run/exit_codes.hpp"
#include "run/run_tables.hpp"

namespace pebench {

Command add_tables_command(CLI::App& app, const GlobalOptions&) {
  auto* cmd = app.add_subcommand(
      "tables", "Tables (md, csv, tex) from the rows.jsonl of one or several runs");
  struct Options {
    std::vector<std::string> files;
    std::string out;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("rows", o->files, "rows.jsonl files (e.g. seeds run apart)")->required();
  cmd->add_option("--out", o->out, "Directory for the tables")->required();
  return {cmd, [o] {
            const std::size_t n = write_tables_from_files(o->files, o->out);
            fmt::print("{} rows from {} files -> {}/table.md\n", n, o->files.size(), o->out);
            return kExitOk;
          }};
}

}  // namespace pebench
