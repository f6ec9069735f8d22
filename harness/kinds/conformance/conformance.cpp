#include "kinds/conformance/conformance.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

#include "core/sha256.hpp"
#include "kinds/conformance/conformance_setup.hpp"
#include "pebench/random.hpp"
#include "registry/parameter_storage.hpp"
#include "run/child_process.hpp"

namespace pebench {
namespace {

// Hooks the encoding does not declare are never called by the harness: one that does
// something would silently not run (a bias declared as no hooks is NoPE in every table).
// Each undeclared hook is called once on data it must leave alone; a declared static bias
// must write every causal entry of its output (what it leaves is whatever was there).
CheckResult check_declared_hooks(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"declared hooks", CheckStatus::kPassed, ""};
  const std::int64_t B = o.batch, H = o.heads, T = 16, d = o.head_dim, D = H * d;
  auto enc = entry.create(o.config, AttentionShape{H, d, D});
  enc->init_parameters(o.seed);
  randomise_parameters(enc->parameters(), o.seed);
  const std::uint32_t hooks = entry.info.hooks;
  const auto pos = iota_positions(T);
  const Positions p{pos.data(), T};
  Rng rng(o.seed + 23);
  auto random = [&](std::vector<std::int64_t> shape) {
    Tensor t(shape);
    for (auto& x : t.values()) x = static_cast<float>(rng.normal());
    return t;
  };
  std::vector<std::string> acting;
  auto changed = [](const Tensor& a, const Tensor& b) {
    return std::memcmp(a.data(), b.data(), a.values().size() * sizeof(float)) != 0;
  };
  if (!(hooks & kHookEmbed)) {
    Tensor x = random({B, T, D});
    const Tensor before = x;
    enc->embed_forward(x.view<3>(), p);
    if (changed(x, before)) acting.push_back("embed_forward");
  }
  if (!(hooks & kHookRotate)) {
    Tensor q = random({B, H, T, d}), k = random({B, H, T, d});
    const Tensor q0 = q, k0 = k;
    enc->rotate_forward(q.view<4>(), k.view<4>(), p);
    if (changed(q, q0) || changed(k, k0)) acting.push_back("rotate_forward");
  }
  constexpr float kSentinel = -12345.0f;
  Tensor bias({H, T, T});
  for (auto& x : bias.values()) x = kSentinel;
  enc->bias_forward(bias.view<3>(), p, p);
  std::int64_t untouched = 0, touched = 0;
  for (std::int64_t h = 0; h < H; ++h)
    for (std::int64_t i = 0; i < T; ++i)
      for (std::int64_t j = 0; j <= i; ++j)
        (bias.view<3>().at(h, i, j) == kSentinel ? untouched : touched) += 1;
  if (!(hooks & kHookStaticBias) && touched > 0) acting.push_back("bias_forward");
  if (!(hooks & kHookScore)) {
    Tensor s = random({B, H, T, T});
    const Tensor q = random({B, H, T, d}), k = random({B, H, T, d});
    for (std::int64_t i = 0; i < s.numel(); ++i)
      if (i % T > (i / T) % T) s[i] = -INFINITY;  // causal mask: key > query
    const Tensor s0 = s;
    enc->score_forward(s.view<4>(), q.view<4>(), k.view<4>(), p, p);
    if (changed(s, s0)) acting.push_back("score_forward");
  }
  if (!(hooks & kHookMix)) {
    Tensor out = random({B, H, T, d}), probs({B, H, T, T});
    for (std::int64_t i = 0; i < probs.numel(); ++i) {
      const std::int64_t row = (i / T) % T, col = i % T;
      probs[i] = col <= row ? 1.0f / float(row + 1) : 0.0f;
    }
    const Tensor out0 = out;
    enc->mix_forward(out.view<4>(), probs.view<4>(), p, p);
    if (changed(out, out0)) acting.push_back("mix_forward");
  }
  if (!acting.empty()) {
    std::string list;
    for (const auto& a : acting) list += (list.empty() ? "" : ", ") + a;
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format(
        "{} changed its output but the encoding declares hooks: {}; the harness calls only "
        "declared hooks, so a run would not use it",
        list, hook_names(hooks));
  } else if ((hooks & kHookStaticBias) && untouched > 0) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format(
        "bias_forward left {} of {} causal entries unwritten (it must write every entry)",
        untouched, untouched + touched);
  } else {
    r.figure =
        fmt::format("declared: {}; the other hooks leave their outputs alone", hook_names(hooks));
  }
  return r;
}

// Edits every token j in turn (all of q, k, v or x at j) at the default query blocks, as real
// runs have them: no output before j may move, not by one bit.
CheckResult check_causality(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"causality", CheckStatus::kPassed, ""};
  Setup s(entry, o, o.seq_len, AttentionOptions{}.block_rows);
  const auto pos = iota_positions(o.seq_len);
  const Inputs in = s.layer->random_inputs(o.seed);
  const Tensor base = s.layer->forward(in, pos);
  const auto& d = s.layer->dims();
  double max_before = 0, min_at = 1e300;
  std::int64_t leak_token = -1, leak_output = -1, max_ahead = 0;
  for (std::int64_t j = 1; j < o.seq_len; ++j) {
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
            if (t < j && diff > 0) {
              if (diff > max_before) max_before = diff, leak_token = j, leak_output = t;
              max_ahead = std::max(max_ahead, j - t);
            }
            if (t == j) at_j = std::max(at_j, diff);
          }
    min_at = std::min(min_at, at_j);
  }
  if (max_before > 0) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format(
        "outputs before an edited token changed by up to {:.3e} (editing token {} moved output "
        "{}; future tokens leak, from up to {} positions ahead)",
        max_before, leak_token, leak_output, max_ahead);
  } else if (!(min_at > 0)) {
    r.status = CheckStatus::kFailed;
    r.figure = "degenerate: editing a token did not change its own output";
  } else {
    r.figure = fmt::format(
        "each token 1..{} edited in turn: outputs before it unchanged (bitwise); at the token "
        ">= {:.2e}",
        o.seq_len - 1, min_at);
  }
  return r;
}

// Reads "digest <hex>" from a child's log.
std::string digest_in_log(const std::string& log) {
  std::ifstream in(log);
  std::string line;
  static const std::regex kDigest("^digest ([0-9a-f]{64})\\s*$");
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_match(line, m, kDigest)) return m[1];
  return "";
}

std::string log_tail(const std::string& log) {
  std::ifstream in(log);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.pop_back();
  const auto cut = all.rfind('\n');
  return cut == std::string::npos ? all : all.substr(cut + 1);
}

// Two runs in this process, then the same run in two child processes (a plugin seeded from
// the process id or the clock, or reading uninitialised memory, differs there).
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
    return r;
  }
  r.figure = fmt::format("2 runs bitwise identical ({} values: outputs and gradients)", a.size());
  if (o.digest_command.empty()) {
    r.figure += "; across processes: not checked (no pebench executable to run)";
    return r;
  }
  const std::string here =
      sha256_hex({reinterpret_cast<const char*>(a.data()), a.size() * sizeof(float)});
  char dir_template[] = "/tmp/pebench-determinism-XXXXXX";
  if (!mkdtemp(dir_template)) throw std::runtime_error("cannot create a temporary directory");
  const std::string dir = dir_template;
  std::vector<std::string> digests;
  for (int child = 0; child < 2; ++child) {
    const std::string log = fmt::format("{}/child-{}.log", dir, child);
    const ChildResult c = run_child(o.digest_command, log, 300, false);
    const std::string digest = digest_in_log(log);
    if (c.kind != ChildResult::kExited || c.code != 0 || digest.empty()) {
      r.status = CheckStatus::kFailed;
      r.figure = fmt::format(
          "a child process computing the same run failed ({}): {}",
          c.kind == ChildResult::kExited
              ? fmt::format("exit status {}", c.code)
              : (c.kind == ChildResult::kSignaled
                     ? fmt::format("signal {}", c.code)
                     : std::string(c.kind == ChildResult::kTimedOut ? "timed out"
                                                                    : "could not start")),
          log_tail(log));
      std::filesystem::remove_all(dir);
      return r;
    }
    digests.push_back(digest);
  }
  std::filesystem::remove_all(dir);
  if (digests[0] != here || digests[1] != here) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format(
        "two separate processes with the same seed disagree (sha256 of outputs and gradients: "
        "this process {}, children {} and {}): results depend on the process (pid, clock, "
        "uninitialised memory?)",
        here.substr(0, 12), digests[0].substr(0, 12), digests[1].substr(0, 12));
    return r;
  }
  r.figure += fmt::format("; 2 other processes agree bitwise (sha256 {})", here.substr(0, 12));
  return r;
}

CheckResult check_relative(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"relative invariance", CheckStatus::kPassed, ""};
  if (!entry.info.relative) {
    r.status = CheckStatus::kSkipped;
    r.figure = "not declared relative";
    return r;
  }
  std::vector<std::int64_t> shifts = o.shifts;
  shifts.push_back(4 * entry.info.train_length + 11);  // past the training length
  const std::int64_t max_pos = entry.info.max_positions;
  std::vector<std::int64_t> usable;
  for (std::int64_t s : shifts)
    if (max_pos <= 0 || s + o.seq_len <= max_pos) usable.push_back(s);
  if (usable.empty()) {
    r.status = CheckStatus::kSkipped;
    r.figure = "max_positions leaves no room to shift";
    return r;
  }
  Setup base_setup(entry, o, o.seq_len);
  const Inputs in = base_setup.layer->random_inputs(o.seed);
  const Tensor base = base_setup.layer->forward(in, iota_positions(o.seq_len));
  std::string figures;
  for (std::int64_t shift : usable) {
    Setup moved_setup(entry, o, o.seq_len);
    const Tensor moved = moved_setup.layer->forward(in, iota_positions(o.seq_len, shift));
    const Difference d = compare_runs(moved.values(), base.values());
    figures += fmt::format("{}{}: {:.1e}", figures.empty() ? "" : ", ", shift, d.max_diff);
    if (!d.within(o.tol.invariance_rel)) r.status = CheckStatus::kFailed;
  }
  r.figure = fmt::format("max |out(pos + shift) - out(pos)| for shifts {}{}", figures,
                         r.status == CheckStatus::kFailed
                             ? " (declared relative, but outputs depend on absolute positions)"
                             : "");
  return r;
}

// The blocked path (query blocks of block_rows, hooks called one row at a time: each call
// sees its causal keys only, through views strided like a chunk of a longer block) equals
// one block in one call, at offset strided positions and at random ones: catches hooks that
// assume Tq == Tk, qpos == kpos, positions 0..T-1 or dense views
// (tests/fixtures/broken/assumes_dense_logits).
CheckResult check_blocking(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"query blocks", CheckStatus::kPassed, ""};
  std::vector<std::int64_t> strided(static_cast<std::size_t>(o.seq_len));
  for (std::int64_t i = 0; i < o.seq_len; ++i) strided[i] = 3 + 2 * i;
  if (entry.info.max_positions > 0 && strided.back() >= entry.info.max_positions)
    strided = iota_positions(o.seq_len);
  const std::int64_t one_row = 1, one_call = std::int64_t(1) << 40;  // chunk_bytes
  std::string figures;
  for (const auto& pos :
       {strided, random_positions(o.seq_len, entry.info.max_positions, o.seed + 29)}) {
    const auto blocked = full_run(entry, o, pos, 1.0f, o.block_rows, one_row);
    const auto whole = full_run(entry, o, pos, 1.0f, o.seq_len, one_call);
    const Difference d = compare_runs(blocked, whole);
    figures += fmt::format("{}positions {}, {}, {}, ...: {:.2e}", figures.empty() ? "" : "; ",
                           pos[0], pos[1], pos[2], d.max_diff);
    if (!d.within(o.tol.invariance_rel)) r.status = CheckStatus::kFailed;
  }
  r.figure = fmt::format(
      "blocks of {} rows (T = {}), a row per hook call, vs one block: max |diff| of outputs and "
      "gradients at {}",
      o.block_rows, o.seq_len, figures);
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

// At 4x train_length: the default query blocks (what runs use) against one block, outputs and
// gradients, and all finite. With max_positions: positions up to the limit run, the limit is
// refused.
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
  const auto blocked = full_run(entry, o, iota_positions(T), 1.0f, AttentionOptions{}.block_rows);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::size_t bad = 0;
  for (float x : blocked) bad += !std::isfinite(x);
  if (bad) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format("T = {}: {} NaN/Inf values", T, bad);
    return r;
  }
  const auto whole = full_run(entry, o, iota_positions(T), 1.0f, T, std::int64_t(1) << 40);
  const Difference d = compare_runs(blocked, whole);
  r.figure = fmt::format(
      "T = {} (4 x train_length {}): forward+backward in {:.0f} ms, all finite; blocks of {} vs "
      "one block: max |diff| {:.2e} (scale {:.2g})",
      T, entry.info.train_length, ms, AttentionOptions{}.block_rows, d.max_diff, d.scale);
  if (!d.within(o.tol.invariance_rel)) r.status = CheckStatus::kFailed;
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

// Parameter storage (registry/parameter_storage.hpp): after a forward and backward at
// randomised parameters, every guard after a parameter's value and gradient must hold (a
// write past what the plugin declared changes one) and every number must be finite (a read
// past it reads the guards' NaN).
CheckResult check_parameter_storage(const EncodingSource& entry, const ConformanceOptions& o) {
  CheckResult r{"parameter storage", CheckStatus::kPassed, ""};
  Setup s(entry, o, o.seq_len);
  if (s.params.empty()) {
    r.status = CheckStatus::kSkipped;
    r.figure = "no parameters declared";
    return r;
  }
  const Inputs in = s.layer->random_inputs(o.seed, 1.0f);
  const Tensor out = s.layer->forward(in, iota_positions(o.seq_len));
  Tensor ones(out.shape());
  for (auto& x : ones.values()) x = 1.0f;
  s.zero_param_grads();
  const Inputs grads = s.layer->backward(ones);
  const std::string overrun = ParameterStorage::overrun(*s.encoding);
  if (!overrun.empty()) {
    r.status = CheckStatus::kFailed;
    r.figure = overrun + " (a hook uses more than the parameter's declared shape)";
    return r;
  }
  std::int64_t bad_out = 0, bad_grad = 0, grad_total = 0;
  auto count = [](const float* p, std::int64_t n) {
    std::int64_t bad = 0;
    for (std::int64_t i = 0; i < n; ++i) bad += std::isfinite(p[i]) ? 0 : 1;
    return bad;
  };
  bad_out = count(out.data(), out.numel());
  for (const auto& [name, g] : grads)
    bad_grad += count(g.data(), g.numel()), grad_total += g.numel();
  for (const auto& p : s.params) bad_grad += count(p.grad, p.size()), grad_total += p.size();
  if (bad_out + bad_grad > 0) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format(
        "NaN/Inf at moderate inputs: {} of {} outputs, {} of {} gradients (a hook that makes "
        "them, or reads past a declared parameter: the guards after each one hold NaN)",
        bad_out, out.numel(), bad_grad, grad_total);
    return r;
  }
  r.figure =
      fmt::format("{} parameters: guards intact, outputs and gradients finite", s.params.size());
  return r;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <typename F>
void run_check(std::vector<CheckResult>& out, const std::string& name, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    out.push_back(f());
    out.back().seconds = seconds_since(t0);
  } catch (const std::exception& e) {
    out.push_back({name, CheckStatus::kFailed, std::string("threw: ") + e.what()});
  } catch (...) {
    out.push_back({name, CheckStatus::kFailed, "threw a non-standard exception"});
  }
}

template <typename F>
void run_checks(std::vector<CheckResult>& out, const std::string& name, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    auto results = f();
    for (auto& c : results) c.seconds = seconds_since(t0) / double(results.size());
    for (auto& c : results) out.push_back(std::move(c));
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
    case CheckStatus::kMistrusted:
      return "MISTRUSTED";
  }
  return "?";
}

bool ConformanceReport::passed() const {
  for (const auto& c : checks)
    if (c.status == CheckStatus::kFailed || c.status == CheckStatus::kMistrusted) return false;
  return !checks.empty();
}

ConformanceOptions thorough_options(ConformanceOptions o) {
  o.heads = 8;
  o.seq_len = 160;
  o.block_rows = 48;
  o.max_fd_elements = 400;
  o.shifts = {1, 2, 13, 37, 101, 509};
  o.random_position_gradients = true;
  return o;
}

std::string conformance_digest(const EncodingSource& source, const ConformanceOptions& o) {
  const auto all = full_run(source, o, iota_positions(o.seq_len), 1.0f);
  return sha256_hex({reinterpret_cast<const char*>(all.data()), all.size() * sizeof(float)});
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
  // First: a hook that reads or writes past a declared parameter spoils every later check.
  run_check(rep.checks, "parameter storage", [&] { return check_parameter_storage(entry, o); });
  const auto pos = iota_positions(o.seq_len);
  run_checks(rep.checks, "gradients", [&] { return check_gradients(entry, o, pos, ""); });
  if (o.random_position_gradients) {
    const auto random = random_positions(o.seq_len, entry.info.max_positions, o.seed + 31);
    run_checks(rep.checks, "gradients (random positions)",
               [&] { return check_gradients(entry, o, random, " (random positions)"); });
  }
  run_check(rep.checks, "declared hooks", [&] { return check_declared_hooks(entry, o); });
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
