// pebench SDK: export an Encoding class from a shared library.
//
//   #include <pebench/plugin.hpp>
//   class MyEncoding : public pebench::Encoding { ... MyEncoding(const Config&, const
//   AttentionShape&); }; PEBENCH_EXPORT_ENCODING(MyEncoding)
//
// This exports two symbols through Boost.DLL aliases: the ABI version the plugin
// was compiled against (checked by the host first) and the factory.
#pragma once

#include <boost/dll/alias.hpp>
#include <memory>

#include "pebench/encoding.hpp"

#define PEBENCH_EXPORT_ENCODING(EncodingClass)                                                   \
  namespace pebench_export {                                                                     \
  std::unique_ptr<::pebench::Encoding> create_encoding(const ::pebench::Config& config,          \
                                                       const ::pebench::AttentionShape& shape) { \
    return std::make_unique<EncodingClass>(config, shape);                                       \
  }                                                                                              \
  std::uint32_t abi_version() {                                                                  \
    return ::pebench::kAbiVersion;                                                               \
  }                                                                                              \
  }                                                                                              \
  BOOST_DLL_ALIAS(pebench_export::create_encoding, pebench_create_encoding)                      \
  BOOST_DLL_ALIAS(pebench_export::abi_version, pebench_abi_version)
