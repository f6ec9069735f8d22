// What the conformance checks share (kinds/conformance/*.cpp): an encoding at randomised
// parameters in a ConformanceLayer, position sets, and one full forward + backward.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "attention/encoding_source.hpp"
#include "kinds/conformance/conformance.hpp"
#include "kinds/conformance/conformance_layer.hpp"

namespace pebench {

using Inputs = std::map<std::string, Tensor>;

std::vector<std::int64_t> iota_positions(std::int64_t n, std::int64_t start = 0);
// n increasing positions with random gaps of 1..3 from a random start in [0, 5): what
// `training.random_positions` and packed or strided inputs give a hook. Falls back to
// iota when the encoding's max_positions leaves no room.
std::vector<std::int64_t> random_positions(std::int64_t n, std::int64_t max_positions,
                                           std::uint64_t seed);

// Every parameter moved off its initial value before any check (benchdnn's rule: a check at
// trivial values proves nothing; CoPE's position embeddings start at 0 and hide the gate
// backward there). Non-zero values are scaled by exp(0.3 n); zeros become 0.3 n times the
// tensor's rms (1 if the whole tensor is 0); n ~ N(0, 1) from the seed.
void randomise_parameters(const std::vector<Parameter>& params, std::uint64_t seed);
inline constexpr const char* kRandomisedNote = "parameters randomised off their init";

// A fresh encoding (parameters initialised from the seed, then randomised) and its layer.
struct Setup {
  std::shared_ptr<Encoding> encoding;
  std::unique_ptr<ConformanceLayer> layer;
  std::vector<Parameter> params;

  // block_rows 0: the options' (small, several blocks); chunk_bytes as AttentionOptions.
  Setup(const EncodingSource& entry, const ConformanceOptions& o, std::int64_t seq_len,
        std::int64_t block_rows = 0, std::int64_t chunk_bytes = AttentionOptions{}.chunk_bytes);
  void zero_param_grads();
};

// Forward + backward (upstream gradient all ones) once; every number produced, in a fixed
// order: outputs, input gradients, parameter gradients.
std::vector<float> full_run(const EncodingSource& entry, const ConformanceOptions& o,
                            const std::vector<std::int64_t>& pos, float input_scale,
                            std::int64_t block_rows = 0,
                            std::int64_t chunk_bytes = AttentionOptions{}.chunk_bytes);

// max |a - b| and max(1, max |b|): the figures of every comparison of two runs.
struct Difference {
  double max_diff = 0, scale = 1;
  std::size_t nan_mismatch = 0;
  bool within(double rel) const { return nan_mismatch == 0 && max_diff <= rel * scale; }
};
Difference compare_runs(const std::vector<float>& a, const std::vector<float>& b);

// The gradient checks (conformance_gradients.cpp): every input and parameter at `pos`.
std::vector<CheckResult> check_gradients(const EncodingSource& entry, const ConformanceOptions& o,
                                         const std::vector<std::int64_t>& pos,
                                         const std::string& suffix);

}  // namespace pebench
