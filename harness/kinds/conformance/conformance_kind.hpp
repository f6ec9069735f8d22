// kind: conformance. A case is one encoding and one seed: the checks of
// kinds/conformance/conformance.hpp, one row. Key: `thorough: true` (thorough_options).
// `pebench check-plugin` runs one such case in its own process.
#pragma once

#include "kinds/conformance/conformance.hpp"
#include "kinds/kind.hpp"

namespace pebench {

const SuiteKind& conformance_kind();

// A conformance case outside a suite (check-plugin): id "<encoding>/seed=<seed>".
Case conformance_case(const EncodingSpec& encoding, std::uint64_t seed, const std::string& repro,
                      bool thorough, const std::vector<std::string>& plugin_paths);

// The options of a case: its seed and config, thorough or not, and (inside the pebench
// executable) the command line of a child computing the same run's digest.
ConformanceOptions conformance_options(const Case& c);

}  // namespace pebench
