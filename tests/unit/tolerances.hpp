// Tolerances of the unit tests, per op and direction (data, not scattered literals).
// Errors are max |ours - reference| / (1 + max |reference|): float32 against double.
#pragma once

namespace pebench::tol {

inline constexpr double kMatmul = 1e-5;
inline constexpr double kSoftmaxForward = 1e-6;
inline constexpr double kSoftmaxBackward = 1e-6;
inline constexpr double kAttentionForward = 2e-5;
inline constexpr double kAttentionBackward = 5e-5;
inline constexpr double kParamGradient = 2e-4;  // hook grads summed over blocks in another order
inline constexpr double kGolden = 1e-6;         // pinned values (slopes, sinusoid)

}  // namespace pebench::tol
