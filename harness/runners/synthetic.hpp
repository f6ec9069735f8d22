// The synthetic-task runner (kind: synthetic): one case = one encoding, one task,
// one seed. It trains the model on the task's training distribution and length,
// then evaluates every split (other distributions, longer lengths), one row each.
//
// Seeds: the model is initialised from the case seed and the training data drawn
// from it; every split's evaluation data depends only on the task and split, so
// all encodings and seeds are scored on the same sequences.
#pragma once

#include <string>
#include <vector>

#include "registry/registry.hpp"
#include "results/rows.hpp"
#include "suite/suite.hpp"

namespace pebench {

// Rows with status PASSED (trained and evaluated), DIVERGED (non-finite loss),
// SKIPPED(reason) (a split the encoding cannot run, e.g. beyond max_positions),
// or FAILED(error). Throws only for errors of the suite itself (unknown task or key).
std::vector<Row> run_synthetic_case(const Suite& suite, const Case& c, Registry& registry,
                                    bool progress);

// Encodings as rows, task/split as columns, error rate (%) mean ± std over seeds
// (the layout of the CoPE paper's Table 2): table.md, table.csv, table.tex in `dir`.
void write_synthetic_tables(const std::vector<Row>& rows, const std::string& dir);

}  // namespace pebench
