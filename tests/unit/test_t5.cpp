// Golden tests of the t5 plugin: buckets against the reference `_relative_position_bucket`
// (HF transformers / Mesh TensorFlow), transcribed here independently in double, for the
// causal and the bidirectional variant; read back through the plugin's bias with the table
// set to bias = bucket index. Plus the table gradient and its accumulation.
// How to add a case: append a distance to kDistances (or a config to the loops below).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "test_helpers.hpp"
#include "tolerances.hpp"

namespace pebench {
namespace {

// The Python reference, line by line (relative_position = memory - query).
std::int64_t reference_bucket(std::int64_t relative_position, bool bidirectional,
                              std::int64_t num_buckets, std::int64_t max_distance) {
  std::int64_t relative_buckets = 0;
  if (bidirectional) {
    num_buckets /= 2;
    relative_buckets += relative_position > 0 ? num_buckets : 0;
    relative_position = std::abs(relative_position);
  } else {
    relative_position = -std::min<std::int64_t>(relative_position, 0);
  }
  const std::int64_t max_exact = num_buckets / 2;
  const bool is_small = relative_position < max_exact;
  std::int64_t if_large = 0;
  if (!is_small) {
    if_large = max_exact +
               static_cast<std::int64_t>(std::log(double(relative_position) / double(max_exact)) /
                                         std::log(double(max_distance) / double(max_exact)) *
                                         double(num_buckets - max_exact));
    if_large = std::min(if_large, num_buckets - 1);
  }
  return relative_buckets + (is_small ? relative_position : if_large);
}

const std::vector<std::int64_t> kDistances{0,  1,  2,  3,  4,  5,  6,  7,  8,   9,   10,
                                           11, 12, 13, 14, 15, 16, 20, 50, 127, 128, 500};

Config t5_config(bool bidirectional, std::int64_t buckets = 32, std::int64_t max_distance = 128) {
  Config c;
  c.set("bidirectional", bidirectional);
  c.set("num_buckets", buckets);
  c.set("max_distance", max_distance);
  return c;
}

// Table value for (bucket b, head h) = b + 1000 h: the bias reads back bucket and head.
void set_table_to_bucket_index(Encoding& enc, std::int64_t buckets, std::int64_t heads) {
  auto params = enc.parameters();
  ASSERT_EQ(params.size(), 1u);
  ASSERT_EQ(params[0].shape, (std::vector<std::int64_t>{buckets, heads}));
  for (std::int64_t b = 0; b < buckets; ++b)
    for (std::int64_t h = 0; h < heads; ++h)
      params[0].value[b * heads + h] = static_cast<float>(b + 1000 * h);
}

// Buckets of keys at query - d (and query + d when `after`), read through the plugin.
std::vector<std::int64_t> plugin_buckets(Encoding& enc, std::int64_t heads, std::int64_t query,
                                         const std::vector<std::int64_t>& kpos) {
  const std::int64_t Tk = static_cast<std::int64_t>(kpos.size());
  std::vector<float> bias(static_cast<std::size_t>(heads * Tk));
  enc.bias_forward(dense_view<float, 3>(bias.data(), {heads, 1, Tk}), Positions{&query, 1},
                   Positions{kpos.data(), Tk});
  std::vector<std::int64_t> out;
  for (std::int64_t h = 0; h < heads; ++h)
    for (std::int64_t j = 0; j < Tk; ++j) {
      const double v = bias[h * Tk + j] - 1000.0 * h;
      EXPECT_EQ(v, std::round(v)) << "h " << h << " j " << j;
      out.push_back(static_cast<std::int64_t>(std::lround(v)));
    }
  return out;
}

TEST(T5, CausalBucketsMatchReferenceFunction) {
  const std::int64_t H = 2, query = 1000;
  auto enc = test::make_encoding("t5", H, 8, t5_config(false));
  set_table_to_bucket_index(*enc, 32, H);
  std::vector<std::int64_t> kpos;  // keys before the query (sorted) and after it
  for (auto it = kDistances.rbegin(); it != kDistances.rend(); ++it) kpos.push_back(query - *it);
  for (std::int64_t d : kDistances)
    if (d > 0) kpos.push_back(query + d);
  const auto got = plugin_buckets(*enc, H, query, kpos);
  for (std::int64_t h = 0; h < H; ++h)
    for (std::size_t j = 0; j < kpos.size(); ++j)
      EXPECT_EQ(got[h * kpos.size() + j], reference_bucket(kpos[j] - query, false, 32, 128))
          << "key - query = " << kpos[j] - query;
  // Hand-computed: 16 + trunc(16 log(d/16) / log 8) for d >= 16, capped at 31; keys after
  // the query share bucket 0.
  const std::int64_t expected[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                   11, 12, 13, 14, 15, 16, 17, 24, 31, 31, 31};
  for (std::size_t n = 0; n < kDistances.size(); ++n)
    EXPECT_EQ(got[kDistances.size() - 1 - n], expected[n]) << "distance " << kDistances[n];
  for (std::size_t j = kDistances.size(); j < kpos.size(); ++j) EXPECT_EQ(got[j], 0);
}

TEST(T5, BidirectionalBucketsMatchReferenceFunction) {
  const std::int64_t H = 3, query = 600;
  auto enc = test::make_encoding("t5", H, 8, t5_config(true));
  set_table_to_bucket_index(*enc, 32, H);
  std::vector<std::int64_t> kpos;
  for (auto it = kDistances.rbegin(); it != kDistances.rend(); ++it) kpos.push_back(query - *it);
  for (std::int64_t d : kDistances)
    if (d > 0) kpos.push_back(query + d);
  const auto got = plugin_buckets(*enc, H, query, kpos);
  for (std::int64_t h = 0; h < H; ++h)
    for (std::size_t j = 0; j < kpos.size(); ++j)
      EXPECT_EQ(got[h * kpos.size() + j], reference_bucket(kpos[j] - query, true, 32, 128))
          << "key - query = " << kpos[j] - query;
  // Hand-computed with 16 buckets per direction, max_exact 8:
  // 8 + trunc(8 log(d/8) / log 16) for d >= 8, capped at 15; keys after the query + 16.
  const std::int64_t before[] = {0, 1, 2, 3, 4, 5,  6,  7,  8,  8,  8,
                                 8, 9, 9, 9, 9, 10, 10, 13, 15, 15, 15};
  const std::size_t n_before = kDistances.size();
  for (std::size_t n = 0; n < n_before; ++n)
    EXPECT_EQ(got[n_before - 1 - n], before[n]) << "distance " << kDistances[n];
  for (std::size_t n = 1; n < n_before; ++n)
    EXPECT_EQ(got[n_before + n - 1], 16 + before[n]) << "distance +" << kDistances[n];
}

TEST(T5, OtherConfigsMatchReferenceFunction) {
  for (bool bidirectional : {false, true})
    for (auto [buckets, max_distance] :
         {std::pair<std::int64_t, std::int64_t>{16, 64}, {64, 256}, {8, 1000}, {33, 100}}) {
      const std::int64_t H = 1, query = 5000;
      auto enc = test::make_encoding("t5", H, 8, t5_config(bidirectional, buckets, max_distance));
      set_table_to_bucket_index(*enc, buckets, H);
      for (std::int64_t stride : {7, 1}) {  // strided keys, and contiguous keys (gather path)
        std::vector<std::int64_t> kpos;
        for (std::int64_t k = 0; k <= 2 * query; k += stride) kpos.push_back(k);
        const auto got = plugin_buckets(*enc, H, query, kpos);
        for (std::size_t j = 0; j < kpos.size(); ++j)
          ASSERT_EQ(got[j], reference_bucket(kpos[j] - query, bidirectional, buckets, max_distance))
              << "bidirectional " << bidirectional << " buckets " << buckets << " max_distance "
              << max_distance << " key - query " << kpos[j] - query;
      }
    }
}

TEST(T5, InitIsNormalWithStdOneOverSqrtModelDim) {
  const std::int64_t H = 8, d = 32;  // D = 256: std 1/16
  auto enc = test::make_encoding("t5", H, d);
  enc->init_parameters(3);
  const auto p = enc->parameters()[0];
  const std::int64_t n = 32 * H;
  double sum = 0, sq = 0;
  for (std::int64_t e = 0; e < n; ++e) sum += p.value[e], sq += double(p.value[e]) * p.value[e];
  const double mean = sum / n, std_dev = std::sqrt(sq / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 3.0 / 16 / std::sqrt(double(n)));
  EXPECT_NEAR(std_dev, 1.0 / 16, 0.15 / 16);
  EXPECT_TRUE(enc->info().shared_across_layers);
  EXPECT_TRUE(enc->info().relative);
}

// bias is linear in the table: d(sum w*bias)/d table[b,h] = sum of w over entries in bucket b.
TEST(T5, TableGradientSumsDbiasPerBucketAndAccumulates) {
  const std::int64_t H = 2, Tq = 5, Tk = 9;
  for (bool bidirectional : {false, true})
    for (const std::vector<std::int64_t>& kpos :
         {std::vector<std::int64_t>{0, 2, 4, 6, 8, 10, 12, 30, 41},
          std::vector<std::int64_t>{35, 36, 37, 38, 39, 40, 41, 42, 43}}) {
      auto enc = test::make_encoding("t5", H, 4, t5_config(bidirectional, 8, 20));
      const std::vector<std::int64_t> qpos{4, 6, 8, 10, 40};
      const auto w = test::random_vector(static_cast<std::size_t>(H * Tq * Tk), 5);
      auto p = enc->parameters()[0];
      std::fill(p.grad, p.grad + 8 * H, 0.0f);
      for (int rep = 0; rep < 2; ++rep)
        enc->bias_backward(dense_view<const float, 3>(w.data(), {H, Tq, Tk}),
                           Positions{qpos.data(), Tq}, Positions{kpos.data(), Tk});
      std::vector<double> expected(static_cast<std::size_t>(8 * H), 0.0);
      for (std::int64_t h = 0; h < H; ++h)
        for (std::int64_t i = 0; i < Tq; ++i)
          for (std::int64_t j = 0; j < Tk; ++j)
            expected[reference_bucket(kpos[j] - qpos[i], bidirectional, 8, 20) * H + h] +=
                2.0 * w[(h * Tq + i) * Tk + j];
      for (std::int64_t e = 0; e < 8 * H; ++e) EXPECT_NEAR(p.grad[e], expected[e], 1e-5) << e;
    }
}

TEST(T5, InvalidConfigNamesEncodingAndKey) {
  try {
    test::make_encoding("t5", 2, 4, t5_config(true, 3, 128));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("t5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("num_buckets"), std::string::npos) << e.what();
  }
  EXPECT_THROW(test::make_encoding("t5", 2, 4, t5_config(false, 32, 16)), std::invalid_argument);
}

}  // namespace
}  // namespace pebench
