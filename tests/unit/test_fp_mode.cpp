// Subnormal floats are flushed on every thread that computes (core/threads.hpp): the main
// thread and every OpenMP worker, in the CLI (set_threads at start) and here (the global
// environment below does what pebench's main does). How to add a case: compute in an
// `omp parallel` region and check each thread.
#include <gtest/gtest.h>
#include <omp.h>

#include <limits>
#include <vector>

#include "core/threads.hpp"

namespace pebench {
namespace {

// As pebench's main: threads set, subnormals flushed, before any test computes.
class FlushDenormals : public ::testing::Environment {
 public:
  void SetUp() override { set_threads(0); }
};
const auto* const kFlushDenormals = ::testing::AddGlobalTestEnvironment(new FlushDenormals);

// A subnormal result (FTZ) and a subnormal input (DAZ), on one thread.
bool flushes_here() {
  volatile float smallest_normal = std::numeric_limits<float>::min();
  volatile float half = 0.5f, subnormal_bits = std::numeric_limits<float>::denorm_min();
  const float product = smallest_normal * half;  // 2^-127: subnormal without FTZ
  const float doubled = subnormal_bits * 2.0f;   // a subnormal input: 0 with DAZ
  return product == 0.0f && doubled == 0.0f;
}

TEST(FpMode, EveryOpenMpWorkerFlushesSubnormals) {
  const int threads = omp_get_max_threads();  // restored: later tests keep their default
  set_threads(2);
  EXPECT_EQ(fp_mode(), "ftz+daz");
  EXPECT_TRUE(flushes_here()) << "main thread";
  std::vector<int> flushes(static_cast<std::size_t>(omp_get_max_threads()), -1);
#pragma omp parallel
  flushes[static_cast<std::size_t>(omp_get_thread_num())] = flushes_here() ? 1 : 0;
  for (std::size_t t = 0; t < flushes.size(); ++t) EXPECT_EQ(flushes[t], 1) << "worker " << t;
  set_threads(threads);
}

// A team that grows later still flushes (new workers inherit the mode).
TEST(FpMode, ABiggerTeamFlushesToo) {
  const int threads = omp_get_max_threads();
  omp_set_num_threads(4);
  std::vector<int> flushes(4, -1);
#pragma omp parallel num_threads(4)
  flushes[static_cast<std::size_t>(omp_get_thread_num())] = flushes_here() ? 1 : 0;
  for (std::size_t t = 0; t < flushes.size(); ++t) EXPECT_EQ(flushes[t], 1) << "worker " << t;
  set_threads(threads);
}

}  // namespace
}  // namespace pebench
