// The shape of a speed or memory case (a plain value: case specs and rows hold it without
// the model). The modes and the FLOP count are described in bench/workload.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/model_config.hpp"
#include "results/json_fields.hpp"

namespace pebench {

inline const std::vector<std::string> kWorkloadModes = {
    "attention_fwd", "attention_fwd_bwd", "attention_inference", "train_step", "inference"};

struct WorkloadShape {
  std::string mode = "attention_fwd";
  std::int64_t batch = 1, seq_len = 1024, heads = 8, head_dim = 64, layers = 2;
  bool is_model() const { return mode == "train_step" || mode == "inference"; }
  ModelConfig model_config() const;  // model modes
};

// The one FLOP count of pebench (bench/workload.hpp states the formulas).
double workload_flops(const WorkloadShape& shape);
// A model's forward at (batch, seq_len): what workload_flops counts for mode inference (a
// train step is 3x), for any model config (case estimates of the kinds that train).
double model_forward_flops(const ModelConfig& c, std::int64_t batch, std::int64_t seq_len);

PEBENCH_JSON_FIELDS(WorkloadShape, mode, batch, seq_len, heads, head_dim, layers)

// A speed or memory row's shape (kinds/speed/speed_row.hpp, kinds/memory/memory_row.hpp).
#define PEBENCH_BENCH_SHAPE_FIELDS mode, seq_len, batch, heads, head_dim, layers
struct BenchShapeFields {
  std::string mode;
  std::int64_t seq_len = 0, batch = 0, heads = 0, head_dim = 0;
  std::optional<std::int64_t> layers;  // model modes only
  void set_shape(const WorkloadShape& s);
  // "attention_fwd (B=1, H=8, d=64)": a table section.
  std::string section() const;
};
PEBENCH_JSON_FIELDS(BenchShapeFields, PEBENCH_BENCH_SHAPE_FIELDS)

}  // namespace pebench
