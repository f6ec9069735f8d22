// The readers under fuzz take a path: each input is written to one file per process (in
// /dev/shm where there is one), rewritten for every input and removed at exit.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace pebench::fuzz {

class InputFile {
 public:
  explicit InputFile(const std::string& name) {
    std::filesystem::path dir = "/dev/shm";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec) || access(dir.c_str(), W_OK) != 0)
      dir = std::filesystem::temp_directory_path();
    path_ = (dir / ("pebench-fuzz-" + std::to_string(getpid()) + "-" + name)).string();
  }
  ~InputFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

  // The path of a file holding exactly data[0, size).
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
      std::perror(path_.c_str());
      std::abort();  // the harness, not the reader: stop rather than fuzz a stale file
    }
    return path_;
  }

 private:
  std::string path_;
};

}  // namespace pebench::fuzz
