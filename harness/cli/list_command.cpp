// `pebench list`: the encodings found, with their hooks and declarations.
#include <fmt/format.h>

#include "attention/encoding_source.hpp"
#include "cli/command.hpp"
#include "run/exit_codes.hpp"

namespace pebench {

Command add_list_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("list", "List the encodings found");
  return {cmd, [&global] {
            Registry registry = make_registry(global);
            std::vector<std::vector<std::string>> rows = {{"encoding", "hooks", "relative",
                                                           "trainable parameters", "max_positions",
                                                           "extrapolates", "paper"}};
            for (const auto& p : registry.plugins()) {
              const auto& i = p.info;
              rows.push_back({i.name, hook_names(i.hooks), i.relative ? "yes" : "no",
                              i.parameter_formula,
                              i.max_positions > 0 ? std::to_string(i.max_positions) : "-",
                              i.extrapolates, i.paper});
            }
            std::vector<std::size_t> width(rows[0].size(), 0);
            for (const auto& r : rows)
              for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
            for (const auto& r : rows) {
              std::string line;
              for (std::size_t c = 0; c < r.size(); ++c)
                line += c + 1 < r.size() ? fmt::format("{:<{}}  ", r[c], width[c]) : r[c];
              fmt::print("{}\n", line);
            }
            print_load_errors(registry);
            return kExitOk;
          }};
}

}  // namespace pebench
