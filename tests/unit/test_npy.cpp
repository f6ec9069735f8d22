// .npy reading and writing (pebench probe's file format).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/npy.hpp"

namespace pebench {
namespace {

std::string temp_file(const char* name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

TEST(Npy, RoundTripKeepsShapeAndValues) {
  for (const std::vector<std::int64_t>& shape :
       {std::vector<std::int64_t>{5}, {2, 3}, {2, 3, 4, 1}}) {
    Tensor t(shape);
    for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = 0.5f * float(i) - 3.0f;
    const std::string path = temp_file("pebench_roundtrip.npy");
    write_npy(path, t);
    // The header is padded so the data starts at a multiple of 64 bytes (numpy's rule).
    EXPECT_EQ((std::filesystem::file_size(path) - t.numel() * 4) % 64, 0u);
    const Tensor back = read_npy(path);
    EXPECT_EQ(back.shape(), t.shape());
    EXPECT_EQ(back.values(), t.values());
  }
}

TEST(Npy, RefusesOtherDtypesAndTruncatedFiles) {
  const std::string path = temp_file("pebench_f8.npy");
  {
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    header += std::string(64 - (10 + header.size() + 1) % 64, ' ') + "\n";
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const unsigned char len[2] = {static_cast<unsigned char>(header.size()), 0};
    out.write(reinterpret_cast<const char*>(len), 2);
    out << header << std::string(16, '\0');
  }
  try {
    read_npy(path);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("dtype must be float32"), std::string::npos) << e.what();
  }
  Tensor t({4});
  write_npy(path, t);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4);
  EXPECT_THROW(read_npy(path), std::runtime_error);
}

}  // namespace
}  // namespace pebench

namespace pebench {
namespace {

// A .npy file with `header` as its header text, the header length field as given (v1: 2
// bytes, v2: 4 bytes), and `data_bytes` zero bytes of data.
std::string hostile_npy(const std::string& name, const std::string& header, int version,
                        std::int64_t header_len, std::size_t data_bytes) {
  const std::string path = temp_file(name.c_str());
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY", 6);
  out.put(static_cast<char>(version)), out.put('\0');
  for (int i = 0; i < (version == 1 ? 2 : 4); ++i)
    out.put(static_cast<char>((header_len >> (8 * i)) & 0xff));
  out << header << std::string(data_bytes, '\0');
  return path;
}

std::string error_of(const std::string& path) {
  try {
    read_npy(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::string header_with(const std::string& shape) {
  return "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }\n";
}

TEST(Npy, HostileHeadersNameTheFileAndFieldWithoutAllocating) {
  struct Case {
    std::string shape;
    std::size_t data_bytes;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"3, -4", 48, "shape: dimension -4 is negative"},
      {"99999999999999999999,", 0, "shape: dimension 99999999999999999999 is too large"},
      {"4294967296, 4294967296", 0, "elements overflow"},                           // 2^64 elements
      {"500000000000,", 16, "needs 2000000000000 bytes of data, the file has 16"},  // 2 TB
      {"2, x", 8, "shape: dimension 'x' is not an integer"},
      {"2,,3", 24, "shape: an empty dimension"},
      {"4,", 8, "needs 16 bytes of data, the file has 8"},
      {"2,", 12, "needs 8 bytes of data, the file has 12"},
  };
  for (const Case& c : cases) {
    const std::string header = header_with(c.shape);
    const std::string path = hostile_npy("pebench_hostile.npy", header, 1,
                                         static_cast<std::int64_t>(header.size()), c.data_bytes);
    const std::string error = error_of(path);
    EXPECT_NE(error.find(path + ": .npy "), std::string::npos) << c.shape << ": " << error;
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.shape << ": " << error;
  }
  // A header length of 1 GiB (version 2): refused before reading it.
  const std::string header = header_with("2,");
  std::string error =
      error_of(hostile_npy("pebench_hostile_len.npy", header, 2, std::int64_t(1) << 30, 8));
  EXPECT_NE(error.find(".npy header length: 1073741824 bytes, more than the 65536"),
            std::string::npos)
      << error;
  // A header length past the end of the file.
  error = error_of(hostile_npy("pebench_hostile_len2.npy", header, 1, 60000, 8));
  EXPECT_NE(error.find(".npy header length: 60000 bytes, but the file has only"), std::string::npos)
      << error;
  // A scalar "()" and a well-formed (2,) still read.
  const std::string ok_header = header_with("2,");
  EXPECT_EQ(read_npy(hostile_npy("pebench_ok.npy", ok_header, 1,
                                 static_cast<std::int64_t>(ok_header.size()), 8))
                .numel(),
            2);
}

// Headers of up to 64 KiB: a long value is read or refused, never a crash (std::regex recursed
// once per character and overflowed the stack: tests/fuzz/regressions/npy/).
TEST(Npy, LongHeadersAreReadWithoutRecursion) {
  const std::string long_descr = "{'descr': '" + std::string(60000, 'a') + "', 'shape': (2,), }\n";
  std::string error = error_of(hostile_npy("pebench_long_descr.npy", long_descr, 2,
                                           static_cast<std::int64_t>(long_descr.size()), 8));
  EXPECT_NE(error.find(".npy descr: dtype must be float32"), std::string::npos)
      << error.substr(0, 200);
  const std::string long_shape =
      "{'descr': '<f4', 'shape': (" + std::string(60000, ' ') + "2,), }\n";
  EXPECT_EQ(read_npy(hostile_npy("pebench_long_shape.npy", long_shape, 2,
                                 static_cast<std::int64_t>(long_shape.size()), 8))
                .numel(),
            2);
  // The first 'descr' whose value is quoted counts; 'fortran_order': True anywhere is refused.
  const std::string odd = "{'descr': 4, 'descr':\t'<f4', 'shape': (1,), 'fortran_order':  True}\n";
  error =
      error_of(hostile_npy("pebench_odd.npy", odd, 1, static_cast<std::int64_t>(odd.size()), 4));
  EXPECT_NE(error.find(".npy fortran_order: Fortran order is not supported"), std::string::npos)
      << error;
}

}  // namespace
}  // namespace pebench
