// Inverted dropout (Srivastava et al. 2014), as torch.nn.Dropout in training:
//   y = x * keep / (1 - p),   keep ~ Bernoulli(1 - p) per element.
// The mask is a function of (seed, element index) alone: a counter-based generator
// (splitmix64 of seed and index / 4, 16 bits per element; p is resolved to 1/65536 and the
// scale is 1 / P(kept) of that resolved p, so E[y] = x exactly), so
// the masks of a step do not depend on the thread count and are the same when the step is
// done again (finite differences, a training resumed from a checkpoint). No library here:
// oneDNN 2.6 has no dropout primitive.
#pragma once

#include <cstdint>

namespace pebench {

// y, x, keep (n); y may be x. p in [0, 1).
void dropout_forward(float* y, std::uint8_t* keep, const float* x, std::int64_t n, double p,
                     std::uint64_t seed);
// dx (n) = dy * keep / (1 - p): WRITES (=); dx may be dy.
void dropout_backward(float* dx, const float* dy, const std::uint8_t* keep, std::int64_t n,
                      double p);
// Dropout with no mask kept: y[i] = x[i] * keep / P(kept), where keep is the bit
// dropout_forward draws for element first + i of the stream `seed`. The forward and the
// backward are this same map, the mask recomputed each time: attention probabilities, whose
// mask would be as large as themselves (attention/attention.hpp). Serial: callers run it per
// row inside their own parallel loops. y may be x.
void dropout_apply(float* y, const float* x, std::int64_t n, double p, std::uint64_t seed,
                   std::uint64_t first);

}  // namespace pebench
