#include "kinds/conformance/conformance.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include "kinds/conformance/conformance_layer.hpp"
#include "pebench/random.hpp"

namespace pebench {
namespace {

using Inputs = std::map<std::string, Tensor>;

std::vector<std::int64_t> iota_positions(std::int64_t n, std::int64_t start = 0) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) p[i] = start + i;
  return p;
}

// A fresh encoding (parameters initialised from the seed) and layer.
struct Setup {
  std::shared_ptr<Encoding> encoding;
  std::unique_ptr<ConformanceLayer> layer;
  std::vector<Parameter> params;

  Setup(const EncodingSource& entry, const ConformanceOptions& o, std::int64_t seq_len,
        std::int64_t block_rows = 0, std::int64_t chunk_bytes = AttentionOptions{}.chunk_bytes) {
    encoding = entry.create(o.config, AttentionShape{o.heads, o.head_dim, o.heads * o.head_dim});
    encoding->init_parameters(o.seed);
    params = encoding->parameters();
    layer = std::make_unique<ConformanceLayer>(
        encoding, AttentionDims{o.batch, o.heads, seq_len, o.head_dim},
        block_rows > 0 ? block_rows : o.block_rows, o.seed, chunk_bytes);
  }
  void zero_param_grads() {
    for (auto& p : params) std::fill(p.grad, p.grad + Tensor::count(p.shape), 0.0f);
  }
};

double weighted_sum(const Tensor& out, const Tensor& w) {
  double s = 0;
  for (std::int64_t i = 0; i < out.numel(); ++i) s += double(out[i]) * double(w[i]);
  return s;
}

std::vector<std::int64_t> sample_indices(std::int64_t n, std::int64_t max, std::uint64_t seed) {
  std::vector<std::int64_t> idx;
  if (n <= max) {
    for (std::int64_t i = 0; i < n; ++i) idx.push_back(i);
    return idx;
  }
  // Without replacement: a partial Fisher-Yates shuffle, then sorted.
  std::vector<std::int64_t> all(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) all[i] = i;
  Rng rng(seed);
  for (std::int64_t i = 0; i < max; ++i)
    std::swap(all[i], all[i + static_cast<std::int64_t>(rng.below(std::uint64_t(n - i)))]);
  idx.assign(all.begin(), all.begin() + max);
  std::sort(idx.begin(), idx.end());
  return idx;
}

// Compares analytic gradients with central differences, one element at a time.
CheckResult compare_gradient(const std::string& name, float* value, const float* analytic,
                             std::int64_t n, const std::function<double()>& loss,
                             const ConformanceOptions& o) {
  CheckResult r{"gradient " + name, CheckStatus::kPassed, ""};
  double max_abs = 0, max_rel = 0;
  std::int64_t bad = 0, worst = -1;
  double worst_fd = 0, worst_an = 0;
  const auto idx = sample_indices(n, o.max_fd_elements, o.seed + 17);
  auto matches = [&](double fd, double an) {
    return std::isfinite(fd) && std::isfinite(an) &&
           std::fabs(fd - an) <=
               o.tol.grad_abs + o.tol.grad_rel * std::max(std::fabs(fd), std::fabs(an));
  };
  // (loss(x + a) - loss(x - b)) / (a + b) for element i, steps as float actually moves it.
  auto difference = [&](std::int64_t i, double a, double b) {
    const float orig = value[i];
    const float up = orig + static_cast<float>(a), down = orig - static_cast<float>(b);
    value[i] = up;
    const double plus = a > 0 ? loss() : 0.0;
    value[i] = down;
    const double minus = b > 0 ? loss() : 0.0;
    value[i] = orig;
    const double base = (a > 0 && b > 0) ? 0.0 : loss();
    return ((a > 0 ? plus : base) - (b > 0 ? minus : base)) / (double(up) - double(down));
  };
  std::int64_t kinks = 0;
  for (std::int64_t i : idx) {
    const double an = analytic[i];
    double fd = difference(i, o.tol.fd_step, o.tol.fd_step);
    if (std::isfinite(an) && !matches(fd, an)) {
      // A kink (ReLU, clamp, max) within the step mixes two slopes. Retry with a 10x
      // smaller step, centrally and from each side: a side without the kink gives the
      // true one-sided slope, which a piecewise-smooth analytic gradient must match.
      const double h = o.tol.fd_step / 10;
      for (double retry : {difference(i, h, h), difference(i, h, 0), difference(i, 0, h)})
        if (matches(retry, an)) {
          fd = retry;
          ++kinks;
          break;
        }
    }
    const double err = std::fabs(fd - an);
    const double scale = std::max(std::fabs(fd), std::fabs(an));
    if (!matches(fd, an)) {
      ++bad;
      if (worst < 0 || !std::isfinite(an) || err > std::fabs(worst_fd - worst_an))
        worst = i, worst_fd = fd, worst_an = an;
    }
    if (std::isfinite(err)) {
      max_abs = std::max(max_abs, err);
      max_rel = std::max(max_rel, err / std::max(scale, 1e-3));
    }
  }
  if (bad > 0) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format(
        "{}/{} elements off; worst [{}]: analytic {:.6g} vs finite-diff {:.6g}{}", bad, idx.size(),
        worst, worst_an, worst_fd, std::isfinite(worst_an) ? "" : " (NaN/Inf in the gradient)");
  } else {
    r.figure = fmt::format("max abs err {:.2e}, max rel err {:.2e} over {} elements{}", max_abs,
                           max_rel, idx.size(),
                           kinks ? fmt::format(" ({} at a kink: matched a 10x smaller or one-sided "
                                               "difference)",
                                               kinks)
                                 : "");
  }
  return r;
}

std::vector<CheckResult> check_gradients(const EncodingSource& entry, const ConformanceOptions& o) {
  Setup s(entry, o, o.seq_len);
  const auto pos = iota_positions(o.seq_len);
  Inputs in = s.layer->random_inputs(o.seed);
  Rng rng(o.seed + 5);
  Tensor w({o.batch, o.heads, o.seq_len, o.head_dim});
  for (auto& x : w.values()) x = static_cast<float>(rng.normal());

  // Gradients start from a non-zero value (subtracted after): a backward that writes (=)
  // instead of accumulating (+=) fails here.
  constexpr float kPrefill = 1.0f;
  s.layer->forward(in, pos);
  for (auto& p : s.params) std::fill(p.grad, p.grad + Tensor::count(p.shape), kPrefill);
  const Inputs grads = s.layer->backward(w, kPrefill);
  std::vector<std::vector<float>> param_grads;
  for (auto& p : s.params) {
    param_grads.emplace_back(p.grad, p.grad + Tensor::count(p.shape));
    for (auto& g : param_grads.back()) g -= kPrefill;
  }

  auto loss = [&] {
    s.layer->attention().parameters_changed();
    return weighted_sum(s.layer->forward(in, pos), w);
  };
  std::vector<CheckResult> out;
  for (auto& [name, t] : in)
    out.push_back(compare_gradient(name, t.data(), grads.at(name).data(), t.numel(), loss, o));
  for (std::size_t i = 0; i < s.params.size(); ++i)
    out.push_back(compare_gradient("param " + s.params[i].name, s.params[i].value,
                                   param_grads[i].data(), Tensor::count(s.params[i].shape), loss,
                                   o));
  return out;
}

CheckResult check_causality(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"causality", CheckStatus::kPassed, ""};
  Setup s(entry, o, o.seq_len);
  const auto pos = iota_positions(o.seq_len);
  const Inputs in = s.layer->random_inputs(o.seed);
  const Tensor base = s.layer->forward(in, pos);
  const auto& d = s.layer->dims();
  double max_before = 0, min_at = 1e300;
  for (std::int64_t j : {std::int64_t{1}, o.seq_len / 2 + 1, o.seq_len - 1}) {
    Inputs edited = in;
    for (auto& [name, t] : edited) {
      const std::int64_t width = t.shape().back();
      const bool heads = t.shape().size() == 4;
      for (std::int64_t b = 0; b < d.batch; ++b)
        for (std::int64_t h = 0; h < (heads ? d.heads : 1); ++h)
          for (std::int64_t c = 0; c < width; ++c) {
            const std::int64_t i = heads ? ((b * d.heads + h) * d.seq_len + j) * width + c
                                         : (b * d.seq_len + j) * width + c;
            t[i] += 1.0f + 0.5f * float(c % 3);
          }
    }
    const Tensor out = s.layer->forward(edited, pos);
    double at_j = 0;
    for (std::int64_t b = 0; b < d.batch; ++b)
      for (std::int64_t h = 0; h < d.heads; ++h)
        for (std::int64_t t = 0; t < d.seq_len; ++t)
          for (std::int64_t c = 0; c < d.head_dim; ++c) {
            const std::int64_t i = ((b * d.heads + h) * d.seq_len + t) * d.head_dim + c;
            const double diff = std::fabs(double(out[i]) - double(base[i]));
            if (t < j) max_before = std::max(max_before, diff);
            if (t == j) at_j = std::max(at_j, diff);
          }
    min_at = std::min(min_at, at_j);
  }
  if (max_before > 0) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format(
        "outputs before an edited token changed by up to {:.3e} (future tokens leak)", max_before);
  } else if (!(min_at > 0)) {
    r.status = CheckStatus::kFailed;
    r.figure = "degenerate: editing a token did not change its own output";
  } else {
    r.figure =
        fmt::format("max |Δout| before edited token 0 (tokens 1, {}, {}); at the token >= {:.2e}",
                    o.seq_len / 2 + 1, o.seq_len - 1, min_at);
  }
  return r;
}

// Forward + backward once; returns every number produced, in a fixed order.
std::vector<float> full_run(const EncodingSource& entry, const ConformanceOptions& o,
                            const std::vector<std::int64_t>& pos, float input_scale,
                            std::int64_t block_rows = 0,
                            std::int64_t chunk_bytes = AttentionOptions{}.chunk_bytes) {
  const auto seq_len = static_cast<std::int64_t>(pos.size());
  Setup s(entry, o, seq_len, block_rows, chunk_bytes);
  const Inputs in = s.layer->random_inputs(o.seed, input_scale);
  const Tensor out = s.layer->forward(in, pos);
  Tensor ones(out.shape());
  for (auto& x : ones.values()) x = 1.0f;
  s.zero_param_grads();
  const Inputs grads = s.layer->backward(ones);
  std::vector<float> all = out.values();
  for (auto& [name, g] : grads) all.insert(all.end(), g.values().begin(), g.values().end());
  for (auto& p : s.params) all.insert(all.end(), p.grad, p.grad + Tensor::count(p.shape));
  return all;
}

CheckResult check_determinism(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"determinism", CheckStatus::kPassed, ""};
  const auto a = full_run(entry, o, iota_positions(o.seq_len), 1.0f);
  const auto b = full_run(entry, o, iota_positions(o.seq_len), 1.0f);
  if (a.size() != b.size() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) != 0) {
    std::size_t differing = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
      differing += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
    r.status = CheckStatus::kFailed;
    r.figure =
        fmt::format("{} of {} values differ between two identical runs", differing, a.size());
  } else {
    r.figure = fmt::format("2 runs bitwise identical ({} values: outputs and gradients)", a.size());
  }
  return r;
}

CheckResult check_relative(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"relative invariance", CheckStatus::kPassed, ""};
  if (!entry.info.relative) {
    r.status = CheckStatus::kSkipped;
    r.figure = "not declared relative";
    return r;
  }
  std::int64_t shift = o.shift;
  if (entry.info.max_positions > 0) shift = std::min(shift, entry.info.max_positions - o.seq_len);
  if (shift <= 0) {
    r.status = CheckStatus::kSkipped;
    r.figure = "max_positions leaves no room to shift";
    return r;
  }
  Setup a(entry, o, o.seq_len), b(entry, o, o.seq_len);
  const Inputs in = a.layer->random_inputs(o.seed);
  const Tensor base = a.layer->forward(in, iota_positions(o.seq_len));
  const Tensor moved = b.layer->forward(in, iota_positions(o.seq_len, shift));
  double max_diff = 0, max_out = 1;
  for (std::int64_t i = 0; i < base.numel(); ++i) {
    max_diff = std::max(max_diff, std::fabs(double(base[i]) - double(moved[i])));
    max_out = std::max(max_out, std::fabs(double(base[i])));
  }
  r.figure = fmt::format("max |out(pos+{}) - out(pos)| = {:.2e}", shift, max_diff);
  if (!(max_diff <= o.tol.invariance_rel * max_out)) r.status = CheckStatus::kFailed;
  return r;
}

// The blocked path (query blocks of block_rows, hooks called one row at a time: each call
// sees its causal keys only, through views strided like a chunk of a longer block) equals
// one block in one call, with offset, strided positions: catches hooks that assume Tq == Tk,
// qpos == kpos, positions 0..T-1 or dense views (tests/fixtures/broken/assumes_dense_logits).
CheckResult check_blocking(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"query blocks", CheckStatus::kPassed, ""};
  std::vector<std::int64_t> pos(static_cast<std::size_t>(o.seq_len));
  for (std::int64_t i = 0; i < o.seq_len; ++i) pos[i] = 3 + 2 * i;
  if (entry.info.max_positions > 0 && pos.back() >= entry.info.max_positions)
    pos = iota_positions(o.seq_len);
  const std::int64_t one_row = 1, one_call = std::int64_t(1) << 40;  // chunk_bytes
  const auto blocked = full_run(entry, o, pos, 1.0f, o.block_rows, one_row);
  const auto whole = full_run(entry, o, pos, 1.0f, o.seq_len, one_call);
  double max_diff = 0, max_val = 1;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    max_diff = std::max(max_diff, std::fabs(double(blocked[i]) - double(whole[i])));
    max_val = std::max(max_val, std::fabs(double(whole[i])));
  }
  r.figure = fmt::format(
      "blocks of {} rows, a row per hook call, vs one block of {}, positions {}, {}, ...: "
      "max |diff| {:.2e} (outputs and gradients)",
      o.block_rows, o.seq_len, pos[0], pos[1], max_diff);
  if (!(max_diff <= o.tol.invariance_rel * max_val)) r.status = CheckStatus::kFailed;
  return r;
}

// Encoding::bias_rows (what the harness computes inside its softmax) equals bias_forward:
// every row of the second half of the queries against every key, and against its causal keys
// only, called from all threads in a scrambled order, at positions 3, 5, 7, ... (a plugin that
// takes key j's position to be j is caught: tests/fixtures/broken/bias_rows_disagree). Writes
// past a row's n keys are caught by a guard band after each head's row.
CheckResult check_bias_rows(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"bias rows", CheckStatus::kPassed, ""};
  if (!(entry.info.hooks & kHookStaticBias)) {
    r.status = CheckStatus::kSkipped;
    r.figure = "no static bias";
    return r;
  }
  std::vector<std::int64_t> pos(static_cast<std::size_t>(o.seq_len));
  for (std::int64_t i = 0; i < o.seq_len; ++i) pos[i] = 3 + 2 * i;
  if (entry.info.max_positions > 0 && pos.back() >= entry.info.max_positions)
    pos = iota_positions(o.seq_len);
  Setup s(entry, o, o.seq_len);
  const std::int64_t H = o.heads, Tk = o.seq_len, first = Tk / 2, Tq = Tk - first;
  const Positions qpos{pos.data() + first, Tq}, kpos{pos.data(), Tk};
  const auto rows = s.encoding->bias_rows(qpos, kpos);
  if (!rows) {
    r.status = CheckStatus::kSkipped;
    r.figure = "no bias_rows: the harness calls bias_forward per chunk";
    return r;
  }
  Tensor block({H, Tq, Tk});
  s.encoding->bias_forward(block.view<3>(), qpos, kpos);
  // Task t: row i = (t * 7) % Tq (scrambled), all keys for even t, causal keys for odd t.
  const std::int64_t tasks = 2 * Tq, guard = 8;
  constexpr float kGuard = -12345.0f;
  std::vector<double> diff(static_cast<std::size_t>(tasks), 0.0), scale(diff.size(), 1.0);
  std::vector<std::int64_t> guard_hits(diff.size(), 0);
  std::vector<std::string> errors(diff.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t t = 0; t < tasks; ++t) {
    const std::int64_t i = (t / 2 * 7) % Tq, n = t % 2 == 0 ? Tk : first + i + 1;
    std::vector<float> out(static_cast<std::size_t>(H * (n + guard)), kGuard);
    try {
      rows->row(i, View<float, 2>{out.data(), {H, n}, {n + guard, 1}});
    } catch (const std::exception& e) {
      errors[t] = e.what();
      continue;
    } catch (...) {
      errors[t] = "a non-standard exception";
      continue;
    }
    for (std::int64_t h = 0; h < H; ++h) {
      for (std::int64_t j = 0; j < n; ++j) {
        const double want = block.view<3>().at(h, i, j), got = out[h * (n + guard) + j];
        const double d = std::isnan(got) != std::isnan(want) ? INFINITY : std::fabs(got - want);
        diff[t] = std::max(diff[t], d);
        scale[t] = std::max(scale[t], std::fabs(want));
      }
      for (std::int64_t g = 0; g < guard; ++g)
        guard_hits[t] += out[h * (n + guard) + n + g] != kGuard;
    }
  }
  double max_diff = 0, max_val = 1;
  std::int64_t writes_past = 0;
  for (std::int64_t t = 0; t < tasks; ++t) {
    if (!errors[t].empty()) {
      r.status = CheckStatus::kFailed;
      r.figure = fmt::format("bias_rows row {} threw: {}", (t / 2 * 7) % Tq, errors[t]);
      return r;
    }
    max_diff = std::max(max_diff, diff[t]);
    max_val = std::max(max_val, scale[t]);
    writes_past += guard_hits[t];
  }
  r.figure = fmt::format(
      "{} rows x (all {} keys, causal keys) from {} threads vs bias_forward, positions {}, {}, "
      "...: max |diff| {:.2e}, {} writes past a row",
      Tq, Tk, omp_get_max_threads(), pos[0], pos[1], max_diff, writes_past);
  if (!(max_diff <= o.tol.invariance_rel * max_val) || writes_past > 0)
    r.status = CheckStatus::kFailed;
  return r;
}

CheckResult check_length(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"length", CheckStatus::kPassed, ""};
  const std::int64_t max_pos = entry.info.max_positions;
  if (max_pos > 0) {
    // Short sequences whose last position is max_positions - 1 (accepted) and
    // max_positions (refused): the limit is on positions, not on memory.
    const std::int64_t T = std::min(o.seq_len, max_pos);
    const auto at_limit = full_run(entry, o, iota_positions(T, max_pos - T), 1.0f);
    for (float x : at_limit)
      if (!std::isfinite(x)) {
        r.status = CheckStatus::kFailed;
        r.figure = fmt::format("positions up to max_positions - 1 = {} gave NaN/Inf", max_pos - 1);
        return r;
      }
    try {
      full_run(entry, o, iota_positions(T, max_pos - T + 1), 1.0f);
      r.status = CheckStatus::kFailed;
      r.figure = fmt::format("position {} (= max_positions) was not refused", max_pos);
    } catch (const std::out_of_range& e) {
      r.figure = fmt::format("positions up to {} ran; position {} refused: {}", max_pos - 1,
                             max_pos, e.what());
    }
    return r;
  }
  const std::int64_t T = 4 * entry.info.train_length;
  const auto t0 = std::chrono::steady_clock::now();
  const auto all = full_run(entry, o, iota_positions(T), 1.0f);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::size_t bad = 0;
  for (float x : all) bad += !std::isfinite(x);
  if (bad) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format("T = {}: {} NaN/Inf values", T, bad);
  } else {
    r.figure = fmt::format("T = {} (4 x train_length {}) forward+backward in {:.0f} ms, all finite",
                           T, entry.info.train_length, ms);
  }
  return r;
}

CheckResult check_large_logits(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"large logits", CheckStatus::kPassed, ""};
  const std::int64_t max_pos = entry.info.max_positions;
  const std::int64_t T =
      max_pos > 0 ? std::min(max_pos, 4 * entry.info.train_length) : 4 * entry.info.train_length;
  const float scale = o.tol.large_input_scale;
  const auto all = full_run(entry, o, iota_positions(T), scale);
  std::size_t bad = 0;
  for (float x : all) bad += !std::isfinite(x);
  // Logits are q.k/sqrt(d) with q, k ~ N(0, scale^2): typical magnitude scale^2.
  if (bad) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format("T = {}, inputs x{}: {} of {} outputs/gradients are NaN/Inf", T, scale,
                           bad, all.size());
  } else {
    r.figure = fmt::format("T = {}, inputs x{} (|logits| ~ {:.0f}): {} outputs/gradients finite", T,
                           scale, double(scale) * scale, all.size());
  }
  return r;
}

template <typename F>
void run_check(std::vector<CheckResult>& out, const std::string& name, F&& f) {
  try {
    out.push_back(f());
  } catch (const std::exception& e) {
    out.push_back({name, CheckStatus::kFailed, std::string("threw: ") + e.what()});
  } catch (...) {
    out.push_back({name, CheckStatus::kFailed, "threw a non-standard exception"});
  }
}

}  // namespace

const char* to_string(CheckStatus s) {
  switch (s) {
    case CheckStatus::kPassed:
      return "PASSED";
    case CheckStatus::kFailed:
      return "FAILED";
    case CheckStatus::kSkipped:
      return "SKIPPED";
  }
  return "?";
}

bool ConformanceReport::passed() const {
  for (const auto& c : checks)
    if (c.status == CheckStatus::kFailed) return false;
  return !checks.empty();
}

ConformanceReport run_conformance(const EncodingSource& source, const ConformanceOptions& o) {
  ConformanceReport rep{source.name, source.path, source.version, source.sha256, source.info, {}};
  // The checks read the declarations (hooks, max_positions, relative, train_length) of the
  // encoding as configured, not of its default configuration.
  EncodingSource entry = source;
  try {  // a config the encoding refuses is the only finding: nothing else can run
    entry.info = rep.info =
        entry.create(o.config, AttentionShape{o.heads, o.head_dim, o.heads * o.head_dim})->info();
  } catch (const std::exception& e) {
    rep.checks.push_back({"config", CheckStatus::kFailed, e.what()});
    return rep;
  } catch (...) {
    rep.checks.push_back({"config", CheckStatus::kFailed, "threw a non-standard exception"});
    return rep;
  }
  try {
    for (auto& c : check_gradients(entry, o)) rep.checks.push_back(std::move(c));
  } catch (const std::exception& e) {
    rep.checks.push_back({"gradients", CheckStatus::kFailed, std::string("threw: ") + e.what()});
  } catch (...) {
    rep.checks.push_back({"gradients", CheckStatus::kFailed, "threw a non-standard exception"});
  }
  run_check(rep.checks, "causality", [&] { return check_causality(entry, o); });
  run_check(rep.checks, "determinism", [&] { return check_determinism(entry, o); });
  run_check(rep.checks, "relative invariance", [&] { return check_relative(entry, o); });
  run_check(rep.checks, "query blocks", [&] { return check_blocking(entry, o); });
  run_check(rep.checks, "bias rows", [&] { return check_bias_rows(entry, o); });
  run_check(rep.checks, "length", [&] { return check_length(entry, o); });
  run_check(rep.checks, "large logits", [&] { return check_large_logits(entry, o); });
  return rep;
}

}  // namespace pebench
