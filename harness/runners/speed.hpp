// The speed runner (kind: speed) on Google Benchmark. The cases given (the suite runner
// passes one group: one mode and shape, every encoding) are registered at run time, each
// named by its repro string, together with nope at the same shape when the group lacks it,
// and timed with randomly interleaved repetitions (default 9), so drift hits all alike.
//
// Per case: median, p25/p75 (IQR) and coefficient of variation of the repetitions' time
// per step (warm-up excluded: each workload runs one untimed step first: JIT, primitive
// creation, bias caches, first-touch page faults); tokens/s; GFLOPS (FLOP count in
// runners/workload.hpp); ratio = time / nope's time in the same process. cv > 10%: the
// row is marked unstable. Google Benchmark's own JSON (all repetitions) goes to
// `benchmark_json` (compare.py reads it). Non-Release builds refuse (no numbers for tables).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "registry/registry.hpp"
#include "results/rows.hpp"
#include "suite/suite.hpp"

namespace pebench {

inline constexpr double kUnstableCv = 0.10;

void run_speed_cases(const Suite& suite, const std::vector<const Case*>& cases, Registry& registry,
                     const std::string& benchmark_json,
                     const std::function<void(const Row&)>& emit);

// table.md/.csv/.tex: per mode and shape, encodings x T (tokens/s or ms, and the ratio to
// nope); scaling.md/.csv: the fitted exponent of time vs T per encoding and mode.
void write_speed_tables(const std::vector<Row>& rows, const std::string& dir);

}  // namespace pebench
