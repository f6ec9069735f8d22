// pebench SDK: strided views of float tensors handed to encoding hooks.
//
// The innermost dimension is always contiguous (stride 1), so a plugin may take
// row(...) and loop over it; the outer dimensions may be strided (for example a
// block of query rows inside a longer sequence).
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

namespace pebench {

template <typename T, int Rank>
struct View {
  T* data = nullptr;
  std::array<std::int64_t, Rank> shape{};
  std::array<std::int64_t, Rank> stride{};  // in elements; stride[Rank-1] == 1

  // Pointer to the contiguous innermost row selected by the Rank-1 outer indices.
  template <typename... Index>
  T* row(Index... outer) const {
    static_assert(sizeof...(Index) == Rank - 1, "row() takes Rank-1 indices");
    const std::array<std::int64_t, Rank - 1> idx{static_cast<std::int64_t>(outer)...};
    std::int64_t offset = 0;
    for (int i = 0; i < Rank - 1; ++i) offset += idx[i] * stride[i];
    return data + offset;
  }

  template <typename... Index>
  T& at(Index... index) const {
    static_assert(sizeof...(Index) == Rank, "at() takes Rank indices");
    const std::array<std::int64_t, Rank> idx{static_cast<std::int64_t>(index)...};
    std::int64_t offset = 0;
    for (int i = 0; i < Rank; ++i) offset += idx[i] * stride[i];
    return data[offset];
  }

  std::int64_t size(int dim) const { return shape[dim]; }

  // A mutable view converts to a read-only one.
  operator View<const T, Rank>() const requires(!std::is_const_v<T>) {
    return View<const T, Rank>{data, shape, stride};
  }
};

template <int Rank>
using Span = View<float, Rank>;
template <int Rank>
using ConstSpan = View<const float, Rank>;

// A dense row-major view of `data` with the given shape.
template <typename T, int Rank>
View<T, Rank> dense_view(T* data, std::array<std::int64_t, Rank> shape) {
  View<T, Rank> v{data, shape, {}};
  std::int64_t s = 1;
  for (int i = Rank - 1; i >= 0; --i) {
    v.stride[i] = s;
    s *= shape[i];
  }
  return v;
}

// Positions of the tokens a hook sees (int64, non-decreasing; 0..T-1 unless the
// harness passes offsets or a sorted random subset, e.g. randomized PE).
struct Positions {
  const std::int64_t* data = nullptr;
  std::int64_t size = 0;
  std::int64_t operator[](std::int64_t i) const { return data[i]; }
};

}  // namespace pebench
