// `pebench bench model`: whole-model tokens/s of pebench and of the same model in PyTorch
// (scripts/torch_reference/model_bench.py), alternating rounds, medians and ratio ranges.
#pragma once

#include <string>

#include "registry/registry.hpp"

namespace pebench {

struct ModelBenchOptions {
  std::string shapes = "8x256,2x1024";  // BxT, comma-separated
  std::string encodings = "nope";       // comma-separated
  int steps = 20, rounds = 3;
  bool torch = true;  // false: pebench only
};

int run_model_bench(Registry& registry, const ModelBenchOptions& options);

}  // namespace pebench
