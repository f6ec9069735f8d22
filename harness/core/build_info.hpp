// What this binary was built from (generated at build time, cmake/build_info.cmake).
#pragma once

namespace pebench {

struct BuildInfo {
  const char* git_sha;
  bool git_dirty;
  const char* build_type;  // Release, Debug, ...
  const char* compiler;
  const char* version;
};

const BuildInfo& build_info();

}  // namespace pebench
