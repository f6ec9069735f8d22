#include "model/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace pebench {

std::string format_duration(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  const auto t = static_cast<long long>(s);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

Progress::Progress(std::string label, std::int64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  next_plain_ = std::max<std::int64_t>(1, total_ / 10);
  // Set by `pebench run` on a terminal for its child processes: plain lines this often,
  // which the parent shows in place.
  if (const char* every = std::getenv("PEBENCH_PROGRESS_EVERY_S")) every_s_ = std::atof(every);
}

void Progress::update(std::int64_t step, double loss, double items) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? items / elapsed : 0;
  const double eta = step > 0 ? elapsed * double(total_ - step) / double(step) : 0;
  const std::string line = fmt::format("{} step {}/{} loss {:.4f} {:.0f} tok/s ETA {}", label_,
                                       step, total_, loss, rate, format_duration(eta));
  if (tty_) {
    if (step < total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
    last_draw_ = now;
    fmt::print(stderr, "\r\033[K{}", line);
  } else if (step >= next_plain_ || step == total_ ||
             (every_s_ > 0 &&
              std::chrono::duration<double>(now - last_draw_).count() >= every_s_)) {
    last_draw_ = now;
    next_plain_ = step + std::max<std::int64_t>(1, total_ / 10);
    fmt::print(stderr, "{}\n", line);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_ && tty_) fmt::print(stderr, "\n");
}

}  // namespace pebench
