// `pebench run <suite>`: the parent process of a run.
//
//   1. snapshots the suite: its bytes into <run>/suite/<sha256:12>/<file name>, and every
//      case's repro names that snapshot, so editing or deleting the YAML mid-run changes
//      nothing (the children never read it: each gets its case spec, serialized);
//   2. runs each unit (a case, or a group of cases that must share a process, e.g. speed's
//      one shape with nope beside it) in a fresh child (`pebench run-case <unit>.json`), with
//      the case's timeout, so a crash or a hang marks only its own rows: CRASHED or TIMEOUT;
//      a group whose child died runs again case by case, so only the culprit is marked;
//   3. appends every row to <run>/rows.jsonl as each unit ends (rows the child wrote, and
//      for rows it could not write, one with its fate), then derives the tables.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "suite/suite.hpp"

namespace pebench {

struct RunOptions {
  std::string out_dir;            // results/<suite>/<run-id> when empty
  std::vector<std::string> only;  // --case ids
  std::string filter;             // --filter glob
  bool progress = true;           // one line per case on stderr
  // What the parent's registry described (Registry::catalog()): written to
  // <run>/logs/plugins.json and handed to every child, which loads only what its case uses.
  nlohmann::json plugin_catalog;
  // out_dir is a run to go on with: cases whose rows are all there with the same case
  // version are kept, the others (and a torn last line) are dropped and run.
  bool resume = false;
  // --shard i/N: shard (from 0) of shards. Units (a case, or a group) in order of first
  // appearance go round-robin to the shards, so a shard is the same set on every machine.
  int shard = 0, shards = 1;
  // --jobs N: units at once, the threads split between them (timing kinds run alone).
  int jobs = 1;
  // Training cases save their state every N steps in <run>/checkpoints/ (0: never); a
  // resumed case goes on from its last one.
  std::int64_t checkpoint_every = 250;
};


// Returns kExitOk, kExitNotPassed, or kExitNothingRan (run/exit_codes.hpp); 128 + the
// signal when SIGINT, SIGTERM or SIGHUP stopped it (what is recorded stays; --resume goes on).
int run_suite(const Suite& suite, const ExpandOptions& expand, const RunOptions& options);

}  // namespace pebench
