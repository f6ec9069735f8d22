// Batched strided matmul on oneDNN:  C[b] = alpha * A[b] B[b] (+ bias) (+ add[b]) (+ C[b])
//
//   A (batch, M, K), B (batch, K, N), C (batch, M, N); each operand is given by
//   its strides in elements, so transposed and sliced views need no copies
//   (gemm:jit accepts a transposed A or B here; measured with ONEDNN_VERBOSE=1).
//   `add` (optional) is a dense (batch, M, N) tensor fused as a binary post-op:
//   it must be full-shape, a broadcast one falls to ref:any (~600x slower; docs/architecture.md,
//   "oneDNN facts"). `bias` (optional) is an (N) vector added to every row (a Linear layer's bias,
//   oneDNN's matmul bias argument); only with alpha = 1, as oneDNN would scale it too. `accumulate`
//   adds into C (sum post-op) instead of overwriting it.
// Primitives are created once per distinct descriptor and cached.
#pragma once

#include <array>
#include <cstdint>

namespace pebench {

struct MatmulShape {
  std::int64_t batch = 1, m = 1, n = 1, k = 1;
  std::array<std::int64_t, 3> a_strides{};  // (batch, M, K)
  std::array<std::int64_t, 3> b_strides{};  // (batch, K, N)
  std::array<std::int64_t, 3> c_strides{};  // (batch, M, N)
  float alpha = 1.0f;
  bool accumulate = false;
  bool fused_add = false;   // set by matmul() when `add` is given
  bool fused_bias = false;  // set by matmul() when `bias` is given

  // Dense row-major operands; transpose flags view A or B as transposed storage.
  static MatmulShape dense(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k,
                           bool transpose_a = false, bool transpose_b = false);
  bool operator==(const MatmulShape&) const = default;
};

void matmul(const MatmulShape& shape, const float* a, const float* b, float* c,
            const float* add = nullptr, const float* bias = nullptr);

}  // namespace pebench
