// Core pieces: SHA-256, table writers.
#include <gtest/gtest.h>

#include "core/sha256.hpp"
#include "results/tables.hpp"

namespace pebench {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Tables, EscapeEachFormat) {
  Table t{{"encoding", "note"}, {{"a_b", "x|y, \"z\" 50%"}}};
  EXPECT_EQ(t.to_markdown(), "| encoding | note |\n|---|---|\n| a_b | x\\|y, \"z\" 50% |\n");
  EXPECT_EQ(t.to_csv(), "encoding,note\na_b,\"x|y, \"\"z\"\" 50%\"\n");
  EXPECT_NE(t.to_latex().find("a\\_b & x|y, \"z\" 50\\% \\\\"), std::string::npos);
}

}  // namespace
}  // namespace pebench
