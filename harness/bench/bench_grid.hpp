// What kind speed and kind memory share: the grid keys, the shape of a case, and the
// shape's fields in a row.
//
//   lengths: [256, 1024, 4096]  # T (required)
//   modes: [attention_fwd, attention_fwd_bwd, train_step, inference]   # bench/workload.hpp
//   batch: 1                    # B; a number or a list, as heads and head_dim
//   heads: 8
//   head_dim: 64                # model modes: d_model = heads * head_dim
//   layers: 2                   # model modes
// A case is encoding x mode x T x B x H x d (the first seed seeds its data).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/workload_shape.hpp"
#include "suite/yaml_reader.hpp"

namespace pebench {

struct BenchGrid {
  std::vector<std::string> modes;
  std::vector<std::int64_t> lengths, batch{1}, heads{8}, head_dim{64};
  std::int64_t layers = 2;
};

const std::vector<std::string>& bench_grid_keys();
// Reads the grid keys of `root`; `default_modes` when it has no `modes`.
BenchGrid parse_bench_grid(const YamlReader& yaml, const YAML::Node& root,
                           const std::vector<std::string>& default_modes);
// Every shape of the grid: mode x T x B x H x d, in that order.
std::vector<WorkloadShape> grid_shapes(const BenchGrid& grid);
// "attention_fwd/T=256/B=1/H=8/d=64": a case id's and a group's shape part.
std::string shape_id(const WorkloadShape& shape);

}  // namespace pebench
