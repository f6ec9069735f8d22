// `pebench check-plugin`: the conformance checks an encoding must pass, at the shapes real
// runs see (several heads, T >= 64, query blocks that do not divide T), every parameter
// randomised off its init first (conformance_setup.hpp):
//
//   parameter storage       (first) guards after every parameter buffer untouched, outputs
//                           and gradients finite: nothing used past a declared shape
//   gradient <input|param>  every input (q,k,v or x) and every parameter against central
//                           finite differences of a double-accumulated loss, sampled over
//                           all heads and positions; identically zero: MISTRUSTED
//   declared hooks          a hook not declared leaves its output alone (else the harness
//                           would never call it and the rows would say NoPE); a declared
//                           static bias writes every causal entry
//   causality               editing any token j never changes outputs before j (exactly)
//   determinism             two runs bitwise identical, in this process and in two others
//   relative invariance     (declared relative) shifts by 1, 13, 37 and past 4x train_length
//                           keep outputs
//   query blocks            blocked attention == one block, at strided and random positions
//   bias rows               Encoding::bias_rows == bias_forward, from every thread
//   length                  4x train_length: blocked == one block, all finite; or positions
//                           refused beyond max_positions
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

// MISTRUSTED (benchdnn's word): the check ran but cannot tell right from wrong (a gradient
// path identically zero at random parameters); counts as not passed.
enum class CheckStatus { kPassed, kFailed, kSkipped, kMistrusted };
const char* to_string(CheckStatus s);

struct CheckResult {
  std::string name;
  CheckStatus status = CheckStatus::kPassed;
  std::string figure;  // what was measured, e.g. "max abs err 1.2e-05 over 192 elements"
  double seconds = 0;  // how long the check took
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
  std::int64_t batch = 2, heads = 4, seq_len = 64, head_dim = 8;
  std::int64_t block_rows = 24;       // blocks of 24, 24, 16: they do not divide T
  std::int64_t max_fd_elements = 96;  // per tensor, sampled deterministically
  // Relative invariance: these shifts and one past 4x train_length (0 = none).
  std::vector<std::int64_t> shifts = {1, 13, 37};
  bool random_position_gradients = false;  // also check gradients at random positions
  // Cross-process determinism: the command line of a child that prints this check's digest
  // (`pebench ... check-plugin <enc> --digest`); empty: that part is skipped.
  std::vector<std::string> digest_command;
  Config config;
  ConformanceTolerances tol;
};

// --thorough: longer, more heads, more elements and shifts, gradients at random positions.
ConformanceOptions thorough_options(ConformanceOptions o);

struct ConformanceReport {
  std::string encoding, path, version, sha256;
  EncodingInfo info;  // as configured
  std::vector<CheckResult> checks;
  bool passed() const;
};

ConformanceReport run_conformance(const EncodingSource& entry, const ConformanceOptions& options);

// sha256 of one forward + backward at these options (outputs, input and parameter
// gradients, bit for bit): what `check-plugin --digest` prints for the determinism check.
std::string conformance_digest(const EncodingSource& entry, const ConformanceOptions& options);

}  // namespace pebench
