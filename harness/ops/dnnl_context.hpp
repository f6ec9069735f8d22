// The process-wide oneDNN CPU engine and stream, and version/ISA strings.
#pragma once

#include <dnnl.hpp>
#include <string>

namespace pebench {

dnnl::engine& cpu_engine();
dnnl::stream& cpu_stream();
std::string onednn_version();  // e.g. "2.6.3"
std::string onednn_isa();      // effective CPU ISA oneDNN dispatches to, e.g. "avx2"

}  // namespace pebench
