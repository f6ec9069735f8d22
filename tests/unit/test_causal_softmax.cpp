// ops/causal_softmax.hpp against a naive double loop: bias rows (Toeplitz, read backwards,
// and per-block), causal limits (row 0 of the first block sees a single key), in place and
// not, row lengths around the 32-lane main loop; the same biases given a row at a time
// (causal_softmax_forward_row_bias, 3 threads); and against oneDNN's softmax on full rows.
// How to add a case: add a SoftmaxCase (shape, first_row, bias kind) to the list.
#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <cmath>
#include <limits>

#include "ops/causal_softmax.hpp"
#include "ops/softmax.hpp"
#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

using test::random_vector;
using test::scaled_error;

// row_fill: the block bias given a query row at a time (causal_softmax_forward_row_bias).
enum class BiasKind { none, toeplitz, block, row_fill };

struct SoftmaxCase {
  const char* name;
  std::int64_t heads, rows, keys, first_row;
  BiasKind bias;
  bool in_place;
};

struct Biases {
  std::vector<float> data;
  RowBias rows;
  // The bias of row (h, i), key j, as the op must read it.
  double at(std::int64_t h, std::int64_t i, std::int64_t j) const {
    return rows.base ? rows.base[h * rows.head_stride + i * rows.row_stride + j] : 0.0;
  }
};

Biases make_bias(const SoftmaxCase& c) {
  Biases b;
  if (c.bias == BiasKind::toeplitz) {  // (H, T) table, T = keys; row i starts at T-1-q_i
    b.data = random_vector(c.heads * c.keys, 21, 2.0);
    b.rows = RowBias{b.data.data() + (c.keys - 1 - c.first_row), c.keys, -1};
  } else if (c.bias == BiasKind::block || c.bias == BiasKind::row_fill) {
    b.data = random_vector(c.heads * c.rows * c.keys, 22, 2.0);
    b.rows = RowBias{b.data.data(), c.rows * c.keys, c.keys};
  }
  return b;
}

class CausalSoftmaxTest : public ::testing::TestWithParam<SoftmaxCase> {};

TEST_P(CausalSoftmaxTest, MatchesDoubleReference) {
  const SoftmaxCase& c = GetParam();
  ASSERT_LE(c.first_row + c.rows, c.keys) << "a causal block never has more queries than keys";
  const std::int64_t n = c.heads * c.rows * c.keys;
  const auto s = random_vector(n, 7, 4.0);
  const Biases bias = make_bias(c);
  std::vector<double> ref(n, 0.0);
  for (std::int64_t h = 0; h < c.heads; ++h)
    for (std::int64_t i = 0; i < c.rows; ++i) {
      const std::int64_t o = (h * c.rows + i) * c.keys;
      const std::int64_t visible = std::min(c.first_row + i + 1, c.keys);
      double mx = -INFINITY, sum = 0;
      for (std::int64_t j = 0; j < visible; ++j) mx = std::max(mx, s[o + j] + bias.at(h, i, j));
      for (std::int64_t j = 0; j < visible; ++j)
        sum += ref[o + j] = std::exp(s[o + j] + bias.at(h, i, j) - mx);
      for (std::int64_t j = 0; j < visible; ++j) ref[o + j] /= sum;
    }
  std::vector<float> p = c.in_place ? s : std::vector<float>(n, 123.0f);
  const CausalRows shape{c.heads, c.rows, c.keys, c.first_row};
  if (c.bias == BiasKind::row_fill) {
    // Three threads (more than rows in some cases): every row must be filled exactly once,
    // with its own visible length.
    struct Context {
      const Biases* bias;
      const SoftmaxCase* c;
      std::vector<std::atomic<int>> calls;
      std::atomic<int> wrong_length{0};
    } context{&bias, &c, std::vector<std::atomic<int>>(static_cast<std::size_t>(c.rows))};
    auto fill = [](void* ctx, std::int64_t i, std::int64_t n, float* out) {
      auto* x = static_cast<Context*>(ctx);
      ++x->calls[static_cast<std::size_t>(i)];
      if (n != std::min(x->c->first_row + i + 1, x->c->keys)) ++x->wrong_length;
      for (std::int64_t h = 0; h < x->c->heads; ++h)
        for (std::int64_t j = 0; j < n; ++j)
          out[h * n + j] = static_cast<float>(x->bias->at(h, i, j));
    };
    const int threads = omp_get_max_threads();
    omp_set_num_threads(3);
    causal_softmax_forward_row_bias(p.data(), c.in_place ? p.data() : s.data(), shape, fill,
                                    &context);
    omp_set_num_threads(threads);
    for (std::int64_t i = 0; i < c.rows; ++i) EXPECT_EQ(context.calls[i], 1) << "row " << i;
    EXPECT_EQ(context.wrong_length, 0);
  } else {
    causal_softmax_forward(p.data(), c.in_place ? p.data() : s.data(), shape, bias.rows);
  }
  EXPECT_LT(scaled_error(p, ref), tol::kSoftmaxForward);
  for (std::int64_t h = 0; h < c.heads; ++h)
    for (std::int64_t i = 0; i < c.rows; ++i)
      for (std::int64_t j = c.first_row + i + 1; j < c.keys; ++j)
        ASSERT_EQ(p[(h * c.rows + i) * c.keys + j], 0.0f) << h << " " << i << " " << j;
  if (c.first_row == 0) {  // row 0 sees key 0 only
    for (std::int64_t h = 0; h < c.heads; ++h) EXPECT_EQ(p[h * c.rows * c.keys], 1.0f);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CausalSoftmaxTest,
    ::testing::Values(
        SoftmaxCase{"first_block_no_bias", 3, 5, 5, 0, BiasKind::none, true},
        SoftmaxCase{"first_block_toeplitz", 3, 5, 5, 0, BiasKind::toeplitz, true},
        SoftmaxCase{"middle_block_toeplitz", 2, 7, 100, 93, BiasKind::toeplitz, false},
        SoftmaxCase{"long_rows_toeplitz", 2, 9, 301, 292, BiasKind::toeplitz, true},
        SoftmaxCase{"ragged_block_cache", 3, 6, 70, 64, BiasKind::block, true},
        SoftmaxCase{"first_block_cache", 2, 40, 40, 0, BiasKind::block, false},
        SoftmaxCase{"rows_of_32_and_64", 1, 33, 64, 31, BiasKind::none, false},
        SoftmaxCase{"row_fill_first_block", 3, 40, 40, 0, BiasKind::row_fill, true},
        SoftmaxCase{"row_fill_middle_block", 2, 37, 100, 50, BiasKind::row_fill, false},
        SoftmaxCase{"row_fill_last_block", 4, 9, 301, 292, BiasKind::row_fill, true},
        SoftmaxCase{"row_fill_two_rows", 2, 2, 2, 0, BiasKind::row_fill, false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CausalSoftmax, MatchesOnednnOnFullRows) {
  const std::int64_t rows = 37, cols = 301;
  auto s = random_vector(rows * cols, 9, 4.0);
  std::vector<float> ours(s.size()), onednn(s.size());
  causal_softmax_forward(ours.data(), s.data(), CausalRows{1, rows, cols, cols});
  softmax_forward(onednn.data(), s.data(), rows, cols);
  EXPECT_LT(scaled_error(ours, onednn), tol::kSoftmaxForward);
}

TEST(CausalSoftmax, MinusInfinityScoresGiveZero) {
  // A score hook may leave -inf among the visible keys; a row needs one finite entry.
  const std::int64_t keys = 40;
  std::vector<float> s(keys, -std::numeric_limits<float>::infinity());
  s[3] = 1.0f, s[17] = 1.0f;
  causal_softmax_forward(s.data(), s.data(), CausalRows{1, 1, keys, keys});
  for (std::int64_t j = 0; j < keys; ++j) EXPECT_EQ(s[j], (j == 3 || j == 17) ? 0.5f : 0.0f);
}

TEST(CausalSoftmax, AddBiasAndMaskGivesTheScoreHookInput) {
  const std::int64_t H = 2, rows = 4, keys = 9, first_row = 5, T = keys;
  auto s = random_vector(H * rows * keys, 3);
  auto table = random_vector(H * T, 4);
  auto out = s;
  add_bias_and_mask(out.data(), CausalRows{H, rows, keys, first_row},
                    RowBias{table.data() + (T - 1 - first_row), T, -1});
  for (std::int64_t h = 0; h < H; ++h)
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < keys; ++j) {
        const std::int64_t o = (h * rows + i) * keys + j, q = first_row + i;
        if (j <= q)
          EXPECT_EQ(out[o], s[o] + table[h * T + (T - 1 - q) + j]);
        else
          EXPECT_EQ(out[o], -std::numeric_limits<float>::infinity());
      }
}

}  // namespace
}  // namespace pebench
