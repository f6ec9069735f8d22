#include "run/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

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

}  // namespace

void mark_running_pebench() {
  g_running_pebench = true;
}
bool running_pebench() {
  return g_running_pebench;
}

ChildResult run_child(const std::vector<std::string>& args, const std::string& log,
                      double timeout_s, bool live) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return {ChildResult::kSpawnFailed, rc, 0};
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
    if (elapsed() > timeout_s) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return {ChildResult::kTimedOut, 0, elapsed()};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFSIGNALED(status)) return {ChildResult::kSignaled, WTERMSIG(status), elapsed()};
  return {ChildResult::kExited, WEXITSTATUS(status), elapsed()};
}

}  // namespace pebench
