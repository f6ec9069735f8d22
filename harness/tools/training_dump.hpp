// `pebench dump-training`: trains the model for a few steps on random tokens and
// writes everything an independent implementation needs to repeat the run:
//
//   DIR/config.json          model, optimizer and schedule settings, encoding
//   DIR/init/<param>.npy     every parameter before the first step (float32)
//   DIR/tokens.npy, targets.npy   int32 (steps, B, T)
//   DIR/loss_mask.npy        float32 (steps, B, T)
//   DIR/losses.npy           float32 (steps): pebench's loss before each update
//
// scripts/torch_reference/train_compare.py DIR repeats it in PyTorch and compares.
#pragma once

#include <cstdint>
#include <string>

#include "model/model.hpp"
#include "model/optimizer.hpp"
#include "registry/registry.hpp"

namespace pebench {

struct TrainingDumpOptions {
  std::string out_dir;
  std::string encoding = "nope";
  Config encoding_params;
  std::string encoding_params_text;
  ModelConfig model;
  OptimizerConfig optimizer;
  std::int64_t steps = 20, batch = 8, seq_len = 64;
  std::uint64_t seed = 1;
};

// Returns a one-line summary (first and last loss).
std::string dump_training(Registry& registry, const TrainingDumpOptions& options);

}  // namespace pebench
