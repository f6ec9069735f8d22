// `pebench plugin-child <request.json> <reply.jsonl>`: describes plugins and creates encodings
// for a parent that must not load them itself (run/plugin_child.hpp). Not for users.
#include "cli/command.hpp"
#include "run/plugin_child.hpp"

namespace pebench {

Command add_plugin_child_command(CLI::App& app, const GlobalOptions&) {
  auto* cmd = app.add_subcommand("plugin-child", "Describe plugins for a parent process");
  cmd->group("");  // hidden
  struct Options {
    std::string request, reply;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("request", o->request)->required();
  cmd->add_option("reply", o->reply)->required();
  return {cmd, [o] { return plugin_child_main(o->request, o->reply); }};
}

}  // namespace pebench
