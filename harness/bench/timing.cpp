#include "bench/timing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pebench {
namespace {

// The aggregates and every repetition of every benchmark kept; the console shows the
// aggregates only (Google Benchmark's --benchmark_display_aggregates_only would hide the
// repetitions from this reporter too).
class StatsReporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, TimingStats> stats;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      TimingStats& s = stats[r.run_name.function_name];
      if (r.error_occurred) {
        s.error = r.error_message;
        continue;
      }
      const double ms = r.GetAdjustedRealTime();  // every benchmark's unit: milliseconds
      if (r.run_type == Run::RT_Iteration) {      // one repetition
        s.repetitions_ms.push_back(ms);
        s.iterations = r.iterations;
        continue;
      }
      if (r.aggregate_name == "median") s.median_ms = ms, s.measured = true;
      if (r.aggregate_name == "p25") s.p25_ms = ms;
      if (r.aggregate_name == "p75") s.p75_ms = ms;
      if (r.aggregate_name == "mean") s.mean_ms = ms;
      if (r.aggregate_name == "stddev") s.stddev_ms = ms;
    }
    std::vector<Run> shown;
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Aggregate || r.error_occurred) shown.push_back(r);
    if (!shown.empty()) ConsoleReporter::ReportRuns(shown);
  }
};

}  // namespace

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const double at = p * double(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(at));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (at - double(lo)) * (v[hi] - v[lo]);
}

std::map<std::string, TimingStats> run_timed(const std::vector<TimedBenchmark>& benchmarks,
                                             const TimingOptions& options) {
  for (const auto& b : benchmarks)
    benchmark::RegisterBenchmark(b.name.c_str(), b.body)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->ComputeStatistics("p25", [](const std::vector<double>& v) { return percentile(v, 0.25); })
        ->ComputeStatistics("p75",
                            [](const std::vector<double>& v) { return percentile(v, 0.75); });
  std::vector<std::string> flags = {
      "pebench", fmt::format("--benchmark_repetitions={}", options.repetitions),
      fmt::format("--benchmark_min_time={}", options.min_time_s),
      "--benchmark_enable_random_interleaving=true", "--benchmark_counters_tabular=true"};
  if (!options.json_out.empty())
    flags.insert(flags.end(),
                 {"--benchmark_out=" + options.json_out, "--benchmark_out_format=json"});
  std::vector<char*> argv;
  for (auto& f : flags) argv.push_back(f.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
  for (const auto& [key, value] : options.context) benchmark::AddCustomContext(key, value);
  StatsReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::ClearRegisteredBenchmarks();
  return reporter.stats;
}

}  // namespace pebench
