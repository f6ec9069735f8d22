#include "attention/encoding_source.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "attention/encoding_stack.hpp"

namespace pebench {

std::vector<std::string> stack_parts(const std::string& spec) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t plus = spec.find('+', start);
    parts.push_back(spec.substr(start, plus == std::string::npos ? plus : plus - start));
    if (plus == std::string::npos) return parts;
    start = plus + 1;
  }
}

EncodingSource resolve_encoding(Registry& registry, const std::string& spec) {
  EncodingSource src;
  for (const std::string& part : stack_parts(spec)) {
    if (part.empty()) throw std::runtime_error("empty part in encoding stack '" + spec + "'");
    src.parts.push_back(&registry.find(part));
  }
  for (const PluginEntry* p : src.parts) {
    const bool first = src.name.empty();
    src.name += (first ? "" : "+") + p->info.name;
    src.path += (first ? "" : "+") + p->path;
    src.version += (first ? "" : "+") + p->info.version;
    src.sha256 += (first ? "" : "+") + p->sha256;
  }
  src.info = src.parts.size() == 1 ? src.parts[0]->info
                                   : src.create(Config{}, AttentionShape{8, 64, 512})->info();
  return src;
}

std::shared_ptr<Encoding> EncodingSource::create(const Config& config,
                                                 const AttentionShape& shape) const {
  if (parts.size() == 1) return Registry::create(*parts[0], config, shape);
  // Route "<part>.<key>" to its part.
  std::vector<Config> configs(parts.size());
  for (const auto& [key, value] : config.values()) {
    const std::size_t dot = key.find('.');
    std::size_t target = parts.size();
    for (std::size_t i = 0; i < parts.size() && dot != std::string::npos; ++i)
      if (key.substr(0, dot) == parts[i]->info.name) target = i;
    if (target == parts.size())
      throw std::invalid_argument(fmt::format(
          "config key '{}' for the stack '{}' must be prefixed with a part's name, e.g. '{}.{}'",
          key, name, parts[0]->info.name, dot == std::string::npos ? key : key.substr(dot + 1)));
    configs[target].set(key.substr(dot + 1), value);
  }
  std::vector<std::shared_ptr<Encoding>> made;
  for (std::size_t i = 0; i < parts.size(); ++i)
    made.push_back(Registry::create(*parts[i], configs[i], shape));
  return std::make_shared<EncodingStack>(std::move(made));
}

std::string hook_names(std::uint32_t hooks) {
  std::string s;
  const std::pair<Hook, const char*> names[] = {{kHookEmbed, "embed"},
                                                {kHookRotate, "rotate"},
                                                {kHookStaticBias, "static_bias"},
                                                {kHookScore, "score"},
                                                {kHookMix, "mix"}};
  for (const auto& [bit, name] : names)
    if (hooks & bit) s += (s.empty() ? "" : "+") + std::string(name);
  return s.empty() ? "none" : s;
}

}  // namespace pebench
