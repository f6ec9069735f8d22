#include "ops/softmax.hpp"

#include <dnnl.hpp>
#include <map>
#include <utility>

#include "ops/dnnl_context.hpp"

namespace pebench {

void softmax_forward(float* p, const float* s, std::int64_t rows, std::int64_t cols) {
  static std::map<std::pair<std::int64_t, std::int64_t>, dnnl::softmax_forward> cache;
  dnnl::memory::desc md({rows, cols}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
  auto it = cache.find({rows, cols});
  if (it == cache.end()) {
    dnnl::softmax_forward::primitive_desc pd(
        dnnl::softmax_forward::desc(dnnl::prop_kind::forward_training, md, 1), cpu_engine());
    it = cache.emplace(std::make_pair(rows, cols), dnnl::softmax_forward(pd)).first;
  }
  dnnl::memory src(md, cpu_engine(), const_cast<float*>(s));
  dnnl::memory dst(md, cpu_engine(), p);
  it->second.execute(cpu_stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  cpu_stream().wait();
}

void softmax_backward(float* ds, const float* p, const float* dp, std::int64_t rows,
                      std::int64_t cols) {
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* pr = p + r * cols;
    const float* dpr = dp + r * cols;
    float* dsr = ds + r * cols;
    float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
    for (std::int64_t j = 0; j < cols; ++j) dot += pr[j] * dpr[j];
#pragma omp simd
    for (std::int64_t j = 0; j < cols; ++j) dsr[j] = pr[j] * (dpr[j] - dot);
  }
}

}  // namespace pebench
