#include "results/rows.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <stdexcept>

namespace pebench {

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return out;
}

// Shortest round-trip text, always with a '.' or exponent so it reads back as a double.
std::string json_number(double d) {
  if (!std::isfinite(d)) return "null";
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

Row& Row::set(const std::string& key, RowValue value) {
  for (auto& [k, v] : fields_)
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  fields_.emplace_back(key, std::move(value));
  return *this;
}

const RowValue* Row::find(const std::string& key) const {
  for (const auto& [k, v] : fields_)
    if (k == key) return &v;
  return nullptr;
}

std::string Row::get_string(const std::string& key) const {
  const RowValue* v = find(key);
  if (!v) return "";
  if (auto* s = std::get_if<std::string>(v)) return *s;
  if (auto* d = std::get_if<double>(v)) return fmt::format("{:.6g}", *d);
  if (auto* i = std::get_if<std::int64_t>(v)) return std::to_string(*i);
  return std::get<bool>(*v) ? "true" : "false";
}

std::string Row::to_json() const {
  std::string s = "{";
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const auto& [k, v] = fields_[i];
    s += fmt::format("{}\"{}\":", i ? "," : "", json_escape(k));
    if (auto* str = std::get_if<std::string>(&v))
      s += "\"" + json_escape(*str) + "\"";
    else if (auto* d = std::get_if<double>(&v))
      s += json_number(*d);
    else if (auto* n = std::get_if<std::int64_t>(&v))
      s += std::to_string(*n);
    else
      s += std::get<bool>(v) ? "true" : "false";
  }
  return s + "}";
}

// JSON is YAML's flow syntax, so yaml-cpp (already in the stack) parses our rows.
Row Row::from_json(const std::string& line) {
  const YAML::Node node = YAML::Load(line);
  if (!node.IsMap()) throw std::runtime_error("row is not a JSON object: " + line.substr(0, 80));
  Row row;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (v.IsNull()) {
      row.set(key, std::nan(""));
      continue;
    }
    const std::string text = v.Scalar();
    if (v.Tag() == "!") {  // quoted: a string
      row.set(key, text);
    } else if (text == "true" || text == "false") {
      row.set(key, text == "true");
    } else {
      std::int64_t i;
      double d;
      if (YAML::convert<std::int64_t>::decode(v, i) &&
          text.find_first_of(".eE") == std::string::npos)
        row.set(key, i);
      else if (YAML::convert<double>::decode(v, d))
        row.set(key, d);
      else
        row.set(key, text);
    }
  }
  return row;
}

void add_provenance(Row& row, const Provenance& p) {
  row.set("git_sha", p.git_sha);
  row.set("git_dirty", p.git_dirty);
  row.set("pebench_version", p.pebench_version);
  row.set("build_type", p.build_type);
  row.set("compiler", p.compiler);
  row.set("onednn_version", p.onednn_version);
  row.set("isa", p.isa);
  row.set("threads", std::int64_t{p.threads});
  row.set("host", p.host);
}

RowWriter::RowWriter(const std::string& path) : path_(path), out_(path, std::ios::app) {
  if (!out_) throw std::runtime_error("cannot open " + path + " for writing");
}

void RowWriter::write(const Row& row) {
  out_ << row.to_json() << '\n';
  out_.flush();
}

std::vector<Row> read_rows(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Row> rows;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      rows.push_back(Row::from_json(line));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}:{}: {}", path, n, e.what()));
    }
  }
  return rows;
}

}  // namespace pebench
