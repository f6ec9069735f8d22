// Progress of a long loop on a terminal: one line updated in place (step, loss,
// rate, ETA). When stderr is not a terminal (CI, logs), plain lines at every
// tenth of the work instead, so logs stay short (and every PEBENCH_PROGRESS_EVERY_S
// seconds where that is set: `pebench run` sets it for its children on a terminal).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pebench {

class Progress {
 public:
  // total: number of steps; unit: what the rate counts ("tok/s").
  Progress(std::string label, std::int64_t total, bool enabled = true);
  // After step `step` (1-based) with the current loss and items processed so far.
  void update(std::int64_t step, double loss, double items);
  void finish();

 private:
  std::string label_;
  std::int64_t total_;
  bool enabled_, tty_;
  std::int64_t next_plain_ = 0;
  double every_s_ = 0;  // plain lines at least this often (PEBENCH_PROGRESS_EVERY_S)
  std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_duration(double seconds);  // "42s", "3m05s", "1h02m"

}  // namespace pebench
