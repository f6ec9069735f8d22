// Naive double-precision reference of CausalAttention, forward and backward, on
// the full T x T square (no blocks, no oneDNN), calling the encoding's hooks at
// the same points in float. Tests compare the oneDNN path against it.
#pragma once

#include <cstdint>
#include <vector>

#include "attention/attention.hpp"

namespace pebench {

struct ReferenceGradients {
  std::vector<double> out;         // (B,H,T,d)
  std::vector<double> dq, dk, dv;  // (B,H,T,d)
};

// q, k, v, dout: (B,H,T,d). Hook backwards accumulate into the encoding's grads. With
// dropout, P V and the mix hook read P * mask / P(kept), the mask of element (b, h, i, j)
// being AttentionDropout's (attention/attention.hpp).
ReferenceGradients reference_attention(Encoding* encoding, const AttentionDims& dims,
                                       const std::vector<std::int64_t>& positions, const float* q,
                                       const float* k, const float* v, const float* dout,
                                       float scale = 0.0f, const AttentionDropout& dropout = {});

}  // namespace pebench
