#include "run/child_fate.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstring>

#include "run/sanitizer.hpp"

namespace pebench {

ChildFate child_fate(const ChildResult& res, double timeout_s, double log_limit_mb,
                     const std::string& bad_rows) {
  switch (res.kind) {
    case ChildResult::kLogLimit:
      return {Status::kCrashed, fmt::format("log over {} MB", log_limit_mb),
              fmt::format("killed: the case wrote more than {} MB to its log (suite key "
                          "log_limit_mb)",
                          log_limit_mb)};
    case ChildResult::kSignaled:
      if (bad_rows.empty() && (res.code == SIGSEGV || res.code == SIGABRT || res.code == SIGBUS))
        return {Status::kCrashed, strsignal(res.code),
                "killed by a signal: a segmentation fault, heap corruption or abort() in the "
                "plugin? (`pebench check-plugin --asan` names an out-of-bounds access with "
                "its line, for a plugin built with pebench_add_encoding(... SANITIZE))"};
      return {Status::kCrashed, strsignal(res.code), bad_rows};
    case ChildResult::kTimedOut:
      return {Status::kTimeout, fmt::format("{:.0f}s", timeout_s), bad_rows};
    case ChildResult::kSpawnFailed:
      return {Status::kCrashed, fmt::format("spawn failed: {}", std::strerror(res.code)), ""};
    case ChildResult::kInterrupted:  // the run stops; callers record nothing for it
      return {Status::kCrashed, "interrupted", strsignal(res.code)};
    case ChildResult::kExited:
      break;
  }
  if (!bad_rows.empty()) return {Status::kFailed, "", bad_rows};
  // Status 0 without a row: something in the process called exit() (a plugin's factory or
  // hook); under AddressSanitizer a non-zero status is its report, in the log.
  return {
      Status::kFailed, "",
      fmt::format("the case's process exited with status {} without writing this row{}", res.code,
                  res.code == 0 ? " (the plugin exited the process: exit() in a factory or "
                                  "a hook?)"
                                : (under_asan() ? " (AddressSanitizer's report in the log)" : ""))};
}

}  // namespace pebench
