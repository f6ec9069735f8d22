// `pebench probe`: one causal attention forward+backward with an encoding on inputs
// read from .npy files, writing every output, gradient and parameter as .npy, so any
// reference implementation (scripts/torch_reference/) can be compared with pebench.
//
//   in:  q.npy, k.npy, v.npy (B,H,T,d) float32; dout.npy (B,H,T,d), optional (default ones)
//        encodings with an embed hook instead read x.npy (B,T,D), D = H*d, and use
//        q = k = v = split_heads(x + E(pos)) (heads from --heads)
//   out: out.npy, dq.npy, dk.npy, dv.npy; for embed: x_embedded.npy, dx.npy;
//        param.<name>.npy (as initialised from the seed) and grad.<name>.npy per parameter
// Scale 1/sqrt(d); positions 0..T-1, or with random_positions = L > 0 a sorted random
// T-subset of [0, L) drawn from the seed (randomized PE, Ruoss et al. 2023), written to
// positions.npy (float32, exact below 2^24).
#pragma once

#include <cstdint>
#include <string>

#include "attention/encoding_source.hpp"
#include "pebench/config.hpp"

namespace pebench {

struct ProbeOptions {
  std::string in_dir, out_dir;
  std::uint64_t seed = 1;
  std::int64_t heads = 0;  // required for embed encodings (x.npy has no head axis)
  std::int64_t block_rows = 256;
  std::int64_t random_positions = 0;
  bool strict = false;  // NaN or Inf in an input file: an error (else a warning on stderr)
  Config config;
};

// Returns a one-line summary; throws std::runtime_error naming the file or option at fault.
std::string run_probe(const EncodingSource& entry, const ProbeOptions& options);

}  // namespace pebench
