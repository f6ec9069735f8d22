#include "ops/embedding.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pebench {

void embedding_forward(float* x, const float* table, const std::int32_t* tokens, std::int64_t rows,
                       std::int64_t vocab, std::int64_t dim) {
  for (std::int64_t r = 0; r < rows; ++r)
    if (tokens[r] < 0 || tokens[r] >= vocab)
      throw std::out_of_range("embedding: token " + std::to_string(tokens[r]) + " at row " +
                              std::to_string(r) + " is outside the vocabulary of " +
                              std::to_string(vocab));
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < rows; ++r)
    std::copy_n(table + std::int64_t{tokens[r]} * dim, dim, x + r * dim);
}

void embedding_backward(float* dtable, const float* dx, const std::int32_t* tokens,
                        std::int64_t rows, std::int64_t dim) {
  for (std::int64_t r = 0; r < rows; ++r) {
    float* out = dtable + std::int64_t{tokens[r]} * dim;
    const float* in = dx + r * dim;
#pragma omp simd
    for (std::int64_t c = 0; c < dim; ++c) out[c] += in[c];
  }
}

}  // namespace pebench
