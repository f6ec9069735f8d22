// Linear layer: y (M, N) = x (M, K) W (K, N) + b (N).
// W is stored (in, out) so that y = x W needs no transpose (the transpose of
// torch.nn.Linear's weight). Backward accumulates (+=) into dx, dW, db.
#pragma once

#include <cstdint>

namespace pebench {

struct LinearShape {
  std::int64_t rows = 1, in = 1, out = 1;  // M, K, N
};

// y (M,N) = x (M,K) w (K,N) + b (N); b may be null.
void linear_forward(float* y, const float* x, const float* w, const float* b, const LinearShape& s);
// dx (M,K) += dy w^T; dw (K,N) += x^T dy; db (N) += column sums of dy.
// dx, dw or db may be null (not needed).
void linear_backward(float* dx, float* dw, float* db, const float* dy, const float* x,
                     const float* w, const LinearShape& s);

// out (N) += sum over rows of a (M,N); deterministic for a given thread count.
void add_column_sums(float* out, const float* a, std::int64_t rows, std::int64_t cols);

}  // namespace pebench
