#include "run/run_dir.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace pebench {

namespace fs = std::filesystem;

std::string suite_snapshot(const std::string& run_dir) {
  std::vector<std::string> found;
  std::error_code ec;
  if (fs::is_directory(run_dir + "/suite", ec))
    for (const auto& d : fs::directory_iterator(run_dir + "/suite", ec))
      for (const auto& f : fs::directory_iterator(d.path(), ec)) found.push_back(f.path());
  if (found.empty())
    throw std::invalid_argument(
        fmt::format("{}: not a run directory (no suite snapshot in {}/suite)", run_dir, run_dir));
  if (found.size() != 1)
    throw std::invalid_argument(fmt::format(
        "{}: {} suite snapshots in {}/suite (the suite was edited between runs); name the "
        "suite file as well",
        run_dir, found.size(), run_dir));
  return found.front();
}

std::vector<std::string> unit_stems(const std::string& run_dir) {
  std::vector<std::pair<long, std::string>> units;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run_dir + "/logs", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("unit-", 0) != 0 || e.path().extension() != ".json") continue;
    const std::string number = name.substr(5, name.size() - 5 - 5);
    if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) continue;
    units.emplace_back(std::stol(number), run_dir + "/logs/unit-" + number);
  }
  std::sort(units.begin(), units.end());
  std::vector<std::string> stems;
  for (auto& u : units) stems.push_back(std::move(u.second));
  return stems;
}

std::pair<int, int> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  int i = 0, n = 0;
  try {
    std::size_t used_i = 0, used_n = 0;
    if (slash != std::string::npos) {
      i = std::stoi(text.substr(0, slash), &used_i);
      n = std::stoi(text.substr(slash + 1), &used_n);
    }
    if (slash == std::string::npos || used_i != slash || used_n != text.size() - slash - 1)
      i = n = 0;
  } catch (const std::exception&) {
    i = n = 0;
  }
  if (n < 1 || i < 1 || i > n)
    throw std::invalid_argument(
        fmt::format("--shard '{}': expected i/N with 1 <= i <= N, e.g. 2/3", text));
  return {i - 1, n};
}

}  // namespace pebench
