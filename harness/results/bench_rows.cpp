#include "results/bench_rows.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pebench {

std::string encoding_label(const Row& row) {
  const std::string params = row.get_string("encoding_params");
  return row.get_string("encoding") + (params.empty() ? "" : "[" + params + "]");
}

std::string status_cell(const std::string& status) {
  return status.rfind("SKIPPED", 0) == 0 ? "n/a" : status.substr(0, status.find('('));
}

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
    const std::string layers = r.get_string("layers");
    const std::string section =
        fmt::format("{} (B={}, H={}, d={}{})", r.get_string("mode"), r.get_string("batch"),
                    r.get_string("heads"), r.get_string("head_dim"),
                    layers.empty() ? "" : ", layers=" + layers);
    const std::int64_t T = std::stoll(r.get_string("seq_len"));
    add(index.sections, section);
    add(index.encodings, encoding_label(r));
    add(index.lengths, T);
    index.cells[{section, encoding_label(r), T}] = &r;
  }
  std::sort(index.lengths.begin(), index.lengths.end());
  return index;
}

}  // namespace pebench
