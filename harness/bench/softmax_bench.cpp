#include "bench/softmax_bench.hpp"

#include <fmt/format.h>

#include "bench/timing.hpp"
#include "ops/causal_softmax.hpp"
#include "ops/softmax.hpp"
#include "pebench/random.hpp"
#include "results/provenance.hpp"

namespace pebench {
namespace {

enum class Variant { onednn, own, own_bias, own_causal_bias, own_causal_row_bias };
const char* name(Variant v) {
  switch (v) {
    case Variant::onednn:
      return "onednn";
    case Variant::own:
      return "own";
    case Variant::own_bias:
      return "own_bias";
    case Variant::own_causal_bias:
      return "own_causal_bias";
    default:
      return "own_causal_row_bias";
  }
}

void bench(benchmark::State& state, SoftmaxShape shape, Variant variant) {
  const std::size_t n = static_cast<std::size_t>(shape.rows * shape.cols);
  std::vector<float> src(n), s, table(static_cast<std::size_t>(2 * shape.cols));
  Rng rng(1);
  for (auto& x : src) x = static_cast<float>(rng.normal() * 3.0);
  for (auto& x : table) x = static_cast<float>(rng.normal());
  // Rows as 8 heads of a query block whose last row sees every key.
  const std::int64_t heads = 8, rows = shape.rows / heads;
  const bool causal =
      variant == Variant::own_causal_bias || variant == Variant::own_causal_row_bias;
  const CausalRows all{heads, rows, shape.cols, causal ? shape.cols - rows : shape.cols};
  const RowBias bias{table.data() + shape.cols, 0, -1};
  // The row-bias path (a static bias given a row at a time, e.g. FIRE's BiasRows) with the
  // cheapest fill there is: each head's row copied from the same table as own_causal_bias.
  // own_causal_row_bias / own_causal_bias is what the path itself costs.
  struct Fill {
    const float* row0;  // the table entry of key 0 for query row 0
    std::int64_t heads;
  } fill{table.data() + shape.cols, heads};
  auto copy_rows = [](void* context, std::int64_t i, std::int64_t n, float* out) {
    const auto* f = static_cast<const Fill*>(context);
    for (std::int64_t h = 0; h < f->heads; ++h)
      std::copy(f->row0 - i, f->row0 - i + n, out + h * n);
  };
  auto run = [&] {
    if (variant == Variant::onednn)
      softmax_forward(s.data(), s.data(), shape.rows, shape.cols);
    else if (variant == Variant::own_causal_row_bias)
      causal_softmax_forward_row_bias(s.data(), s.data(), all, copy_rows, &fill);
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

}  // namespace

int run_softmax_bench(const SoftmaxBenchOptions& o) {
  const Provenance p = collect_provenance();
  fmt::print("pebench {} (git {}{}), oneDNN {}, ISA {}, CPU {}, {} threads, {} build\n",
             p.pebench_version, p.git_sha, p.git_dirty ? "-dirty" : "", p.onednn_version, p.isa,
             p.cpu_model, p.threads, p.build_type);
  const Variant variants[] = {Variant::onednn, Variant::own, Variant::own_bias,
                              Variant::own_causal_bias, Variant::own_causal_row_bias};
  auto bench_name = [](Variant v, const SoftmaxShape& s) {
    return fmt::format("softmax/{}/{}x{}", name(v), s.rows, s.cols);
  };
  std::vector<TimedBenchmark> benchmarks;
  for (const SoftmaxShape& s : o.shapes)
    for (Variant v : variants)
      benchmarks.push_back({bench_name(v, s), [=](benchmark::State& st) { bench(st, s, v); }});
  const auto stats = run_timed(benchmarks, TimingOptions{o.repetitions, o.min_time_s, "", {}});
  fmt::print("\nSummary (median ms; ratio = variant / oneDNN on the same shape)\n");
  for (const SoftmaxShape& s : o.shapes) {
    const double base = stats.at(bench_name(Variant::onednn, s)).median_ms;
    for (Variant v : variants) {
      const double ms = stats.at(bench_name(v, s)).median_ms;
      fmt::print("{:>10} {:>16} {:>9.3f} ms {:>6.3f}\n", fmt::format("{}x{}", s.rows, s.cols),
                 name(v), ms, base > 0 ? ms / base : 0.0);
    }
  }
  return 0;
}

}  // namespace pebench
