#include "core/npy.hpp"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>

namespace pebench {

namespace {

// NumPy itself refuses headers over 10000 bytes by default (numpy.lib.format, max_header_size).
constexpr std::uint32_t kMaxHeaderBytes = 65536;

// The dimensions of a shape tuple's text ("3, 4" or "5," or ""), each a non-negative integer
// that fits int64. `fail(field, what)` throws naming the file.
template <typename Fail>
std::vector<std::int64_t> parse_shape(const std::string& text, Fail fail) {
  std::vector<std::string> items(1);
  for (char c : text) {
    if (c == ',')
      items.emplace_back();
    else
      items.back().push_back(c);
  }
  std::vector<std::int64_t> shape;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i];
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) {
      if (i + 1 == items.size()) continue;  // "(5,)" or "()"
      fail("shape", "an empty dimension");
    }
    if (item[0] == '-') fail("shape", fmt::format("dimension {} is negative", item));
    if (item.find_first_not_of("0123456789") != std::string::npos)
      fail("shape", fmt::format("dimension '{}' is not an integer", item));
    if (item.size() > 18) fail("shape", fmt::format("dimension {} is too large", item));
    shape.push_back(std::stoll(item));
  }
  return shape;
}

// Where the value of each "'key':" of the header starts (after white space), in order.
std::vector<std::size_t> value_starts(const std::string& header, const std::string& key) {
  std::vector<std::size_t> starts;
  const std::string quoted = "'" + key + "':";
  for (auto at = header.find(quoted); at != std::string::npos; at = header.find(quoted, at + 1)) {
    std::size_t i = at + quoted.size();
    while (i < header.size() && std::strchr(" \t\n\v\f\r", header[i]) && header[i] != '\0') ++i;
    starts.push_back(i);
  }
  return starts;
}

// The text between `open` and the next `close` at the first value of `key` that has them: what
// std::regex_search("'key':\\s*<open>([^<close>]*)<close>") finds, without std::regex (it
// recurses once per character: a long header overflowed the stack).
std::optional<std::string> delimited_value(const std::string& header, const std::string& key,
                                           char open, char close) {
  for (const std::size_t i : value_starts(header, key)) {
    if (i >= header.size() || header[i] != open) continue;
    const std::size_t end = header.find(close, i + 1);
    if (end != std::string::npos) return header.substr(i + 1, end - i - 1);
  }
  return std::nullopt;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  auto fail = [&path](const std::string& field, const std::string& what) {
    throw std::runtime_error(fmt::format("{}: .npy {}: {}", path, field, what));
  };
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path + ": cannot read");
  const std::int64_t file_bytes = static_cast<std::int64_t>(in.tellg());
  in.seekg(0);
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
    fail("version", fmt::format("unsupported version {}", major));
  }
  if (!in) fail("header length", "the file ends inside it");
  const std::int64_t data_start = in.tellg() + static_cast<std::streamoff>(header_len);
  if (header_len > kMaxHeaderBytes)
    fail("header length",
         fmt::format("{} bytes, more than the {} a header may have", header_len, kMaxHeaderBytes));
  if (data_start > file_bytes)
    fail("header length",
         fmt::format("{} bytes, but the file has only {} bytes", header_len, file_bytes));
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) fail("header", "truncated");
  if (delimited_value(header, "descr", '\'', '\'') != "<f4")
    fail("descr", "dtype must be float32 little-endian ('<f4'), header: " + header);
  for (const std::size_t i : value_starts(header, "fortran_order"))
    if (header.compare(i, 4, "True") == 0)
      fail("fortran_order", "Fortran order is not supported (save a C-contiguous array)");
  const std::optional<std::string> shape_text = delimited_value(header, "shape", '(', ')');
  if (!shape_text) fail("shape", "no shape in the header");
  const std::vector<std::int64_t> shape = parse_shape(*shape_text, fail);
  // The element count and bytes, checked against overflow and against the file before any
  // allocation (a declared 2 TB shape must not try to allocate 2 TB).
  std::int64_t numel = 1;
  for (std::int64_t d : shape)
    if (d != 0 && numel > std::numeric_limits<std::int64_t>::max() / 4 / d)
      fail("shape", fmt::format("{} elements overflow", *shape_text));
    else
      numel *= d;
  const std::int64_t data_bytes = numel * static_cast<std::int64_t>(sizeof(float));
  if (data_bytes != file_bytes - data_start)
    fail("shape", fmt::format("({}) needs {} bytes of data, the file has {}", *shape_text,
                              data_bytes, file_bytes - data_start));
  Tensor t(shape);
  in.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(data_bytes));
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
