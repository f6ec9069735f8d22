#include "model/checkpoint.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/sha256.hpp"

namespace pebench {
namespace {

constexpr char kMagic[8] = {'P', 'E', 'B', 'C', 'K', 'P', 'T', '\0'};
// Headers beyond this are not a pebench checkpoint (a bad length field must not allocate GBs).
constexpr std::uint64_t kMaxHeaderBytes = std::uint64_t(64) << 20;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw CheckpointError(fmt::format("checkpoint '{}': {}", path, what));
}

struct Header {
  CheckpointInfo info;
  struct Tensor {
    std::vector<std::int64_t> shape;
    std::uint64_t offset = 0, count = 0;
  };
  std::map<std::string, Tensor> tensors;
  std::uint64_t data_bytes = 0;
  std::string data_sha256;
  std::uint64_t data_start = 0;  // file offset of the data block
};

Header read_header(const std::string& path, std::ifstream& in) {
  char magic[8];
  std::uint32_t version = 0;
  std::uint64_t n = 0;
  if (!in.read(magic, 8) || std::memcmp(magic, kMagic, 8) != 0)
    fail(path, "not a pebench checkpoint (bad magic)");
  if (!in.read(reinterpret_cast<char*>(&version), 4) || !in.read(reinterpret_cast<char*>(&n), 8))
    fail(path, "truncated header");
  if (version != kCheckpointFormat)
    fail(path, fmt::format("format version {}, this pebench reads version {}", version,
                           kCheckpointFormat));
  if (n == 0 || n > kMaxHeaderBytes) fail(path, fmt::format("header length {} is invalid", n));
  std::string text(n, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(n))) fail(path, "truncated header");
  Header h;
  h.data_start = 20 + n;
  try {
    const auto j = nlohmann::json::parse(text);
    const auto& m = j.at("model");
    h.info.model.vocab = m.at("vocab").get<std::int64_t>();
    h.info.model.d_model = m.at("d_model").get<std::int64_t>();
    h.info.model.heads = m.at("heads").get<std::int64_t>();
    h.info.model.layers = m.at("layers").get<std::int64_t>();
    h.info.model.mlp_hidden = m.at("mlp_hidden").get<std::int64_t>();
    h.info.model.norm = m.value("norm", std::string("pre"));  // absent before post-norm existed
    h.info.model.dropout = m.value("dropout", 0.0);
    h.info.model.attention_dropout = m.value("attention_dropout", 0.0);
    h.info.encoding = j.at("encoding").get<std::string>();
    h.info.encoding_params = j.at("encoding_params").get<std::string>();
    h.info.meta_json = j.at("meta").dump();
    for (const auto& t : j.at("tensors")) {
      Header::Tensor tensor{t.at("shape").get<std::vector<std::int64_t>>(),
                            t.at("offset").get<std::uint64_t>(),
                            t.at("count").get<std::uint64_t>()};
      if (!h.tensors.emplace(t.at("name").get<std::string>(), tensor).second)
        fail(path, fmt::format("tensor '{}' appears twice", t.at("name").get<std::string>()));
    }
    h.data_bytes = j.at("data_bytes").get<std::uint64_t>();
    h.data_sha256 = j.at("data_sha256").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    fail(path, fmt::format("bad header: {}", e.what()));
  }
  for (const auto& [name, t] : h.tensors) {
    std::uint64_t count = 1;
    for (const auto d : t.shape) {
      if (d < 0 || (d > 0 && count > (std::uint64_t(1) << 40) / std::uint64_t(d)))
        fail(path, fmt::format("tensor '{}' has an invalid shape", name));
      count *= std::uint64_t(d);
    }
    if (count != t.count || t.offset % sizeof(float) != 0 || t.offset > h.data_bytes ||
        t.count > (h.data_bytes - t.offset) / sizeof(float))
      fail(path, fmt::format("tensor '{}' lies outside the data block", name));
  }
  return h;
}

}  // namespace

void save_checkpoint(const std::string& path, Model& model, const CheckpointInfo& info,
                     const std::vector<ExtraTensor>& extras) {
  nlohmann::json j;
  j["format"] = kCheckpointFormat;
  j["model"] = {
      {"vocab", info.model.vocab},           {"d_model", info.model.d_model},
      {"heads", info.model.heads},           {"layers", info.model.layers},
      {"mlp_hidden", info.model.mlp_hidden}, {"norm", info.model.norm},
      {"dropout", info.model.dropout},       {"attention_dropout", info.model.attention_dropout}};
  j["encoding"] = info.encoding;
  j["encoding_params"] = info.encoding_params;
  try {
    j["meta"] = nlohmann::json::parse(info.meta_json);
  } catch (const nlohmann::json::exception& e) {
    fail(path, fmt::format("meta is not JSON: {}", e.what()));
  }
  std::string data;
  auto& tensors = j["tensors"] = nlohmann::json::array();
  for (const ParamRef& p : model.parameters()) {
    tensors.push_back(
        {{"name", p.name}, {"shape", p.shape}, {"offset", data.size()}, {"count", p.size}});
    data.append(reinterpret_cast<const char*>(p.value), sizeof(float) * std::size_t(p.size));
  }
  for (const ExtraTensor& e : extras) {
    tensors.push_back(
        {{"name", e.name}, {"shape", e.shape}, {"offset", data.size()}, {"count", e.count}});
    data.append(reinterpret_cast<const char*>(e.data), sizeof(float) * std::size_t(e.count));
  }
  j["data_bytes"] = data.size();
  j["data_sha256"] = sha256_hex(data);
  const std::string header = j.dump();

  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    const std::uint64_t n = header.size();
    out.write(kMagic, 8);
    out.write(reinterpret_cast<const char*>(&kCheckpointFormat), 4);
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(header.data(), static_cast<std::streamsize>(n));
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      fail(path, "write failed (disk full or not writable?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail(path, fmt::format("cannot move it into place: {}", ec.message()));
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  return read_header(path, in).info;
}

void load_checkpoint_weights(const std::string& path, Model& model,
                             const std::vector<ExtraTensor>& extras) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  const Header h = read_header(path, in);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size < h.data_start + h.data_bytes)
    fail(path, fmt::format("truncated: {} bytes of data expected", h.data_bytes));
  std::string data(h.data_bytes, '\0');
  in.seekg(static_cast<std::streamoff>(h.data_start));
  if (!in.read(data.data(), static_cast<std::streamsize>(data.size())))
    fail(path, "cannot read the data block");
  if (sha256_hex(data) != h.data_sha256) fail(path, "data sha256 mismatch (the file is corrupt)");
  std::size_t matched = 0;
  for (ParamRef& p : model.parameters()) {
    const auto it = h.tensors.find(p.name);
    if (it == h.tensors.end())
      fail(path, fmt::format("has no tensor '{}' (the model has it: another model or "
                             "encoding?)",
                             p.name));
    if (it->second.shape != p.shape)
      fail(path, fmt::format("tensor '{}' has shape [{}], the model's is [{}]", p.name,
                             fmt::join(it->second.shape, ", "), fmt::join(p.shape, ", ")));
    std::memcpy(p.value, data.data() + it->second.offset, sizeof(float) * std::size_t(p.size));
    ++matched;
  }
  for (const ExtraTensor& e : extras) {
    const auto it = h.tensors.find(e.name);
    if (it == h.tensors.end() || it->second.shape != e.shape)
      fail(path, fmt::format("has no tensor '{}' of shape [{}] (not a training checkpoint of "
                             "this model?)",
                             e.name, fmt::join(e.shape, ", ")));
    std::memcpy(e.data, data.data() + it->second.offset, sizeof(float) * std::size_t(e.count));
    ++matched;
  }
  if (matched != h.tensors.size()) {
    for (const auto& [name, t] : h.tensors) {
      bool used = false;
      for (const ParamRef& p : model.parameters()) used = used || p.name == name;
      for (const ExtraTensor& e : extras) used = used || e.name == name;
      if (!used) fail(path, fmt::format("tensor '{}' has no place in the model", name));
    }
  }
  model.parameters_changed();
}

}  // namespace pebench
