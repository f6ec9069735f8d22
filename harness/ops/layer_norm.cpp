#include "ops/layer_norm.hpp"

#include <dnnl.hpp>
#include <map>
#include <utility>
#include <vector>

#include "ops/dnnl_context.hpp"

namespace pebench {
namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using Key = std::pair<std::int64_t, std::int64_t>;

// oneDNN 2.6: separate scale and shift (use_scale | use_shift); the backward
// needs DNNL_ARG_SHIFT even though it does not read it (docs/architecture.md, "oneDNN facts").
const auto kFlags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;

struct Primitives {
  dnnl::memory::desc data, stats, param;
  dnnl::layer_normalization_forward::primitive_desc forward_pd;
  dnnl::layer_normalization_forward forward;
  dnnl::layer_normalization_backward backward;
};

Primitives& primitives(std::int64_t rows, std::int64_t cols) {
  static std::map<Key, Primitives> cache;
  auto it = cache.find({rows, cols});
  if (it != cache.end()) return it->second;
  Primitives p;
  p.data = dnnl::memory::desc({rows, cols}, dt::f32, tag::ab);
  p.stats = dnnl::memory::desc({rows}, dt::f32, tag::a);
  p.param = dnnl::memory::desc({cols}, dt::f32, tag::a);
  p.forward_pd = dnnl::layer_normalization_forward::primitive_desc(
      dnnl::layer_normalization_forward::desc(dnnl::prop_kind::forward_training, p.data, p.stats,
                                              kLayerNormEps, kFlags),
      cpu_engine());
  p.forward = dnnl::layer_normalization_forward(p.forward_pd);
  dnnl::layer_normalization_backward::primitive_desc backward_pd(
      dnnl::layer_normalization_backward::desc(dnnl::prop_kind::backward, p.data, p.data, p.stats,
                                               kLayerNormEps, kFlags),
      cpu_engine(), p.forward_pd);
  p.backward = dnnl::layer_normalization_backward(backward_pd);
  return cache.emplace(Key{rows, cols}, std::move(p)).first->second;
}

dnnl::memory wrap(const dnnl::memory::desc& md, const float* p) {
  return dnnl::memory(md, cpu_engine(), const_cast<float*>(p));
}

}  // namespace

void layer_norm_forward(float* y, float* mean, float* var, const float* x, const float* gamma,
                        const float* beta, std::int64_t rows, std::int64_t cols) {
  Primitives& p = primitives(rows, cols);
  p.forward.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(p.data, x)},
                                   {DNNL_ARG_DST, wrap(p.data, y)},
                                   {DNNL_ARG_MEAN, wrap(p.stats, mean)},
                                   {DNNL_ARG_VARIANCE, wrap(p.stats, var)},
                                   {DNNL_ARG_SCALE, wrap(p.param, gamma)},
                                   {DNNL_ARG_SHIFT, wrap(p.param, beta)}});
  cpu_stream().wait();
}

void layer_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* gamma, const float* beta, const float* mean, const float* var,
                         std::int64_t rows, std::int64_t cols) {
  Primitives& p = primitives(rows, cols);
  // oneDNN writes (=) its outputs; gather them apart and accumulate. Kept across calls
  // (a fresh 1 MB buffer per call costs page faults); callers are single-threaded.
  static std::vector<float> dx_new, dgamma_new, dbeta_new;
  dx_new.resize(static_cast<std::size_t>(rows * cols));
  dgamma_new.resize(static_cast<std::size_t>(cols));
  dbeta_new.resize(static_cast<std::size_t>(cols));
  p.backward.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(p.data, x)},
                                    {DNNL_ARG_DIFF_DST, wrap(p.data, dy)},
                                    {DNNL_ARG_MEAN, wrap(p.stats, mean)},
                                    {DNNL_ARG_VARIANCE, wrap(p.stats, var)},
                                    {DNNL_ARG_SCALE, wrap(p.param, gamma)},
                                    {DNNL_ARG_SHIFT, wrap(p.param, beta)},
                                    {DNNL_ARG_DIFF_SRC, wrap(p.data, dx_new.data())},
                                    {DNNL_ARG_DIFF_SCALE, wrap(p.param, dgamma_new.data())},
                                    {DNNL_ARG_DIFF_SHIFT, wrap(p.param, dbeta_new.data())}});
  cpu_stream().wait();
  const std::int64_t n = rows * cols;
#pragma omp parallel for simd schedule(static)
  for (std::int64_t i = 0; i < n; ++i) dx[i] += dx_new.data()[i];
  for (std::int64_t c = 0; c < cols; ++c) {
    dgamma[c] += dgamma_new[static_cast<std::size_t>(c)];
    dbeta[c] += dbeta_new[static_cast<std::size_t>(c)];
  }
}

}  // namespace pebench
