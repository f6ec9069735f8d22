#include "tasks/corpus_lm.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace pebench {

CorpusLmTask::CorpusLmTask(Corpus corpus) : corpus_(std::move(corpus)) {}

std::string CorpusLmTask::token_text(std::int32_t token) const {
  if (token >= 32 && token < 127) return std::string(1, static_cast<char>(token));
  return fmt::format("\\x{:02x}", token & 0xff);
}

TaskBatch CorpusLmTask::sample(Rng& rng, std::int64_t batch, std::int64_t seq_len) const {
  const auto& bytes = corpus_.train.bytes;
  const auto size = static_cast<std::int64_t>(bytes.size());
  if (seq_len < 1 || size < seq_len + 1)
    throw std::invalid_argument(fmt::format(
        "task corpus_lm: the train split of corpus '{}' has {} bytes; a sequence of length {} "
        "needs {}",
        corpus_.spec.name, size, seq_len, seq_len + 1));
  TaskBatch b;
  b.batch = batch, b.seq_len = seq_len;
  const auto n = static_cast<std::size_t>(batch * seq_len);
  b.tokens.resize(n), b.targets.resize(n);
  b.loss_mask.assign(n, 1.0f);
  b.answer.assign(n, -1);
  for (std::int64_t r = 0; r < batch; ++r) {
    const auto start = static_cast<std::int64_t>(rng.below(std::uint64_t(size - seq_len)));
    for (std::int64_t t = 0; t < seq_len; ++t) {
      b.tokens[r * seq_len + t] = bytes[start + t];
      b.targets[r * seq_len + t] = bytes[start + t + 1];
    }
  }
  return b;
}

}  // namespace pebench
