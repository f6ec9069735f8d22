#include "tools/new_encoding.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <regex>
#include <stdexcept>

#include "results/tables.hpp"

namespace pebench {
namespace {

constexpr const char* kSource =
    R"SKELETON(// {name}: <one line: what this encoding is> (<authors year, paper title>).
//
// Math (write the formula the code implements, e.g. for a static bias):
//   bias[h, i, j] = f(pos_i - pos_j)
//
// This skeleton is a working no-op encoding: it implements no hook yet, so it
// behaves like NoPE and passes `pebench check-plugin`. Declare each hook you
// implement in info().hooks; the harness calls only those. All backwards
// accumulate (+=) into gradients. Shapes: B batch, H heads, T length,
// D model dim, d head dim, Tq query rows of a block, Tk keys it sees.
#include <pebench/pebench.hpp>

namespace {{

class {klass} final : public pebench::Encoding {{
 public:
  // Read every config key you accept here; an unread key is reported as unknown.
  {klass}(const pebench::Config& config, const pebench::AttentionShape& shape)
      : heads_(shape.heads), head_dim_(shape.head_dim) {{
    (void)config;  // e.g. scale_ = config.get_double("scale", 1.0);
    // Trainable parameters: declare each here; the harness stores exactly this many floats
    // for its value and its gradient (bound before init_parameters or any hook runs).
    // auto w = declare_parameter("w", {{heads_}});
    // w_ = w.value, dw_ = w.grad;  // pebench::ParameterBuffer members: w_[h], w_.data()
  }}

  pebench::EncodingInfo info() const override {{
    pebench::EncodingInfo i;
    i.name = "{name}";
    i.version = "0.1.0";
    i.paper = "<authors year, title>";
    i.hooks = 0;  // e.g. pebench::kHookStaticBias | pebench::kHookScore
    i.relative = true;  // outputs unchanged when all positions shift (check-plugin verifies)
    i.max_positions = 0;  // 0 = unbounded
    i.parameter_formula = "0";
    i.extrapolates = "yes";
    return i;
  }}

  // Fill the declared parameters from the seed (deterministic: same seed, same bits).
  // void init_parameters(std::uint64_t seed) override {{ pebench::Rng rng(seed); ... }}

  // embed (kHookEmbed): x (B,T,D) += E(pos).
  // void embed_forward(pebench::Span<3> x, pebench::Positions pos) override;
  // void embed_backward(pebench::ConstSpan<3> dx, pebench::Positions pos) override;

  // rotate (kHookRotate): q, k (B,H,T,d) in place; backward maps gradients back in place.
  // void rotate_forward(pebench::Span<4> q, pebench::Span<4> k, pebench::Positions pos) override;
  // void rotate_backward(pebench::Span<4> dq, pebench::Span<4> dk, pebench::ConstSpan<4> q_in,
  //                      pebench::ConstSpan<4> k_in, pebench::Positions pos) override;

  // static bias (kHookStaticBias): bias (H,Tq,Tk) written from positions (and parameters).
  // void bias_forward(pebench::Span<3> bias, pebench::Positions qpos, pebench::Positions kpos) override;
  // void bias_backward(pebench::ConstSpan<3> dbias, pebench::Positions qpos, pebench::Positions kpos) override;
  // Optional, for a bias that is not a function of qpos - kpos: rows of bias_forward's output,
  // computed by the harness inside its softmax (pebench::BiasRows; row() is called concurrently).
  // std::unique_ptr<pebench::BiasRows> bias_rows(pebench::Positions qpos, pebench::Positions kpos) override;

  // score (kHookScore): logits (B,H,Tq,Tk) += f(q, k, logits); masked entries are -inf.
  // std::unique_ptr<pebench::HookState> score_forward(pebench::Span<4> logits, pebench::ConstSpan<4> q,
  //     pebench::ConstSpan<4> k, pebench::Positions qpos, pebench::Positions kpos) override;
  // void score_backward(pebench::HookState* state, pebench::Span<4> dlogits, pebench::Span<4> dq,
  //     pebench::Span<4> dk, pebench::ConstSpan<4> q, pebench::ConstSpan<4> k,
  //     pebench::Positions qpos, pebench::Positions kpos) override;

  // mix (kHookMix): out (B,H,Tq,d) += g(P); backward adds into dP.
  // std::unique_ptr<pebench::HookState> mix_forward(pebench::Span<4> out, pebench::ConstSpan<4> probs,
  //     pebench::Positions qpos, pebench::Positions kpos) override;
  // void mix_backward(pebench::HookState* state, pebench::ConstSpan<4> dout, pebench::ConstSpan<4> probs,
  //     pebench::Span<4> dprobs, pebench::Positions qpos, pebench::Positions kpos) override;

 private:
  std::int64_t heads_, head_dim_;
}};

}}  // namespace

PEBENCH_EXPORT_ENCODING({klass})
)SKELETON";

constexpr const char* kCmake = R"SKELETON(cmake_minimum_required(VERSION 3.25)
project(pebench_encoding_{name} LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()

# The pebench SDK (installed with `cmake --install`); point CMAKE_PREFIX_PATH at its prefix.
find_package(pebench REQUIRED)
pebench_add_encoding({name} {name}.cpp)
)SKELETON";

constexpr const char* kReadme = R"SKELETON(# {name} — a pebench encoding

Build against an installed pebench SDK (`cmake --install <pebench build> --prefix <prefix>`),
then run the conformance checks:

    cmake -S . -B build -DCMAKE_PREFIX_PATH=<prefix> && cmake --build build
    pebench --plugin-path build check-plugin {name}
)SKELETON";

std::string class_name(const std::string& name) {
  std::string s;
  bool up = true;
  for (char c : name) {
    if (c == '_') {
      up = true;
      continue;
    }
    s += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return s + "Encoding";
}

}  // namespace

void write_encoding_skeleton(const std::string& name, const std::string& dir) {
  if (!std::regex_match(name, std::regex("[a-z][a-z0-9_]*")))
    throw std::invalid_argument(
        "encoding name '" + name +
        "' must match [a-z][a-z0-9_]* (it becomes a file and a symbol name)");
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec))
    throw std::invalid_argument("directory '" + dir + "' exists and is not empty");
  fs::create_directories(dir);
  const std::string klass = class_name(name);
  write_file(dir + "/" + name + ".cpp",
             fmt::format(fmt::runtime(kSource), fmt::arg("name", name), fmt::arg("klass", klass)));
  write_file(dir + "/CMakeLists.txt", fmt::format(fmt::runtime(kCmake), fmt::arg("name", name)));
  write_file(dir + "/README.md", fmt::format(fmt::runtime(kReadme), fmt::arg("name", name)));
}

}  // namespace pebench
