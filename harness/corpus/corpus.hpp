// Text and code corpora for language-model evaluation (the extrapolation kind): files on
// this machine, put there by Debian packages (nothing is fetched at run time), read as
// bytes (vocabulary 256), split by document into train / validation / test.
//
//   CorpusSpec: a name, glob patterns ('*' and '?' within a path component, '**' for any
//   number of directories), the Debian package that provides the files (named in the error
//   when none match), and the validation and test fractions.
//
// The split is by document (one file = one document) and depends only on each document's
// path relative to the pattern's fixed prefix: document d goes to validation when
// h(d) < validation, to test when h(d) < validation + test, else to train, with
// h(d) = the first 8 bytes of sha256(relative path) / 2^64. Adding or removing a file never
// moves another one, and the split is the same on every machine with the same package.
// Each split is its documents in path order, each followed by one 0 byte (end of
// document). The corpus sha256 (provenance) is over the sorted (relative path, sha256 of
// the contents) list, so it changes with any byte of any file or any file added.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace pebench {

struct CorpusSpec {
  std::string name;
  std::vector<std::string> patterns;  // absolute globs
  std::string package;                // Debian package that installs the files ("" if none)
  double validation = 0.05, test = 0.05;
};

struct CorpusSplit {
  std::vector<std::uint8_t> bytes;  // documents in path order, each followed by a 0 byte
  std::int64_t documents = 0;
};

struct Corpus {
  CorpusSpec spec;
  std::string sha256;
  std::int64_t documents = 0;
  CorpusSplit train, validation, test;
};

// Thrown for a corpus that cannot be used: no file matches (naming the package to install),
// an unreadable file, a split with no document.
struct CorpusError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The corpora pebench knows by name: "python-docs" (English prose: the reStructuredText
// sources of the Python 3.11 documentation, package python3.11-doc) and "python-code" (the
// Python 3.11 standard library's .py files, package libpython3.11-stdlib, present wherever
// python3 is).
const std::vector<CorpusSpec>& builtin_corpora();
// A built-in corpus by name; throws CorpusError naming the known ones.
CorpusSpec builtin_corpus(const std::string& name);

struct CorpusFile {
  std::string path;      // as found
  std::string relative;  // to its pattern's fixed prefix: what the split hashes
};
// The files matching the spec's patterns, sorted by path, without duplicates.
std::vector<CorpusFile> corpus_files(const CorpusSpec& spec);
Corpus load_corpus(const CorpusSpec& spec);

// Whether `path` (relative, '/'-separated) matches `pattern` ('*', '?', '**' as above).
bool glob_match(const std::string& pattern, const std::string& path);

}  // namespace pebench
