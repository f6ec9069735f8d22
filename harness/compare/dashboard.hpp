// `pebench dashboard <results-root> --out <dir>`: a static HTML page (no server, no network)
// of every run under a results folder: per case and metric, the value over runs in date
// order with the runs where `pebench compare` found a regression marked; the latest run's
// changes against the previous one; links to each run's tables.
#pragma once

#include <string>

namespace pebench {

struct DashboardSummary {
  int runs = 0, series = 0, regressions = 0;
  std::string index;  // the page written
};

DashboardSummary write_dashboard(const std::string& results_root, const std::string& out_dir);

}  // namespace pebench
