// Layer normalization over the last dimension, on oneDNN's layer_normalization:
//   y = (x - mean) / sqrt(var + eps) * gamma + beta,   eps = 1e-5 (as torch.nn.LayerNorm).
// Forward saves mean and variance (rows) for the backward. Backward accumulates
// (+=) into dx, dgamma, dbeta.
#pragma once

#include <cstdint>

namespace pebench {

inline constexpr float kLayerNormEps = 1e-5f;

// y, x (rows, cols); gamma, beta (cols); mean, var (rows) written.
void layer_norm_forward(float* y, float* mean, float* var, const float* x, const float* gamma,
                        const float* beta, std::int64_t rows, std::int64_t cols);
void layer_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* gamma, const float* beta, const float* mean, const float* var,
                         std::int64_t rows, std::int64_t cols);

}  // namespace pebench
