#include "model/optimizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace pebench {

double learning_rate(const OptimizerConfig& c, std::int64_t step) {
  if (step < c.warmup_steps) return c.lr * double(step + 1) / double(c.warmup_steps);
  if (c.schedule == "constant") return c.lr;
  const double span = double(std::max<std::int64_t>(1, c.total_steps - c.warmup_steps));
  const double progress = std::min(1.0, double(step - c.warmup_steps) / span);
  const double r = c.min_lr_ratio;
  if (c.schedule == "linear") return c.lr * (1.0 - (1.0 - r) * progress);
  return c.lr * (r + (1.0 - r) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
}

double grad_norm(const std::vector<ParamRef>& params) {
  double sum = 0;
  for (const ParamRef& p : params)
    for (std::int64_t i = 0; i < p.size; ++i) sum += double(p.grad[i]) * double(p.grad[i]);
  return std::sqrt(sum);
}

double clip_grad_norm(std::vector<ParamRef>& params, double max_norm) {
  return clip_grad_norm(params, max_norm, grad_norm(params));
}

double clip_grad_norm(std::vector<ParamRef>& params, double max_norm, double norm) {
  if (max_norm > 0 && norm > max_norm) {
    const float factor = static_cast<float>(max_norm / (norm + 1e-6));
    for (ParamRef& p : params)
      for (std::int64_t i = 0; i < p.size; ++i) p.grad[i] *= factor;
  }
  return norm;
}

AdamW::AdamW(const OptimizerConfig& c) : config_(c) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("optimizer: " + what);
  };
  require(c.lr > 0, fmt::format("lr must be > 0 (got {})", c.lr));
  require(c.beta1 >= 0 && c.beta1 < 1, fmt::format("beta1 must be in [0, 1) (got {})", c.beta1));
  require(c.beta2 >= 0 && c.beta2 < 1, fmt::format("beta2 must be in [0, 1) (got {})", c.beta2));
  require(c.eps > 0, "eps must be > 0");
  require(c.weight_decay >= 0, "weight_decay must be >= 0");
  require(c.grad_clip >= 0, "grad_clip must be >= 0 (0 = off)");
  require(c.warmup_steps >= 0, "warmup_steps must be >= 0");
  require(c.min_lr_ratio >= 0 && c.min_lr_ratio <= 1, "min_lr_ratio must be in [0, 1]");
  require(c.schedule == "linear" || c.schedule == "cosine" || c.schedule == "constant",
          fmt::format("schedule is '{}', expected linear|cosine|constant", c.schedule));
}

void AdamW::allocate(const std::vector<ParamRef>& params) {
  if (m_.size() != params.size()) {
    m_.assign(params.size(), {});
    v_.assign(params.size(), {});
    for (std::size_t i = 0; i < params.size(); ++i) {
      m_[i].assign(static_cast<std::size_t>(params[i].size), 0.0f);
      v_[i].assign(static_cast<std::size_t>(params[i].size), 0.0f);
    }
  }
}

std::vector<ExtraTensor> AdamW::state(const std::vector<ParamRef>& params) {
  allocate(params);
  std::vector<ExtraTensor> out;
  for (std::size_t i = 0; i < params.size(); ++i) {
    out.push_back({"adam.m." + params[i].name, params[i].shape, m_[i].data(), params[i].size});
    out.push_back({"adam.v." + params[i].name, params[i].shape, v_[i].data(), params[i].size});
  }
  return out;
}

double AdamW::step(std::vector<ParamRef>& params, std::int64_t step) {
  const double norm = grad_norm(params);
  // A NaN/Inf gradient is applied to nothing: clipping would scale it (an Inf norm by 0, NaN
  // through), the moments would keep it and every parameter would become NaN.
  if (!std::isfinite(norm)) return norm;
  clip_grad_norm(params, config_.grad_clip, norm);
  allocate(params);
  const double lr = learning_rate(config_, step);
  const double t = double(step + 1);
  const float b1 = float(config_.beta1), b2 = float(config_.beta2);
  const float bias1 = float(1.0 - std::pow(config_.beta1, t));
  const float bias2_sqrt = float(std::sqrt(1.0 - std::pow(config_.beta2, t)));
  const float step_size = float(lr) / bias1;
  const float eps = float(config_.eps);
  for (std::size_t i = 0; i < params.size(); ++i) {
    ParamRef& p = params[i];
    const float decay = p.weight_decay ? float(1.0 - lr * config_.weight_decay) : 1.0f;
    float* m = m_[i].data();
    float* v = v_[i].data();
#pragma omp parallel for simd schedule(static)
    for (std::int64_t j = 0; j < p.size; ++j) {
      const float g = p.grad[j];
      m[j] = b1 * m[j] + (1.0f - b1) * g;
      v[j] = b2 * v[j] + (1.0f - b2) * g * g;
      // torch: p -= step_size * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
      p.value[j] = p.value[j] * decay - step_size * m[j] / (std::sqrt(v[j]) / bias2_sqrt + eps);
    }
  }
  return norm;
}

}  // namespace pebench
