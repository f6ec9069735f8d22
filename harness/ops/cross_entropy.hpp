// Masked cross-entropy over a vocabulary, on oneDNN's jit logsoftmax and exp:
//   loss = sum_i mask_i * (-log softmax(logits_i)[target_i]) / sum_i mask_i
// Rows with mask 0 do not count (padding, prompt tokens); the loss is 0 when no
// row counts.
#pragma once

#include <cstdint>

namespace pebench {

// logp (rows, vocab) written: log softmax of logits (rows, vocab). Returns the loss
// (accumulated in double). targets, mask (rows).
double cross_entropy_forward(float* logp, const float* logits, const std::int32_t* targets,
                             const float* mask, std::int64_t rows, std::int64_t vocab);
// dlogits (rows, vocab) += d loss / d logits = mask_i / sum(mask) * (softmax_i - onehot_i).
void cross_entropy_backward(float* dlogits, const float* logp, const std::int32_t* targets,
                            const float* mask, std::int64_t rows, std::int64_t vocab);
// predictions (rows) = argmax over the vocabulary (first index on ties).
void argmax_rows(std::int32_t* predictions, const float* logp, std::int64_t rows,
                 std::int64_t vocab);

}  // namespace pebench
