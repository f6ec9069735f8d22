#include "bench/plots.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "suite/case.hpp"

namespace pebench {

void plot_run(const std::string& dir, bool progress) {
  namespace fs = std::filesystem;
  const std::string script = std::string(PEBENCH_SCRIPTS_DIR) + "/plot.py";
  if (!fs::exists(script)) {
    if (progress) fmt::print(stderr, "plots: {} not found; no plots\n", script);
    return;
  }
  // Debian's python3 (where python3-matplotlib is), not another one first in PATH.
  const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  fs::create_directories(dir + "/logs");
  const std::string command = fmt::format("{} {} {} > {} 2>&1", python, shell_quote(script),
                                          shell_quote(dir), shell_quote(dir + "/logs/plot.log"));
  const int rc = std::system(command.c_str());
  if (progress)
    fmt::print(stderr, "{}\n",
               rc == 0 ? fmt::format("plots: {}/plots/", dir)
                       : fmt::format("plots: none (scripts/plot.py failed; needs "
                                     "python3-matplotlib; see {}/logs/plot.log)",
                                     dir));
}

}  // namespace pebench
