// Checkpoints: a trained model's weights (its own and its encodings' parameters) and what is
// needed to rebuild it, in one file, so evaluation (new lengths, other protocols) needs no
// retraining. Format (version 1), little-endian:
//
//   bytes 0-7    "PEBCKPT\0"
//   bytes 8-11   format version (uint32) = 1
//   bytes 12-19  header length n (uint64)
//   n bytes      header, JSON (UTF-8):
//                  {"format": 1,
//                   "model": {"vocab", "d_model", "heads", "layers", "mlp_hidden"},
//                   "encoding": "<name or a+b>", "encoding_params": "k=v,...",
//                   "meta": {...}   (free-form: step, seed, train_length, provenance, ...)
//                   "tensors": [{"name", "shape": [...], "offset", "count"}, ...],
//                   "data_bytes", "data_sha256"}
//   data         float32 values of every tensor, at its offset (bytes from the data start)
//
// Loading matches tensors by name and shape: a tensor missing from either side, a shape
// that differs, a data block whose sha256 does not match, a truncated file or another
// format version is an error naming the file and what is wrong. Writes go to "<path>.tmp"
// and are renamed into place after a checked flush, so a checkpoint on disk is complete.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "model/model.hpp"
#include "model/model_config.hpp"

namespace pebench {

inline constexpr std::uint32_t kCheckpointFormat = 1;

struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CheckpointInfo {
  ModelConfig model;
  std::string encoding;          // as in suites: "alibi", "cope+rope", "" for none
  std::string encoding_params;   // "k=v,k2=v2" (suite/yaml_reader.hpp: params_to_text)
  std::string meta_json = "{}";  // a JSON object, kept as given
};

// extras: more tensors saved after the model's (a training checkpoint's optimizer state).
void save_checkpoint(const std::string& path, Model& model, const CheckpointInfo& info,
                     const std::vector<ExtraTensor>& extras = {});
// The header only (to rebuild the model: its config and encoding).
CheckpointInfo read_checkpoint_info(const std::string& path);
// Copies the file's tensors into `model` (built from read_checkpoint_info's config).
// extras: tensors the file must also hold (by name and shape), copied into their buffers.
void load_checkpoint_weights(const std::string& path, Model& model,
                             const std::vector<ExtraTensor>& extras = {});

}  // namespace pebench
