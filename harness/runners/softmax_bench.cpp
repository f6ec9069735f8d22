// Softmax micro-benchmark (Google Benchmark): oneDNN's softmax forward (ops/softmax.hpp)
// against our own row loop (ops/causal_softmax.hpp) on the same full rows, plus our loop
// with a Toeplitz bias and with the causal limit, in one randomly interleaved run; prints
// own / oneDNN per shape at the end. In place (p = s), as attention calls it.
//
//   pebench_softmax_bench [--shapes 8192x1024,2048x4096] [--threads 2] [google benchmark flags]
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <sstream>

#include "core/threads.hpp"
#include "ops/causal_softmax.hpp"
#include "ops/softmax.hpp"
#include "pebench/random.hpp"
#include "results/provenance.hpp"

namespace pebench {
namespace {

struct Shape {
  std::int64_t rows, cols;
};

enum class Variant { onednn, own, own_bias, own_causal_bias };
const char* name(Variant v) {
  switch (v) {
    case Variant::onednn:
      return "onednn";
    case Variant::own:
      return "own";
    case Variant::own_bias:
      return "own_bias";
    default:
      return "own_causal_bias";
  }
}

void bench(benchmark::State& state, Shape shape, Variant variant) {
  const std::size_t n = static_cast<std::size_t>(shape.rows * shape.cols);
  std::vector<float> src(n), s, table(static_cast<std::size_t>(2 * shape.cols));
  Rng rng(1);
  for (auto& x : src) x = static_cast<float>(rng.normal() * 3.0);
  for (auto& x : table) x = static_cast<float>(rng.normal());
  // Rows as 8 heads of a query block whose last row sees every key.
  const std::int64_t heads = 8, rows = shape.rows / heads;
  const bool causal = variant == Variant::own_causal_bias;
  const CausalRows all{heads, rows, shape.cols, causal ? shape.cols - rows : shape.cols};
  const RowBias bias{table.data() + shape.cols, 0, -1};
  auto run = [&] {
    if (variant == Variant::onednn)
      softmax_forward(s.data(), s.data(), shape.rows, shape.cols);
    else
      causal_softmax_forward(s.data(), s.data(), all, variant == Variant::own ? RowBias{} : bias);
  };
  s = src;
  run();  // warm-up (JIT, primitive creation)
  // In place without restoring: later iterations see probabilities in [0, 1] as scores,
  // which costs the same (both exps are branch-free) and keeps copies out of the timing.
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(s.data());
  }
  state.counters["Gelem/s"] =
      benchmark::Counter(double(n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

class MedianCollector : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> median_ms;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.aggregate_name == "median")
        median_ms[r.run_name.function_name] =
            r.GetAdjustedRealTime() * (r.time_unit == benchmark::kMillisecond ? 1.0 : 1e-6);
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace
}  // namespace pebench

int main(int argc, char** argv) {
  using namespace pebench;
  std::vector<Shape> shapes = {{8192, 1024}, {2048, 4096}};
  int threads = 2;
  std::vector<char*> args = {argv[0], const_cast<char*>("--benchmark_repetitions=9"),
                             const_cast<char*>("--benchmark_min_time=0.2"),
                             const_cast<char*>("--benchmark_report_aggregates_only=true"),
                             const_cast<char*>("--benchmark_enable_random_interleaving=true")};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = std::stoi(argv[++i]);
    } else if (a == "--shapes" && i + 1 < argc) {
      shapes.clear();
      std::stringstream ss(argv[++i]);
      std::string item;
      while (std::getline(ss, item, ','))
        shapes.push_back({std::stoll(item.substr(0, item.find('x'))),
                          std::stoll(item.substr(item.find('x') + 1))});
    } else {
      args.push_back(argv[i]);
    }
  }
  set_threads(threads);
  const Provenance p = collect_provenance();
  fmt::print("pebench {} (git {}{}), oneDNN {}, ISA {}, {} threads, {} build\n", p.pebench_version,
             p.git_sha, p.git_dirty ? "-dirty" : "", p.onednn_version, p.isa, p.threads,
             p.build_type);
  const Variant variants[] = {Variant::onednn, Variant::own, Variant::own_bias,
                              Variant::own_causal_bias};
  for (const Shape& s : shapes)
    for (Variant v : variants)
      benchmark::RegisterBenchmark(fmt::format("softmax/{}/{}x{}", name(v), s.rows, s.cols).c_str(),
                                   [=](benchmark::State& st) { bench(st, s, v); });
  benchmark::SetDefaultTimeUnit(benchmark::kMillisecond);
  int bargc = static_cast<int>(args.size());
  benchmark::Initialize(&bargc, args.data());
  MedianCollector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  fmt::print("\nSummary (median ms; ratio = variant / oneDNN on the same shape)\n");
  for (const Shape& s : shapes) {
    const double base = collector.median_ms[fmt::format("softmax/onednn/{}x{}", s.rows, s.cols)];
    for (Variant v : variants) {
      const double ms =
          collector.median_ms[fmt::format("softmax/{}/{}x{}", name(v), s.rows, s.cols)];
      fmt::print("{:>10} {:>16} {:>9.3f} ms {:>6.3f}\n", fmt::format("{}x{}", s.rows, s.cols),
                 name(v), ms, base > 0 ? ms / base : 0.0);
    }
  }
  benchmark::Shutdown();
  return 0;
}
