// `pebench new-encoding <name> --dir <path>`: writes a ready-to-build plugin
// skeleton (a working no-op encoding that passes check-plugin, every hook shown
// in comments), its CMakeLists.txt and a README with the build and check commands.
#pragma once

#include <string>

namespace pebench {

// Throws std::invalid_argument for a bad name or an existing non-empty target.
void write_encoding_skeleton(const std::string& name, const std::string& dir);

}  // namespace pebench
