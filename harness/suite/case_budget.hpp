// A case's estimate (Case::estimate, SuiteKind::estimate) against what it is allowed: its
// memory cap (memory_limit_gb; 0: 90% of physical memory) and its timeout (timeout_s).
// A suite with a case that cannot fit or cannot finish is refused before anything runs.
#pragma once

#include <string>
#include <vector>

#include "suite/case.hpp"

namespace pebench {

// The FLOP rate a refusal assumes: 1 TFLOP/s per thread, beyond any CPU core's fp32 peak
// (an AVX-512 core with two FMA units at 4 GHz: 256 GFLOP/s), so that only a case that
// could not finish on any machine is refused.
inline constexpr double kRefusalFlopsPerThread = 1e12;
// The rate validate's time estimate assumes: 50 GFLOP/s per thread (a train step of the
// default models runs at 10-100 GFLOP/s per thread on the 2-core AMD EPYC of CI).
inline constexpr double kTypicalFlopsPerThread = 50e9;

// "~12.3 MiB, ~40 s" (or "" when the kind gives no estimate).
std::string describe_estimate(const Case& c);

// Throws SuiteError naming every case whose estimated memory exceeds its cap, or whose
// minimum time (its FLOPs at kRefusalFlopsPerThread) exceeds its timeout, with the figures.
void check_case_budgets(const std::vector<Case>& cases, const std::string& suite_path);

}  // namespace pebench
