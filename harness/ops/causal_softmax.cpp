#include "ops/causal_softmax.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "ops/fast_exp.hpp"

namespace pebench {
namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();

// One row: three passes over n entries (max, exp and sum, scale), all in L1 for n <= 4096.
// The max keeps kLanes partial results (4 AVX2 vectors): one accumulator would make the
// max pass wait on vmaxps latency (3 cycles per 8 entries).
// The loops carry no __restrict (p may alias s, biased may alias bias or p): `omp simd`
// states that vectorizing is safe, since every iteration reads and writes index j only.
// With a bias, the first pass writes s + bias to `biased`: p itself (a read-only bias table),
// or the bias buffer of the row-bias path, which is then overwritten while in L1 instead of
// p being written once more (row-bias / Toeplitz-bias time at 2048x4096: 1.19-1.20 -> 1.13-1.15,
// pebench bench softmax, AMD EPYC, 2 threads; within the noise at 2048x1024).
constexpr std::int64_t kLanes = 32;

template <bool Fma>
[[gnu::always_inline]] inline void softmax_row(float* p, const float* s, const float* bias,
                                               float* biased, std::int64_t n, std::int64_t keys) {
  const std::int64_t n_main = n - n % kLanes;
  float lane[kLanes];
  for (auto& v : lane) v = kMasked;
  const float* x = s;
  if (bias) {
    for (std::int64_t j0 = 0; j0 < n_main; j0 += kLanes) {
#pragma omp simd
      for (std::int64_t l = 0; l < kLanes; ++l) {
        const float v = s[j0 + l] + bias[j0 + l];
        biased[j0 + l] = v;
        lane[l] = v > lane[l] ? v : lane[l];
      }
    }
    for (std::int64_t j = n_main; j < n; ++j) {
      biased[j] = s[j] + bias[j];
      lane[0] = biased[j] > lane[0] ? biased[j] : lane[0];
    }
    x = biased;
  } else {
    for (std::int64_t j0 = 0; j0 < n_main; j0 += kLanes) {
#pragma omp simd
      for (std::int64_t l = 0; l < kLanes; ++l) lane[l] = x[j0 + l] > lane[l] ? x[j0 + l] : lane[l];
    }
    for (std::int64_t j = n_main; j < n; ++j) lane[0] = x[j] > lane[0] ? x[j] : lane[0];
  }
  float mx = kMasked;
  for (float v : lane) mx = v > mx ? v : mx;

  float sum = 0.0f;  // one accumulator: the exp dominates, not the add's latency
#pragma omp simd reduction(+ : sum)
  for (std::int64_t j = 0; j < n; ++j) {
    const float e = fast_exp<Fma>(x[j] - mx);
    p[j] = e;
    sum += e;
  }

  const float inv = 1.0f / sum;
#pragma omp simd
  for (std::int64_t j = 0; j < n; ++j) p[j] *= inv;
  std::fill(p + n, p + keys, 0.0f);
}

__attribute__((target("avx2,fma"))) void softmax_row_avx2(float* p, const float* s,
                                                          const float* bias, float* biased,
                                                          std::int64_t n, std::int64_t keys) {
  softmax_row<true>(p, s, bias, biased, n, keys);
}

void softmax_row_generic(float* p, const float* s, const float* bias, float* biased, std::int64_t n,
                         std::int64_t keys) {
  softmax_row<false>(p, s, bias, biased, n, keys);
}

using RowFunction = void (*)(float*, const float*, const float*, float*, std::int64_t,
                             std::int64_t);

RowFunction row_function() {
  static const RowFunction f = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                   ? softmax_row_avx2
                                   : softmax_row_generic;
  return f;
}

std::int64_t visible_keys(const CausalRows& shape, std::int64_t i) {
  return std::min(shape.first_row + i + 1, shape.keys);
}

const float* bias_row(const RowBias& bias, std::int64_t h, std::int64_t i) {
  return bias.base ? bias.base + h * bias.head_stride + i * bias.row_stride : nullptr;
}

// Thread t's rows [begin, end) of a block: contiguous, with equal shares of the work (the
// visible keys of each row, plus a fixed cost per row). Contiguous ranges matter: with
// schedule(dynamic, 8) the two threads took interleaved chunks of 8 rows and the row-bias
// softmax ran 1.15-1.25x slower than the same rows in two contiguous halves (pebench bench
// softmax, own_causal_row_bias, AMD EPYC, 2 threads); halves by row count are uneven in a
// causal block (1:3 in the first block, whose row i sees i + 1 keys).
std::pair<std::int64_t, std::int64_t> balanced_rows(const CausalRows& shape, int t, int threads) {
  constexpr std::int64_t kRowCost = 16;     // in keys: the calls and loop setup of a row
  auto work_before = [&](std::int64_t i) {  // sum over rows < i of visible keys + kRowCost
    // Rows below keys - first_row see first_row + i + 1 keys, the rest all keys.
    const std::int64_t ramp = std::clamp<std::int64_t>(shape.keys - shape.first_row, 0, i);
    return ramp * (shape.first_row + kRowCost) + ramp * (ramp + 1) / 2 +
           (i - ramp) * (shape.keys + kRowCost);
  };
  const std::int64_t total = work_before(shape.rows);
  auto first_row_at = [&](std::int64_t share) {  // smallest i with work_before(i) >= share
    std::int64_t lo = 0, hi = shape.rows;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (work_before(mid) >= share)
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  };
  return {first_row_at(total * t / threads), first_row_at(total * (t + 1) / threads)};
}

}  // namespace

void causal_softmax_forward(float* p, const float* s, const CausalRows& shape,
                            const RowBias& bias) {
  const RowFunction row = row_function();
  // Rows in (head, row) order, contiguous halves per thread: the causal lengths repeat per
  // head, so the halves get equal work when heads is even.
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < shape.heads * shape.rows; ++r) {
    const std::int64_t h = r / shape.rows, i = r % shape.rows;
    const std::int64_t offset = shape.row_offset(h, i);
    row(p + offset, s + offset, bias_row(bias, h, i), p + offset, visible_keys(shape, i),
        shape.keys);
  }
}

void causal_softmax_forward_row_bias(float* p, const float* s, const CausalRows& shape,
                                     RowBiasFill fill_row, void* context) {
  const RowFunction row = row_function();
  std::exception_ptr error;  // a throwing fill_row must not leave the OpenMP region
  std::atomic<bool> failed{false};
#pragma omp parallel
  {
    // Not zero-filled: fill_row writes all (heads, n) entries (check-plugin "bias rows"
    // holds BiasRows::row to it: it pre-fills the output with a guard value).
    const std::unique_ptr<float[]> buffer(new float[std::size_t(shape.heads * shape.keys)]);
    const auto [begin, end] = balanced_rows(shape, omp_get_thread_num(), omp_get_num_threads());
    for (std::int64_t i = begin; i < end; ++i) {
      if (failed.load(std::memory_order_relaxed)) break;
      const std::int64_t n = visible_keys(shape, i);
      try {
        fill_row(context, i, n, buffer.get());
      } catch (...) {
#pragma omp critical(pebench_row_bias_error)
        if (!error) error = std::current_exception();
        failed = true;
        break;
      }
      for (std::int64_t h = 0; h < shape.heads; ++h) {
        const std::int64_t offset = shape.row_offset(h, i);
        float* bias = buffer.get() + h * n;
        row(p + offset, s + offset, bias, bias, n, shape.keys);
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

void add_bias_and_mask(float* s, const CausalRows& shape, const RowBias& bias) {
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < shape.heads * shape.rows; ++r) {
    const std::int64_t h = r / shape.rows, i = r % shape.rows, n = visible_keys(shape, i);
    float* row = s + shape.row_offset(h, i);
    if (const float* b = bias_row(bias, h, i)) {
#pragma omp simd
      for (std::int64_t j = 0; j < n; ++j) row[j] += b[j];
    }
    std::fill(row + n, row + shape.keys, kMasked);
  }
}

}  // namespace pebench
