// What a run directory holds, for the commands that go on from one (`run --resume`,
// `merge`): its suite snapshot (<run>/suite/<sha256:12>/<file>) and its unit stems.
#pragma once

#include <string>
#include <vector>

namespace pebench {

// The one suite snapshot of a run directory; throws std::invalid_argument naming the
// directory when it is not a run directory or holds several snapshots.
std::string suite_snapshot(const std::string& run_dir);

// <run>/logs/unit-N for every unit case file there, in N order.
std::vector<std::string> unit_stems(const std::string& run_dir);

// "i/N" (1 <= i <= N): the shard's index from 0 and the count; throws naming the text.
std::pair<int, int> parse_shard(const std::string& text);

}  // namespace pebench
