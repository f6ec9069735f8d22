// pebench SDK: rotary helpers shared by rotate-hook encodings (RoPE, xPos, ...).
//
// A table holds, per position t and pair i, the (possibly scaled) cos and sin the pair
// is rotated by: (x_a, x_b) <- (x_a c - x_b s, x_b c + x_a s). The backward of a rotation
// is its transpose: the same c with -s (kInverse).
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "pebench/view.hpp"

namespace pebench {

enum class Pairing {
  kInterleaved,  // pairs (2i, 2i+1): GPT-J, Meta LLaMA, RoFormer, torchscale xPos
  kHalf,         // pairs (i, i + half): GPT-NeoX, HF rotate_half
};

namespace detail {
template <bool kInverse, Pairing kPairing>
void rotate_rows(Span<4> x, const float* cos_table, const float* sin_table, std::int64_t half) {
  const std::int64_t B = x.size(0), H = x.size(1), T = x.size(2);
#pragma omp parallel for collapse(2) schedule(static) if (B * H * T * half > 8192)
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t h = 0; h < H; ++h) {
      for (std::int64_t t = 0; t < T; ++t) {
        float* row = x.row(b, h, t);
        const float* c = cos_table + t * half;
        const float* s = sin_table + t * half;
        if constexpr (kPairing == Pairing::kInterleaved) {
          for (std::int64_t i = 0; i < half; ++i) {
            const float x0 = row[2 * i], x1 = row[2 * i + 1];
            const float sn = kInverse ? -s[i] : s[i];
            row[2 * i] = x0 * c[i] - x1 * sn;
            row[2 * i + 1] = x1 * c[i] + x0 * sn;
          }
        } else {
          float* lo = row;
          float* hi = row + half;
          for (std::int64_t i = 0; i < half; ++i) {
            const float x0 = lo[i], x1 = hi[i];
            const float sn = kInverse ? -s[i] : s[i];
            lo[i] = x0 * c[i] - x1 * sn;
            hi[i] = x1 * c[i] + x0 * sn;
          }
        }
      }
    }
  }
}
}  // namespace detail

// Rotates the first 2*half dims of every row x(b, h, t, :) by the table row of t
// (cos_table, sin_table: (T, half)); dims past 2*half pass through.
template <bool kInverse>
void rotate_rows(Span<4> x, const float* cos_table, const float* sin_table, std::int64_t half,
                 Pairing pairing) {
  if (pairing == Pairing::kInterleaved)
    detail::rotate_rows<kInverse, Pairing::kInterleaved>(x, cos_table, sin_table, half);
  else
    detail::rotate_rows<kInverse, Pairing::kHalf>(x, cos_table, sin_table, half);
}

// Throws std::invalid_argument (naming the encoding) unless q and k have head dim
// `head_dim` and one row per position.
inline void check_rotate_shapes(const char* encoding, const Span<4>& q, const Span<4>& k,
                                Positions pos, std::int64_t head_dim) {
  for (const auto* x : {&q, &k}) {
    if (x->size(3) != head_dim)
      throw std::invalid_argument(std::string(encoding) + ": head dim " +
                                  std::to_string(x->size(3)) + " differs from the configured " +
                                  std::to_string(head_dim));
    if (x->size(2) != pos.size)
      throw std::invalid_argument(std::string(encoding) +
                                  ": T differs from the number of positions");
  }
}

// True when a table built for `built` positions serves `pos` as they are.
inline bool same_positions(const std::vector<std::int64_t>& built, Positions pos) {
  return static_cast<std::int64_t>(built.size()) == pos.size &&
         std::equal(built.begin(), built.end(), pos.data);
}

}  // namespace pebench
