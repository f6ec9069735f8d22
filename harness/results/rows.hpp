// Result rows: the canonical record is rows.jsonl, one JSON object per line,
// appended and flushed as each case finishes (a crash never loses earlier rows).
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "results/provenance.hpp"

namespace pebench {

using RowValue = std::variant<std::string, double, std::int64_t, bool>;

class Row {
 public:
  Row& set(const std::string& key, RowValue value);
  const RowValue* find(const std::string& key) const;
  std::string get_string(const std::string& key) const;  // "" if absent
  std::string to_json() const;                           // one line, keys in insertion order
  static Row from_json(const std::string& line);         // flat objects only
  const std::vector<std::pair<std::string, RowValue>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, RowValue>> fields_;
};

void add_provenance(Row& row, const Provenance& p);

class RowWriter {
 public:
  explicit RowWriter(const std::string& path);  // appends
  void write(const Row& row);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

std::vector<Row> read_rows(const std::string& path);
std::string json_escape(const std::string& s);
std::string json_number(double d);

}  // namespace pebench
