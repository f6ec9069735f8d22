#include "ops/cross_entropy.hpp"

#include <dnnl.hpp>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ops/dnnl_context.hpp"

namespace pebench {
namespace {

using Key = std::pair<std::int64_t, std::int64_t>;

dnnl::memory::desc matrix(std::int64_t rows, std::int64_t cols) {
  return dnnl::memory::desc({rows, cols}, dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::ab);
}

dnnl::logsoftmax_forward& logsoftmax(std::int64_t rows, std::int64_t cols) {
  static std::map<Key, dnnl::logsoftmax_forward> cache;
  auto it = cache.find({rows, cols});
  if (it != cache.end()) return it->second;
  dnnl::logsoftmax_forward::primitive_desc pd(
      dnnl::logsoftmax_forward::desc(dnnl::prop_kind::forward_inference, matrix(rows, cols), 1),
      cpu_engine());
  return cache.emplace(Key{rows, cols}, dnnl::logsoftmax_forward(pd)).first->second;
}

dnnl::eltwise_forward& exp_op(std::int64_t rows, std::int64_t cols) {
  static std::map<Key, dnnl::eltwise_forward> cache;
  auto it = cache.find({rows, cols});
  if (it != cache.end()) return it->second;
  dnnl::eltwise_forward::primitive_desc pd(
      dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_exp,
                                  matrix(rows, cols)),
      cpu_engine());
  return cache.emplace(Key{rows, cols}, dnnl::eltwise_forward(pd)).first->second;
}

void check_target(std::int32_t t, std::int64_t vocab, std::int64_t row) {
  if (t < 0 || t >= vocab)
    throw std::out_of_range("cross_entropy: target " + std::to_string(t) + " at row " +
                            std::to_string(row) + " is outside the vocabulary of " +
                            std::to_string(vocab));
}

double mask_sum(const float* mask, std::int64_t rows) {
  double s = 0;
  for (std::int64_t r = 0; r < rows; ++r) s += mask[r];
  return s;
}

}  // namespace

double cross_entropy_forward(float* logp, const float* logits, const std::int32_t* targets,
                             const float* mask, std::int64_t rows, std::int64_t vocab) {
  const auto md = matrix(rows, vocab);
  logsoftmax(rows, vocab)
      .execute(cpu_stream(),
               {{DNNL_ARG_SRC, dnnl::memory(md, cpu_engine(), const_cast<float*>(logits))},
                {DNNL_ARG_DST, dnnl::memory(md, cpu_engine(), logp)}});
  cpu_stream().wait();
  const double total = mask_sum(mask, rows);
  if (total == 0) return 0.0;
  double loss = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    if (mask[r] == 0) continue;
    check_target(targets[r], vocab, r);
    loss -= double(mask[r]) * logp[r * vocab + targets[r]];
  }
  return loss / total;
}

void cross_entropy_backward(float* dlogits, const float* logp, const std::int32_t* targets,
                            const float* mask, std::int64_t rows, std::int64_t vocab) {
  const double total = mask_sum(mask, rows);
  if (total == 0) return;
  static std::vector<float> probs;  // kept across calls (page faults); single-threaded callers
  probs.resize(static_cast<std::size_t>(rows * vocab));
  const auto md = matrix(rows, vocab);
  exp_op(rows, vocab)
      .execute(cpu_stream(),
               {{DNNL_ARG_SRC, dnnl::memory(md, cpu_engine(), const_cast<float*>(logp))},
                {DNNL_ARG_DST, dnnl::memory(md, cpu_engine(), probs.data())}});
  cpu_stream().wait();
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < rows; ++r) {
    if (mask[r] == 0) continue;
    const float w = static_cast<float>(mask[r] / total);
    const float* p = probs.data() + r * vocab;
    float* d = dlogits + r * vocab;
#pragma omp simd
    for (std::int64_t j = 0; j < vocab; ++j) d[j] += w * p[j];
    d[targets[r]] -= w;
  }
}

void argmax_rows(std::int32_t* predictions, const float* logp, std::int64_t rows,
                 std::int64_t vocab) {
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = logp + r * vocab;
    std::int64_t best = 0;
    for (std::int64_t j = 1; j < vocab; ++j)
      if (row[j] > row[best]) best = j;
    predictions[r] = static_cast<std::int32_t>(best);
  }
}

}  // namespace pebench
