// rows.jsonl: one row (results/schema.hpp) per line, appended and flushed as each row
// exists, so a crash never loses rows already written. Every write is checked: a full
// disk or a file-size limit is an error naming the file, never a silently short file.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "results/schema.hpp"

namespace pebench {

class RowWriter {
 public:
  explicit RowWriter(const std::string& path);  // appends; throws RowError naming the file
  ~RowWriter();
  RowWriter(const RowWriter&) = delete;
  RowWriter& operator=(const RowWriter&) = delete;
  void write(const Row& row);  // one line, flushed; throws RowError on any failed write
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

// Every row of a rows.jsonl; a bad line is an error naming file:line. A torn last line
// (a process killed mid-write) is reported the same way unless `skip_torn_tail`.
std::vector<Row> read_rows(const std::string& path, bool skip_torn_tail = false);
// Every good row of a rows.jsonl; each bad line ("file:line: why") goes to `errors`.
std::vector<Row> read_good_rows(const std::string& path, std::vector<std::string>& errors);

}  // namespace pebench
