// Attention benchmark (Google Benchmark): forward and forward+backward of causal
// attention with an encoding, next to a plain oneDNN GEMM with the same FLOP
// count, all in one run; prints the ratios at the end.
//
// FLOP count (stated, "full square", no credit for causal skipping):
//   forward          4 B H T^2 d   (Q K^T and P V)
//   forward+backward 12 B H T^2 d  (+ dP, dV, dQ, dK)
// The GEMM baseline is a batched (H, T, K) x (H, K, T) matmul with K = 2d
// (forward) or 6d (forward+backward): exactly the same FLOP count.
//
//   pebench_attention_bench [--encodings nope,alibi|all] [--lengths 256,1024,4096]
//                           [--threads 2] [--block-rows 256] [google benchmark flags]
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <sstream>

#include "attention/attention.hpp"
#include "attention/encoding_source.hpp"
#include "core/threads.hpp"
#include "ops/matmul.hpp"
#include "pebench/random.hpp"
#include "registry/registry.hpp"
#include "results/provenance.hpp"

namespace pebench {
namespace {

constexpr std::int64_t kBatch = 1, kHeads = 8, kHeadDim = 64;

std::vector<float> random_data(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.normal());
  return v;
}

double attention_flops(std::int64_t T, bool backward) {
  return (backward ? 12.0 : 4.0) * kBatch * kHeads * double(T) * T * kHeadDim;
}

void bench_gemm(benchmark::State& state, std::int64_t T, bool backward) {
  const std::int64_t K = (backward ? 6 : 2) * kHeadDim;
  auto a = random_data(kHeads * T * K, 1), b = random_data(kHeads * K * T, 2);
  std::vector<float> c(static_cast<std::size_t>(kHeads * T * T));
  const MatmulShape shape = MatmulShape::dense(kHeads, T, T, K);
  matmul(shape, a.data(), b.data(), c.data());  // warm-up: JIT and primitive creation
  for (auto _ : state) {
    matmul(shape, a.data(), b.data(), c.data());
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOPS"] = benchmark::Counter(attention_flops(T, backward) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

void bench_attention(benchmark::State& state, std::shared_ptr<Encoding> encoding, std::int64_t T,
                     bool backward, std::int64_t block_rows) {
  const std::size_t n = static_cast<std::size_t>(kBatch * kHeads * T * kHeadDim);
  auto q = random_data(n, 1), k = random_data(n, 2), v = random_data(n, 3),
       dout = random_data(n, 4);
  std::vector<float> out(n), dq(n), dk(n), dv(n);
  std::vector<std::int64_t> pos(static_cast<std::size_t>(T));
  for (std::int64_t i = 0; i < T; ++i) pos[i] = i;
  CausalAttention attention(encoding, AttentionOptions{block_rows, 0.0f});
  AttentionCache cache;
  const AttentionDims dims{kBatch, kHeads, T, kHeadDim};
  auto step = [&] {
    attention.forward(out.data(), cache, q.data(), k.data(), v.data(), dims, pos);
    if (backward)
      attention.backward(dq.data(), dk.data(), dv.data(), dout.data(), cache, q.data(), k.data(),
                         v.data());
  };
  try {
    step();                            // warm-up: JIT, primitive creation, static bias cache
  } catch (const std::exception& e) {  // e.g. beyond a learned table's max_positions: n/a
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    step();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["GFLOPS"] = benchmark::Counter(attention_flops(T, backward) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tokens/s"] =
      benchmark::Counter(double(kBatch * T), benchmark::Counter::kIsIterationInvariantRate);
}

// Keeps the median real time (ms) of every benchmark for the summary.
class MedianCollector : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> median_ms, cv, mean, stddev;
  std::map<std::string, std::string> errors;  // benchmarks that could not run, e.g. n/a lengths
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.error_occurred) errors[r.run_name.function_name] = r.error_message;
      const double ms =
          r.GetAdjustedRealTime() * (r.time_unit == benchmark::kMillisecond ? 1.0 : 1e-6);
      if (r.aggregate_name == "median") median_ms[r.run_name.function_name] = ms;
      if (r.aggregate_name == "mean") mean[r.run_name.function_name] = r.GetAdjustedRealTime();
      if (r.aggregate_name == "stddev") stddev[r.run_name.function_name] = r.GetAdjustedRealTime();
    }
    for (const auto& [name, m] : mean) cv[name] = m > 0 ? stddev[name] / m : 0.0;
    ConsoleReporter::ReportRuns(runs);
  }
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

}  // namespace
}  // namespace pebench

int main(int argc, char** argv) {
  using namespace pebench;
  std::vector<std::string> encodings = {"nope", "alibi"};
  std::vector<std::int64_t> lengths = {256, 1024, 4096};
  int threads = 2;
  std::int64_t block_rows = 256;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--encodings")
      encodings = split(value());
    else if (a == "--lengths") {
      lengths.clear();
      for (const auto& s : split(value())) lengths.push_back(std::stoll(s));
    } else if (a == "--threads")
      threads = std::stoi(value());
    else if (a == "--block-rows")
      block_rows = std::stoll(value());
    else
      rest.push_back(argv[i]);
  }
  set_threads(threads);
  const Provenance p = collect_provenance();
  if (std::string(p.build_type) != "Release")
    fmt::print(stderr, "WARNING: {} build; timings are not for tables\n", p.build_type);
  fmt::print(
      "pebench {} (git {}{}), oneDNN {}, ISA {}, {} threads, B={} H={} d={}, block_rows={}\n",
      p.pebench_version, p.git_sha, p.git_dirty ? "-dirty" : "", p.onednn_version, p.isa, p.threads,
      kBatch, kHeads, kHeadDim, block_rows);

  Registry registry;
  registry.add_directory(Registry::default_plugin_dir());
  if (encodings.size() == 1 && encodings[0] == "all") {  // nope first: the ratios' baseline
    encodings = {"nope"};
    for (const auto& p : registry.plugins())
      if (p.info.name != "nope") encodings.push_back(p.info.name);
  }
  std::map<std::string, std::shared_ptr<Encoding>> made;
  for (const auto& e : encodings)
    made[e] = resolve_encoding(registry, e)
                  .create(Config{}, AttentionShape{kHeads, kHeadDim, kHeads * kHeadDim});

  for (std::int64_t T : lengths)
    for (bool bwd : {false, true}) {
      const std::string mode = bwd ? "fwd_bwd" : "fwd";
      benchmark::RegisterBenchmark(fmt::format("gemm_same_flops/{}/T={}", mode, T).c_str(),
                                   [=](benchmark::State& s) { bench_gemm(s, T, bwd); });
      for (const auto& e : encodings)
        benchmark::RegisterBenchmark(fmt::format("attention/{}/{}/T={}", mode, e, T).c_str(),
                                     [=, enc = made[e]](benchmark::State& s) {
                                       bench_attention(s, enc, T, bwd, block_rows);
                                     });
    }
  benchmark::SetDefaultTimeUnit(benchmark::kMillisecond);
  int bargc = static_cast<int>(rest.size());
  // Defaults: medians of 9 repetitions of at least 0.2 s, randomly interleaved so that drift hits
  // all cases alike; command-line flags override.
  std::vector<char*> defaults = {rest[0], const_cast<char*>("--benchmark_repetitions=9"),
                                 const_cast<char*>("--benchmark_min_time=0.2"),
                                 const_cast<char*>("--benchmark_report_aggregates_only=true"),
                                 const_cast<char*>("--benchmark_enable_random_interleaving=true")};
  for (std::size_t i = 1; i < rest.size(); ++i) defaults.push_back(rest[i]);
  bargc = static_cast<int>(defaults.size());
  benchmark::Initialize(&bargc, defaults.data());
  MedianCollector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);

  fmt::print(
      "\nSummary (median ms; ratio = attention / GEMM of the same FLOP count; cv = coefficient of "
      "variation)\n");
  fmt::print("{:>6} {:>8} {:>10} {:>10} {:>8} {:>12} {:>7}\n", "T", "mode", "encoding", "ms",
             "vs GEMM", "vs nope", "cv");
  auto median = [&](const std::string& name) {
    const auto it = collector.median_ms.find(name);
    return it == collector.median_ms.end() ? 0.0 : it->second;
  };
  for (std::int64_t T : lengths)
    for (std::string mode : {"fwd", "fwd_bwd"}) {
      const std::string gemm_name = fmt::format("gemm_same_flops/{}/T={}", mode, T);
      const double gemm = median(gemm_name);
      const double nope = median(fmt::format("attention/{}/nope/T={}", mode, T));
      if (gemm <= 0) continue;  // filtered out
      fmt::print("{:>6} {:>8} {:>10} {:>10.3f} {:>8} {:>12} {:>6.1f}%\n", T, mode, "GEMM", gemm,
                 "1.00", "", 100 * collector.cv[gemm_name]);
      for (const auto& e : encodings) {
        const std::string name = fmt::format("attention/{}/{}/T={}", mode, e, T);
        if (collector.errors.count(name)) {
          fmt::print("{:>6} {:>8} {:>10} {:>10}  n/a: {}\n", T, mode, e, "-",
                     collector.errors[name]);
          continue;
        }
        const double ms = median(name);
        if (ms <= 0) continue;  // filtered out
        fmt::print("{:>6} {:>8} {:>10} {:>10.3f} {:>8.2f} {:>12} {:>6.1f}%\n", T, mode, e, ms,
                   ms / gemm, nope > 0 ? fmt::format("{:.3f}", ms / nope) : "-",
                   100 * collector.cv[name]);
      }
    }

  // The performance targets, judged on the medians above (one run, one machine).
  fmt::print("\nTargets (forward, medians of this run)\n");
  auto verdict = [](bool met) { return met ? "MET   " : "MISSED"; };
  for (std::int64_t T : lengths) {
    const double gemm = median(fmt::format("gemm_same_flops/fwd/T={}", T));
    const double nope = median(fmt::format("attention/fwd/nope/T={}", T));
    if (gemm <= 0 || nope <= 0) continue;
    if (T == 1024)
      fmt::print("{} nope T=1024: {:.2f}x a GEMM of the same (full-square) FLOP count (<= 1.30)\n",
                 verdict(nope / gemm <= 1.3), nope / gemm);
    if (T == 4096)
      fmt::print("{} stretch: nope T=4096 causal skipping beats that GEMM: {:.2f}x (< 1.00)\n",
                 verdict(nope / gemm < 1.0), nope / gemm);
    if (T < 1024) continue;
    for (const auto& e : encodings) {
      const std::string name = fmt::format("attention/fwd/{}/T={}", e, T);
      const double ms = median(name);
      const std::uint32_t hooks = made[e]->info().hooks;
      if (ms <= 0 || collector.errors.count(name) || e == "nope") continue;
      // The bound by the costliest hook the encoding uses.
      double bound = 0;
      std::string kind;
      if (hooks & (kHookScore | kHookMix))
        bound = 2.0, kind = "score/mix";
      else if (hooks & kHookRotate)
        bound = 1.15, kind = "rotate";
      else if (hooks & kHookStaticBias)
        bound = 1.10, kind = "static bias";
      else
        continue;  // embed only: nothing inside attention
      fmt::print("{} {} ({}) T={}: {:.3f}x nope (<= {:.2f})\n", verdict(ms / nope <= bound), e,
                 kind, T, ms / nope, bound);
    }
  }
  benchmark::Shutdown();
  return 0;
}
