#include "suite/case_budget.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "core/limits.hpp"
#include "suite/yaml_reader.hpp"

namespace pebench {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Both read files under /proc or /sys: once per process, not once per case (200k cases).
double threads_of(const Case& c) {
  static const unsigned machine = std::max(1u, std::thread::hardware_concurrency());
  return c.threads > 0 ? c.threads : machine;
}

double cap_bytes(const Case& c) {
  static const double machine = 0.9 * physical_memory_gib();
  return (c.memory_limit_gb > 0 ? c.memory_limit_gb : machine) * kGiB;
}

std::string bytes_text(double b) {
  if (b >= kGiB) return fmt::format("{:.3g} GiB", b / kGiB);
  return fmt::format("{:.3g} MiB", b / (1024.0 * 1024.0));
}

std::string seconds_text(double s) {
  if (s >= 86400) return fmt::format("{:.3g} days", s / 86400);
  if (s >= 3600) return fmt::format("{:.3g} h", s / 3600);
  return fmt::format("{:.3g} s", s);
}

}  // namespace

std::string describe_estimate(const Case& c) {
  const CaseEstimate& e = c.estimate;
  if (e.bytes <= 0 && e.flops <= 0 && e.min_seconds <= 0) return "";
  const double seconds = e.min_seconds + e.flops / (threads_of(c) * kTypicalFlopsPerThread);
  return fmt::format("~{}, ~{}", bytes_text(e.bytes), seconds_text(seconds));
}

void check_case_budgets(const std::vector<Case>& cases, const std::string& suite_path) {
  std::string refused;
  std::size_t count = 0;
  for (const Case& c : cases) {
    const CaseEstimate& e = c.estimate;
    std::string why;
    if (e.bytes > cap_bytes(c))
      why = fmt::format(
          "needs about {} (its model and attention shapes), above its memory cap of {}"
          " (memory_limit_gb{})",
          bytes_text(e.bytes), bytes_text(cap_bytes(c)),
          c.memory_limit_gb > 0 ? "" : " 0: 90% of this machine's memory");
    const double min_seconds = e.min_seconds + e.flops / (threads_of(c) * kRefusalFlopsPerThread);
    if (min_seconds > c.timeout_s)
      why += fmt::format(
          "{}takes at least {} ({:.3g} FLOPs at 1 TFLOP/s per thread, faster than "
          "any CPU core), beyond its timeout_s of {}",
          why.empty() ? "" : "; and ", seconds_text(min_seconds), e.flops, c.timeout_s);
    if (why.empty()) continue;
    if (++count <= 10) refused += fmt::format("\n  case '{}': {}", c.id, why);
  }
  if (count == 0) return;
  if (count > 10) refused += fmt::format("\n  ... and {} more", count - 10);
  throw SuiteError(fmt::format("{}: {} case{} cannot run within {} limits:{}", suite_path, count,
                               count == 1 ? "" : "s", count == 1 ? "its" : "their", refused));
}

}  // namespace pebench
