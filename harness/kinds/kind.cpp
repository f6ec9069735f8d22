#include "kinds/kind.hpp"

namespace pebench {

std::vector<Row> SuiteKind::planned_rows(const Case& c) const {
  return {case_row(c)};
}

void SuiteKind::finish_run(const std::string&, const std::vector<std::string>&, bool) const {}

std::vector<Row> expected_rows(const SuiteKind& kind, const Case& c) {
  std::vector<Row> rows;
  try {
    rows = kind.planned_rows(c);
  } catch (const std::exception&) {
  }
  if (rows.empty()) rows.push_back(case_row(c));
  return rows;
}

Row case_row(const Case& c, const std::string& point) {
  Row row;
  RowHeader& h = row.head;
  h.kind = c.kind;
  h.case_id = c.id;
  h.row_id = point.empty() ? c.id : c.id + "/" + point;
  h.part = c.part;
  h.suite = c.suite;
  h.suite_sha256 = c.suite_sha256;
  h.repro = c.repro;
  h.encoding = c.encoding.name;
  h.encoding_params = c.encoding.params_text;
  h.seed = c.seed;
  row.provenance = collect_provenance();
  // The case's own threads, also in a row its parent writes for it (CRASHED, TIMEOUT).
  if (c.threads > 0) row.provenance.threads = c.threads;
  return row;
}

}  // namespace pebench
