// `pebench compare <base> <new>`: two runs' rows matched by row id (stable across runs and
// machines), every change marked, and whether any is a regression. The rules:
// - status: PASSED/n/a -> not passing = newly failing (a regression); not passing ->
//   PASSED = fixed; rows whose spec_sha256 differ are not comparable; rows in one run only
//   are missing / new.
// - the figures each kind names (SuiteKind::compared_metrics), pooled over the seeds of a
//   case: repetitions -> flagged when the ratio of medians is beyond --max-ratio AND the
//   Mann-Whitney U test is significant at --alpha; seeds -> Welch's t over seeds (or the
//   two-proportion test on error counts with one seed a side) significant at --alpha and a
//   change of at least the metric's min_difference; exact figures -> any change beyond
//   their tolerance. Absolute times compare only on the same CPU, ISA and threads; the time
//   relative to nope in the same run compares everywhere.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "results/schema.hpp"

namespace pebench {

struct CompareOptions {
  double max_ratio = 1.10;  // repetitions: a smaller change of the median is never flagged
  double alpha = 0.05;      // significance level of every test
};

enum class Mark {
  kSame,
  kBetter,
  kWorse,
  kChanged,
  kNewlyFailing,
  kFixed,
  kStillFailing,
  kNotComparable,
  kMissing,
  kNew
};
std::string to_string(Mark m);

struct Change {
  Mark mark = Mark::kSame;
  std::string kind, id;   // row id, or the case's id with "seed=*" for figures over seeds
  std::string metric;     // "" for a status line
  std::string base, now;  // as printed: a status, or a value (mean over seeds, median)
  std::optional<double> ratio, p;
  std::string note;
  bool regression() const { return mark == Mark::kWorse || mark == Mark::kNewlyFailing; }
};

struct Comparison {
  std::vector<Change> changes;  // every compared status and figure, same ones included
  std::string base_label, now_label;
  bool regression() const;
  std::string markdown(const CompareOptions& options) const;
};

Comparison compare_rows(const std::vector<Row>& base, const std::vector<Row>& now,
                        const CompareOptions& options);

// The id of a case's rows over all seeds: "rope/flip_flop/seed=2/id" -> ".../seed=*/id".
std::string seed_group(const std::string& row_id);

// A run directory (its rows.jsonl) or a rows file, the later of duplicated rows kept.
std::vector<Row> read_run_rows(const std::string& run_or_rows);

}  // namespace pebench
