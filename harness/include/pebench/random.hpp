// pebench SDK: a small deterministic random generator (SplitMix64), identical
// on every platform, for parameter initialisation and data generation.
#pragma once

#include <cmath>
#include <cstdint>

namespace pebench {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next_u64() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Integer uniform in [0, n) (modulo bias < n / 2^64); n must be > 0.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next_u64() % n; }
  // The whole state, to save and restore a stream (training checkpoints).
  std::uint64_t state() const { return state_; }
  void set_state(std::uint64_t s) { state_ = s; }
  // Standard normal (Box-Muller; one value per call, the pair's second is discarded).
  double normal() {
    double u1 = uniform();
    double u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t state_;
};

}  // namespace pebench
