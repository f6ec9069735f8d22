#include "run/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "run/exit_codes.hpp"

extern char** environ;

namespace pebench {
namespace {

// On a terminal: the child's latest progress line (the last line of its log, which a
// training child updates with carriage returns), shown in place.
void show_last_line(const std::string& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - 400);
  std::string tail(static_cast<std::size_t>(size - start), '\0');
  in.seekg(start);
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  const auto cut = tail.find_last_of("\r\n");
  std::string line = cut == std::string::npos ? tail : tail.substr(cut + 1);
  if (line.rfind("\033[K", 0) == 0) line = line.substr(3);
  if (line.size() > 110) line = line.substr(0, 110);
  fmt::print(stderr, "\r\033[K  {}", line);
  std::fflush(stderr);
}

bool g_running_pebench = false;
volatile std::sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int sig) {
  g_stop_signal = sig;
}
char** g_argv = nullptr;

}  // namespace

void stop_on_signals() {
  struct sigaction sa = {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

int stop_requested() {
  return g_stop_signal;
}

void die_with_parent() {
  const char* parent = std::getenv("PEBENCH_PARENT_PID");
  if (!parent) return;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before the line above: then this process is already orphaned.
  if (std::to_string(getppid()) != parent) _exit(kExitError);
}

void mark_running_pebench(char** argv) {
  g_running_pebench = true;
  g_argv = argv;
}
char** pebench_argv() {
  return g_argv;
}
bool running_pebench() {
  return g_running_pebench;
}

ChildResult run_child(const std::vector<std::string>& args, const std::string& log,
                      double timeout_s, bool live, double log_limit_bytes,
                      const std::function<bool()>& keep_going) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The child writes into a pipe and this process copies it into the log: a child that
  // floods its output blocks on the full pipe instead of filling the disk faster than any
  // polling could stop it (measured: 50 MB in one 20 ms poll), and the log ends at the cap.
  std::FILE* out = std::fopen(log.c_str(), "wb");
  if (!out) return {ChildResult::kSpawnFailed, errno, 0};
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::fclose(out);
    return {ChildResult::kSpawnFailed, errno, 0};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  // Its own process group: a Ctrl-C on the terminal reaches this process alone, which stops
  // the child itself (and records nothing for it). The child dies with this process:
  // die_with_parent() in its main().
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  // Once per process: `run --jobs` spawns from several threads, and setenv beside a
  // concurrent posix_spawn reading the environment is a race.
  static const bool parent_pid_set =
      setenv("PEBENCH_PARENT_PID", std::to_string(getpid()).c_str(), 1) == 0;
  (void)parent_pid_set;
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    std::fclose(out);
    return {ChildResult::kSpawnFailed, rc, 0};
  }
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  double written = 0;
  bool open_pipe = true;
  char buffer[1 << 16];
  // Copies what the child wrote (waiting up to `ms`); false once the log reached its cap.
  auto copy_output = [&](int ms) {
    if (!open_pipe) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return true;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) return true;
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) {
      open_pipe = false;  // every writer closed it (the child and anything it spawned)
      return true;
    }
    const double room = log_limit_bytes > 0 ? log_limit_bytes - written : double(n);
    const auto keep = static_cast<std::size_t>(std::max(0.0, std::min(double(n), room)));
    std::fwrite(buffer, 1, keep, out);
    std::fflush(out);
    written += double(n);
    return !(log_limit_bytes > 0 && written > log_limit_bytes);
  };
  auto finish = [&](ChildResult r) {
    close(fds[0]);
    std::fclose(out);
    return r;
  };
  int status = 0;
  auto last_shown = std::chrono::steady_clock::now();
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (live && std::chrono::steady_clock::now() - last_shown > std::chrono::milliseconds(500)) {
      last_shown = std::chrono::steady_clock::now();
      show_last_line(log);
    }
    if (stop_requested()) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return finish({ChildResult::kInterrupted, stop_requested(), elapsed()});
    }
    if (elapsed() > timeout_s || (keep_going && !keep_going())) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return finish({ChildResult::kTimedOut, 0, elapsed()});
    }
    if (!copy_output(20)) {
      std::fprintf(out, "\n[pebench: the log passed its cap of %.0f bytes; the case was killed]\n",
                   log_limit_bytes);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return finish({ChildResult::kLogLimit, 0, elapsed()});
    }
  }
  // What the child wrote last, still in the pipe (not waiting for a grandchild that kept it).
  while (open_pipe) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 0) <= 0 || !copy_output(0)) break;
  }
  if (WIFSIGNALED(status)) return finish({ChildResult::kSignaled, WTERMSIG(status), elapsed()});
  return finish({ChildResult::kExited, WEXITSTATUS(status), elapsed()});
}

}  // namespace pebench
