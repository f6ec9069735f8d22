#include "ops/dropout.hpp"

#include <cmath>
#include <stdexcept>

namespace pebench {
namespace {

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// An element is dropped when its 16 bits fall below p * 65536.
std::uint32_t drop_threshold(double p) {
  if (!(p >= 0.0 && p < 1.0)) throw std::invalid_argument("dropout: p must be in [0, 1)");
  return static_cast<std::uint32_t>(std::lround(p * 65536.0));
}
float keep_scale(std::uint32_t threshold) {  // 1 / P(kept)
  return static_cast<float>(65536.0 / (65536.0 - threshold));
}
// The 64 bits of word w (elements 4w .. 4w+3) of stream `seed`.
std::uint64_t word_bits(std::uint64_t seed, std::uint64_t w) {
  return splitmix64(seed ^ splitmix64(w));
}

}  // namespace

void dropout_forward(float* y, std::uint8_t* keep, const float* x, std::int64_t n, double p,
                     std::uint64_t seed) {
  const std::uint32_t threshold = drop_threshold(p);
  const float scale = keep_scale(threshold);
  const std::int64_t words = (n + 3) / 4;
#pragma omp parallel for schedule(static)
  for (std::int64_t w = 0; w < words; ++w) {
    const std::uint64_t bits = word_bits(seed, static_cast<std::uint64_t>(w));
    for (std::int64_t l = 0; l < 4 && 4 * w + l < n; ++l) {
      const std::int64_t i = 4 * w + l;
      const bool kept = ((bits >> (16 * l)) & 0xFFFFu) >= threshold;
      keep[i] = kept;
      y[i] = kept ? x[i] * scale : 0.0f;
    }
  }
}

void dropout_backward(float* dx, const float* dy, const std::uint8_t* keep, std::int64_t n,
                      double p) {
  const std::uint32_t threshold = drop_threshold(p);
  const float scale = keep_scale(threshold);
#pragma omp parallel for simd schedule(static)
  for (std::int64_t i = 0; i < n; ++i) dx[i] = keep[i] ? dy[i] * scale : 0.0f;
}

void dropout_apply(float* y, const float* x, std::int64_t n, double p, std::uint64_t seed,
                   std::uint64_t first) {
  const std::uint32_t threshold = drop_threshold(p);
  const float scale = keep_scale(threshold);
  // Lane l of word w is element 4w + l. Elements before the first whole word and after the
  // last one are drawn one by one; whole words once for their 4 elements (no division per
  // element: attention probabilities pass here three times per layer and step).
  auto one = [&](std::int64_t i) {
    const std::uint64_t e = first + static_cast<std::uint64_t>(i);
    const bool kept = ((word_bits(seed, e / 4) >> (16 * (e % 4))) & 0xFFFFu) >= threshold;
    y[i] = kept ? x[i] * scale : 0.0f;
  };
  std::int64_t i = 0;
  for (; i < n && (first + static_cast<std::uint64_t>(i)) % 4 != 0; ++i) one(i);
  for (; i + 4 <= n; i += 4) {
    const std::uint64_t bits = word_bits(seed, (first + static_cast<std::uint64_t>(i)) / 4);
    for (int l = 0; l < 4; ++l) {
      const bool kept = ((bits >> (16 * l)) & 0xFFFFu) >= threshold;
      y[i + l] = kept ? x[i + l] * scale : 0.0f;
    }
  }
  for (; i < n; ++i) one(i);
}

}  // namespace pebench
