#include "ops/gelu.hpp"

#include <dnnl.hpp>
#include <map>
#include <utility>

#include "ops/dnnl_context.hpp"

namespace pebench {
namespace {

using Primitives = std::pair<dnnl::eltwise_forward, dnnl::eltwise_backward>;

Primitives& primitives(std::int64_t n) {
  static std::map<std::int64_t, Primitives> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  dnnl::memory::desc md({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
  const auto alg = dnnl::algorithm::eltwise_gelu_erf;
  dnnl::eltwise_forward::primitive_desc fwd(
      dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, alg, md), cpu_engine());
  dnnl::eltwise_backward::primitive_desc bwd(dnnl::eltwise_backward::desc(alg, md, md),
                                             cpu_engine(), fwd);
  return cache.emplace(n, Primitives{dnnl::eltwise_forward(fwd), dnnl::eltwise_backward(bwd)})
      .first->second;
}

dnnl::memory wrap(std::int64_t n, const float* p) {
  dnnl::memory::desc md({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
  return dnnl::memory(md, cpu_engine(), const_cast<float*>(p));
}

}  // namespace

void gelu_forward(float* y, const float* x, std::int64_t n) {
  primitives(n).first.execute(cpu_stream(),
                              {{DNNL_ARG_SRC, wrap(n, x)}, {DNNL_ARG_DST, wrap(n, y)}});
  cpu_stream().wait();
}

void gelu_backward(float* dx, const float* dy, const float* x, std::int64_t n) {
  primitives(n).second.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(n, x)},
                                              {DNNL_ARG_DIFF_DST, wrap(n, dy)},
                                              {DNNL_ARG_DIFF_SRC, wrap(n, dx)}});
  cpu_stream().wait();
}

}  // namespace pebench
