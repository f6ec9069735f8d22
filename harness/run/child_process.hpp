// One child process of a run: spawned from this very executable (/proc/self/exe), its
// stdout and stderr into a log file, killed (SIGKILL) past its timeout.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace pebench {

struct ChildResult {
  enum Kind { kExited, kSignaled, kTimedOut, kLogLimit, kSpawnFailed } kind = kExited;
  int code = 0;  // exit status, signal number or errno
  double seconds = 0;
};

// Whether /proc/self/exe is the pebench executable (main() says so), so that a child can be
// spawned from it; false in test binaries that link the harness.
void mark_running_pebench(char** argv);
bool running_pebench();
char** pebench_argv();  // main()'s argv; nullptr outside pebench

// live: show the child's latest progress line (the last line of its log) on the terminal.
// log_limit_bytes > 0: killed (kLogLimit) once its log grows past this. keep_going, if given,
// is asked every ~20 ms; false kills the child (kTimedOut: a watchdog of the caller's own).
ChildResult run_child(const std::vector<std::string>& args, const std::string& log,
                      double timeout_s, bool live, double log_limit_bytes = 0,
                      const std::function<bool()>& keep_going = {});

}  // namespace pebench
