// Whole-model throughput: train steps (forward + backward + AdamW) and inference
// (forward only) of the tiny decoder on random byte tokens, and the identical
// PyTorch model (scripts/torch_reference/model_bench.py) measured in the same run,
// side by side with the ratio. Not a test: absolute speed varies between machines.
//
//   pebench [--threads 2] bench model [--shapes 8x256,2x1024] [--encodings nope,alibi]
//                                     [--steps 20] [--rounds 3] [--no-torch]
// Each round times pebench, then PyTorch (alternating, so drift hits both); the table shows
// the medians over rounds and the range of the per-round ratios, then the 2x target.
#include "bench/model_bench.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "attention/encoding_source.hpp"
#include "bench/timing.hpp"
#include "model/model.hpp"
#include "model/optimizer.hpp"
#include "pebench/random.hpp"
#include "registry/registry.hpp"

namespace pebench {
namespace {

struct Shape {
  std::int64_t batch, seq_len;
};

struct Timing {
  double train_ms = 0, infer_ms = 0;  // medians per step
};

Timing time_pebench(const std::string& encoding, Registry& registry, const Shape& s, int steps,
                    int warmup) {
  ModelConfig config;  // 2 layers, D 128, 4 heads, vocab 256
  MakeEncoding make;
  if (encoding != "nope") {
    EncodingSource source = resolve_encoding(registry, encoding);
    make = [source](const AttentionShape& shape) { return source.create(Config{}, shape); };
  }
  Model model(config, make, 1);
  OptimizerConfig oc;
  oc.total_steps = warmup + steps;
  AdamW opt(oc);
  const std::int64_t n = s.batch * s.seq_len;
  Rng rng(2);
  std::vector<std::int32_t> tokens(n), targets(n);
  for (auto& t : tokens) t = static_cast<std::int32_t>(rng.below(256));
  for (auto& t : targets) t = static_cast<std::int32_t>(rng.below(256));
  std::vector<float> mask(n, 1.0f);
  std::vector<std::int64_t> positions(s.seq_len);
  for (std::int64_t t = 0; t < s.seq_len; ++t) positions[t] = t;
  const ModelInput input{s.batch,        s.seq_len,   tokens.data(),
                         targets.data(), mask.data(), &positions};
  using clock = std::chrono::steady_clock;
  std::vector<double> train, infer;
  for (int i = 0; i < warmup + steps; ++i) {
    const auto t0 = clock::now();
    model.zero_grad();
    model.forward(input);
    model.backward();
    opt.step(model.parameters(), i);
    model.parameters_changed();
    const auto t1 = clock::now();
    model.forward(input, Pass::inference);
    const auto t2 = clock::now();
    if (i >= warmup) {
      train.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      infer.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
  }
  return {median(train), median(infer)};
}

// Runs the PyTorch twin; returns {} when torch is unavailable (exit 77) or fails.
std::map<std::string, double> time_torch(const std::string& script, const std::string& encoding,
                                         const Shape& s, int steps, int threads) {
  const std::string cmd = fmt::format(
      "/usr/bin/python3 {} --batch {} --seq-len {} --layers 2 --d-model 128 --heads 4 "
      "--vocab 256 --threads {} --steps {} --warmup-steps 3 --encoding {} 2>&1",
      script, s.batch, s.seq_len, threads, steps, encoding);
  std::map<std::string, double> out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  char line[4096];
  while (std::fgets(line, sizeof line, pipe)) {
    std::istringstream in(line);
    std::string tag, field;
    in >> tag;
    if (tag != "TORCH_TRAIN" && tag != "TORCH_INFER") {
      if (tag != "") std::fprintf(stderr, "torch: %s", line);
      continue;
    }
    while (in >> field) {
      const auto eq = field.find('=');
      if (eq == std::string::npos) continue;
      try {
        out[tag + "." + field.substr(0, eq)] = std::stod(field.substr(eq + 1));
      } catch (...) {
      }
    }
  }
  pclose(pipe);
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int run_model_bench(Registry& registry, const ModelBenchOptions& o) {
  const int threads = omp_get_max_threads();
  const auto exe_dir = std::filesystem::canonical("/proc/self/exe").parent_path();
  std::string script;
  for (auto dir = exe_dir; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
    if (std::filesystem::exists(dir / "scripts/torch_reference/model_bench.py")) {
      script = (dir / "scripts/torch_reference/model_bench.py").string();
      break;
    }
  fmt::print(
      "# model: 2 layers, d_model 128, 4 heads, vocab 256, AdamW; {} threads; per round medians "
      "of {} steps after 3 warm-up steps; {} rounds (median; ratio range over rounds)\n",
      threads, o.steps, o.rounds);
  fmt::print(
      "| encoding | B x T | pebench train tok/s | torch train tok/s | ratio (range) | pebench "
      "infer tok/s | torch infer tok/s | ratio (range) |\n|---|---|---|---|---|---|---|---|\n");
  double worst_train_ratio = 0;
  bool have_torch = false;
  for (const auto& encoding : split(o.encodings, ','))
    for (const auto& shape_text : split(o.shapes, ',')) {
      const auto bt = split(shape_text, 'x');
      const Shape s{std::stoll(bt.at(0)), std::stoll(bt.at(1))};
      const double tokens = double(s.batch * s.seq_len);
      std::vector<double> our_train, our_infer, torch_train, torch_infer, train_ratio, infer_ratio;
      for (int r = 0; r < o.rounds; ++r) {
        const Timing ours = time_pebench(encoding, registry, s, o.steps, 3);
        our_train.push_back(tokens / ours.train_ms * 1e3);
        our_infer.push_back(tokens / ours.infer_ms * 1e3);
        if (!o.torch || script.empty()) continue;
        const auto torch = time_torch(script, encoding, s, o.steps, threads);
        const auto train = torch.find("TORCH_TRAIN.tokens_per_s");
        const auto infer = torch.find("TORCH_INFER.tokens_per_s");
        if (train == torch.end() || infer == torch.end()) continue;
        torch_train.push_back(train->second), torch_infer.push_back(infer->second);
        train_ratio.push_back(our_train.back() / train->second);
        infer_ratio.push_back(our_infer.back() / infer->second);
      }
      auto rate = [](const std::vector<double>& v) {
        return v.empty() ? std::string("n/a") : fmt::format("{:.0f}", median(v));
      };
      auto ratio = [](const std::vector<double>& v) {
        if (v.empty()) return std::string("n/a");
        return fmt::format("{:.2f}x ({:.2f}-{:.2f})", median(v),
                           *std::min_element(v.begin(), v.end()),
                           *std::max_element(v.begin(), v.end()));
      };
      fmt::print("| {} | {}x{} | {} | {} | {} | {} | {} | {} |\n", encoding, s.batch, s.seq_len,
                 rate(our_train), rate(torch_train), ratio(train_ratio), rate(our_infer),
                 rate(torch_infer), ratio(infer_ratio));
      std::fflush(stdout);
      if (!train_ratio.empty()) {
        const double m = median(train_ratio);
        worst_train_ratio = have_torch ? std::min(worst_train_ratio, m) : m;
        have_torch = true;
      }
    }
  if (have_torch)
    fmt::print("\n{} train tokens/s at least 2x PyTorch's: lowest median ratio {:.2f}x\n",
               worst_train_ratio >= 2.0 ? "MET   " : "MISSED", worst_train_ratio);
  return 0;
}

}  // namespace pebench
