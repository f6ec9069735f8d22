// `pebench new-encoding <name> [--dir PATH]`: a plugin skeleton (tools/new_encoding.hpp).
#include <fmt/format.h>

#include "cli/command.hpp"
#include "run/exit_codes.hpp"
#include "tools/new_encoding.hpp"

namespace pebench {

Command add_new_encoding_command(CLI::App& app, const GlobalOptions&) {
  auto* cmd = app.add_subcommand("new-encoding", "Write a plugin skeleton");
  struct Options {
    std::string name, dir;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("name", o->name, "Encoding name ([a-z][a-z0-9_]*)")->required();
  cmd->add_option("--dir", o->dir, "Target directory (default ./<name>)");
  return {cmd, [o] {
            const std::string dir = o->dir.empty() ? o->name : o->dir;
            write_encoding_skeleton(o->name, dir);
            fmt::print("wrote {}/{{{}.cpp, CMakeLists.txt, README.md}}\n", dir, o->name);
            return kExitOk;
          }};
}

}  // namespace pebench
