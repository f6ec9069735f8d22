// GELU with the tanh approximation (GPT-2; torch gelu(approximate='tanh')), on
// oneDNN's jit eltwise primitive:
//   gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
#pragma once

#include <cstdint>

namespace pebench {

// y, x (n).
void gelu_forward(float* y, const float* x, std::int64_t n);
// dx (n) = gelu'(x) * dy: WRITES (=), unlike other backwards; oneDNN's eltwise
// backward cannot accumulate, and the model's only caller needs a fresh buffer.
void gelu_backward(float* dx, const float* dy, const float* x, std::int64_t n);

}  // namespace pebench
