// One child process of a run: spawned from this very executable (/proc/self/exe), its
// stdout and stderr into a log file, killed (SIGKILL) past its timeout.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace pebench {

struct ChildResult {
  enum Kind { kExited, kSignaled, kTimedOut, kLogLimit, kSpawnFailed, kInterrupted } kind = kExited;
  int code = 0;  // exit status, signal number (kInterrupted: the one this process got) or errno
  double seconds = 0;
};

// A run's parent: SIGINT, SIGTERM and SIGHUP only set a flag; run_child then kills its child
// and returns kInterrupted, and the caller stops cleanly. stop_requested(): the signal, or 0.
void stop_on_signals();
int stop_requested();
// A child's main(): dies (SIGKILL) when the pebench process that spawned it dies, so a
// killed run leaves nothing computing (PR_SET_PDEATHSIG; PEBENCH_PARENT_PID says who).
void die_with_parent();

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
