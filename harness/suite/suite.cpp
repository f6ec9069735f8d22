#include "suite/suite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <unordered_set>

#include "core/sha256.hpp"
#include "core/threads.hpp"
#include "kinds/kinds.hpp"
#include "suite/case_budget.hpp"
#include "suite/long_seed_lists.hpp"
#include "suite/yaml_documents.hpp"

namespace pebench {
namespace {

// Settings a part inherits from its file.
const std::vector<std::string> kSharedKeys = {"seeds", "threads", "timeout_s", "memory_limit_gb",
                                              "log_limit_mb"};
const std::vector<std::string> kPartKeys = {"name",      "description",     "kind",
                                            "encodings", "seeds",           "threads",
                                            "timeout_s", "memory_limit_gb", "log_limit_mb"};

bool contains(const std::vector<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

// The kinds that read `key` ("'speed' or 'memory'"), "" if none.
std::string owners_of(const std::string& key) {
  std::vector<std::string> owners;
  for (const SuiteKind* k : suite_kinds())
    if (contains(k->keys(), key)) owners.push_back("'" + k->name() + "'");
  return fmt::format("{}", fmt::join(owners, " or "));
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys = kPartKeys;
  keys.push_back("parts");
  for (const SuiteKind* k : suite_kinds())
    for (const auto& key : k->keys())
      if (!contains(keys, key)) keys.push_back(key);
  return keys;
}

EncodingSpec parse_encoding(const YamlReader& yaml, const YAML::Node& node) {
  EncodingSpec spec;
  spec.where = yaml.where(node);
  if (node.IsScalar()) {
    spec.name = node.Scalar();
    return spec;
  }
  if (!node.IsMap())
    yaml.fail(node, "each entry of 'encodings' must be a name or {name:, params:}");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (key == "name")
      spec.name = yaml.scalar<std::string>(key, kv.second, "a string");
    else if (key == "params")
      spec.params = yaml.params(kv.second);
    else
      yaml.unknown_key(kv.first, "in an encoding entry", {"name", "params"});
  }
  if (spec.name.empty()) yaml.fail(node, "encoding entry without 'name'");
  spec.params_text = params_to_text(spec.params);
  return spec;
}

// A seed: plain decimal digits read directly (yaml-cpp's conversion goes through a
// stringstream, 0.15 s of 200k seeds), anything else as yaml-cpp reads it (0x.., octal 0..).
std::uint64_t seed_of(const YamlReader& yaml, const std::string& key, const YAML::Node& x) {
  if (x.IsScalar()) {
    const std::string& text = x.Scalar();
    std::uint64_t seed = 0;
    const char* end = text.data() + text.size();
    if (!text.empty() && (text[0] != '0' || text.size() == 1) &&
        text.find_first_not_of("0123456789") == std::string::npos) {
      const auto [ptr, error] = std::from_chars(text.data(), end, seed);
      if (error == std::errc{} && ptr == end) return seed;  // else (out of range): yaml-cpp's error
    }
  }
  return yaml.scalar<std::uint64_t>(key, x, "a non-negative integer");
}

bool all_distinct(std::vector<std::uint64_t> values) {
  std::sort(values.begin(), values.end());
  return std::adjacent_find(values.begin(), values.end()) == values.end();
}

// seeds, threads, timeout_s. True if `key` is one of them (and it was read).
bool parse_shared_setting(const YamlReader& yaml, const std::string& key, const YAML::Node& v,
                          SuitePart& p, LongSeedLists& lists) {
  if (key == "seeds") {
    // A long list read without yaml-cpp (suite/long_seed_lists.hpp): yaml-cpp saw `[ ]` here.
    if (const auto* listed = v.IsSequence() && v.size() == 0
                                 ? lists.take(static_cast<std::size_t>(v.Mark().pos))
                                 : nullptr) {
      p.seeds.clear();
      p.seeds.reserve(listed->size());
      for (const ListedSeed& x : *listed) p.seeds.push_back(x.value);
      if (!all_distinct(p.seeds))  // parse_suite reads the file again, for yaml-cpp's marks
        throw SuiteError("'seeds' lists one seed twice");
      return true;
    }
    if (!v.IsSequence() || v.size() == 0)
      yaml.fail(v, "'seeds' must be a non-empty list of integers");
    p.seeds.clear();
    std::unordered_set<std::uint64_t> seen;  // linear: a suite may list many seeds
    for (const auto& x : v) {
      p.seeds.push_back(seed_of(yaml, key, x));
      if (!seen.insert(p.seeds.back()).second)
        yaml.fail(x, fmt::format("'seeds' lists {} twice", p.seeds.back()));
    }
  } else if (key == "threads") {
    p.threads = yaml.scalar<int>(key, v, "an integer");
    if (p.threads < 0 || p.threads > kMaxThreads)
      yaml.fail(v, fmt::format("'threads' must be in [0, {}] (0: OpenMP's default), got {}",
                               kMaxThreads, p.threads));
  } else if (key == "timeout_s") {
    p.timeout_s = yaml.scalar<double>(key, v, "a number of seconds");
    if (!(p.timeout_s > 0)) yaml.fail(v, "'timeout_s' must be > 0");
  } else if (key == "memory_limit_gb") {
    p.memory_limit_gb = yaml.number_in(key, v, 0.0, 1e6);
    if (p.memory_limit_gb > 0 && p.memory_limit_gb < 0.25)
      yaml.fail(v, "'memory_limit_gb' must be 0 (90% of the machine's memory) or >= 0.25");
  } else if (key == "log_limit_mb") {
    p.log_limit_mb = yaml.number_in(key, v, 0.001, 1e6);
  } else {
    return false;
  }
  return true;
}

// One mapping of one kind (the file's root, or one entry of its 'parts').
SuitePart parse_part(const YamlReader& yaml, const YAML::Node& root, SuitePart p,
                     LongSeedLists& lists) {
  const YAML::Node kind_node = root["kind"];
  if (!kind_node) yaml.fail(root, "missing key 'kind'");
  const auto kind_name = yaml.scalar<std::string>("kind", kind_node, "a string");
  p.kind = find_kind(kind_name);
  if (!p.kind)
    yaml.fail(kind_node,
              fmt::format("unknown kind '{}'{} (kinds: {})", kind_name,
                          did_you_mean(kind_name, kind_names()), fmt::join(kind_names(), ", ")));
  const std::vector<std::string> own = p.kind->keys();
  bool has_encodings = false;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "name") {
      p.name = yaml.plain_name(key, v, "a part's name starts its case ids and names its table");
    } else if (key == "description" || key == "kind" || contains(own, key)) {
    } else if (key == "encodings") {
      has_encodings = true;
      if (v.IsScalar() && v.Scalar() == "all") {
        p.all_encodings = true;
      } else if (v.IsSequence() && v.size() > 0) {
        for (const auto& e : v) p.encodings.push_back(parse_encoding(yaml, e));
      } else {
        yaml.fail(v, "'encodings' must be 'all' or a non-empty list");
      }
    } else if (parse_shared_setting(yaml, key, v, p, lists)) {
    } else if (const std::string owners = owners_of(key); !owners.empty()) {
      yaml.fail(kv.first,
                fmt::format("key '{}' belongs to kind {}, not '{}'", key, owners, kind_name));
    } else {
      yaml.unknown_key(kv.first, "", all_keys());
    }
  }
  if (!has_encodings) yaml.fail(root, "missing key 'encodings'");
  p.settings = p.kind->parse(yaml, root);
  return p;
}

}  // namespace

Suite load_suite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SuiteError(path + ": cannot read suite file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_suite(path, text.str());
}

namespace {

// parse_suite with the text yaml-cpp reads: `lists.yaml_text()` (`text` with the long seed
// lists blanked).
Suite parse_suite_text(const std::string& path, const std::string& original, LongSeedLists& lists) {
  const std::string& text = lists.yaml_text();
  const YamlReader yaml(path);
  yaml.check_utf8(text);
  YAML::Node root;
  try {
    root = YAML::Load(text);  // the first document only (LoadAll: suite/yaml_documents.hpp)
    // A second document (after `---`) would otherwise be ignored without a word.
    if (!surely_one_document(root, text)) {
      const std::vector<YAML::Mark> documents = first_two_documents(text);
      // A '%' line inside the document ends it (yaml-cpp skips an unknown directive, so a
      // last line starting with '%' would be dropped without a word): refused wherever it is.
      YAML::Mark end;
      end.pos = static_cast<int>(text.size());
      if (!documents.empty())
        if (const int line =
                directive_between(text, documents[0], documents.size() > 1 ? documents[1] : end);
            line >= 0)
          throw SuiteError(
              fmt::format("{}:{}:1: YAML syntax error: a line starting with '%' is a "
                          "YAML directive, which ends the document; quote or "
                          "indent it",
                          path, line + 1));
      if (documents.size() > 1) {
        const YAML::Mark& at = documents[1];
        if (!opens_a_document(text, at)) {
          const std::size_t pos = static_cast<std::size_t>(at.pos);
          throw SuiteError(fmt::format("{}:{}:{}: YAML syntax error: unexpected '{}'", path,
                                       at.line + 1, at.column + 1,
                                       pos < text.size() ? text.substr(pos, 1) : "end of file"));
        }
        throw SuiteError(
            fmt::format("{}:{}:{}: a suite file holds one YAML document; this is a "
                        "second one (after '---'): put its keys in the first, or "
                        "in a part",
                        path, at.line + 1, at.column + 1));
      }
    }
  } catch (const YAML::ParserException& e) {
    throw SuiteError(fmt::format("{}:{}:{}: YAML syntax error: {}", path, e.mark.line + 1,
                                 e.mark.column + 1, e.msg));
  }
  yaml.check_closed_quotes(root, text);
  yaml.check_unique_keys(root);
  if (!root.IsMap()) throw SuiteError(path + ":1:1: a suite must be a YAML mapping");
  Suite s;
  s.path = path;
  s.text = original;
  s.sha256 = sha256_hex(original);
  s.name = std::filesystem::path(path).stem().string();
  for (char& ch : s.name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-') ch = '_';
  if (!YamlReader::is_plain_name(s.name)) s.name = "suite";
  if (root["name"])  // a folder of results/ and a field of every row
    s.name = yaml.plain_name("name", root["name"], "it names the run's folder under results/");

  SuitePart shared;  // seeds, threads and timeout_s first: parts inherit them wherever written
  for (const auto& key : kSharedKeys)
    if (root[key]) parse_shared_setting(yaml, key, root[key], shared, lists);
  const YAML::Node parts = root["parts"];
  if (!parts) {
    s.parts.push_back(parse_part(yaml, root, shared, lists));
    s.parts[0].name.clear();
    return s;
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (key == "kind" || key == "encodings")
      yaml.fail(kv.first, "a suite with 'parts' has its kinds and encodings in the parts");
    if (!contains(kSharedKeys, key) && key != "name" && key != "description" && key != "parts") {
      if (!owners_of(key).empty())
        yaml.fail(kv.first, fmt::format("'{}' goes inside a part; parts share only seeds, "
                                        "threads, timeout_s, memory_limit_gb, log_limit_mb",
                                        key));
      yaml.unknown_key(kv.first, "", all_keys());
    }
  }
  if (!parts.IsSequence() || parts.size() == 0)
    yaml.fail(parts, "'parts' must be a non-empty list");
  for (const auto& node : parts) {
    if (!node.IsMap()) yaml.fail(node, "each entry of 'parts' must be a suite mapping");
    SuitePart defaults = shared;
    defaults.name = fmt::format("part{}", s.parts.size() + 1);
    s.parts.push_back(parse_part(yaml, node, defaults, lists));
    for (std::size_t i = 0; i + 1 < s.parts.size(); ++i)
      if (s.parts[i].name == s.parts.back().name)
        yaml.fail(node, fmt::format("two parts named '{}'", s.parts.back().name));
  }
  return s;
}

}  // namespace

Suite parse_suite(const std::string& path, const std::string& text) {
  return parse_suite(path, text, kLongSeedListBytes);
}

Suite parse_suite(const std::string& path, const std::string& text,
                  std::size_t long_seed_list_bytes) {
  LongSeedLists lists(text, long_seed_list_bytes);
  if (lists.empty()) return parse_suite_text(path, text, lists);
  // A list blanked but not read as a `seeds` value, or any error: yaml-cpp reads the file
  // as written (so that every error is the one it would be without the shortcut).
  try {
    Suite s = parse_suite_text(path, text, lists);
    if (lists.all_taken()) return s;
  } catch (const std::exception&) {
  }
  LongSeedLists none(text, SIZE_MAX);
  return parse_suite_text(path, text, none);
}

namespace {

// Two equal cases (an encoding, a length or a seed listed twice) would share an id, a repro
// and a benchmark name: refuse them, naming the first case (in suite order) that repeats an
// earlier one. Sorted hashes, not a set of strings: 200k seeds took ~0.1 s in an
// unordered_set<std::string> (AMD EPYC, perf).
void refuse_repeated_ids(const std::vector<Case>& cases, const std::string& suite_path) {
  std::vector<std::pair<std::size_t, std::size_t>> hashed;  // (hash of id, index)
  hashed.reserve(cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i)
    hashed.emplace_back(std::hash<std::string>{}(cases[i].id), i);
  std::sort(hashed.begin(), hashed.end());
  std::size_t first_repeat = cases.size();
  for (std::size_t i = 0; i < hashed.size(); ++i)
    for (std::size_t j = i + 1; j < hashed.size() && hashed[j].first == hashed[i].first; ++j)
      if (cases[hashed[i].second].id == cases[hashed[j].second].id)  // j's index is the later
        first_repeat = std::min(first_repeat, hashed[j].second);
  if (first_repeat < cases.size())
    throw SuiteError(
        fmt::format("{}: case '{}' appears twice (an encoding, length, mode or seed listed twice?)",
                    suite_path, cases[first_repeat].id));
}

// Refused before the cases exist, with the count (ExpandOptions::max_cases).
void refuse_too_many_cases(std::size_t count, std::size_t max_cases,
                           const std::string& suite_path) {
  if (count > max_cases)
    throw SuiteError(fmt::format(
        "{}: {} cases (seeds x encodings x the kind's cases per seed), more than pebench "
        "runs from one suite ({}); split it into several suites",
        suite_path, count, max_cases));
}

}  // namespace

std::vector<Case> expand_cases(const Suite& suite, const ExpandOptions& options) {
  const std::string repro_path = options.repro_path.empty() ? suite.path : options.repro_path;
  std::string repro_head = "pebench";
  for (const auto& p : options.plugin_paths) repro_head += " --plugin-path " + shell_quote(p);
  if (options.threads > 0) repro_head += fmt::format(" --threads {}", options.threads);
  repro_head += " run " + shell_quote(repro_path) + " --case ";

  std::vector<Case> cases;
  std::size_t expected = 0;
  for (const SuitePart& part : suite.parts)
    expected +=
        part.seeds.size() * (part.all_encodings ? options.available.size() : part.encodings.size());
  refuse_too_many_cases(expected, options.max_cases, suite.path);
  cases.reserve(expected);  // a guess (a kind may make several cases per seed, or one)
  for (const SuitePart& part : suite.parts) {
    std::vector<EncodingSpec> encodings = part.encodings;
    if (part.all_encodings) {  // nope first: the baseline of every ratio, the first table row
      if (contains(options.available, "nope"))
        encodings.push_back(EncodingSpec{"nope", {}, "", ""});
      for (const auto& n : options.available)
        if (n != "nope") encodings.push_back(EncodingSpec{n, {}, "", ""});
    }
    const std::string prefix = part.name.empty() ? "" : part.name + "/";
    const std::vector<CaseDraft> drafts = part.kind->expand(*part.settings, part.seeds);
    refuse_too_many_cases(cases.size() + drafts.size() * encodings.size(), options.max_cases,
                          suite.path);
    for (const EncodingSpec& e : encodings) {
      // A kind's estimate depends on the spec and the encoding only: seeds that share their
      // spec share it (200k of them would each parse the spec back).
      std::optional<std::pair<CaseSpec, CaseEstimate>> last;
      const std::string id_head = prefix + e.label() + "/";
      for (const CaseDraft& draft : drafts) {
        Case c;
        c.kind = part.kind->name();
        c.id = id_head + draft.id;
        c.group = draft.group.empty() ? "" : prefix + draft.group;
        c.part = part.name;
        c.encoding = e;
        c.seed = draft.seed;
        c.spec = draft.spec;
        c.threads = options.threads > 0 ? options.threads : part.threads;
        c.timeout_s = part.timeout_s;
        c.memory_limit_gb = part.memory_limit_gb;
        c.log_limit_mb = part.log_limit_mb;
        c.plugin_paths = options.plugin_paths;
        c.suite = suite.name;
        c.suite_sha256 = suite.sha256;
        c.repro.reserve(repro_head.size() + c.id.size() + 2);
        c.repro.append(repro_head).append(shell_quote(c.id));
        if (!last || !last->first.shares(c.spec)) last.emplace(c.spec, part.kind->estimate(c));
        c.estimate = last->second;
        cases.push_back(std::move(c));
      }
    }
  }
  refuse_repeated_ids(cases, suite.path);
  check_case_budgets(cases, suite.path);
  return cases;
}

std::vector<Case> select_cases(std::vector<Case> cases, const std::vector<std::string>& ids,
                               const std::string& filter, const std::string& suite_path) {
  if (ids.empty() && filter.empty()) return cases;
  std::unordered_set<std::string> all, wanted(ids.begin(), ids.end());  // linear in cases + ids
  for (const auto& c : cases) all.insert(c.id);
  for (const auto& id : ids)
    if (!all.contains(id)) {
      std::vector<std::string> names;
      for (const auto& c : cases) names.push_back(c.id);
      throw NothingToRun(fmt::format("{}: no case '{}'{} (pebench validate {} lists them)",
                                     suite_path, id, did_you_mean(id, names), suite_path));
    }
  std::vector<Case> chosen;
  for (auto& c : cases)
    if (wanted.contains(c.id) || (!filter.empty() && fnmatch(filter.c_str(), c.id.c_str(), 0) == 0))
      chosen.push_back(std::move(c));
  if (chosen.empty())
    throw NothingToRun(fmt::format("{}: no case matches '{}' (pebench validate {} lists them)",
                                   suite_path, filter, suite_path));
  return chosen;
}

}  // namespace pebench
