#include "core/npy.hpp"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace pebench {

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw std::runtime_error(path + ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
  } else {
    throw std::runtime_error(fmt::format("{}: unsupported .npy version {}", path, major));
  }
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) throw std::runtime_error(path + ": truncated header");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")) || m[1] != "<f4")
    throw std::runtime_error(path +
                             ": dtype must be float32 little-endian ('<f4'), header: " + header);
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
    throw std::runtime_error(path + ": Fortran order is not supported (save a C-contiguous array)");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw std::runtime_error(path + ": no shape in header");
  std::vector<std::int64_t> shape;
  const std::string dims = m[1];
  const std::regex number("[0-9]+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it)
    shape.push_back(std::stoll(it->str()));
  Tensor t(shape);
  in.read(reinterpret_cast<char*>(t.data()),
          static_cast<std::streamsize>(t.numel() * sizeof(float)));
  if (!in)
    throw std::runtime_error(fmt::format("{}: truncated data (expected {} floats for shape {})",
                                         path, t.numel(), t.shape_string()));
  return t;
}

namespace {

// Writes a C-order little-endian array with numpy dtype `descr` ('<f4', '<i4').
void write_array(const std::string& path, const std::vector<std::int64_t>& dims, const char* descr,
                 const void* data, std::size_t bytes) {
  // numpy's tuple syntax: "()", "(5,)", "(2, 3)".
  std::string shape;
  for (std::size_t i = 0; i < dims.size(); ++i) shape += (i ? ", " : "") + std::to_string(dims[i]);
  if (dims.size() == 1) shape += ",";
  std::string header =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
  const std::size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error(path + ": cannot write");
  out.write("\x93NUMPY\x01\x00", 8);
  const std::uint16_t len = static_cast<std::uint16_t>(header.size());
  const unsigned char lb[2] = {static_cast<unsigned char>(len & 0xff),
                               static_cast<unsigned char>(len >> 8)};
  out.write(reinterpret_cast<const char*>(lb), 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!out) throw std::runtime_error(path + ": write failed");
}

}  // namespace

void write_npy(const std::string& path, const Tensor& t) {
  write_array(path, t.shape(), "<f4", t.data(),
              static_cast<std::size_t>(t.numel()) * sizeof(float));
}

void write_npy_int32(const std::string& path, const std::vector<std::int64_t>& shape,
                     const std::vector<std::int32_t>& values) {
  if (static_cast<std::int64_t>(values.size()) != Tensor::count(shape))
    throw std::invalid_argument(path + ": values do not match the shape");
  write_array(path, shape, "<i4", values.data(), values.size() * sizeof(std::int32_t));
}

}  // namespace pebench
