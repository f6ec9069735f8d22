// The object library that builds the plugins' shared precompiled header
// (plugins/CMakeLists.txt) needs one source; it defines nothing.
#include <pebench/pebench.hpp>
