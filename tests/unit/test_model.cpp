// The whole model: gradients of every parameter (the model's and the encoding's)
// against central finite differences on a tiny model, for every encoding and
// the stacks; bitwise reproducibility; the optimizer against its formulas.
// How to add an encoding: nothing; every plugin found is covered by ModelGradient.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <utility>

#include "model/model.hpp"
#include "model/optimizer.hpp"
#include "test_helpers.hpp"

namespace pebench {
namespace {

struct TinyBatch {
  std::int64_t B = 2, T = 7;
  std::vector<std::int32_t> tokens, targets;
  std::vector<float> mask;
  std::vector<std::int64_t> positions;
  explicit TinyBatch(std::int64_t vocab, std::uint64_t seed = 3) {
    Rng rng(seed);
    for (std::int64_t i = 0; i < B * T; ++i) {
      tokens.push_back(static_cast<std::int32_t>(rng.below(vocab)));
      targets.push_back(static_cast<std::int32_t>(rng.below(vocab)));
      mask.push_back(i % 3 == 1 ? 0.0f : 1.0f);  // some rows do not count
    }
    for (std::int64_t t = 0; t < T; ++t) positions.push_back(t);
  }
  ModelInput input() const {
    return ModelInput{B, T, tokens.data(), targets.data(), mask.data(), &positions};
  }
};

MakeEncoding encoding_named(const std::string& name) {
  if (name == "none") return {};
  return [name](const AttentionShape& s) {
    return resolve_encoding(test::plugins(), name).create(Config{}, s);
  };
}

std::vector<std::string> gradient_cases() {
  std::vector<std::string> names{"none"};
  for (const auto& p : test::plugins().plugins())
    if (p.info.name.rfind("fixture_", 0) != 0) names.push_back(p.info.name);
  names.push_back("cope+rope");
  names.push_back("sinusoidal+alibi");
  names.push_back("learned+kerple");  // an embed part with parameters in a per-layer stack
  return names;
}

// Central differences of the float model (loss accumulated in double), step 1e-2.
// The model's own parameters are redrawn at a larger scale than the init (std 0.3)
// so that every path carries signal; the encoding's keep their init (some are
// projected into a valid range at each forward, e.g. KERPLE's clamp). Entries at
// a kink (ReLU/clamp in an encoding) are skipped when the one-sided slopes disagree.
void expect_gradients_match_finite_differences(const ModelConfig& config,
                                               const std::string& encoding) {
  Model model(config, encoding_named(encoding), 7);
  Rng rng(99);
  for (ParamRef& p : model.parameters())
    for (std::int64_t i = 0; i < p.size && p.name.find("enc.") == std::string::npos; ++i)
      p.value[i] = static_cast<float>((p.name.find("ln") != std::string::npos ? 1.0 : 0.0) +
                                      0.3 * rng.normal());
  model.parameters_changed();
  TinyBatch batch(config.vocab);
  model.zero_grad();
  model.forward(batch.input());
  model.backward();

  const double h = 1e-2;
  int checked = 0, skipped = 0;
  for (ParamRef& p : model.parameters()) {
    // The entry with the largest gradient (a large table, e.g. learned positions,
    // is mostly rows beyond T with zero gradient), and two at random.
    std::int64_t largest = 0;
    for (std::int64_t i = 1; i < p.size; ++i)
      if (std::fabs(p.grad[i]) > std::fabs(p.grad[largest])) largest = i;
    for (int n = 0; n < 3; ++n) {
      const std::int64_t i = n == 0 ? largest : static_cast<std::int64_t>(rng.below(p.size));
      const float saved = p.value[i];
      auto loss_at = [&](double delta) {
        p.value[i] = static_cast<float>(saved + delta);
        model.parameters_changed();
        return model.forward(batch.input());
      };
      const double up = loss_at(h), down = loss_at(-h), mid = loss_at(0);
      p.value[i] = saved;
      model.parameters_changed();
      const double fd = (up - down) / (2 * h);
      const double right = (up - mid) / h, left = (mid - down) / h;
      if (std::fabs(right - left) > 0.5 * (std::fabs(right) + std::fabs(left)) + 1e-3) {
        ++skipped;  // a kink between saved - h and saved + h
        continue;
      }
      EXPECT_NEAR(p.grad[i], fd, 2e-3 + 2e-2 * std::fabs(fd)) << p.name << "[" << i << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 10 * skipped + 30) << "too many kinks skipped";
}

ModelConfig tiny_config(const std::string& norm = "pre", double dropout = 0,
                        double attention_dropout = 0) {
  ModelConfig config;
  config.vocab = 11, config.d_model = 8, config.heads = 2, config.layers = 2, config.norm = norm;
  config.dropout = dropout;
  config.attention_dropout = attention_dropout;
  return config;
}

class ModelGradient : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelGradient, MatchesFiniteDifferences) {
  expect_gradients_match_finite_differences(tiny_config(), GetParam());
}

// Post-norm blocks (x = LN(x + f(x)), no final LayerNorm): the same check, for no encoding,
// an additive one, a bias, a rotation and a score hook.
TEST(Model, PostNormGradientsMatchFiniteDifferences) {
  for (const char* encoding : {"none", "sinusoidal", "alibi", "rope", "cope"}) {
    SCOPED_TRACE(encoding);
    expect_gradients_match_finite_differences(tiny_config("post"), encoding);
  }
}

// With dropout the masks are a function of the step: finite differences at one step see one
// mask, and the gradient through the dropped paths must match them (pre and post-norm).
TEST(Model, DropoutGradientsMatchFiniteDifferences) {
  for (const char* norm : {"pre", "post"})
    for (const char* encoding : {"none", "alibi", "learned"}) {
      SCOPED_TRACE(std::string(norm) + " " + encoding);
      expect_gradients_match_finite_differences(tiny_config(norm, 0.3), encoding);
    }
}

// Dropout on the attention probabilities (its mask recomputed in backward, not stored), alone
// and with the other dropouts, through the hooks that read the probabilities: a score hook
// (CoPE), a mix hook (Shaw's values), a bias (ALiBi).
TEST(Model, AttentionDropoutGradientsMatchFiniteDifferences) {
  for (const char* norm : {"pre", "post"})
    for (const char* encoding : {"none", "alibi", "cope", "shaw"}) {
      SCOPED_TRACE(std::string(norm) + " " + encoding);
      expect_gradients_match_finite_differences(tiny_config(norm, 0.0, 0.3), encoding);
    }
  expect_gradients_match_finite_differences(tiny_config("post", 0.2, 0.3), "cope");
}

// Dropout acts in training only: inference equals the model without dropout, a training
// forward differs from it and depends on the step, and is the same again at the same step;
// for the residual dropouts and for the one on attention probabilities.
TEST(Model, DropoutOnlyInTrainingAndFixedPerStep) {
  Model plain(tiny_config(), {}, 4);
  TinyBatch batch(11);
  const double reference = plain.forward(batch.input());
  for (const auto& [dropout, attention_dropout] : {std::pair{0.5, 0.0}, std::pair{0.0, 0.5}}) {
    SCOPED_TRACE(testing::Message()
                 << "dropout " << dropout << ", attention " << attention_dropout);
    Model dropped(tiny_config("pre", dropout, attention_dropout), {}, 4);
    EXPECT_EQ(dropped.forward(batch.input(), Pass::inference), reference);
    dropped.set_dropout_step(3);
    const double at3 = dropped.forward(batch.input());
    EXPECT_NE(at3, reference);
    EXPECT_EQ(dropped.forward(batch.input()), at3);
    dropped.set_dropout_step(4);
    EXPECT_NE(dropped.forward(batch.input()), at3);
  }
  EXPECT_THROW(Model(tiny_config("pre", 1.0), {}, 1), std::invalid_argument);
  EXPECT_THROW(Model(tiny_config("pre", 0.0, 1.0), {}, 1), std::invalid_argument);
}

// Post-norm has no final LayerNorm, and its blocks' LayerNorms sit after the residual sums:
// the same weights give another loss than pre-norm.
TEST(Model, PostNormHasNoFinalLayerNorm) {
  Model pre(tiny_config("pre"), {}, 1), post(tiny_config("post"), {}, 1);
  EXPECT_EQ(pre.parameter_count() - post.parameter_count(), 2 * 8);
  for (const ParamRef& p : post.parameters()) EXPECT_EQ(p.name.find("lnf"), std::string::npos);
  TinyBatch batch(11);
  EXPECT_NE(pre.forward(batch.input()), post.forward(batch.input()));
  EXPECT_THROW(Model(tiny_config("middle"), {}, 1), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Encodings, ModelGradient, ::testing::ValuesIn(gradient_cases()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '+') c = '_';
                           return n;
                         });

TEST(Model, ParameterNamesShapesAndCount) {
  ModelConfig config;  // V 256, D 128, H 4, N 2
  Model model(config, {}, 1);
  const auto& params = model.parameters();
  EXPECT_EQ(params.front().name, "wte");
  EXPECT_EQ(params[3].name, "h0.attn.qkv.weight");
  EXPECT_EQ(params[3].shape, (std::vector<std::int64_t>{128, 384}));
  // 256*128 + 2 * (12*128^2 + 13*128) + 2*128
  EXPECT_EQ(model.parameter_count(), 256 * 128 + 2 * (12 * 128 * 128 + 13 * 128) + 2 * 128);
  EXPECT_EQ(model.encoding_parameter_count(), 0);
}

TEST(Model, SharedEncodingParametersAppearOnce) {
  ModelConfig config;
  config.vocab = 11, config.d_model = 8, config.heads = 2, config.layers = 3;
  Model t5(config, encoding_named("t5"), 1);      // shared_across_layers
  Model cope(config, encoding_named("cope"), 1);  // one per layer
  int t5_params = 0, cope_params = 0;
  for (const auto& p : t5.parameters()) t5_params += p.name.rfind("enc.", 0) == 0;
  for (const auto& p : cope.parameters()) cope_params += p.name.find(".enc.") != std::string::npos;
  EXPECT_EQ(t5_params, 1);
  EXPECT_EQ(cope_params, 3);

  // A stack's embed-only part (learned) acts once: only layer 0's table is a parameter;
  // its other parts stay one per layer.
  Model stack(config, encoding_named("learned+kerple"), 1);
  int learned_params = 0, kerple_params = 0;
  for (const auto& p : stack.parameters()) {
    learned_params += p.name.find(".enc.learned.") != std::string::npos;
    kerple_params += p.name.find(".enc.kerple.") != std::string::npos;
  }
  EXPECT_EQ(learned_params, 1);
  EXPECT_GE(kerple_params, 3);
}

// Pass::inference (attention keeps no probabilities) gives the training pass's loss and
// predictions bitwise, for every encoding; backward() after it is refused.
TEST_P(ModelGradient, InferencePassMatchesTrainPass) {
  ModelConfig config;
  config.vocab = 11, config.d_model = 8, config.heads = 2, config.layers = 2;
  Model model(config, encoding_named(GetParam()), 7);
  TinyBatch batch(config.vocab);
  const double inference_loss = model.forward(batch.input(), Pass::inference);
  const auto inference_predictions = model.predictions();
  EXPECT_THROW(model.backward(), std::logic_error);
  const double train_loss = model.forward(batch.input(), Pass::train);
  EXPECT_EQ(inference_loss, train_loss);
  EXPECT_EQ(inference_predictions, model.predictions());
  EXPECT_NO_THROW(model.backward());
}

std::vector<double> train_losses(int steps, std::uint64_t seed) {
  ModelConfig config;
  config.vocab = 13, config.d_model = 16, config.heads = 2, config.layers = 2;
  Model model(config, encoding_named("alibi"), seed);
  OptimizerConfig oc;
  oc.lr = 3e-2, oc.warmup_steps = 2, oc.total_steps = steps;
  AdamW opt(oc);
  TinyBatch batch(config.vocab);
  std::vector<double> losses;
  for (int s = 0; s < steps; ++s) {
    model.zero_grad();
    losses.push_back(model.forward(batch.input()));
    model.backward();
    opt.step(model.parameters(), s);
    model.parameters_changed();
  }
  return losses;
}

TEST(Model, SameSeedSameThreadsBitwiseIdenticalAndLearns) {
  const auto a = train_losses(40, 5), b = train_losses(40, 5), c = train_losses(40, 6);
  EXPECT_EQ(a, b);  // bitwise
  EXPECT_NE(a, c);
  EXPECT_LT(a.back(), 0.5 * a.front()) << "overfitting one batch must reduce the loss";
}

TEST(Optimizer, ScheduleFormulas) {
  OptimizerConfig c;
  c.lr = 1.0, c.warmup_steps = 4, c.total_steps = 14, c.min_lr_ratio = 0.1;
  EXPECT_DOUBLE_EQ(learning_rate(c, 0), 0.25);
  EXPECT_DOUBLE_EQ(learning_rate(c, 3), 1.0);
  c.schedule = "linear";
  EXPECT_DOUBLE_EQ(learning_rate(c, 9), 1.0 - 0.9 * 0.5);
  EXPECT_DOUBLE_EQ(learning_rate(c, 14), 0.1);
  c.schedule = "cosine";
  EXPECT_NEAR(learning_rate(c, 9), 0.1 + 0.9 * 0.5, 1e-12);
  EXPECT_NEAR(learning_rate(c, 14), 0.1, 1e-12);
  c.schedule = "constant";
  EXPECT_DOUBLE_EQ(learning_rate(c, 10), 1.0);
  c.schedule = "step";
  EXPECT_THROW(AdamW{c}, std::invalid_argument);
}

TEST(Optimizer, AdamWStepMatchesTorchFormula) {
  std::vector<float> value{0.5f, -2.0f}, grad{0.1f, 3.0f};
  std::vector<ParamRef> params(1);
  params[0] = ParamRef{"w", {2}, value.data(), grad.data(), 2, true};
  OptimizerConfig c;
  c.lr = 0.01, c.weight_decay = 0.1, c.grad_clip = 0, c.schedule = "constant";
  AdamW opt(c);
  opt.step(params, 0);
  opt.step(params, 1);  // same gradient twice
  double ref[2] = {0.5, -2.0};
  const double g[2] = {0.1, 3.0};
  double m[2] = {0, 0}, v[2] = {0, 0};
  for (int t = 1; t <= 2; ++t)
    for (int i = 0; i < 2; ++i) {
      ref[i] -= 0.01 * 0.1 * ref[i];
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i];
      const double mhat = m[i] / (1 - std::pow(0.9, t)), vhat = v[i] / (1 - std::pow(0.95, t));
      ref[i] -= 0.01 * mhat / (std::sqrt(vhat) + 1e-8);
    }
  EXPECT_NEAR(value[0], ref[0], 1e-6);
  EXPECT_NEAR(value[1], ref[1], 1e-6);
}

TEST(Optimizer, ClipsByGlobalNorm) {
  std::vector<float> a{3.0f}, b{4.0f}, va{0}, vb{0};
  std::vector<ParamRef> params{{"a", {1}, va.data(), a.data(), 1, false},
                               {"b", {1}, vb.data(), b.data(), 1, false}};
  EXPECT_DOUBLE_EQ(clip_grad_norm(params, 1.0), 5.0);
  EXPECT_NEAR(a[0], 0.6, 1e-6);
  EXPECT_NEAR(b[0], 0.8, 1e-6);
}

// A NaN or Inf gradient (with clipping on, which would scale an Inf one by 0) reaches no
// parameter and no moment: the step returns the non-finite norm for the trainer to report,
// and the next finite step is the one it would have been without it.
TEST(Optimizer, NonFiniteGradientChangesNothing) {
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<float> value{0.5f, -2.0f}, grad{0.1f, 3.0f};
    std::vector<float> clean_value = value;
    std::vector<ParamRef> params{{"w", {2}, value.data(), grad.data(), 2, true}};
    std::vector<ParamRef> clean{{"w", {2}, clean_value.data(), grad.data(), 2, true}};
    OptimizerConfig c;
    c.lr = 0.01, c.weight_decay = 0.1, c.grad_clip = 1.0, c.schedule = "constant";
    AdamW opt(c), clean_opt(c);
    grad = {0.1f, bad};
    const double norm = opt.step(params, 0);
    EXPECT_FALSE(std::isfinite(norm)) << norm;
    EXPECT_EQ(value, (std::vector<float>{0.5f, -2.0f})) << "bad = " << bad;
    EXPECT_TRUE(std::isnan(grad[1]) || std::isinf(grad[1])) << "the gradient was rescaled";
    grad = {0.1f, 3.0f};
    opt.step(params, 1);
    grad = {0.1f, 3.0f};
    clean_opt.step(clean, 1);
    EXPECT_EQ(value, clean_value) << "the moments kept something of the bad step";
  }
}

}  // namespace
}  // namespace pebench
