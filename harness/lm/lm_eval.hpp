// Language-model evaluation of a byte sequence at one window length, with the two protocols
// of the ALiBi paper (Press et al. 2022, section 4 and appendix B):
//   windows: non-overlapping windows of L tokens; every target of every window is scored.
//   sliding: windows of L tokens starting every S tokens; the first window scores all its
//            targets, each later one only its last S (the tokens it adds), so every token
//            is scored once, with up to L - S tokens of context before it.
// A window of L tokens reads L + 1 bytes (inputs x[s..s+L), targets x[s+1..s+L]) and has
// positions 0..L-1. The model runs its inference pass (attention in query blocks, nothing
// kept for a backward: memory O(L x block)).
// Reported: mean loss in nats per byte, bits per byte (loss / ln 2), perplexity per byte
// (exp(loss)), and the windows protocol's mean loss by position within the window in
// `buckets` equal ranges of positions (where an encoding breaks down).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace pebench {

enum class LmProtocol { windows, sliding };

struct LmEvalOptions {
  std::int64_t length = 0;  // L
  LmProtocol protocol = LmProtocol::windows;
  std::int64_t stride = 0;      // S, sliding only (1 <= S <= L)
  std::int64_t batch = 8;       // windows per forward
  std::int64_t max_scored = 0;  // stop after this many scored tokens; 0 = all
  std::int64_t buckets = 16;    // per-position loss ranges (windows protocol)
};

struct LmEvalResult {
  double loss = 0;  // nats per byte
  double bits_per_byte() const;
  double perplexity() const;
  std::int64_t scored = 0, windows = 0;
  std::vector<double> position_loss;         // (buckets) mean loss; windows protocol only
  std::vector<std::int64_t> position_count;  // tokens in each bucket
  std::vector<std::int64_t> bucket_start;    // first position of each bucket
};

struct LmEvalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws LmEvalError when `bytes` holds less than one window (L + 1 bytes) or the options
// are invalid.
LmEvalResult evaluate_lm(Model& model, const std::vector<std::uint8_t>& bytes,
                         const LmEvalOptions& options);

}  // namespace pebench
