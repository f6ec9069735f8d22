#include "bench/bench_table.hpp"

#include <algorithm>

#include "bench/workload_shape.hpp"

namespace pebench {

const Row* BenchIndex::find(const std::string& section, const std::string& encoding,
                            std::int64_t T) const {
  const auto it = cells.find({section, encoding, T});
  return it == cells.end() ? nullptr : it->second;
}

BenchIndex index_bench_rows(const std::vector<Row>& rows) {
  BenchIndex index;
  auto add = [](auto& list, const auto& value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  };
  for (const Row& r : rows) {
    const auto shape = r.get<BenchShapeFields>();
    const std::string section = shape.section();
    add(index.sections, section);
    add(index.encodings, encoding_label(r));
    add(index.lengths, shape.seq_len);
    index.cells[{section, encoding_label(r), shape.seq_len}] = &r;
  }
  std::sort(index.lengths.begin(), index.lengths.end());
  return index;
}

}  // namespace pebench
