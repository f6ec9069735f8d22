// The harness's side of parameter storage (pebench/parameter.hpp): every parameter an encoding
// declares gets exactly its size in floats for the value and for the gradient, zeroed, each
// followed by kGuard guard floats holding a NaN pattern. A plugin that reads past what it
// declared reads NaN (its outputs say so); one that writes there changes a guard, which
// overrun() names. Under check-plugin --asan there are no guards: each buffer is an
// AddressSanitizer allocation of exactly its size, and a red zone follows it.
#pragma once

#include <string>
#include <vector>

#include "pebench/encoding.hpp"

namespace pebench {

class ParameterStorage {
 public:
  static constexpr std::int64_t kGuard = 16;

  // Allocates and binds every declared parameter (Registry::create does this for every encoding
  // it makes). Throws std::invalid_argument if the declared sizes are absurd.
  static void bind(Encoding& encoding);
  // An encoding made of others (a stack): their parameters, under the names given.
  static void adopt(Encoding& encoding, std::vector<Parameter> parameters);
  // "" if every guard holds; else which parameter's value or gradient was written past its end.
  static std::string overrun(const Encoding& encoding);
};

}  // namespace pebench
