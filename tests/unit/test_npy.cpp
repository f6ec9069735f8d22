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
