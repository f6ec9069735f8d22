// The memory runner (kind: memory): one case per process (the suite runner spawns each
// in a fresh one, so the peak resident size is the case's own).
//
// Per case (encoding x mode x T x B x H x d; modes in runners/workload.hpp):
//   encoding_parameters  trainable parameters the encoding adds (whole model: all layers)
//   held_bytes           heap bytes in use after a forward minus before it, once a first
//                        step has run (JIT, primitives, bias caches exist) and what it saved
//                        was freed: training modes, what the step keeps for its backward
//                        (the model's also its step scratch: qkv, logits); inference modes,
//                        attention alone ~0, the model its layer buffers (B T D per layer,
//                        B T V logits) but no attention probabilities.
//   workload_bytes       heap in use after that forward minus before the workload existed
//                        (parameters, inputs, caches, scratch and the saved activations)
//   peak_rss_bytes       getrusage peak resident size of the process after two steps
//   base_rss_bytes       resident size before the workload was built (binary, libraries,
//                        plugins); peak_rss_bytes - base_rss_bytes is the case's own peak
// Ratios to nope (same mode and shape, same run) are derived in the tables.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "registry/registry.hpp"
#include "results/rows.hpp"
#include "suite/suite.hpp"

namespace pebench {

void run_memory_case(const Suite& suite, const Case& c, Registry& registry,
                     const std::function<void(const Row&)>& emit);

// table.md/.csv/.tex: per mode and shape, encodings x T: the case's peak (MiB, × nope) and
// bytes held for backward (MiB, × nope); the encoding's parameter count.
void write_memory_tables(const std::vector<Row>& rows, const std::string& dir);

}  // namespace pebench
