// Fuzzes the .npy reader (pebench::read_npy, core/npy.hpp) that `pebench probe` uses on
// inputs from any reference implementation. A std::exception is a clear refusal and passes;
// a crash, an abort, a sanitizer report, a non-std exception, a timeout or running out of
// memory is a bug.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "core/npy.hpp"
#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static pebench::fuzz::InputFile file("input.npy");
  try {
    const pebench::Tensor t = pebench::read_npy(file.write(data, size));
    // Every element is read: the tensor really holds the count its shape says.
    volatile float sum = 0;
    for (std::int64_t i = 0; i < t.numel(); ++i) sum = sum + t.data()[i];
  } catch (const std::exception&) {
  }
  return 0;
}
