// The static bias of a relative encoding as one row per head (a Toeplitz table), instead
// of the bias computed per chunk of query rows (attention/attention.hpp).
//
// When the bias depends on qpos_i - kpos_j only (EncodingInfo::relative) and the positions
// are evenly spaced (pos_i = pos_0 + i * step: 0..T-1, offsets, strides), the bias of query
// i and key j is f_h((i - j) step), a function of i - j alone. One bias_forward call on a
// (H, 1, T) block with qpos = {pos_{T-1}}, kpos = all T positions gives
//
//   table[h, j] = f_h((T-1-j) step),   and   bias[h, i, j] = table[h, j + (T-1-i)]   (j <= i)
//
// a contiguous slice per row: H*T floats (128 KiB at H=8, T=4096; cache-resident) instead
// of H*T^2/2 (268 MB at T=4096, streamed from DRAM at every forward, ~27 ms of ~222 ms).
// Masked entries (j > i) are not represented: the consumer applies the causal mask.
//
// The claim is checked, not trusted: bias_forward on 4 query rows (i = 0, T/4, T/2, 3T/4)
// against all keys must match the table on the causal entries within kToeplitzTolerance,
// else the table is refused (empty) and the caller falls back to the per-chunk bias.
// FIRE declares relative = false (its normalizer uses max(qpos_i, L)) and never gets here.
#pragma once

#include <cstdint>
#include <vector>

#include "pebench/encoding.hpp"

namespace pebench {

// |table - bias_forward| <= tol * (1 + |bias_forward|): a relative plugin computing the
// bias per element may round differently by distance; far below the attention forward
// tolerance (tests/unit/tolerances.hpp: 2e-5).
inline constexpr float kToeplitzTolerance = 1e-6f;

// True when positions[i] = positions[0] + i * step for one step >= 0.
bool evenly_spaced(const std::vector<std::int64_t>& positions);

// The (H, T) table above, or an empty vector when the encoding is not relative, the
// positions are not evenly spaced, or the check fails.
std::vector<float> toeplitz_bias_table(Encoding& encoding, const EncodingInfo& info,
                                       std::int64_t heads,
                                       const std::vector<std::int64_t>& positions);

}  // namespace pebench
