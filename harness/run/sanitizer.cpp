#include "run/sanitizer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "run/child_process.hpp"

namespace pebench {

std::string asan_runtime() {
  if (const char* env = std::getenv("PEBENCH_LIBASAN"); env && *env) return env;
  const std::string built = PEBENCH_LIBASAN;
  std::error_code ec;
  return !built.empty() && std::filesystem::exists(built, ec) ? built : "";
}

std::string rerun_under_asan() {
  const std::string runtime = asan_runtime();
  if (runtime.empty())
    return "no AddressSanitizer runtime found (install libasan8, or set PEBENCH_LIBASAN)";
  char** argv = pebench_argv();
  if (!argv) return "the command line is not known";
  const char* preload = std::getenv("LD_PRELOAD");
  const std::string preloads = runtime + (preload && *preload ? ":" + std::string(preload) : "");
  // Leaks: pebench's own singletons are not the plugin author's concern.
  const char* options = std::getenv("ASAN_OPTIONS");
  const std::string asan_options =
      "detect_leaks=0" + (options && *options ? ":" + std::string(options) : "");
  setenv("LD_PRELOAD", preloads.c_str(), 1);
  setenv("ASAN_OPTIONS", asan_options.c_str(), 1);
  setenv("PEBENCH_UNDER_ASAN", "1", 1);
  execv("/proc/self/exe", argv);
  return std::string("could not re-run pebench: ") + std::strerror(errno);
}

}  // namespace pebench
