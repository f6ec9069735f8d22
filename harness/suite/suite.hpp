// A suite: YAML -> typed spec -> list of cases.
//
//   name: quick                 # optional; defaults to the file name
//   kind: conformance           # conformance (more kinds land with their runners)
//   encodings: all              # or a list: [nope, {name: alibi, params: {...}}]
//   seeds: [1]
//   threads: 2                  # 0 = OpenMP default
//   timeout_s: 600              # per case
//
// Every error names file:line:column and the key; an unknown key suggests the
// closest valid one.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "pebench/config.hpp"

namespace pebench {

struct SuiteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct EncodingSpec {
  std::string name;
  Config params;
  std::string params_text;  // "k=v,k2=v2", as `--params` takes it
};

struct Suite {
  std::string path, name, kind, sha256;
  bool all_encodings = false;
  std::vector<EncodingSpec> encodings;
  std::vector<std::uint64_t> seeds{1};
  int threads = 0;
  double timeout_s = 600;
};

struct Case {
  std::string id;  // e.g. "alibi/seed=1"
  EncodingSpec encoding;
  std::uint64_t seed = 1;
  std::vector<std::string> args;  // pebench arguments that rerun exactly this case
  std::string repro;              // the same, as one line
};

Suite load_suite(const std::string& path);
// `available` is the encodings found by the registry (used for `encodings: all`);
// `plugin_paths` (the run's --plugin-path values) become part of each case's arguments.
std::vector<Case> expand_cases(const Suite& suite, const std::vector<std::string>& available,
                               const std::vector<std::string>& plugin_paths = {});
// One command-line argument quoted for a POSIX shell where needed.
std::string shell_quote(const std::string& arg);

// "k=v,k2=v2" -> Config (true/false -> bool, integers, numbers, else string).
Config parse_params(const std::string& text);
ConfigValue parse_scalar(const std::string& text);
// The candidate closest to `word` by edit distance ("" if none is close).
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace pebench
