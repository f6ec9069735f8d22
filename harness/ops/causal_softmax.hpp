// Softmax of one query block of causal attention scores, with an optional additive bias
// and the causal mask applied on the fly (no -inf pass, no bias tensor of the block shape).
//
//   rows (heads, rows) of `keys` entries; row (h, i) is the query at index q = first_row + i,
//   it sees keys j < n = min(q + 1, keys):
//   P[h,i,j] = exp(x_j - max x) / sum_{j' < n} exp(x_j' - max x),  x_j = S[h,i,j] + bias_hi[j]
//   for j < n, and P[h,i,j] = 0 for j >= n. S is read only where j < n.
//   bias_hi = bias.base + h * head_stride + i * row_stride (row_stride may be negative: a
//   Toeplitz table read backwards, see attention/toeplitz_bias.hpp); no bias when base is null.
// p may alias s. Every visible row needs one finite x (else NaN, as any softmax).
//
// Our own loop instead of oneDNN's softmax (jit:avx2): the bias and the causal limit fold in
// for free, and it measures at least as fast. exp is ops/fast_exp.hpp (max relative error
// 1.65e-7); AVX2+FMA code is chosen at run time (Release builds carry no -march; the generic
// fallback keeps exp scalar).
// Measured alone (pebench bench softmax: full rows, in place, 40 randomly interleaved
// repetitions; AMD EPYC Zen 3, 2 vCPUs shared with other jobs), own / oneDNN:
//   8192x1024: 0.89 with 2 threads (min 5.18 vs 5.80 ms), 0.97 with 1 (min; 0.95 at p25)
//   2048x4096: 0.91 with 2 threads (min 4.99 vs 5.45 ms), 0.99 with 1 (min; 0.92 at p25)
// (2-thread medians sit at ~16 ms for both: the other jobs' time slices; hence the min.)
// Compute-bound (16x4096, 1 thread, in L2): 0.84 (0.038 vs 0.045 ms).
#pragma once

#include <cstdint>

namespace pebench {

struct CausalRows {
  std::int64_t heads = 1, rows = 1, keys = 1;
  std::int64_t first_row = 0;  // query index of row 0; >= keys - 1: every key visible
  // Layout of the (heads, rows, keys) scores: row (h, i) starts at h * head_stride +
  // i * row_stride; 0 = dense (row_stride = keys, head_stride = rows * row_stride). A chunk
  // of a query block's rows is strided (attention/attention.cpp).
  std::int64_t head_stride = 0, row_stride = 0;
  std::int64_t row_offset(std::int64_t h, std::int64_t i) const {
    const std::int64_t rs = row_stride > 0 ? row_stride : keys;
    return h * (head_stride > 0 ? head_stride : rows * rs) + i * rs;
  }
};

struct RowBias {
  const float* base = nullptr;  // null: no bias
  std::int64_t head_stride = 0, row_stride = 0;
};

void causal_softmax_forward(float* p /*heads,rows,keys*/, const float* s /*heads,rows,keys*/,
                            const CausalRows& shape, const RowBias& bias = {});

// As causal_softmax_forward, with the bias of each query row from fill_row(i, buffer): it
// writes all (heads, n) entries of row i's bias for its n visible keys (row-major, n per
// head) into a per-thread buffer (not zeroed), which the softmax of every head's row i then
// reads and overwrites with the biased logits while it is in L1. Each OpenMP thread takes
// one contiguous range of rows with an equal share of the visible keys; fill_row is called
// concurrently.
using RowBiasFill = void (*)(void* context, std::int64_t i, std::int64_t n, float* buffer);
void causal_softmax_forward_row_bias(float* p, const float* s, const CausalRows& shape,
                                     RowBiasFill fill_row, void* context);

// S[h,i,j] += bias_hi[j] for visible keys, -inf for the rest: the logits a score hook
// expects (biased and causally masked), for blocks that then go through a score hook.
void add_bias_and_mask(float* s /*heads,rows,keys*/, const CausalRows& shape,
                       const RowBias& bias = {});

}  // namespace pebench
