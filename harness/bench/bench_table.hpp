// Rows of speed and memory runs indexed for their tables: one section per mode and shape,
// encodings as table rows, lengths as columns (order of first appearance; lengths sorted).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "results/schema.hpp"

namespace pebench {

struct BenchIndex {
  std::vector<std::string> sections, encodings;
  std::vector<std::int64_t> lengths;
  std::map<std::tuple<std::string, std::string, std::int64_t>, const Row*> cells;
  // The row of (section, encoding label, T), or null.
  const Row* find(const std::string& section, const std::string& encoding, std::int64_t T) const;
};

BenchIndex index_bench_rows(const std::vector<Row>& rows);

}  // namespace pebench
