// Row-wise softmax over the last dimension of a dense (rows, cols) matrix.
//
// forward: P = softmax(S), in place allowed; oneDNN softmax (jit:avx2 here).
//   Entries of -inf give 0; every row needs at least one finite entry.
// backward: dS = P * (dP - sum_j P*dP), written (=), dS may alias dP.
//   Our own loop: oneDNN 2.6.3's softmax backward is ref:any on this machine,
//   measured 34-48 ms vs 5.7 ms forward for 8192x1024 and 830 ms vs 83 ms for
//   32768x4096 (2 threads, AVX2).
#pragma once

#include <cstdint>

namespace pebench {

void softmax_forward(float* p /*rows,cols*/, const float* s /*rows,cols*/, std::int64_t rows,
                     std::int64_t cols);
void softmax_backward(float* ds /*rows,cols*/, const float* p /*rows,cols*/,
                      const float* dp /*rows,cols*/, std::int64_t rows, std::int64_t cols);

}  // namespace pebench
