// Plots of a speed or memory run (scripts/plot.py: time or memory vs T, log-log, from
// rows.jsonl). A missing python3 or matplotlib costs the plots only, never the run.
#pragma once

#include <string>

namespace pebench {

void plot_run(const std::string& run_dir, bool progress);

}  // namespace pebench
