// `pebench check-plugin`: the conformance checks an encoding must pass.
//
//   gradient <input|param>  every input (q,k,v or x) and every parameter against
//                           central finite differences of a double-accumulated loss
//   causality               editing token j never changes outputs before j (exactly)
//   determinism             two runs, same seed and threads: bitwise identical
//   relative invariance     (declared relative) shifting all positions keeps outputs
//   query blocks            blocked attention == one block, with offset strided positions
//   length                  runs at 4x train_length, or refuses beyond max_positions
//   large logits            no NaN/Inf in outputs or gradients with huge logits, long T
//
// How to add a check: write a function returning CheckResult next to the others
// in conformance.cpp and append it in run_conformance(); tolerances go in
// ConformanceTolerances, not in the check.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attention/encoding_source.hpp"
#include "pebench/config.hpp"

namespace pebench {

enum class CheckStatus { kPassed, kFailed, kSkipped };
const char* to_string(CheckStatus s);

struct CheckResult {
  std::string name;
  CheckStatus status = CheckStatus::kPassed;
  std::string figure;  // what was measured, e.g. "max abs err 1.2e-05 over 192 elements"
};

struct ConformanceTolerances {
  double fd_step = 1e-2;   // central difference step (inputs and parameters)
  double grad_abs = 2e-3;  // |fd - analytic| <= grad_abs + grad_rel * max(|fd|, |an|)
  double grad_rel = 2e-2;
  double invariance_rel = 1e-4;     // max |Δout| <= invariance_rel * max(1, max |out|)
  float large_input_scale = 30.0f;  // q, k ~ N(0, 30^2): logits of order 1e3
};

struct ConformanceOptions {
  std::uint64_t seed = 1;
  std::int64_t batch = 2, heads = 2, seq_len = 12, head_dim = 4;
  std::int64_t block_rows = 5;        // several query blocks even at T = 12
  std::int64_t max_fd_elements = 96;  // per tensor, sampled deterministically
  std::int64_t shift = 37;            // for the relative-invariance check
  Config config;
  ConformanceTolerances tol;
};

struct ConformanceReport {
  std::string encoding, path, version, sha256;
  EncodingInfo info;  // as configured
  std::vector<CheckResult> checks;
  bool passed() const;
};

ConformanceReport run_conformance(const EncodingSource& entry, const ConformanceOptions& options);

}  // namespace pebench
