// Token embedding: x (rows, D) = table[tokens] (table (vocab, D)).
// Backward accumulates rows of dx into dtable (scatter-add, in row order:
// deterministic).
#pragma once

#include <cstdint>

namespace pebench {

// Throws std::out_of_range naming the token and row for a token outside [0, vocab).
void embedding_forward(float* x, const float* table, const std::int32_t* tokens, std::int64_t rows,
                       std::int64_t vocab, std::int64_t dim);
void embedding_backward(float* dtable, const float* dx, const std::int32_t* tokens,
                        std::int64_t rows, std::int64_t dim);

}  // namespace pebench
