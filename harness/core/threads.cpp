#include "core/threads.hpp"

#include <omp.h>

namespace pebench {

int set_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
  return omp_get_max_threads();
}

}  // namespace pebench
