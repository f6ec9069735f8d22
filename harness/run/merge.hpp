// `pebench merge <run-dir>... --out DIR`: the shards of one suite (run --shard i/N, on one
// machine or a cluster's array tasks) joined into one run: rows.jsonl, the suite snapshot,
// the tables and what each kind makes of a run (speed: benchmark.json, plots).
//   - every directory must be a run of the same suite (its snapshot's sha256);
//   - a row recorded in two directories is a duplicate: the later directory's wins, with a
//     warning naming both;
//   - the suite's cases that no directory recorded are listed, and the exit status is 2.
#pragma once

#include <string>
#include <vector>

#include "suite/suite.hpp"

namespace pebench {

struct MergeOptions {
  std::vector<std::string> run_dirs;
  std::string out_dir;
  bool progress = true;
};

// kExitOk when every case of the suite is there and passed; kExitNotPassed when a case is
// missing or did not pass. Throws std::invalid_argument for directories that do not match.
int merge_runs(const MergeOptions& options, const ExpandOptions& expand);

}  // namespace pebench
