// Long seed lists, read without yaml-cpp. A suite may list 200k seeds (1.5 MB); yaml-cpp
// builds one node per seed, and its Load took 0.65 s of `pebench validate`'s 1.5 s (AMD EPYC,
// perf, 2026-12-03). So a flow list of plain decimal integers written right after a `seeds:`
// key, at least `min_bytes` long, is read here, and the text yaml-cpp parses has it blanked:
// every byte but the newlines becomes a space, so every other mark stays where it was and
// the key holds `[ ]`. parse_suite (suite/suite.cpp) takes the list from here when the key's
// sequence starts at the list's '[' and, if any list blanked was not such a value in yaml-cpp's
// view (inside a block scalar, say), parses the original text instead. tests/fuzz/fuzz_suite
// checks that both ways read every input alike.
//
// A list qualifies only in the plainest form: `[` n (`,` n)* `]` with n in decimal (no sign,
// no leading zero but "0", within 64 bits), separated by spaces and newlines only, no comment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pebench {

constexpr std::size_t kLongSeedListBytes = 4096;

struct ListedSeed {
  std::uint64_t value;
  std::size_t offset;  // of its first digit in the suite text
};

class LongSeedLists {
 public:
  // min_bytes = SIZE_MAX: no list qualifies (yaml-cpp reads everything).
  LongSeedLists(const std::string& text, std::size_t min_bytes);
  // The text for yaml-cpp: `text` with the lists blanked.
  const std::string& yaml_text() const { return lists_.empty() ? text_ : blanked_; }
  bool empty() const { return lists_.empty(); }
  // The list whose '[' is at byte `pos`, or nullptr; it then counts as taken.
  const std::vector<ListedSeed>* take(std::size_t pos);
  bool all_taken() const;

 private:
  struct List {
    std::vector<ListedSeed> seeds;
    bool taken = false;
  };
  const std::string& text_;
  std::string blanked_;
  std::map<std::size_t, List> lists_;  // by the position of '['
};

// 0-based line and column of byte `offset` of `text`.
std::pair<int, int> line_and_column(const std::string& text, std::size_t offset);

}  // namespace pebench
