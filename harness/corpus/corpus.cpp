#include "corpus/corpus.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "core/sha256.hpp"

namespace pebench {
namespace fs = std::filesystem;
namespace {

// '*' and '?' within one component; '**' as a whole component: any number of components.
bool match_components(const std::vector<std::string>& pat, std::size_t pi,
                      const std::vector<std::string>& path, std::size_t si);

bool match_component(const char* p, const char* s) {
  for (; *p; ++p, ++s) {
    if (*p == '*') {
      for (const char* rest = s;; ++rest) {
        if (match_component(p + 1, rest)) return true;
        if (!*rest) return false;
      }
    }
    if (!*s || (*p != '?' && *p != *s)) return false;
  }
  return !*s;
}

bool match_components(const std::vector<std::string>& pat, std::size_t pi,
                      const std::vector<std::string>& path, std::size_t si) {
  if (pi == pat.size()) return si == path.size();
  if (pat[pi] == "**") {
    for (std::size_t k = si; k <= path.size(); ++k)
      if (match_components(pat, pi + 1, path, k)) return true;
    return false;
  }
  return si < path.size() && match_component(pat[pi].c_str(), path[si].c_str()) &&
         match_components(pat, pi + 1, path, si + 1);
}

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > start) out.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

bool has_wildcard(const std::string& component) {
  return component.find_first_of("*?") != std::string::npos;
}

// The fixed directories before the first wildcard component ('/'-terminated; "./" when
// none), and the rest of the pattern (at least its last component).
std::pair<std::string, std::string> split_pattern(const std::string& pattern) {
  const auto parts = components(pattern);
  std::size_t k = 0;
  while (k + 1 < parts.size() && !has_wildcard(parts[k])) ++k;
  std::string base = pattern.starts_with("/") ? "/" : "";
  for (std::size_t m = 0; m < k; ++m) base += parts[m] + "/";
  std::string rest;
  for (std::size_t m = k; m < parts.size(); ++m) rest += (m > k ? "/" : "") + parts[m];
  return {base.empty() ? "./" : base, rest};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CorpusError(fmt::format("corpus: cannot read '{}'", path));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw CorpusError(fmt::format("corpus: error reading '{}'", path));
  return bytes;
}

// Where a document goes: its relative path's hash as a fraction of 2^64.
double split_fraction(const std::string& relative) {
  const std::string h = sha256_hex(relative).substr(0, 16);
  return static_cast<double>(std::stoull(h, nullptr, 16)) / 18446744073709551616.0;
}

void append(CorpusSplit& split, const std::string& bytes) {
  split.bytes.insert(split.bytes.end(), bytes.begin(), bytes.end());
  split.bytes.push_back(0);
  ++split.documents;
}

// Whether scripts/install-deps (PEBENCH_WITH_CORPORA=1) installs this package.
bool builtin_package(const std::string& package) {
  for (const auto& b : builtin_corpora())
    if (b.package == package) return true;
  return false;
}

}  // namespace

bool glob_match(const std::string& pattern, const std::string& path) {
  return match_components(components(pattern), 0, components(path), 0);
}

const std::vector<CorpusSpec>& builtin_corpora() {
  static const std::vector<CorpusSpec> corpora{
      {"python-docs", {"/usr/share/doc/python3.11/html/_sources/**/*.rst.txt"}, "python3.11-doc"},
      {"python-code", {"/usr/lib/python3.11/**/*.py"}, "libpython3.11-stdlib"},
  };
  return corpora;
}

CorpusSpec builtin_corpus(const std::string& name) {
  std::string known;
  for (const auto& c : builtin_corpora()) {
    if (c.name == name) return c;
    known += (known.empty() ? "" : ", ") + c.name;
  }
  throw CorpusError(fmt::format("unknown corpus '{}' (built-in: {})", name, known));
}

std::vector<CorpusFile> corpus_files(const CorpusSpec& spec) {
  std::map<std::string, std::string> files;  // path -> relative path
  for (const auto& pattern : spec.patterns) {
    const auto [base, rest] = split_pattern(pattern);
    std::error_code ec;
    if (!fs::is_directory(base, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(
             base, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const std::string relative = fs::relative(it->path(), base, ec).generic_string();
      if (!ec && glob_match(rest, relative)) files.emplace(it->path().generic_string(), relative);
    }
  }
  std::vector<CorpusFile> out;
  for (const auto& [path, relative] : files) out.push_back({path, relative});
  return out;
}

Corpus load_corpus(const CorpusSpec& spec) {
  if (!(spec.validation >= 0 && spec.test >= 0 && spec.validation + spec.test < 1))
    throw CorpusError(fmt::format(
        "corpus '{}': validation ({}) and test ({}) fractions must be >= 0 and sum below 1",
        spec.name, spec.validation, spec.test));
  const auto files = corpus_files(spec);
  if (files.empty()) {
    std::string patterns;
    for (const auto& p : spec.patterns) patterns += (patterns.empty() ? "" : ", ") + p;
    throw CorpusError(fmt::format(
        "corpus '{}': no file matches {}{}", spec.name, patterns,
        spec.package.empty() ? ""
                             : fmt::format("; install it: apt-get install {}{}", spec.package,
                                           builtin_package(spec.package)
                                               ? " (or PEBENCH_WITH_CORPORA=1 scripts/install-deps)"
                                               : "")));
  }
  Corpus c;
  c.spec = spec;
  std::string listing;  // relative path, tab, sha256 of the contents; one line per document
  for (const auto& [path, relative] : files) {
    const std::string bytes = read_file(path);
    listing += relative + '\t' + sha256_hex(bytes) + '\n';
    const double h = split_fraction(relative);
    append(
        h < spec.validation ? c.validation : (h < spec.validation + spec.test ? c.test : c.train),
        bytes);
    ++c.documents;
  }
  c.sha256 = sha256_hex(listing);
  // A split asked for (fraction > 0) must get a document.
  const auto require = [&](const CorpusSplit& split, double fraction, const char* name) {
    if (split.documents == 0 && fraction > 0)
      throw CorpusError(fmt::format("corpus '{}': its {} documents leave the {} split empty",
                                    spec.name, c.documents, name));
  };
  require(c.train, 1.0, "train");
  require(c.validation, spec.validation, "validation");
  require(c.test, spec.test, "test");
  return c;
}

}  // namespace pebench
