// pebench SDK: trainable parameters. A plugin declares each one (name and shape) in its
// constructor with Encoding::declare_parameter; the harness allocates exactly that many floats
// for its value and for its gradient, and binds them before init_parameters or any hook runs.
// So a declared shape and the storage behind it cannot disagree: the harness never writes past
// what a plugin owns, and a plugin that reads or writes past what it declared is caught
// (check-plugin: guard values after every buffer; check-plugin --asan: AddressSanitizer).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace pebench {

// One parameter as the harness sees it: value and grad hold size() floats each (row-major
// over shape), owned by the harness; null until bound.
struct Parameter {
  std::string name;
  std::vector<std::int64_t> shape;
  float* value = nullptr;
  float* grad = nullptr;
  std::int64_t size() const {
    std::int64_t n = 1;
    for (std::int64_t s : shape) n *= s;
    return n;
  }
};

// A plugin's handle on the value or the gradient of one of its parameters: a std::vector-like
// view (data(), [], size(), begin/end) of storage the harness binds after construction. Not
// usable in the constructor (data() is null there); init_parameters is the place to fill it.
class ParameterBuffer {
 public:
  ParameterBuffer() = default;
  ParameterBuffer(const std::vector<Parameter>* list, std::size_t index, bool grad,
                  std::int64_t size)
      : list_(list), index_(index), grad_(grad), size_(size) {}
  float* data() const {
    if (!list_) return nullptr;
    const Parameter& p = (*list_)[index_];
    return grad_ ? p.grad : p.value;
  }
  float& operator[](std::int64_t i) const { return data()[i]; }
  std::size_t size() const { return static_cast<std::size_t>(size_); }
  bool empty() const { return size_ == 0; }
  float* begin() const { return data(); }
  float* end() const { return data() + size_; }

 private:
  const std::vector<Parameter>* list_ = nullptr;
  std::size_t index_ = 0;
  bool grad_ = false;
  std::int64_t size_ = 0;
};

struct DeclaredParameter {
  ParameterBuffer value, grad;
};

}  // namespace pebench
