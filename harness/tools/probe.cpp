#include "tools/probe.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "attention/attention.hpp"
#include "core/npy.hpp"
#include "core/positions.hpp"

namespace pebench {
namespace {

namespace fs = std::filesystem;

// (B,T,H*d) <-> (B,H,T,d)
Tensor split_heads(const Tensor& x, std::int64_t H) {
  const std::int64_t B = x.dim(0), T = x.dim(1), D = x.dim(2), d = D / H;
  Tensor out({B, H, T, d});
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t t = 0; t < T; ++t)
      for (std::int64_t c = 0; c < D; ++c)
        out[((b * H + c / d) * T + t) * d + c % d] = x[(b * T + t) * D + c];
  return out;
}

void add_merged_heads(Tensor& dx, const Tensor& g) {
  const std::int64_t B = g.dim(0), H = g.dim(1), T = g.dim(2), d = g.dim(3);
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t t = 0; t < T; ++t)
        for (std::int64_t c = 0; c < d; ++c)
          dx[(b * T + t) * H * d + h * d + c] += g[((b * H + h) * T + t) * d + c];
}

void expect_shape(const Tensor& t, const std::vector<std::int64_t>& shape,
                  const std::string& file) {
  if (t.shape() != shape)
    throw std::runtime_error(fmt::format("{}: shape {} but {} expected", file, t.shape_string(),
                                         Tensor(shape).shape_string()));
}

// An input file: NaN or Inf in it would come out as NaN outputs without a word, so they are
// reported (an error with `strict`).
Tensor read_input(const fs::path& file, bool strict) {
  Tensor t = read_npy(file.string());
  std::int64_t nan = 0, inf = 0;
  for (float v : t.values()) nan += std::isnan(v), inf += std::isinf(v);
  if (nan + inf > 0) {
    const std::string what =
        fmt::format("{}: {} NaN and {} Inf of {} values", file.string(), nan, inf, t.numel());
    if (strict) throw std::runtime_error(what + " (--strict)");
    fmt::print(stderr, "warning: {}: the outputs will not be finite\n", what);
  }
  return t;
}

}  // namespace

std::string run_probe(const EncodingSource& entry, const ProbeOptions& o) {
  const fs::path in(o.in_dir), out(o.out_dir);
  fs::create_directories(out);
  const bool embeds = entry.info.hooks & kHookEmbed;
  Tensor x, q, k, v;
  if (embeds) {
    x = read_input(in / "x.npy", o.strict);
    if (x.shape().size() != 3)
      throw std::runtime_error((in / "x.npy").string() + ": must be (B,T,D)");
    if (o.heads <= 0 || x.dim(2) % o.heads != 0)
      throw std::runtime_error(
          fmt::format("--heads must divide D = {} for an embed encoding", x.dim(2)));
  } else {
    q = read_input(in / "q.npy", o.strict);
    if (q.shape().size() != 4)
      throw std::runtime_error((in / "q.npy").string() + ": must be (B,H,T,d)");
    k = read_input(in / "k.npy", o.strict);
    v = read_input(in / "v.npy", o.strict);
    expect_shape(k, q.shape(), (in / "k.npy").string());
    expect_shape(v, q.shape(), (in / "v.npy").string());
  }
  const std::int64_t B = embeds ? x.dim(0) : q.dim(0);
  const std::int64_t H = embeds ? o.heads : q.dim(1);
  const std::int64_t T = embeds ? x.dim(1) : q.dim(2);
  const std::int64_t d = embeds ? x.dim(2) / o.heads : q.dim(3);

  auto encoding = entry.create(o.config, AttentionShape{H, d, H * d});
  encoding->init_parameters(o.seed);
  auto params = encoding->parameters();
  for (auto& p : params) {
    Tensor value(p.shape);
    std::copy(p.value, p.value + value.numel(), value.data());
    write_npy((out / ("param." + p.name + ".npy")).string(), value);
    std::fill(p.grad, p.grad + value.numel(), 0.0f);
  }

  Rng position_rng(o.seed ^ 0x9e3779b97f4a7c15ull);
  const std::vector<std::int64_t> positions =
      o.random_positions > 0 ? randomized_positions(T, o.random_positions, position_rng)
                             : sequential_positions(T);
  Tensor positions_out({T});
  for (std::int64_t i = 0; i < T; ++i) positions_out[i] = static_cast<float>(positions[i]);
  write_npy((out / "positions.npy").string(), positions_out);
  CausalAttention attention(encoding, AttentionOptions{o.block_rows, 0.0f});
  attention.check_positions(positions);
  if (embeds) {
    Tensor xe = x;
    encoding->embed_forward(xe.view<3>(), Positions{positions.data(), T});
    write_npy((out / "x_embedded.npy").string(), xe);
    q = k = v = split_heads(xe, H);
  }

  Tensor dout({B, H, T, d});
  if (fs::exists(in / "dout.npy")) {
    dout = read_input(in / "dout.npy", o.strict);
    expect_shape(dout, {B, H, T, d}, (in / "dout.npy").string());
  } else {
    for (auto& g : dout.values()) g = 1.0f;
  }
  Tensor o_tensor({B, H, T, d}), dq({B, H, T, d}), dk({B, H, T, d}), dv({B, H, T, d});
  AttentionCache cache;
  attention.forward(o_tensor.data(), cache, q.data(), k.data(), v.data(), AttentionDims{B, H, T, d},
                    positions);
  attention.backward(dq.data(), dk.data(), dv.data(), dout.data(), cache, q.data(), k.data(),
                     v.data());
  write_npy((out / "out.npy").string(), o_tensor);
  write_npy((out / "dq.npy").string(), dq);
  write_npy((out / "dk.npy").string(), dk);
  write_npy((out / "dv.npy").string(), dv);
  if (embeds) {
    Tensor dx(x.shape());
    add_merged_heads(dx, dq);
    add_merged_heads(dx, dk);
    add_merged_heads(dx, dv);
    encoding->embed_backward(dx.view<3>(), Positions{positions.data(), T});
    write_npy((out / "dx.npy").string(), dx);
  }
  for (auto& p : params) {
    Tensor grad(p.shape);
    std::copy(p.grad, p.grad + grad.numel(), grad.data());
    write_npy((out / ("grad." + p.name + ".npy")).string(), grad);
  }
  return fmt::format("probe {}: B={} H={} T={} d={}, {} parameter tensors -> {}", entry.info.name,
                     B, H, T, d, params.size(), out.string());
}

}  // namespace pebench
