// Token positions handed to encoding hooks.
#pragma once

#include <cstdint>
#include <vector>

#include "pebench/random.hpp"

namespace pebench {

// offset, offset+1, ..., offset+T-1 (evaluation, and training without randomization).
std::vector<std::int64_t> sequential_positions(std::int64_t T, std::int64_t offset = 0);

// Randomized positional encodings (Ruoss et al. 2023, "Randomized Positional Encodings Boost
// Length Generalization of Transformers"): during training, the positions of a length-T
// sequence are a sorted uniformly random T-subset of [0, max_position) (without
// replacement), so an encoding sees the positions of longer sequences; evaluation uses
// 0..T-1. Usable with any encoding. Throws std::invalid_argument if T > max_position.
std::vector<std::int64_t> randomized_positions(std::int64_t T, std::int64_t max_position, Rng& rng);

}  // namespace pebench
