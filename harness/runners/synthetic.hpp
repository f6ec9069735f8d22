// The synthetic-task runner (kind: synthetic): one case = one encoding, one task,
// one seed. It trains the model on the task's training distribution and length,
// then evaluates every split (other distributions, longer lengths), one row each.
//
// Seeds: the model is initialised from the case seed and the training data drawn
// from it; every split's evaluation data depends only on the task and split, so
// all encodings and seeds are scored on the same sequences.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "registry/registry.hpp"
#include "results/rows.hpp"
#include "suite/suite.hpp"

namespace pebench {

// One row per split, each handed to `emit` as soon as it exists (so rows already
// done survive a later crash): status PASSED (trained and evaluated), DIVERGED
// (non-finite loss or gradient), SKIPPED(reason) (a length the encoding refuses,
// e.g. beyond max_positions: n/a in tables), LOAD_ERROR or FAILED (with `error`).
void run_synthetic_case(const Suite& suite, const Case& c, Registry& registry, bool progress,
                        const std::function<void(const Row&)>& emit);

// Encodings as rows, task/split as columns, error rate (%) mean ± std over seeds
// (the layout of the CoPE paper's Table 2): table.md, table.csv, table.tex in `dir`.
void write_synthetic_tables(const std::vector<Row>& rows, const std::string& dir);

}  // namespace pebench
