// Checkpoints (model/checkpoint.hpp): a model saved and loaded into a fresh one computes the
// same loss bit for bit; corrupt, truncated, foreign or mismatched files are refused with a
// message naming the file and the problem.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/checkpoint.hpp"
#include "pebench/random.hpp"
#include "test_helpers.hpp"

namespace pebench {
namespace {
namespace fs = std::filesystem;

MakeEncoding encoding_named(const std::string& name) {
  if (name.empty()) return {};
  return [name](const AttentionShape& s) {
    return resolve_encoding(test::plugins(), name).create(Config{}, s);
  };
}

ModelConfig small_config(std::int64_t d_model = 8) {
  ModelConfig c;
  c.vocab = 13, c.d_model = d_model, c.heads = 2, c.layers = 2;
  return c;
}

double loss_of(Model& model) {
  const std::int64_t B = 2, T = 9;
  std::vector<std::int32_t> tokens, targets;
  std::vector<float> mask(B * T, 1.0f);
  std::vector<std::int64_t> positions;
  for (std::int64_t i = 0; i < B * T; ++i) tokens.push_back(std::int32_t(i * 7 % 13));
  for (std::int64_t i = 0; i < B * T; ++i) targets.push_back(std::int32_t(i * 5 % 13));
  for (std::int64_t t = 0; t < T; ++t) positions.push_back(t);
  return model.forward({B, T, tokens.data(), targets.data(), mask.data(), &positions},
                       Pass::inference);
}

std::string temp_path(const std::string& tag) {
  return (fs::temp_directory_path() /
          ("pebench-ckpt-" + tag + "-" + std::to_string(getpid()) + ".ckpt"))
      .string();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const CheckpointError& e) {
    return e.what();
  }
  return "(no error)";
}

class CheckpointRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckpointRoundTrip, AFreshModelLoadsTheSameWeightsAndLoss) {
  const std::string encoding = GetParam();
  Model trained(small_config(), encoding_named(encoding), 3);
  Rng rng(5);  // weights no init would give, the encoding's included
  for (ParamRef& p : trained.parameters())
    for (std::int64_t i = 0; i < p.size; ++i) p.value[i] += 0.05f * float(rng.normal());
  trained.parameters_changed();
  const double loss = loss_of(trained);

  const std::string path = temp_path("roundtrip");
  save_checkpoint(path, trained, {small_config(), encoding, "", R"({"step": 40, "seed": 3})"});
  const CheckpointInfo info = read_checkpoint_info(path);
  EXPECT_EQ(info.model.d_model, 8);
  EXPECT_EQ(info.model.layers, 2);
  EXPECT_EQ(info.encoding, encoding);
  EXPECT_EQ(nlohmann::json::parse(info.meta_json).at("step"), 40);

  Model fresh(info.model, encoding_named(info.encoding), 99);
  EXPECT_NE(loss_of(fresh), loss);
  load_checkpoint_weights(path, fresh);
  ASSERT_EQ(fresh.parameters().size(), trained.parameters().size());
  for (std::size_t k = 0; k < fresh.parameters().size(); ++k) {
    const ParamRef &a = fresh.parameters()[k], &b = trained.parameters()[k];
    ASSERT_EQ(a.name, b.name);
    for (std::int64_t i = 0; i < a.size; ++i) ASSERT_EQ(a.value[i], b.value[i]) << a.name << i;
  }
  EXPECT_EQ(loss_of(fresh), loss);  // bit for bit
  fs::remove(path);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

INSTANTIATE_TEST_SUITE_P(Encodings, CheckpointRoundTrip,
                         ::testing::Values("", "alibi", "fire", "cope+rope", "t5", "learned"),
                         [](const auto& info) {
                           std::string n = info.param.empty() ? "none" : info.param;
                           for (auto& ch : n) ch = std::isalnum(ch) ? ch : '_';
                           return n;
                         });

// Byte surgery on a saved file.
struct Saved {
  std::string path = temp_path("bad");
  std::string bytes;
  Saved() {
    Model m(small_config(), encoding_named("fire"), 1);
    save_checkpoint(path, m, {small_config(), "fire", "", "{}"});
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ~Saved() { fs::remove(path); }
  void write(const std::string& b) const { std::ofstream(path, std::ios::binary) << b; }
};

// A post-norm model with dropout is described as such in its file: `pebench eval` builds the
// model from the header, and a pre-norm one would have an lnf the file lacks.
TEST(Checkpoint, PostNormAndDropoutAreInTheHeader) {
  ModelConfig config = small_config();
  config.norm = "post", config.dropout = 0.1;
  Model m(config, {}, 2);
  const std::string path = ::testing::TempDir() + "/post_norm.ckpt";
  save_checkpoint(path, m, {config, "nope", "", "{}"});
  const CheckpointInfo info = read_checkpoint_info(path);
  EXPECT_EQ(info.model.norm, "post");
  EXPECT_EQ(info.model.dropout, 0.1);
  Model again(info.model, {}, 5);
  EXPECT_NO_THROW(load_checkpoint_weights(path, again));
  std::filesystem::remove(path);
}

TEST(Checkpoint, CorruptTruncatedAndForeignFilesAreRefused) {
  Saved s;
  Model m(small_config(), encoding_named("fire"), 1);
  auto load = [&] { load_checkpoint_weights(s.path, m); };

  std::string b = s.bytes;
  b[b.size() - 5] ^= 0x10;  // one bit of one weight
  s.write(b);
  EXPECT_NE(error_of(load).find("data sha256 mismatch"), std::string::npos) << error_of(load);

  s.write(s.bytes.substr(0, s.bytes.size() - 100));
  EXPECT_NE(error_of(load).find("truncated"), std::string::npos) << error_of(load);
  s.write(s.bytes.substr(0, 30));
  EXPECT_NE(error_of(load).find("truncated header"), std::string::npos) << error_of(load);

  b = s.bytes;
  b[0] = 'X';
  s.write(b);
  EXPECT_NE(error_of(load).find("not a pebench checkpoint"), std::string::npos);

  b = s.bytes;
  b[8] = 2;  // format version 2
  s.write(b);
  EXPECT_NE(error_of(load).find("format version 2, this pebench reads version 1"),
            std::string::npos)
      << error_of(load);

  b = s.bytes;
  const std::uint64_t huge = std::uint64_t(1) << 40;  // header length: refused, not allocated
  b.replace(12, 8, reinterpret_cast<const char*>(&huge), 8);
  s.write(b);
  EXPECT_NE(error_of(load).find("header length"), std::string::npos) << error_of(load);

  EXPECT_NE(error_of([&] {
              read_checkpoint_info("/nonexistent/pebench.ckpt");
            }).find("checkpoint '/nonexistent/pebench.ckpt': cannot open"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              save_checkpoint("/nonexistent/dir/x.ckpt", m, {small_config(), "fire", "", "{}"});
            }).find("write failed"),
            std::string::npos);
}

TEST(Checkpoint, AnotherModelOrEncodingIsRefusedByTensorName) {
  Saved s;  // fire, d_model 8
  Model wider(small_config(16), encoding_named("fire"), 1);
  EXPECT_NE(error_of([&] {
              load_checkpoint_weights(s.path, wider);
            }).find("tensor 'wte' has shape [13, 8], the model's is [13, 16]"),
            std::string::npos)
      << error_of([&] { load_checkpoint_weights(s.path, wider); });
  Model plain(small_config(), encoding_named("alibi"), 1);  // no encoding parameters
  EXPECT_NE(
      error_of([&] { load_checkpoint_weights(s.path, plain); }).find("has no place in the model"),
      std::string::npos);
  Model other(small_config(), encoding_named("t5"), 1);  // parameters fire lacks
  EXPECT_NE(error_of([&] { load_checkpoint_weights(s.path, other); }).find("has no tensor 'enc."),
            std::string::npos)
      << error_of([&] { load_checkpoint_weights(s.path, other); });
}

}  // namespace
}  // namespace pebench
