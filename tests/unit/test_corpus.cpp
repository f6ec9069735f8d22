// Corpora (harness/corpus): globs, the split by document (deterministic, stable when files
// come and go or the tree moves), the bytes of each split, the sha256, and the errors.
// The corpus is generated here in a temporary folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "corpus/corpus.hpp"

namespace pebench {
namespace {
namespace fs = std::filesystem;

TEST(Corpus, GlobsMatchWithinAndAcrossDirectories) {
  EXPECT_TRUE(glob_match("*.py", "a.py"));
  EXPECT_FALSE(glob_match("*.py", "d/a.py"));  // '*' stays within a component
  EXPECT_TRUE(glob_match("**/*.py", "a.py"));  // '**': zero or more directories
  EXPECT_TRUE(glob_match("**/*.py", "d/e/a.py"));
  EXPECT_FALSE(glob_match("**/*.py", "d/e/a.pyc"));
  EXPECT_TRUE(glob_match("d/**/x", "d/x"));
  EXPECT_TRUE(glob_match("d/**/x", "d/a/b/x"));
  EXPECT_FALSE(glob_match("d/**/x", "e/a/x"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("a*b*c.txt", "aXbYYc.txt"));
  EXPECT_FALSE(glob_match("a*b*c.txt", "aXbYYd.txt"));
  EXPECT_TRUE(glob_match("*.rst.txt", "library.rst.txt"));
}

// A folder of generated documents: name -> contents (unique per document).
struct Tree {
  fs::path root;
  std::map<std::string, std::string> docs;
  explicit Tree(const std::string& tag) {
    root = fs::temp_directory_path() / ("pebench-corpus-" + tag + "-" + std::to_string(getpid()));
    fs::remove_all(root);
    for (int i = 0; i < 200; ++i) {
      const std::string rel = "sub" + std::to_string(i % 7) + "/d" + std::to_string(i / 7) +
                              "/doc" + std::to_string(i) + ".txt";
      add(rel, "document " + std::to_string(i) + "\n" + std::string(i % 13, 'x'));
    }
    write("sub0/notes.md", "not matched");
  }
  ~Tree() { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << text;
  }
  void add(const std::string& rel, const std::string& text) {
    docs[rel] = text;
    write(rel, text);
  }
  CorpusSpec spec(double validation = 0.1, double test = 0.1) const {
    return {"gen", {(root / "**" / "*.txt").string()}, "a-package", validation, test};
  }
};

std::string as_text(const CorpusSplit& s) {
  return {s.bytes.begin(), s.bytes.end()};
}

// Which split holds each document (by its unique contents followed by the end byte).
std::map<std::string, std::string> membership(const Corpus& c, const Tree& t) {
  std::map<std::string, std::string> where;
  for (const auto& [rel, text] : t.docs) {
    const std::string needle = text + std::string(1, '\0');
    for (const auto& [name, split] :
         {std::pair{"train", &c.train}, std::pair{"validation", &c.validation},
          std::pair{"test", &c.test}})
      if (as_text(*split).find(needle) != std::string::npos) where[rel] += name;
  }
  return where;
}

TEST(Corpus, SplitsByDocumentIntoDisjointDeterministicParts) {
  Tree t("split");
  const Corpus c = load_corpus(t.spec());
  EXPECT_EQ(c.documents, 200);
  EXPECT_EQ(c.train.documents + c.validation.documents + c.test.documents, 200);
  std::size_t bytes = 0;
  for (const auto& [rel, text] : t.docs) bytes += text.size() + 1;  // + end of document
  EXPECT_EQ(c.train.bytes.size() + c.validation.bytes.size() + c.test.bytes.size(), bytes);
  // 10% each of 200: binomial, mean 20, sd 4.2.
  EXPECT_GE(c.validation.documents, 7);
  EXPECT_LE(c.validation.documents, 33);
  EXPECT_GE(c.test.documents, 7);
  EXPECT_LE(c.test.documents, 33);
  const auto where = membership(c, t);
  ASSERT_EQ(where.size(), 200u);
  for (const auto& [rel, split] : where)
    EXPECT_TRUE(split == "train" || split == "validation" || split == "test") << rel << split;
  // Documents follow path order inside a split.
  std::string previous;
  std::size_t at = 0;
  const std::string train = as_text(c.train);
  for (const auto& [rel, text] : t.docs) {  // std::map: sorted by relative path
    if (where.at(rel) != "train") continue;
    const std::size_t pos = train.find(text + std::string(1, '\0'));
    EXPECT_GE(pos, at) << rel << " after " << previous;
    at = pos, previous = rel;
  }
  // Loading again gives the same bytes and sha256.
  const Corpus again = load_corpus(t.spec());
  EXPECT_EQ(again.sha256, c.sha256);
  EXPECT_EQ(again.train.bytes, c.train.bytes);
  EXPECT_EQ(again.test.bytes, c.test.bytes);
}

TEST(Corpus, AddingAFileOrMovingTheTreeMovesNoOtherDocument) {
  Tree t("stable");
  const Corpus before = load_corpus(t.spec());
  const auto where_before = membership(before, t);
  t.add("sub3/new/extra.txt", "an extra document\n");
  const Corpus after = load_corpus(t.spec());
  EXPECT_EQ(after.documents, 201);
  EXPECT_NE(after.sha256, before.sha256);  // a file added changes the corpus hash
  auto where_after = membership(after, t);
  where_after.erase("sub3/new/extra.txt");
  EXPECT_EQ(where_after, where_before);

  // The same files under another folder: the same split and hash (relative paths).
  Tree u("moved");
  const Corpus a = load_corpus(u.spec()), b = load_corpus(t.spec());
  fs::rename(u.root, u.root.string() + "-elsewhere");
  u.root = u.root.string() + "-elsewhere";
  const Corpus moved = load_corpus(u.spec());
  EXPECT_EQ(moved.sha256, a.sha256);
  EXPECT_EQ(moved.validation.bytes, a.validation.bytes);
  EXPECT_NE(b.sha256, a.sha256);  // t has one document more
}

TEST(Corpus, OneChangedByteChangesTheHash) {
  Tree t("hash");
  const Corpus before = load_corpus(t.spec());
  t.add("sub1/d0/doc1.txt", t.docs.at("sub1/d0/doc1.txt") + "!");
  EXPECT_NE(load_corpus(t.spec()).sha256, before.sha256);
}

TEST(Corpus, ErrorsNameThePackageThePatternAndTheEmptySplit) {
  CorpusSpec missing{"kjv", {"/nonexistent/pebench/**/*.txt"}, "bible-kjv-text", 0.1, 0.1};
  try {
    load_corpus(missing);
    FAIL() << "no error";
  } catch (const CorpusError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("corpus 'kjv': no file matches /nonexistent/pebench/**/*.txt"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("apt-get install bible-kjv-text"), std::string::npos) << m;
  }
  Tree t("errors");
  EXPECT_THROW(load_corpus(t.spec(0.6, 0.5)), CorpusError);  // fractions sum above 1
  EXPECT_THROW(load_corpus(t.spec(-0.1, 0.1)), CorpusError);
  CorpusSpec one{"one", {(t.root / "sub0" / "d0" / "doc0.txt").string()}, "", 0.1, 0.1};
  try {
    load_corpus(one);  // one document: a split is left empty
    FAIL() << "no error";
  } catch (const CorpusError& e) {
    EXPECT_NE(std::string(e.what()).find("split empty"), std::string::npos) << e.what();
  }
  EXPECT_EQ(load_corpus({"one", one.patterns, "", 0.0, 0.0}).train.documents, 1);
  EXPECT_THROW(builtin_corpus("wikitext"), CorpusError);
  EXPECT_EQ(builtin_corpus("python-code").package, "libpython3.11-stdlib");
}

}  // namespace
}  // namespace pebench
