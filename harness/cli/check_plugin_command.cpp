// `pebench check-plugin <encoding> [--params k=v,...] [--seed N] [--thorough] [--row-out FILE]`:
// one conformance case in this process (kinds/conformance/). Exit 0 passed, 2 not.
// `--digest` only prints the sha256 of one run (what the determinism check asks of a child).
#include <fmt/format.h>

#include "cli/command.hpp"
#include "kinds/conformance/conformance_kind.hpp"
#include "run/run_cases.hpp"
#include "run/sanitizer.hpp"
#include "suite/yaml_reader.hpp"

namespace pebench {

Command add_check_plugin_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("check-plugin", "Run the conformance checks on one encoding");
  struct Options {
    std::string target, params, row_out;
    std::uint64_t seed = 1;
    bool thorough = false, digest = false, asan = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("encoding", o->target, "Encoding name, plugin .so path, or a stack a+b")
      ->required();
  cmd->add_option("--params", o->params, "Encoding config, k=v,k2=v2");
  cmd->add_option("--seed", o->seed, "Seed for inputs and parameters");
  cmd->add_option("--row-out", o->row_out, "Also write the result row (JSON) to this file");
  cmd->add_flag("--thorough", o->thorough,
                "Longer sequences, more heads, shifts and sampled elements (minutes)");
  cmd->add_flag("--digest", o->digest, "Only print the sha256 of one forward+backward");
  cmd->add_flag("--asan", o->asan,
                "Re-run under AddressSanitizer (a plugin built with pebench_add_encoding(... "
                "SANITIZE)): out-of-bounds reads and writes are reported with their stack");
  return {
      cmd, [&global, o] {
        if (o->asan && !under_asan())
          throw std::runtime_error("check-plugin --asan: " + rerun_under_asan());
        Registry registry = make_registry(global);
        EncodingSpec encoding{o->target, parse_params(o->params), ""};
        encoding.params_text = params_to_text(encoding.params);
        std::string repro = "pebench";
        for (const auto& p : global.plugin_paths) repro += " --plugin-path " + shell_quote(p);
        repro += fmt::format(" check-plugin {} --seed {}", shell_quote(o->target), o->seed);
        if (!encoding.params_text.empty()) repro += " --params " + shell_quote(o->params);
        if (o->thorough) repro += " --thorough";
        if (o->asan) repro += " --asan";
        const Case c = conformance_case(encoding, o->seed, repro, o->thorough, global.plugin_paths);
        if (o->digest) {
          fmt::print("digest {}\n", conformance_digest(resolve_encoding(registry, encoding.name),
                                                       conformance_options(c)));
          return 0;
        }
        return run_cases_here({c}, registry, CaseRunOptions{o->row_out, "", false});
      }};
}

}  // namespace pebench
