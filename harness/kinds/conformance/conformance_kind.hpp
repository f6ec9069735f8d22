// kind: conformance. A case is one encoding and one seed: the checks of
// kinds/conformance/conformance.hpp, one row. No keys of its own.
// `pebench check-plugin` runs one such case in its own process.
#pragma once

#include "kinds/conformance/conformance.hpp"
#include "kinds/kind.hpp"

namespace pebench {

const SuiteKind& conformance_kind();

// A conformance case outside a suite (check-plugin): id "<encoding>/seed=<seed>".
Case conformance_case(const EncodingSpec& encoding, std::uint64_t seed, const std::string& repro);

}  // namespace pebench
