// A suite: YAML -> typed parts -> cases. This file reads the keys every kind shares;
// each kind reads its own (kinds/<kind>/, listed by `pebench kinds` and docs/architecture.md).
//
//   name: quick                 # optional; defaults to the file name
//   description: ...            # optional, free text
//   kind: conformance           # one of kinds/kinds.cpp
//   encodings: all              # or a list: [nope, {name: alibi, params: {...}}]
//   seeds: [1]
//   threads: 2                  # 0 = OpenMP default
//   timeout_s: 600              # per case
//   memory_limit_gb: 0          # per case (its address space); 0 = 90% of the machine's memory
//   log_limit_mb: 64            # per case: a child whose log grows past this is killed
//   <the kind's keys>
//
// A file may instead hold `parts:`, a list of such mappings (each with a `name`), which
// inherit the file's seeds, threads, timeout_s and limits; case ids are prefixed with the part's
// name. Every error names file:line:column and the key; an unknown key suggests the
// closest valid one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kinds/kind.hpp"
#include "suite/case.hpp"
#include "suite/yaml_reader.hpp"

namespace pebench {

// One mapping of one kind: the whole suite, or one of its parts.
struct SuitePart {
  std::string name;  // the part's name; "" in a suite of one kind
  const SuiteKind* kind = nullptr;
  bool all_encodings = false;
  std::vector<EncodingSpec> encodings;
  std::vector<std::uint64_t> seeds{1};
  int threads = 0;
  double timeout_s = 600;
  double memory_limit_gb = 0;  // 0: 90% of physical memory
  double log_limit_mb = 64;
  std::shared_ptr<const KindSettings> settings;  // what kind->parse() read
};

struct Suite {
  std::string path;              // as given (errors name it)
  std::string name;              // `name:` or the file's stem
  std::string text;              // the bytes parsed: the run's snapshot
  std::string sha256;            // of `text`
  std::vector<SuitePart> parts;  // one, unnamed, in a suite of one kind
  bool has_parts() const { return parts.size() != 1 || !parts[0].name.empty(); }
};

// Reads and parses a suite file. Throws SuiteError (file:line:col: message).
Suite load_suite(const std::string& path);
// Parses suite text; `path` names it in errors and gives the default name.
Suite parse_suite(const std::string& path, const std::string& text);
// The same, reading seed lists of at least `long_seed_list_bytes` without yaml-cpp
// (suite/long_seed_lists.hpp; SIZE_MAX: none). The result must not depend on it (fuzz_suite).
Suite parse_suite(const std::string& path, const std::string& text,
                  std::size_t long_seed_list_bytes);

struct ExpandOptions {
  std::vector<std::string> available;     // encodings the registry found (`encodings: all`)
  std::vector<std::string> plugin_paths;  // the run's --plugin-path values (repro, children)
  std::string repro_path;                 // the suite file a repro names ("" = suite.path)
  int threads = 0;                        // > 0: overrides every part's threads (--threads)
  // More cases are refused (SuiteError) before they exist: each is a process and a row or
  // more, so millions are a mistake (50 MB of seeds once took 3 GB, then bad_alloc).
  std::size_t max_cases = 1'000'000;
};
// All cases, in file order. Throws SuiteError for two cases with one id.
std::vector<Case> expand_cases(const Suite& suite, const ExpandOptions& options);

// No case was selected (exit status 3): an unknown --case id, a --filter matching none.
struct NothingToRun : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The cases named by `ids` (each must exist, else NothingToRun naming the closest id) and
// those whose id matches the glob `filter` (fnmatch: * ? [..]); both empty: all of them.
std::vector<Case> select_cases(std::vector<Case> cases, const std::vector<std::string>& ids,
                               const std::string& filter, const std::string& suite_path);

}  // namespace pebench
