#include "lm/lm_eval.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pebench {
namespace {

struct Window {
  std::int64_t start = 0;         // first input byte
  std::int64_t first_scored = 0;  // targets at window positions [first_scored, L) count
};

// Every window of the protocol, in order, and how many tokens each scores.
std::vector<Window> windows_of(std::int64_t size, const LmEvalOptions& o) {
  const std::int64_t L = o.length;
  std::vector<Window> out;
  std::int64_t scored = 0;
  auto room = [&](std::int64_t start) { return start + L + 1 <= size; };
  auto full = [&] { return o.max_scored > 0 && scored >= o.max_scored; };
  if (o.protocol == LmProtocol::windows) {
    for (std::int64_t s = 0; room(s) && !full(); s += L) out.push_back({s, 0}), scored += L;
  } else {
    for (std::int64_t s = 0; room(s) && !full(); s += o.stride) {
      const std::int64_t first = s == 0 ? 0 : L - o.stride;
      out.push_back({s, first});
      scored += L - first;
    }
  }
  return out;
}

}  // namespace

double LmEvalResult::bits_per_byte() const {
  return loss / std::log(2.0);
}
double LmEvalResult::perplexity() const {
  return std::exp(loss);
}

LmEvalResult evaluate_lm(Model& model, const std::vector<std::uint8_t>& bytes,
                         const LmEvalOptions& o) {
  const std::int64_t L = o.length, size = static_cast<std::int64_t>(bytes.size());
  if (L < 1) throw LmEvalError("evaluation length must be >= 1");
  if (o.protocol == LmProtocol::sliding && (o.stride < 1 || o.stride > L))
    throw LmEvalError(fmt::format("sliding stride must be in [1, L = {}], got {}", L, o.stride));
  if (o.batch < 1 || o.buckets < 1 || o.max_scored < 0)
    throw LmEvalError("evaluation batch and buckets must be >= 1, max_scored >= 0");
  if (size < L + 1)
    throw LmEvalError(fmt::format(
        "the evaluation text has {} bytes; one window at length {} needs {}", size, L, L + 1));

  const auto windows = windows_of(size, o);
  const std::int64_t buckets = std::min(o.buckets, L);
  LmEvalResult r;
  r.windows = static_cast<std::int64_t>(windows.size());
  std::vector<double> bucket_sum(static_cast<std::size_t>(buckets), 0.0);
  r.position_count.assign(static_cast<std::size_t>(buckets), 0);
  // Bucket b holds positions t with t * buckets / L == b: from ceil(b L / buckets) on.
  for (std::int64_t b = 0; b < buckets; ++b)
    r.bucket_start.push_back((b * L + buckets - 1) / buckets);

  std::vector<std::int64_t> positions(static_cast<std::size_t>(L));
  for (std::int64_t t = 0; t < L; ++t) positions[t] = t;
  double total = 0;
  for (std::size_t w0 = 0; w0 < windows.size(); w0 += std::size_t(o.batch)) {
    const std::size_t n = std::min(windows.size() - w0, std::size_t(o.batch));
    std::vector<std::int32_t> tokens(n * L), targets(n * L);
    std::vector<float> mask(n * L);
    for (std::size_t w = 0; w < n; ++w)
      for (std::int64_t t = 0; t < L; ++t) {
        const Window& win = windows[w0 + w];
        tokens[w * L + t] = bytes[win.start + t];
        targets[w * L + t] = bytes[win.start + t + 1];
        mask[w * L + t] = t >= win.first_scored ? 1.0f : 0.0f;
      }
    model.forward(
        ModelInput{std::int64_t(n), L, tokens.data(), targets.data(), mask.data(), &positions},
        Pass::inference);
    const std::vector<float> losses = model.token_losses();
    for (std::size_t w = 0; w < n; ++w)
      for (std::int64_t t = windows[w0 + w].first_scored; t < L; ++t) {
        const double l = losses[w * L + t];
        total += l;
        ++r.scored;
        if (o.protocol == LmProtocol::windows) {
          const std::int64_t b = t * buckets / L;
          bucket_sum[b] += l;
          ++r.position_count[b];
        }
      }
  }
  model.release_activations();
  r.loss = total / double(r.scored);
  if (o.protocol == LmProtocol::windows) {
    for (std::int64_t b = 0; b < buckets; ++b)
      r.position_loss.push_back(bucket_sum[b] /
                                double(std::max<std::int64_t>(1, r.position_count[b])));
  } else {
    r.position_count.clear(), r.bucket_start.clear();
  }
  return r;
}

}  // namespace pebench
