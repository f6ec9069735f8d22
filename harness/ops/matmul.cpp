#include "ops/matmul.hpp"

#include <dnnl.hpp>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include "ops/dnnl_context.hpp"

namespace pebench {
namespace {

using dt = dnnl::memory::data_type;

struct ShapeHash {
  std::size_t operator()(const MatmulShape& s) const {
    std::size_t h = 0;
    auto mix = [&h](std::int64_t v) { h = h * 1000003u ^ std::hash<std::int64_t>()(v); };
    for (auto v : {s.batch, s.m, s.n, s.k}) mix(v);
    for (auto v : s.a_strides) mix(v);
    for (auto v : s.b_strides) mix(v);
    for (auto v : s.c_strides) mix(v);
    mix(static_cast<std::int64_t>(s.alpha * 1e6f));
    mix(s.accumulate * 4 + s.fused_add * 2 + s.fused_bias);
    return h;
  }
};

struct CachedMatmul {
  dnnl::memory::desc a, b, c, add, bias;
  dnnl::matmul primitive;
};

dnnl::memory::dims to_dims(const std::array<std::int64_t, 3>& a) {
  return {a[0], a[1], a[2]};
}

CachedMatmul create(const MatmulShape& s) {
  CachedMatmul m;
  m.a = dnnl::memory::desc({s.batch, s.m, s.k}, dt::f32, to_dims(s.a_strides));
  m.b = dnnl::memory::desc({s.batch, s.k, s.n}, dt::f32, to_dims(s.b_strides));
  m.c = dnnl::memory::desc({s.batch, s.m, s.n}, dt::f32, to_dims(s.c_strides));
  dnnl::primitive_attr attr;
  if (s.alpha != 1.0f) attr.set_output_scales(0, {s.alpha});
  dnnl::post_ops ops;
  if (s.fused_add) {
    m.add = dnnl::memory::desc({s.batch, s.m, s.n}, dt::f32, dnnl::memory::format_tag::abc);
    ops.append_binary(dnnl::algorithm::binary_add, m.add);
  }
  if (s.accumulate) ops.append_sum(1.0f);
  attr.set_post_ops(ops);
  if (s.fused_bias) {
    m.bias = dnnl::memory::desc({1, 1, s.n}, dt::f32, dnnl::memory::format_tag::abc);
  }
  dnnl::matmul::primitive_desc pd(
      s.fused_bias ? dnnl::matmul::desc(m.a, m.b, m.bias, m.c) : dnnl::matmul::desc(m.a, m.b, m.c),
      attr, cpu_engine());
  m.primitive = dnnl::matmul(pd);
  return m;
}

}  // namespace

MatmulShape MatmulShape::dense(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k,
                               bool transpose_a, bool transpose_b) {
  MatmulShape s;
  s.batch = batch;
  s.m = m;
  s.n = n;
  s.k = k;
  s.a_strides = transpose_a ? std::array<std::int64_t, 3>{m * k, 1, m}
                            : std::array<std::int64_t, 3>{m * k, k, 1};
  s.b_strides = transpose_b ? std::array<std::int64_t, 3>{k * n, 1, k}
                            : std::array<std::int64_t, 3>{k * n, n, 1};
  s.c_strides = {m * n, n, 1};
  return s;
}

void matmul(const MatmulShape& shape_in, const float* a, const float* b, float* c, const float* add,
            const float* bias) {
  MatmulShape shape = shape_in;
  shape.fused_add = add != nullptr;
  shape.fused_bias = bias != nullptr;
  if (bias && shape.alpha != 1.0f) throw std::invalid_argument("matmul: bias needs alpha = 1");
  static std::unordered_map<MatmulShape, CachedMatmul, ShapeHash> cache;
  auto it = cache.find(shape);
  if (it == cache.end()) it = cache.emplace(shape, create(shape)).first;
  CachedMatmul& m = it->second;
  auto& eng = cpu_engine();
  dnnl::memory ma(m.a, eng, const_cast<float*>(a));
  dnnl::memory mb(m.b, eng, const_cast<float*>(b));
  dnnl::memory mc(m.c, eng, c);
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
  if (add) {
    args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1,
                 dnnl::memory(m.add, eng, const_cast<float*>(add)));
  }
  if (bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(m.bias, eng, const_cast<float*>(bias)));
  m.primitive.execute(cpu_stream(), args);
  cpu_stream().wait();
}

}  // namespace pebench
