// pebench's exit statuses (README, "Exit status"; tests/e2e/exit_codes.sh checks them).
#pragma once

namespace pebench {

inline constexpr int kExitOk = 0;         // everything ran and passed (n/a counts as passed)
inline constexpr int kExitError = 1;      // usage or harness error (bad arguments, bad suite, I/O)
inline constexpr int kExitNotPassed = 2;  // some case did not pass (FAILED, CRASHED, ...)
inline constexpr int kExitNothingRan =
    3;  // nothing to run (e.g. a --case / --filter matching none)
inline constexpr int kExitRegression = 4;  // compare: a significant regression or a newly
                                           // failing case

}  // namespace pebench
