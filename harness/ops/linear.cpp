#include "ops/linear.hpp"

#include <algorithm>

#include "ops/matmul.hpp"

namespace pebench {

void linear_forward(float* y, const float* x, const float* w, const float* b,
                    const LinearShape& s) {
  matmul(MatmulShape::dense(1, s.rows, s.out, s.in), x, w, y, nullptr, b);
}

void linear_backward(float* dx, float* dw, float* db, const float* dy, const float* x,
                     const float* w, const LinearShape& s) {
  if (dx) {
    MatmulShape shape = MatmulShape::dense(1, s.rows, s.in, s.out, false, true);  // dy W^T
    shape.accumulate = true;
    matmul(shape, dy, w, dx);
  }
  if (dw) {
    MatmulShape shape = MatmulShape::dense(1, s.in, s.out, s.rows, true, false);  // x^T dy
    shape.accumulate = true;
    matmul(shape, x, dy, dw);
  }
  if (db) add_column_sums(db, dy, s.rows, s.out);
}

void add_column_sums(float* out, const float* a, std::int64_t rows, std::int64_t cols) {
  // Each thread owns a band of columns and walks the rows in order: the sum order
  // is fixed, so results are bitwise reproducible.
  constexpr std::int64_t kBand = 64;
#pragma omp parallel for schedule(static)
  for (std::int64_t c0 = 0; c0 < cols; c0 += kBand) {
    const std::int64_t c1 = std::min(cols, c0 + kBand);
    float acc[kBand] = {};
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* row = a + r * cols;
#pragma omp simd
      for (std::int64_t c = c0; c < c1; ++c) acc[c - c0] += row[c];
    }
    for (std::int64_t c = c0; c < c1; ++c) out[c] += acc[c - c0];
  }
}

}  // namespace pebench
