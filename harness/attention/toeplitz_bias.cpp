#include "attention/toeplitz_bias.hpp"

#include <cmath>

namespace pebench {

bool evenly_spaced(const std::vector<std::int64_t>& positions) {
  if (positions.size() < 2) return true;
  const std::int64_t step = positions[1] - positions[0];
  if (step < 0) return false;
  for (std::size_t i = 2; i < positions.size(); ++i)
    if (positions[i] - positions[i - 1] != step) return false;
  return true;
}

std::vector<float> toeplitz_bias_table(Encoding& encoding, const EncodingInfo& info,
                                       std::int64_t heads,
                                       const std::vector<std::int64_t>& positions) {
  const std::int64_t T = static_cast<std::int64_t>(positions.size());
  if (!info.relative || !(info.hooks & kHookStaticBias) || T == 0 || !evenly_spaced(positions))
    return {};
  const Positions all{positions.data(), T};
  std::vector<float> table(static_cast<std::size_t>(heads * T));
  encoding.bias_forward(dense_view<float, 3>(table.data(), {heads, 1, T}),
                        Positions{positions.data() + T - 1, 1}, all);

  // The check: 4 real query rows against their slices of the table.
  const std::vector<std::int64_t> rows{0, T / 4, T / 2, 3 * T / 4};
  std::vector<std::int64_t> qpos;
  for (std::int64_t i : rows) qpos.push_back(positions[i]);
  const std::int64_t R = static_cast<std::int64_t>(rows.size());
  std::vector<float> block(static_cast<std::size_t>(heads * R * T));
  encoding.bias_forward(dense_view<float, 3>(block.data(), {heads, R, T}),
                        Positions{qpos.data(), R}, all);
  for (std::int64_t h = 0; h < heads; ++h)
    for (std::int64_t r = 0; r < R; ++r) {
      const std::int64_t i = rows[r];
      const float* expected = block.data() + (h * R + r) * T;
      const float* slice = table.data() + h * T + (T - 1 - i);
      for (std::int64_t j = 0; j <= i; ++j)
        if (!(std::fabs(slice[j] - expected[j]) <=
              kToeplitzTolerance * (1 + std::fabs(expected[j]))))
          return {};
    }
  return table;
}

}  // namespace pebench
