// The Toeplitz-table path of the static bias (attention/toeplitz_bias.hpp): which encodings
// and positions get a table, and attention with the table against attention with the
// per-chunk bias (forward, input and parameter gradients).
// How to add a case: a relative static-bias encoding goes in kToeplitzEncodings; one that
// must fall back goes in the FallsBack tests.
#include <gtest/gtest.h>

#include "attention/attention.hpp"
#include "attention/toeplitz_bias.hpp"
#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

using test::random_vector;
using test::scaled_error;

const std::vector<std::string> kToeplitzEncodings = {"alibi", "t5", "kerple", "sandwich"};

std::vector<std::int64_t> arange(std::int64_t T, std::int64_t first, std::int64_t step) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(T));
  for (std::int64_t i = 0; i < T; ++i) p[i] = first + i * step;
  return p;
}

// Forward and backward of one attention; parameter grads appended after dq, dk, dv.
std::vector<float> run(const std::shared_ptr<Encoding>& enc, bool toeplitz,
                       const std::vector<std::int64_t>& pos, std::int64_t B, std::int64_t H,
                       std::int64_t d, std::int64_t block_rows, std::vector<float>* out_fwd) {
  const std::int64_t T = static_cast<std::int64_t>(pos.size());
  const std::size_t n = static_cast<std::size_t>(B * H * T * d);
  auto q = random_vector(n, 1), k = random_vector(n, 2), v = random_vector(n, 3),
       dout = random_vector(n, 4);
  for (auto& p : enc->parameters()) std::fill(p.grad, p.grad + Tensor::count(p.shape), 0.0f);
  AttentionOptions options{block_rows, 0.0f};
  options.toeplitz_bias = toeplitz;
  CausalAttention attention(enc, options);
  AttentionCache cache;
  std::vector<float> out(n), dq(n, 0.0f), dk(n, 0.0f), dv(n, 0.0f);
  attention.forward(out.data(), cache, q.data(), k.data(), v.data(), {B, H, T, d}, pos);
  attention.backward(dq.data(), dk.data(), dv.data(), dout.data(), cache, q.data(), k.data(),
                     v.data());
  *out_fwd = out;
  std::vector<float> grads = dq;
  grads.insert(grads.end(), dk.begin(), dk.end());
  grads.insert(grads.end(), dv.begin(), dv.end());
  for (auto& p : enc->parameters())
    grads.insert(grads.end(), p.grad, p.grad + Tensor::count(p.shape));
  return grads;
}

TEST(ToeplitzBias, EvenlySpaced) {
  EXPECT_TRUE(evenly_spaced({}));
  EXPECT_TRUE(evenly_spaced({5}));
  EXPECT_TRUE(evenly_spaced(arange(10, 0, 1)));
  EXPECT_TRUE(evenly_spaced(arange(10, 7, 3)));
  EXPECT_TRUE(evenly_spaced({4, 4, 4}));
  EXPECT_FALSE(evenly_spaced({0, 1, 3}));
  EXPECT_FALSE(evenly_spaced({0, 2, 3, 5}));
}

class ToeplitzVsPerChunk : public ::testing::TestWithParam<std::string> {};

TEST_P(ToeplitzVsPerChunk, SameAttentionAsThePerChunkBias) {
  const std::int64_t B = 2, H = 4, d = 8, block_rows = 16;
  auto enc = test::make_encoding(GetParam(), H, d);
  enc->init_parameters(5);
  for (const auto& pos : {arange(70, 0, 1), arange(45, 9, 1), arange(37, 3, 2)}) {
    const auto table = toeplitz_bias_table(*enc, enc->info(), H, pos);
    ASSERT_EQ(table.size(), H * pos.size()) << GetParam() << ": no table for evenly spaced "
                                            << "positions starting at " << pos[0];
    std::vector<float> out_t, out_c;
    const auto grads_t = run(enc, true, pos, B, H, d, block_rows, &out_t);
    const auto grads_c = run(enc, false, pos, B, H, d, block_rows, &out_c);
    EXPECT_LT(scaled_error(out_t, out_c), tol::kAttentionForward) << "T=" << pos.size();
    EXPECT_LT(scaled_error(grads_t, grads_c), tol::kAttentionBackward) << "T=" << pos.size();
  }
}

INSTANTIATE_TEST_SUITE_P(Encodings, ToeplitzVsPerChunk, ::testing::ValuesIn(kToeplitzEncodings));

TEST(ToeplitzBias, FireFallsBack) {  // declares relative = false: max(qpos_i, L)
  auto enc = test::make_encoding("fire", 4, 8);
  enc->init_parameters(5);
  EXPECT_TRUE(toeplitz_bias_table(*enc, enc->info(), 4, arange(600, 0, 1)).empty());
}

TEST(ToeplitzBias, IrregularPositionsFallBack) {
  std::vector<std::int64_t> pos = arange(50, 0, 1);
  pos[20] += 1;  // still non-decreasing, no longer evenly spaced (as randomized positions)
  for (const auto& name : kToeplitzEncodings) {
    auto enc = test::make_encoding(name, 4, 8);
    enc->init_parameters(5);
    EXPECT_TRUE(toeplitz_bias_table(*enc, enc->info(), 4, pos).empty()) << name;
  }
}

// A bias that claims to be relative but depends on the absolute query position: the check
// must refuse the table, and attention must then still match the per-chunk path.
class LyingBias final : public Encoding {
 public:
  EncodingInfo info() const override {
    EncodingInfo i;
    i.name = "lying_bias";
    i.hooks = kHookStaticBias;
    i.relative = true;
    return i;
  }
  void bias_forward(Span<3> bias, Positions qpos, Positions kpos) override {
    for (std::int64_t h = 0; h < bias.size(0); ++h)
      for (std::int64_t i = 0; i < bias.size(1); ++i)
        for (std::int64_t j = 0; j < bias.size(2); ++j)
          bias.at(h, i, j) = -0.1f * float(qpos[i] - kpos[j]) + (qpos[i] > 20 ? 0.5f : 0.0f);
  }
};

TEST(ToeplitzBias, CheckRefusesABiasThatIsNotToeplitz) {
  auto enc = std::make_shared<LyingBias>();
  const auto pos = arange(40, 0, 1);
  EXPECT_TRUE(toeplitz_bias_table(*enc, enc->info(), 3, pos).empty());
  std::vector<float> out_t, out_c;
  run(enc, true, pos, 1, 3, 4, 8, &out_t);
  run(enc, false, pos, 1, 3, 4, 8, &out_c);
  EXPECT_EQ(out_t, out_c);
}

TEST(ToeplitzBias, TableIsTheLastQueryRow) {
  auto enc = test::make_encoding("alibi", 2, 8);
  const auto pos = arange(6, 10, 1);
  const auto table = toeplitz_bias_table(*enc, enc->info(), 2, pos);
  ASSERT_EQ(table.size(), 12u);
  // ALiBi slopes for 2 heads: 1/16 and 1/256; table[h, j] = -m_h (T-1-j).
  for (std::int64_t j = 0; j < 6; ++j) {
    EXPECT_FLOAT_EQ(table[j], -(5 - j) / 16.0f);
    EXPECT_FLOAT_EQ(table[6 + j], -(5 - j) / 256.0f);
  }
}

}  // namespace
}  // namespace pebench
