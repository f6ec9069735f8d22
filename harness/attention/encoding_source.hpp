// What an experiment names: one encoding, or a stack "a+b" of several on one model
// (composed by EncodingStack). The parts come from the plugin registry.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pebench/encoding.hpp"
#include "registry/registry.hpp"

namespace pebench {

struct EncodingSource {
  std::string name;     // "alibi", "cope+rope"
  std::string path;     // plugin file(s), '+'-joined
  std::string version;  // plugin version(s), '+'-joined
  std::string sha256;   // '+'-joined
  EncodingInfo info;    // combined for a stack
  std::vector<const PluginEntry*> parts;

  // One encoding; for a stack, config keys are "<part>.<key>" (e.g. "rope.scaling").
  // Throws std::invalid_argument for a key no part reads, naming the key and the part.
  std::shared_ptr<Encoding> create(const Config& config, const AttentionShape& shape) const;
};

// The parts of an encoding spec: "cope+rope" -> {"cope", "rope"}; an empty part stays empty.
std::vector<std::string> stack_parts(const std::string& spec);

// The hooks an encoding declares, "+"-joined ("rotate+static_bias"; "none").
std::string hook_names(std::uint32_t hooks);

// An encoding name, a plugin path, or a '+'-joined stack of them; each part is looked up with
// Registry::find (which loads a plugin path on demand).
EncodingSource resolve_encoding(Registry& registry, const std::string& spec);

}  // namespace pebench
