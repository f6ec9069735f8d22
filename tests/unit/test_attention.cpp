// CausalAttention (oneDNN, query blocks) against the naive double reference,
// for every hook kind: none, static bias, rotate, score, mix; evenly spaced and irregular
// positions (the two static-bias paths); with dropout on the probabilities.
// How to add a case: add an encoding name (in-tree plugin or tests/fixtures/hooks)
// to the parameter list; sizes and block sizes are crossed automatically.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "attention/attention.hpp"
#include "attention/attention_reference.hpp"
#include "registry/parameter_storage.hpp"
#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

using test::random_vector;
using test::scaled_error;

struct AttentionCase {
  std::string encoding;
  std::int64_t batch, heads, seq_len, head_dim, block_rows;
  // Evenly spaced positions (3, 5, 7, ...: relative biases take the Toeplitz-table path) or
  // irregular ones (as randomized PE: the bias computed per chunk).
  bool irregular = false;
  // AttentionOptions::chunk_bytes; the default puts these small blocks in one chunk.
  std::int64_t chunk_bytes = AttentionOptions{}.chunk_bytes;
  double dropout = 0;  // AttentionDropout::p of the training forward
};

std::string case_name(const ::testing::TestParamInfo<AttentionCase>& info) {
  const auto& c = info.param;
  std::string name = c.encoding;
  std::replace(name.begin(), name.end(), '+', '_');
  return name + "_B" + std::to_string(c.batch) + "H" + std::to_string(c.heads) + "T" +
         std::to_string(c.seq_len) + "d" + std::to_string(c.head_dim) + "blk" +
         std::to_string(c.block_rows) + (c.irregular ? "_irregular" : "") +
         (c.chunk_bytes != AttentionOptions{}.chunk_bytes ? "_chunk" + std::to_string(c.chunk_bytes)
                                                          : "") +
         (c.dropout > 0 ? "_dropout" : "");
}

std::vector<float> param_grads(Encoding& e) {
  std::vector<float> g;
  for (auto& p : e.parameters()) g.insert(g.end(), p.grad, p.grad + Tensor::count(p.shape));
  return g;
}
void zero_grads(Encoding& e) {
  for (auto& p : e.parameters()) std::fill(p.grad, p.grad + Tensor::count(p.shape), 0.0f);
}

class AttentionVsReference : public ::testing::TestWithParam<AttentionCase> {};

TEST_P(AttentionVsReference, ForwardAndBackward) {
  const AttentionCase& c = GetParam();
  const AttentionDims dims{c.batch, c.heads, c.seq_len, c.head_dim};
  const std::size_t n = static_cast<std::size_t>(c.batch * c.heads * c.seq_len * c.head_dim);
  auto enc = test::make_encoding(c.encoding, c.heads, c.head_dim);
  enc->init_parameters(11);
  auto q = random_vector(n, 1), k = random_vector(n, 2), v = random_vector(n, 3),
       dout = random_vector(n, 4);
  std::vector<std::int64_t> pos(static_cast<std::size_t>(c.seq_len));
  for (std::int64_t i = 0; i < c.seq_len; ++i)  // offset, strided (+ bumps: irregular)
    pos[i] = 3 + 2 * i + (c.irregular && i % 3 == 1 ? 1 : 0);

  const AttentionDropout dropout{c.dropout, 77};
  zero_grads(*enc);
  const ReferenceGradients ref = reference_attention(enc.get(), dims, pos, q.data(), k.data(),
                                                     v.data(), dout.data(), 0.0f, dropout);
  const auto ref_param_grads = param_grads(*enc);

  const AttentionOptions options{c.block_rows, 0.0f, true, c.chunk_bytes};
  CausalAttention attention(enc, options);
  AttentionCache cache;
  std::vector<float> out(n), dq(n, 0.0f), dk(n, 0.0f), dv(n, 0.0f);
  attention.forward(out.data(), cache, q.data(), k.data(), v.data(), dims, pos, dropout);
  EXPECT_LT(scaled_error(out, ref.out), tol::kAttentionForward);

  // The inference path (nothing kept for backward) does the same arithmetic: bitwise equal
  // output, whether or not a training forward has filled the Toeplitz table before.
  // With dropout, it is the output without it (dropout acts in training only).
  std::vector<float> out_inference(n, -1.0f);
  CausalAttention fresh(enc, options);
  fresh.forward_inference(out_inference.data(), q.data(), k.data(), v.data(), dims, pos);
  if (c.dropout > 0) {
    std::vector<float> out_undropped(n);
    AttentionCache plain;
    fresh.forward(out_undropped.data(), plain, q.data(), k.data(), v.data(), dims, pos);
    EXPECT_EQ(out_inference, out_undropped) << "forward_inference, dropout";
    EXPECT_GT(scaled_error(out, out_undropped), 1e-2) << "dropout changed nothing";
    out = out_undropped;  // what the inference path below must equal
  }
  EXPECT_EQ(out_inference, out) << "forward_inference, fresh";
  std::fill(out_inference.begin(), out_inference.end(), -1.0f);
  attention.forward_inference(out_inference.data(), q.data(), k.data(), v.data(), dims, pos);
  EXPECT_EQ(out_inference, out) << "forward_inference after forward";
  zero_grads(*enc);
  attention.backward(dq.data(), dk.data(), dv.data(), dout.data(), cache, q.data(), k.data(),
                     v.data());
  EXPECT_LT(scaled_error(dq, ref.dq), tol::kAttentionBackward) << "dq";
  EXPECT_LT(scaled_error(dk, ref.dk), tol::kAttentionBackward) << "dk";
  EXPECT_LT(scaled_error(dv, ref.dv), tol::kAttentionBackward) << "dv";
  EXPECT_LT(scaled_error(param_grads(*enc), ref_param_grads), tol::kParamGradient)
      << "parameter grads";

  // Backward accumulates: a second backward into the same buffers doubles them.
  auto dq2 = dq;
  attention.backward(dq2.data(), dk.data(), dv.data(), dout.data(), cache, q.data(), k.data(),
                     v.data());
  for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(dq2[i], 2 * dq[i], 1e-5 * (1 + std::fabs(dq[i])));
}

// Every encoding found (in-tree plugins and the hook fixtures) at three shapes.
std::vector<AttentionCase> all_cases() {
  std::vector<AttentionCase> cases;
  std::vector<std::string> names = test::kStacks;
  for (const auto& entry : test::plugins().plugins()) names.push_back(entry.info.name);
  for (const std::string& e : names) {
    cases.push_back({e, 2, 3, 13, 4, 5});   // several blocks, ragged last block
    cases.push_back({e, 1, 2, 16, 8, 16});  // one block
    cases.push_back({e, 1, 12, 9, 6, 2});   // 12 heads (ALiBi's non-power-of-two slopes)
    cases.push_back({e, 2, 3, 13, 4, 5, true});
    // Hooks and non-Toeplitz biases per chunk of rows: 240 bytes = 4, 2 and 1 rows per chunk
    // in the blocks of 5, 10 and 13 keys; 1 byte = one row per chunk.
    cases.push_back({e, 2, 3, 13, 4, 5, false, 240});
    cases.push_back({e, 2, 3, 13, 4, 5, true, 1});
    // Dropout on the probabilities (p = 0.3), through the block path and the chunk path.
    cases.push_back({e, 2, 3, 13, 4, 5, false, AttentionOptions{}.chunk_bytes, 0.3});
    cases.push_back({e, 2, 3, 13, 4, 5, true, 240, 0.3});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Encodings, AttentionVsReference, ::testing::ValuesIn(all_cases()),
                         case_name);

// Counts bias_forward calls: slope * (qpos - kpos), relative (a Toeplitz table) or not.
class CountingBias final : public Encoding {
 public:
  int calls = 0;
  bool relative = true;
  ParameterBuffer slope_;
  // Trainable: one parameter (bound here as the registry would, -0.1); otherwise fixed -0.1.
  explicit CountingBias(bool trainable = true) {
    if (trainable) slope_ = declare_parameter("slope", {1}).value;
    ParameterStorage::bind(*this);
    if (trainable) slope_[0] = -0.1f;
  }
  float slope() const { return slope_.empty() ? -0.1f : slope_[0]; }
  EncodingInfo info() const override {
    EncodingInfo i;
    i.name = "counting_bias";
    i.hooks = kHookStaticBias;
    i.relative = relative;
    return i;
  }
  void bias_forward(Span<3> bias, Positions qpos, Positions kpos) override {
    ++calls;
    for (std::int64_t h = 0; h < bias.size(0); ++h)
      for (std::int64_t i = 0; i < bias.size(1); ++i)
        for (std::int64_t j = 0; j < bias.size(2); ++j)
          bias.at(h, i, j) = slope() * float(qpos[i] - kpos[j]);
  }
};

// The Toeplitz table is computed once per (T, positions, parameter version).
TEST(Attention, ToeplitzTableIsCachedPerLengthPositionsAndVersion) {
  auto enc = std::make_shared<CountingBias>();
  CausalAttention attention(enc, AttentionOptions{4, 0.0f});
  const AttentionDims dims{1, 2, 10, 4};
  auto q = random_vector(80, 1);
  std::vector<float> out(80);
  std::vector<std::int64_t> pos{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  AttentionCache cache;
  attention.forward(out.data(), cache, q.data(), q.data(), q.data(), dims, pos);
  const int per_table = enc->calls;
  EXPECT_GE(per_table, 1);
  attention.forward(out.data(), cache, q.data(), q.data(), q.data(), dims, pos);
  EXPECT_EQ(enc->calls, per_table);  // reused
  attention.parameters_changed();
  attention.forward(out.data(), cache, q.data(), q.data(), q.data(), dims, pos);
  EXPECT_EQ(enc->calls, 2 * per_table);
  pos = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18};  // evenly spaced: still a table
  attention.forward(out.data(), cache, q.data(), q.data(), q.data(), dims, pos);
  EXPECT_EQ(enc->calls, 3 * per_table);
}

TEST(Attention, ParameterFreeBiasSurvivesParametersChanged) {
  auto enc = std::make_shared<CountingBias>(false);  // e.g. ALiBi: an optimizer step must not
                                                     // rebuild its table
  CausalAttention attention(enc, AttentionOptions{4, 0.0f});
  const AttentionDims dims{1, 2, 10, 4};
  auto q = random_vector(80, 1);
  std::vector<float> out(80);
  std::vector<std::int64_t> pos{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  AttentionCache cache;
  attention.forward(out.data(), cache, q.data(), q.data(), q.data(), dims, pos);
  const int per_forward = enc->calls;
  attention.parameters_changed();
  attention.forward(out.data(), cache, q.data(), q.data(), q.data(), dims, pos);
  EXPECT_EQ(enc->calls, per_forward);
}

// A bias that is not a Toeplitz table (FIRE; randomized positions) is computed per chunk of
// rows at every forward and never kept whole (H*T^2/2 floats): one call per chunk.
TEST(Attention, NonToeplitzBiasIsComputedPerChunk) {
  auto enc = std::make_shared<CountingBias>();
  enc->relative = false;
  const AttentionDims dims{1, 2, 10, 4};
  auto q = random_vector(80, 1);
  std::vector<float> out(80);
  const std::vector<std::int64_t> pos{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  AttentionCache cache;
  CausalAttention whole_blocks(enc, AttentionOptions{4, 0.0f});
  whole_blocks.forward(out.data(), cache, q.data(), q.data(), q.data(), dims, pos);
  EXPECT_EQ(enc->calls, 3);  // blocks of 4 + 4 + 2 rows, one chunk each
  whole_blocks.forward(out.data(), cache, q.data(), q.data(), q.data(), dims, pos);
  EXPECT_EQ(enc->calls, 6);
  enc->calls = 0;
  CausalAttention row_chunks(enc, AttentionOptions{4, 0.0f, true, 1});
  row_chunks.forward(out.data(), cache, q.data(), q.data(), q.data(), dims, pos);
  EXPECT_EQ(enc->calls, 10);  // one row per chunk
}

// A bias with BiasRows is computed row by row inside the softmax (no bias_forward call), and
// equals the per-chunk path; a row that throws surfaces as the forward's exception (it runs
// inside an OpenMP region, where an escaping exception would terminate the process).
class RowsBias final : public Encoding {
 public:
  std::int64_t throw_at = -1;
  int forward_calls = 0;
  bool offer_rows = true;
  EncodingInfo info() const override {
    EncodingInfo i;
    i.name = "rows_bias";
    i.hooks = kHookStaticBias;
    return i;
  }
  static float value(std::int64_t h, std::int64_t qp, std::int64_t kp) {
    return -0.3f * float(h + 1) * std::sqrt(float(std::abs(qp - kp))) + 0.01f * float(qp);
  }
  void bias_forward(Span<3> bias, Positions qpos, Positions kpos) override {
    ++forward_calls;
    for (std::int64_t h = 0; h < bias.size(0); ++h)
      for (std::int64_t i = 0; i < bias.size(1); ++i)
        for (std::int64_t j = 0; j < bias.size(2); ++j)
          bias.at(h, i, j) = value(h, qpos[i], kpos[j]);
  }
  class Rows final : public BiasRows {
   public:
    Rows(Positions q, Positions k, std::int64_t throw_at) : q_(q), k_(k), throw_at_(throw_at) {}
    void row(std::int64_t i, Span<2> out) const override {
      if (q_[i] == throw_at_) throw std::runtime_error("row " + std::to_string(i) + " refused");
      for (std::int64_t h = 0; h < out.size(0); ++h)
        for (std::int64_t j = 0; j < out.size(1); ++j) out.at(h, j) = value(h, q_[i], k_[j]);
    }

   private:
    Positions q_, k_;
    std::int64_t throw_at_;
  };
  std::unique_ptr<BiasRows> bias_rows(Positions qpos, Positions kpos) override {
    if (!offer_rows) return nullptr;
    return std::make_unique<Rows>(qpos, kpos, throw_at);
  }
};

TEST(Attention, BiasRowsAreComputedInsideTheSoftmaxAndMatchTheChunkPath) {
  auto rows = std::make_shared<RowsBias>();
  auto chunks = std::make_shared<RowsBias>();
  chunks->offer_rows = false;
  const AttentionDims dims{2, 3, 11, 4};
  const std::int64_t n = 2 * 3 * 11 * 4;
  auto q = random_vector(n, 1), k = random_vector(n, 2), v = random_vector(n, 3);
  const std::vector<std::int64_t> pos{0, 2, 3, 7, 8, 9, 15, 16, 20, 21, 30};
  std::vector<float> a(n), b(n), c(n);
  AttentionCache ca, cb;
  CausalAttention by_rows(rows, AttentionOptions{4, 0.0f});
  CausalAttention by_chunks(chunks, AttentionOptions{4, 0.0f});
  by_rows.forward(a.data(), ca, q.data(), k.data(), v.data(), dims, pos);
  by_chunks.forward(b.data(), cb, q.data(), k.data(), v.data(), dims, pos);
  by_rows.forward_inference(c.data(), q.data(), k.data(), v.data(), dims, pos);
  EXPECT_EQ(rows->forward_calls, 0);
  EXPECT_GT(chunks->forward_calls, 0);
  for (std::int64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(a[i], b[i], 1e-6) << i;
    EXPECT_EQ(a[i], c[i]) << i;  // training and inference forwards: the same bits
  }
  rows->throw_at = 16;
  try {
    by_rows.forward(a.data(), ca, q.data(), k.data(), v.data(), dims, pos);
    FAIL() << "expected the row's exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "row 3 refused");  // position 16: row 3 of the block at 4
  }
}

TEST(Attention, RefusesPositionsBeyondMaxPositions) {
  class Limited final : public Encoding {
   public:
    EncodingInfo info() const override {
      EncodingInfo i;
      i.name = "limited";
      i.max_positions = 8;
      return i;
    }
  };
  CausalAttention attention(std::make_shared<Limited>());
  const AttentionDims dims{1, 1, 9, 2};
  std::vector<float> x(18, 0.5f), out(18);
  std::vector<std::int64_t> pos{0, 1, 2, 3, 4, 5, 6, 7, 8};
  AttentionCache cache;
  try {
    attention.forward(out.data(), cache, x.data(), x.data(), x.data(), dims, pos);
    FAIL() << "expected a refusal";
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "encoding 'limited' supports positions < max_positions = 8; got position 8"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace pebench
