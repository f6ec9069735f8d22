#include "bench/bench_grid.hpp"

#include <fmt/format.h>

namespace pebench {

const std::vector<std::string>& bench_grid_keys() {
  static const std::vector<std::string> keys = {"lengths", "modes",    "batch",
                                                "heads",   "head_dim", "layers"};
  return keys;
}

BenchGrid parse_bench_grid(const YamlReader& yaml, const YAML::Node& root,
                           const std::vector<std::string>& default_modes) {
  BenchGrid g;
  if (!root["lengths"]) yaml.fail(root, "missing key 'lengths'");
  g.lengths = yaml.int_list("lengths", root["lengths"]);
  g.modes = root["modes"] ? yaml.choice_list("modes", root["modes"], kWorkloadModes, "mode")
                          : default_modes;
  if (root["batch"]) g.batch = yaml.int_list("batch", root["batch"]);
  if (root["heads"]) g.heads = yaml.int_list("heads", root["heads"]);
  if (root["head_dim"]) g.head_dim = yaml.int_list("head_dim", root["head_dim"]);
  if (root["layers"]) g.layers = yaml.positive_int("layers", root["layers"]);
  return g;
}

std::vector<WorkloadShape> grid_shapes(const BenchGrid& g) {
  std::vector<WorkloadShape> shapes;
  for (const auto& mode : g.modes)
    for (std::int64_t T : g.lengths)
      for (std::int64_t B : g.batch)
        for (std::int64_t H : g.heads)
          for (std::int64_t d : g.head_dim) {
            WorkloadShape s;
            s.mode = mode, s.seq_len = T, s.batch = B, s.heads = H, s.head_dim = d;
            s.layers = g.layers;
            shapes.push_back(s);
          }
  return shapes;
}

std::string shape_id(const WorkloadShape& s) {
  return fmt::format("{}/T={}/B={}/H={}/d={}", s.mode, s.seq_len, s.batch, s.heads, s.head_dim);
}

void BenchShapeFields::set_shape(const WorkloadShape& s) {
  mode = s.mode, seq_len = s.seq_len, batch = s.batch, heads = s.heads, head_dim = s.head_dim;
  layers = s.is_model() ? std::optional<std::int64_t>(s.layers) : std::nullopt;
}

std::string BenchShapeFields::section() const {
  return fmt::format("{} (B={}, H={}, d={}{})", mode, batch, heads, head_dim,
                     layers ? fmt::format(", layers={}", *layers) : "");
}

}  // namespace pebench
