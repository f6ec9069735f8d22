// NumPy .npy files (format version 1.0/2.0), float32 (and int32 for writing) little-endian,
// C order only:
// what `pebench probe` reads and writes so any reference implementation can compare.
#pragma once

#include <string>

#include "core/tensor.hpp"

namespace pebench {

// Throws std::runtime_error naming the file and what is wrong (dtype, order, truncation).
Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& tensor);
// int32 arrays (token ids), C order.
void write_npy_int32(const std::string& path, const std::vector<std::int64_t>& shape,
                     const std::vector<std::int32_t>& values);

}  // namespace pebench
