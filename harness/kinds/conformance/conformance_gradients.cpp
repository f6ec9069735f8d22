// The gradient checks: every input (q, k, v or x) and every parameter against central finite
// differences of a double-accumulated loss, at randomised parameters (conformance_setup.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "kinds/conformance/conformance_setup.hpp"
#include "pebench/random.hpp"

namespace pebench {
namespace {

double weighted_sum(const Tensor& out, const Tensor& w) {
  double s = 0;
  for (std::int64_t i = 0; i < out.numel(); ++i) s += double(out[i]) * double(w[i]);
  return s;
}

// Up to `max` distinct indices of [0, n), sorted: half of them (where there are enough) among
// the elements whose analytic gradient is non-zero, the rest uniformly. Uniform sampling alone
// mostly lands on rows no query reaches (a position table longer than T) and misses a bug
// confined to a few heads or positions.
std::vector<std::int64_t> sample_indices(std::int64_t n, std::int64_t max, const float* analytic,
                                         std::uint64_t seed) {
  std::vector<std::int64_t> idx;
  if (n <= max) {
    for (std::int64_t i = 0; i < n; ++i) idx.push_back(i);
    return idx;
  }
  Rng rng(seed);
  std::vector<std::int64_t> nonzero, rest;
  for (std::int64_t i = 0; i < n; ++i) (analytic[i] != 0.0f ? nonzero : rest).push_back(i);
  auto take = [&](std::vector<std::int64_t>& from, std::int64_t k) {
    k = std::min<std::int64_t>(k, static_cast<std::int64_t>(from.size()));
    for (std::int64_t i = 0; i < k; ++i) {  // partial Fisher-Yates
      const auto left = static_cast<std::uint64_t>(from.size()) - static_cast<std::uint64_t>(i);
      std::swap(from[i], from[i + static_cast<std::int64_t>(rng.below(left))]);
      idx.push_back(from[i]);
    }
    from.erase(from.begin(), from.begin() + k);
  };
  take(nonzero, max / 2);
  rest.insert(rest.end(), nonzero.begin(), nonzero.end());
  take(rest, max - static_cast<std::int64_t>(idx.size()));
  std::sort(idx.begin(), idx.end());
  return idx;
}

// Compares analytic gradients with central differences, one sampled element at a time.
// relative_step: the step scales with the element's magnitude (clamped to [0.1, 1] x fd_step),
// for parameters whose scale is their own (FIRE's c = 0.05 after randomisation: a step of 0.01
// moved its slope from 0.72 to 0.02 and back).
CheckResult compare_gradient(const std::string& name, float* value, const float* analytic,
                             std::int64_t n, const std::function<double()>& loss,
                             const ConformanceOptions& o, bool relative_step) {
  CheckResult r{"gradient " + name, CheckStatus::kPassed, ""};
  double max_abs = 0, max_rel = 0, max_fd = 0;
  std::int64_t bad = 0, worst = -1;
  double worst_fd = 0, worst_an = 0;
  const auto idx = sample_indices(n, o.max_fd_elements, analytic, o.seed + 17);
  // The loss is a sum of float outputs: its rounding noise enters a difference with weight
  // 1/step, so the absolute tolerance grows as the step shrinks (measured: slopes of a FIRE
  // parameter over steps of 1e-3 scatter by +-0.005 around 0.01).
  auto matches = [&](double fd, double an, double step) {
    const double abs_tol = o.tol.grad_abs * std::max(1.0, o.tol.fd_step / step);
    return std::isfinite(fd) && std::isfinite(an) &&
           std::fabs(fd - an) <= abs_tol + o.tol.grad_rel * std::max(std::fabs(fd), std::fabs(an));
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
  std::int64_t kinks = 0, bracketed = 0;
  for (std::int64_t i : idx) {
    const double an = analytic[i];
    const double step = relative_step
                            ? o.tol.fd_step * std::clamp(std::fabs(double(value[i])), 0.1, 1.0)
                            : o.tol.fd_step;
    double fd = difference(i, step, step);
    bool ok = matches(fd, an, step);
    if (std::isfinite(an) && !ok) {
      // A kink (ReLU, clamp, max) within the step mixes two slopes. Retry with a 10x
      // smaller step, centrally and from each side: a side without the kink gives the
      // true one-sided slope, which a piecewise-smooth analytic gradient must match.
      const double h = step / 10;
      const double right = difference(i, h, 0), left = difference(i, 0, h);
      for (double retry : {difference(i, h, h), right, left})
        if (matches(retry, an, h)) {
          fd = retry, ok = true;
          ++kinks;
          break;
        }
      // Kinks denser than any usable step (FIRE: every first-layer weight, c and L move all
      // MLP inputs across ReLU breakpoints; measured: slopes 1.15 left and 0.92 right of a
      // randomised c, with further kinks every ~5e-4): left and right slopes disagree at
      // every step float allows. Then the analytic value must lie between the one-sided
      // slopes (a wrong factor or sign lies outside); such elements are counted apart.
      if (!ok && std::isfinite(left) && std::isfinite(right) && !matches(left, right, h)) {
        const double lo = std::min(left, right), hi = std::max(left, right);
        const double slack = o.tol.grad_abs * o.tol.fd_step / h +
                             o.tol.grad_rel * std::max(std::fabs(lo), std::fabs(hi));
        if (an >= lo - slack && an <= hi + slack) {
          fd = std::clamp(an, lo, hi), ok = true;
          ++bracketed;
        }
      }
    }
    const double err = std::fabs(fd - an);
    const double scale = std::max(std::fabs(fd), std::fabs(an));
    if (std::isfinite(fd)) max_fd = std::max(max_fd, std::fabs(fd));
    if (!ok) {
      ++bad;
      if (worst < 0 || !std::isfinite(an) || err > std::fabs(worst_fd - worst_an))
        worst = i, worst_fd = fd, worst_an = an;
    }
    if (std::isfinite(err)) {
      max_abs = std::max(max_abs, err);
      max_rel = std::max(max_rel, err / std::max(scale, 1e-3));
    }
  }
  const bool all_zero = std::all_of(analytic, analytic + n, [](float g) { return g == 0.0f; });
  if (bad > 0) {
    r.status = CheckStatus::kFailed;
    r.figure = fmt::format(
        "{}/{} elements off; worst [{}]: analytic {:.6g} vs finite-diff {:.6g}{}", bad, idx.size(),
        worst, worst_an, worst_fd, std::isfinite(worst_an) ? "" : " (NaN/Inf in the gradient)");
  } else if (n > 0 && all_zero && max_fd == 0.0) {
    r.status = CheckStatus::kMistrusted;
    r.figure = fmt::format(
        "identically zero ({} elements; finite differences too) with {}: nothing about this "
        "path is verified",
        n, kRandomisedNote);
  } else {
    r.figure = fmt::format(
        "max abs err {:.2e}, max rel err {:.2e} over {} elements{}{}", max_abs, max_rel, idx.size(),
        kinks ? fmt::format(" ({} at a kink: matched a 10x smaller or one-sided difference)", kinks)
              : "",
        bracketed
            ? fmt::format(" ({} among dense kinks: between the left and right slopes)", bracketed)
            : "");
  }
  return r;
}

}  // namespace

std::vector<CheckResult> check_gradients(const EncodingSource& entry, const ConformanceOptions& o,
                                         const std::vector<std::int64_t>& pos,
                                         const std::string& suffix) {
  const auto T = static_cast<std::int64_t>(pos.size());
  Setup s(entry, o, T);
  Inputs in = s.layer->random_inputs(o.seed);
  Rng rng(o.seed + 5);
  Tensor w({o.batch, o.heads, T, o.head_dim});
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
    out.push_back(compare_gradient(name + suffix, t.data(), grads.at(name).data(), t.numel(), loss,
                                   o, false));
  for (std::size_t i = 0; i < s.params.size(); ++i)
    out.push_back(compare_gradient("param " + s.params[i].name + suffix, s.params[i].value,
                                   param_grads[i].data(), Tensor::count(s.params[i].shape), loss, o,
                                   true));
  return out;
}

}  // namespace pebench
