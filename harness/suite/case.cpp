#include "suite/case.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "suite/yaml_reader.hpp"

namespace pebench {

void to_json(nlohmann::json& j, const EncodingSpec& e) {
  j = nlohmann::json{{"name", e.name}, {"params", e.params}};
}

void from_json(const nlohmann::json& j, EncodingSpec& e) {
  e.name = j.at("name").get<std::string>();
  e.params = j.at("params").get<Config>();
  e.params_text = params_to_text(e.params);
}

std::shared_ptr<const nlohmann::json> CaseSpec::empty() {
  static const auto object = std::make_shared<const nlohmann::json>(nlohmann::json::object());
  return object;
}

void CaseSpec::set(const std::string& key, nlohmann::json value) {
  auto copy = std::make_shared<nlohmann::json>(*json_);
  (*copy)[key] = std::move(value);
  json_ = std::move(copy);
}

void to_json(nlohmann::json& j, const CaseSpec& s) {
  j = s.json();
}

void from_json(const nlohmann::json& j, CaseSpec& s) {
  s = CaseSpec(j);
}

std::string EncodingSpec::label() const {
  std::string id;
  std::stringstream parts(name);  // a stack "a+b": each part
  for (std::string part; std::getline(parts, part, '+');) {
    if (part.find('/') != std::string::npos || part.ends_with(".so")) {
      part = std::filesystem::path(part).filename().string();
      if (part.starts_with("pebench-")) part = part.substr(8);
      if (part.ends_with(".so")) part.resize(part.size() - 3);
    }
    id += (id.empty() ? "" : "+") + part;
  }
  return params_text.empty() ? id : id + "[" + params_text + "]";
}

namespace {

bool needs_no_quotes(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_-./=,:+@%").find(c) != std::string_view::npos;
}

}  // namespace

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && std::all_of(arg.begin(), arg.end(), needs_no_quotes)) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void write_case_file(const std::string& path, const std::vector<Case>& cases) {
  std::ofstream out(path);
  out << nlohmann::json{{"cases", cases}}.dump(1) << "\n";
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

std::vector<Case> read_case_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  try {
    // Depth-limited: a spec nested 12,500 deep overflowed the stack in the recursive copy
    // (tests/fuzz, ASan build).
    return nlohmann::json::parse(in, json_fields::depth_limit<nlohmann::json>(64))
        .at("cases")
        .get<std::vector<Case>>();
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}: not a case file: {}", path, e.what()));
  }
}

}  // namespace pebench
