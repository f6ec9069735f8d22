// A dense, owning, row-major float tensor (zero-initialised) and views of it.
#pragma once

#include <cstdint>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "pebench/view.hpp"

namespace pebench {

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::vector<std::int64_t> shape)
      : shape_(std::move(shape)), data_(static_cast<std::size_t>(count(shape_)), 0.0f) {}

  static std::int64_t count(const std::vector<std::int64_t>& shape) {
    return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
  }

  const std::vector<std::int64_t>& shape() const { return shape_; }
  std::int64_t dim(int i) const { return shape_.at(static_cast<std::size_t>(i)); }
  std::int64_t numel() const { return static_cast<std::int64_t>(data_.size()); }
  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  std::vector<float>& values() { return data_; }
  const std::vector<float>& values() const { return data_; }
  float& operator[](std::int64_t i) { return data_[static_cast<std::size_t>(i)]; }
  float operator[](std::int64_t i) const { return data_[static_cast<std::size_t>(i)]; }
  void zero() { std::fill(data_.begin(), data_.end(), 0.0f); }

  template <int Rank>
  Span<Rank> view() {
    return dense_view<float, Rank>(data(), shape_array<Rank>());
  }
  template <int Rank>
  ConstSpan<Rank> view() const {
    return dense_view<const float, Rank>(data(), shape_array<Rank>());
  }

  std::string shape_string() const {
    std::string s = "(";
    for (std::size_t i = 0; i < shape_.size(); ++i) {
      if (i) s += ',';  // not (i ? "," : "") + ...: GCC 12 warns (-Wrestrict, a false positive)
      s += std::to_string(shape_[i]);
    }
    return s + ")";
  }

 private:
  template <int Rank>
  std::array<std::int64_t, Rank> shape_array() const {
    std::array<std::int64_t, Rank> a{};
    if (static_cast<int>(shape_.size()) != Rank) throw std::logic_error("tensor rank mismatch");
    for (int i = 0; i < Rank; ++i) a[i] = shape_[i];
    return a;
  }

  std::vector<std::int64_t> shape_;
  std::vector<float> data_;
};

}  // namespace pebench
