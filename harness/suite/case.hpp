// A case: the unit a suite expands into and a row reports on. It is self-contained:
// the parent process serializes it (JSON) and hands it to the child that runs it, so
// the child never reads the suite file again (editing the YAML mid-run changes nothing).
//
//   id      stable across runs and machines (the nightly compare matches cases by it):
//           [part/]encoding[params]/<the kind's part>, e.g. "flip_flop/alibi/flip_flop/seed=1";
//           never a path, a thread count or a plugin path
//   spec    the kind's own settings for this case only (kinds/<kind>/), as JSON
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "pebench/config.hpp"
#include "results/json_fields.hpp"

namespace pebench {

// Config as a JSON object of typed scalars (bool, integer, number, string).
template <typename J>
void to_json(J& j, const Config& c) {
  j = J::object();
  for (const auto& [key, value] : c.values())
    std::visit([&j, &key = key](const auto& v) { j[key] = v; },
               value);  // clang-14: no binding capture
}
template <typename J>
void from_json(const J& j, Config& c) {
  c = Config{};
  for (const auto& [key, v] : j.items()) {
    if (v.is_boolean())
      c.set(key, v.template get<bool>());
    else if (v.is_number_integer())
      c.set(key, v.template get<std::int64_t>());
    else if (v.is_number())
      c.set(key, v.template get<double>());
    else if (v.is_string())
      c.set(key, v.template get<std::string>());
    else
      throw std::runtime_error("param '" + key + "' must be a scalar");
  }
}

struct EncodingSpec {
  std::string name;         // a plugin name, a plugin path, or a stack "a+b"
  Config params;            // typed, from the suite's params mapping
  std::string params_text;  // "k=v,k2=v2" (sorted): ids, rows and tables
  std::string where;        // "file:line:col" of its suite entry ("" elsewhere; not serialized)
  // "alibi" or "learned[max_positions=48]": the encoding's part of a case id. A plugin
  // named by its path counts by its file name ("/x/pebench-foo.so" -> "foo"), so that
  // ids never hold a path.
  std::string label() const;
};
void to_json(nlohmann::json& j, const EncodingSpec& e);
void from_json(const nlohmann::json& j, EncodingSpec& e);

// A case's spec: the kind's settings for it, as JSON; immutable and shared. The cases that
// differ only by their seed hold one copy: at ~9.5 KB of JSON nodes per synthetic case, a
// suite of 200k seeds needed 1.9 GB and 17 s to validate (AMD EPYC, measured).
class CaseSpec {
 public:
  CaseSpec() : json_(empty()) {}
  // A kind hands its spec as JSON, or as its typed spec: CaseSpec(typed) (to_json).
  CaseSpec(nlohmann::json json)  // NOLINT: implicit, from JSON
      : json_(std::make_shared<const nlohmann::json>(std::move(json))) {}

  const nlohmann::json& json() const { return *json_; }
  template <typename T>
  T get() const {
    return json_->get<T>();
  }
  template <typename V>
  V value(const std::string& key, const V& fallback) const {
    return json_->value(key, fallback);
  }
  const nlohmann::json& operator[](const std::string& key) const { return json_->at(key); }
  // This case's own copy with `key` set; the cases that shared the old one keep it.
  void set(const std::string& key, nlohmann::json value);
  // True if both are the same shared object (not merely equal).
  bool shares(const CaseSpec& other) const { return json_ == other.json_; }

 private:
  static std::shared_ptr<const nlohmann::json> empty();
  std::shared_ptr<const nlohmann::json> json_;
};
void to_json(nlohmann::json& j, const CaseSpec& s);
void from_json(const nlohmann::json& j, CaseSpec& s);

// What a case will need (SuiteKind::estimate, kinds/common/case_estimate.hpp): rough, from its
// shapes; zero where the kind cannot tell.
struct CaseEstimate {
  double bytes = 0;        // peak memory of the harness's tensors
  double flops = 0;        // matmul FLOPs
  double min_seconds = 0;  // time it takes whatever the FLOPs (speed: repetitions x min_time_s)
};

struct Case {
  std::string kind;   // the kind that runs it (kinds/kinds.hpp)
  std::string id;     // see above
  std::string group;  // "" or a name: cases of one group run in one process (speed)
  std::string part;   // the suite part it belongs to ("" in a suite of one kind)
  EncodingSpec encoding;
  std::uint64_t seed = 1;
  CaseSpec spec;  // the kind's, self-contained
  // How to run it (not part of the id).
  int threads = 0;  // 0: OpenMP's default
  double timeout_s = 600;
  double memory_limit_gb = 0;  // address-space cap of its process; 0 = 90% of physical memory
  double log_limit_mb = 64;    // its process is killed when its log grows past this
  std::vector<std::string> plugin_paths;
  // Set by a run's parent for its children: where a training case keeps its training
  // checkpoint, how often, and the case version that must match to go on from one.
  std::string checkpoint;
  std::int64_t checkpoint_every = 0;
  std::string version;
  // Where it came from (copied into its rows).
  std::string suite, suite_sha256;
  std::string repro;      // `pebench ... run <suite> --case <id>`
  CaseEstimate estimate;  // set by expand_cases (not serialized: children do not need it)
};
PEBENCH_JSON_FIELDS(Case, kind, id, group, part, encoding, seed, spec, threads, timeout_s,
                    memory_limit_gb, log_limit_mb, plugin_paths, checkpoint, checkpoint_every,
                    version, suite, suite_sha256, repro)

// One command-line argument quoted for a POSIX shell where needed.
std::string shell_quote(const std::string& arg);

// The file the parent hands a child: {"cases": [...]} (one case, or a group).
void write_case_file(const std::string& path, const std::vector<Case>& cases);
std::vector<Case> read_case_file(const std::string& path);  // throws std::runtime_error

}  // namespace pebench
