// Running cases in this process (run/run_cases.hpp): every case ends with a row, whatever
// its kind throws. How to add a case: hand-make a Case, run it, read its rows.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "kinds/synthetic/synthetic_spec.hpp"
#include "results/row_file.hpp"
#include "run/exit_codes.hpp"
#include "run/run_cases.hpp"
#include "test_helpers.hpp"

namespace pebench {
namespace {

std::vector<Row> run_one(const Case& c, int* status) {
  // One file per test: ctest -j runs these tests at once, and the writer appends.
  const std::string out = ::testing::TempDir() + "/run_cases." +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                          ".rows.jsonl";
  std::remove(out.c_str());
  *status = run_cases_here({c}, test::plugins(), CaseRunOptions{out, "", false});
  return read_rows(out);
}

// A case spec the kind cannot use (here: a task that does not exist) throws inside the
// kind; the case still gets a FAILED row with the reason, and the exit status says so.
TEST(RunCases, AKindThatThrowsStillWritesTheCaseRow) {
  Case c;
  c.kind = "synthetic";
  c.id = "nope/no_task/seed=1";
  c.encoding.name = "nope";
  c.spec = nlohmann::json{{"task", {{"name", "no_such_task"}, {"splits", {{{"name", "id"}}}}}}};
  int status = 0;
  const auto rows = run_one(c, &status);
  EXPECT_EQ(status, kExitNotPassed);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].head.status, Status::kFailed);
  EXPECT_NE(rows[0].head.error.find("no_such_task"), std::string::npos) << rows[0].head.error;
  EXPECT_EQ(rows[0].head.case_id, c.id);
}

// A spec that plans no row at all (no splits) still ends with one row for the case.
TEST(RunCases, ACaseWithoutPlannedRowsGetsOne) {
  Case c;
  c.kind = "synthetic";
  c.id = "nope/empty/seed=1";
  c.encoding.name = "nope";
  c.spec = nlohmann::json::object();
  int status = 0;
  const auto rows = run_one(c, &status);
  EXPECT_EQ(status, kExitNotPassed);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].head.status, Status::kFailed);
}

TEST(RowFile, GoodRowsSurviveABadLine) {
  const std::string path = ::testing::TempDir() + "/bad_line.jsonl";
  std::remove(path.c_str());
  Row r;
  r.head.case_id = r.head.row_id = "a";
  {
    RowWriter w(path);
    w.write(r);
  }
  std::ofstream(path, std::ios::app) << "not json\n";
  {
    RowWriter w(path);
    w.write(r);
  }
  std::vector<std::string> errors;
  EXPECT_EQ(read_good_rows(path, errors).size(), 2u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find(path + ":2:"), std::string::npos) << errors[0];
}

TEST(JsonFields, NegativeSeedIsRefusedAndDefaultsSurvive) {
  EXPECT_THROW(Row::from_json_line("{\"schema_version\":2,\"seed\":-1}"), RowError);
  // A string whose default is not empty round-trips when set to "" and when left alone.
  OptimizerConfig o;
  o.schedule = "";
  EXPECT_EQ(nlohmann::json(o).get<OptimizerConfig>().schedule, "");
  EXPECT_EQ(nlohmann::json(OptimizerConfig{}).get<OptimizerConfig>().schedule, "cosine");
}

}  // namespace
}  // namespace pebench
