// SHA-256 (FIPS 180-4) of bytes or a file, as lowercase hex. Used for provenance
// (plugin and suite file hashes); no crypto library is in the fixed stack.
#pragma once

#include <string>
#include <string_view>

namespace pebench {

std::string sha256_hex(std::string_view bytes);
std::string sha256_file(const std::string& path);  // "" if unreadable

}  // namespace pebench
