#include "registry/parameter_storage.hpp"

#include <fmt/format.h>

#include <cstring>
#include <memory>

#include "core/sanitizer_env.hpp"

namespace pebench {
namespace {

// A signalling NaN: arithmetic on it gives NaN (a read past a buffer shows in the outputs),
// and any arithmetic result written back has the quiet bit set, so even `guard += g`
// changes its bits (a quiet NaN would come back unchanged: x86 keeps the payload).
constexpr std::uint32_t kGuardBits = 0x7fa0beefu;

float guard_value() {
  float f;
  std::memcpy(&f, &kGuardBits, sizeof f);
  return f;
}

bool guard_holds(const float* end) {
  for (std::int64_t k = 0; k < ParameterStorage::kGuard; ++k) {
    std::uint32_t bits;
    std::memcpy(&bits, end + k, sizeof bits);
    if (bits != kGuardBits) return false;
  }
  return true;
}

// Under AddressSanitizer (check-plugin --asan) no guards: each buffer ends where its red zone
// begins, so the first float past it is reported with the plugin's stack.
std::int64_t guard_floats() {
  return under_asan() ? 0 : ParameterStorage::kGuard;
}

struct Buffers {
  std::vector<std::unique_ptr<float[]>> blocks;
  float* make(std::int64_t n) {
    const std::int64_t guard = guard_floats();
    blocks.push_back(std::make_unique<float[]>(static_cast<std::size_t>(n + guard)));
    float* p = blocks.back().get();
    std::fill(p, p + n, 0.0f);
    std::fill(p + n, p + n + guard, guard_value());
    return p;
  }
};

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s;
  for (std::int64_t d : shape) s += (s.empty() ? "" : ", ") + std::to_string(d);
  return "{" + s + "}";
}

}  // namespace

void ParameterStorage::bind(Encoding& encoding) {
  auto buffers = std::make_shared<Buffers>();
  std::int64_t total = 0;
  for (const Parameter& p : encoding.parameters_) {
    total += p.size();
    if (total > (std::int64_t(1) << 34))  // 64 GiB of values: not a positional encoding
      throw std::invalid_argument(
          fmt::format("parameter '{}' {}: the encoding's parameters exceed 2^34 floats", p.name,
                      shape_text(p.shape)));
  }
  for (Parameter& p : encoding.parameters_) {
    p.value = buffers->make(p.size());
    p.grad = buffers->make(p.size());
  }
  encoding.storage_ = std::move(buffers);
}

void ParameterStorage::adopt(Encoding& encoding, std::vector<Parameter> parameters) {
  encoding.parameters_ = std::move(parameters);
}

std::string ParameterStorage::overrun(const Encoding& encoding) {
  if (guard_floats() == 0) return "";
  for (const Parameter& p : encoding.parameters()) {
    const std::int64_t n = p.size();
    for (const auto& [what, data] : {std::pair{"value", p.value}, std::pair{"gradient", p.grad}})
      if (data && !guard_holds(data + n))
        return fmt::format(
            "the {} of parameter '{}' (declared {}: {} floats) was written past its end", what,
            p.name, shape_text(p.shape), n);
  }
  return "";
}

}  // namespace pebench
