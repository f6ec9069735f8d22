// Runs a fuzz target's LLVMFuzzerTestOneInput once on every file given, or on every file of
// every directory given, without libFuzzer: the fuzz_replay.* tests, in any build. A
// directory that does not exist is skipped (regressions/<target>/ exists once a crash was
// found). Fails when no input was found at all, and, as scripts/fuzz's libFuzzer runs do, when
// one input takes more than 10 s or the process more than 2048 MB (a watchdog names the input:
// such an input may end in std::bad_alloc, which the targets take for a clear error). A crash
// of the target fails the test as it is.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr double kTimeoutSeconds = 10;
constexpr long kRssLimitMb = 2048;

std::atomic<const char*> current{nullptr};  // the input being run
std::atomic<std::int64_t> started_ns{0};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

long rss_mb() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

[[noreturn]] void watchdog() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const char* input = current.load();
    if (!input) continue;
    const double seconds = double(now_ns() - started_ns.load()) * 1e-9;
    const long mb = rss_mb();
    if (seconds > kTimeoutSeconds || mb > kRssLimitMb) {
      std::fprintf(stderr, "fuzz replay: %s: %s (%.1f s, %ld MB)\n", input,
                   mb > kRssLimitMb ? "out of memory" : "timeout", seconds, mb);
      std::fflush(stderr);
      _exit(1);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    if (fs::is_directory(arg)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(arg))
        if (entry.is_regular_file()) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      std::printf("%s: %zu inputs\n", arg.c_str(), files.size());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else if (fs::is_regular_file(arg)) {
      inputs.push_back(arg);
    } else {
      std::printf("%s: absent, skipped\n", arg.c_str());
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "fuzz replay: no input in any of the %d paths given\n", argc - 1);
    return 1;
  }
  std::thread(watchdog).detach();
  for (const auto& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "fuzz replay: cannot read %s\n", path.c_str());
      return 1;
    }
    std::printf("%s\n", path.c_str());
    std::fflush(stdout);  // the last path printed is the one that crashed
    started_ns = now_ns();
    current = path.c_str();
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    current = nullptr;
  }
  std::printf("fuzz replay: %zu inputs, no crash\n", inputs.size());
  return 0;
}
