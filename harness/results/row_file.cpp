#include "results/row_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace pebench {

RowWriter::RowWriter(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "a")) {
  if (!file_)
    throw RowError(fmt::format("cannot open {} for writing: {}", path, std::strerror(errno)));
}

RowWriter::~RowWriter() {
  if (file_) std::fclose(file_);
}

void RowWriter::write(const Row& row) {
  const std::string line = row.to_json_line() + "\n";
  const off_t before = ::lseek(fileno(file_), 0, SEEK_END);
  errno = 0;
  const std::size_t n = std::fwrite(line.data(), 1, line.size(), file_);
  if (n != line.size() || std::fflush(file_) != 0) {
    const int why = errno;
    // No torn line left behind (a full disk or a file-size limit mid-line): the rows before
    // it stay a valid file.
    std::clearerr(file_);
    if (before >= 0 && ::ftruncate(fileno(file_), before) != 0) {
    }
    throw RowError(fmt::format("cannot write a row to {}: {}", path_,
                               why ? std::strerror(why) : "short write"));
  }
}

std::vector<Row> read_rows(const std::string& path, bool skip_torn_tail) {
  std::ifstream in(path);
  if (!in) throw RowError(fmt::format("cannot read {}", path));
  std::vector<Row> rows;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      rows.push_back(Row::from_json_line(line));
    } catch (const RowError& e) {
      if (skip_torn_tail && in.eof()) break;  // the last line, without its newline
      throw RowError(fmt::format("{}:{}: {}", path, n, e.what()));
    }
  }
  return rows;
}

std::vector<Row> read_good_rows(const std::string& path, std::vector<std::string>& errors) {
  std::ifstream in(path);
  if (!in) {
    errors.push_back(fmt::format("cannot read {}", path));
    return {};
  }
  std::vector<Row> rows;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      rows.push_back(Row::from_json_line(line));
    } catch (const RowError& e) {
      errors.push_back(fmt::format("{}:{}: {}", path, n, e.what()));
    }
  }
  return rows;
}

}  // namespace pebench
