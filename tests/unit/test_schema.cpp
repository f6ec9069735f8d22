// The row schema (results/schema.hpp, docs/rows.md): typed fields, one status enum,
// schema_version, checked writes. How to add a case: build a Row, write it, read it back.
#include <gtest/gtest.h>

#include <fstream>

#include "kinds/conformance/conformance_row.hpp"
#include "kinds/memory/memory_row.hpp"
#include "kinds/speed/speed_row.hpp"
#include "kinds/synthetic/synthetic_row.hpp"
#include "results/row_file.hpp"

namespace pebench {
namespace {

Row sample_row() {
  Row r;
  r.head.kind = "speed";
  r.head.case_id = r.head.row_id = "alibi/attention_fwd/T=64/B=1/H=2/d=8";
  r.head.encoding = "alibi";
  r.head.seed = 7;
  r.head.status = Status::kPassed;
  r.head.error = "a \"quoted\"\nline";
  r.provenance = collect_provenance();
  SpeedMetrics m;
  m.mode = "attention_fwd", m.seq_len = 64, m.batch = 1, m.heads = 2, m.head_dim = 8;
  m.median_ms = 0.25, m.ratio_vs_nope = 1.5, m.unstable = false;
  r.put(m);
  return r;
}

TEST(Schema, RoundTripKeepsTypesAndOrder) {
  const Row r = sample_row();
  const std::string line = r.to_json_line();
  EXPECT_EQ(line.rfind("{\"schema_version\":2,\"kind\":\"speed\",\"case_id\":", 0), 0u) << line;
  EXPECT_EQ(line.find("gemm_median_ms"), std::string::npos) << "unmeasured fields are absent";
  EXPECT_EQ(line.find("\"layers\""), std::string::npos) << "attention modes have no layers";
  const Row back = Row::from_json_line(line);
  EXPECT_EQ(back.head.status, Status::kPassed);
  EXPECT_EQ(back.head.seed, 7u);
  EXPECT_EQ(back.head.error, "a \"quoted\"\nline");
  EXPECT_EQ(back.provenance.git_sha, r.provenance.git_sha);
  EXPECT_EQ(back.provenance.cpu_model, r.provenance.cpu_model);
  const auto m = back.get<SpeedMetrics>();
  EXPECT_EQ(m.seq_len, 64);
  EXPECT_DOUBLE_EQ(*m.median_ms, 0.25);
  EXPECT_DOUBLE_EQ(*m.ratio_vs_nope, 1.5);
  EXPECT_FALSE(m.gemm_median_ms.has_value());
  EXPECT_EQ(back.to_json_line(), line) << "write(read(x)) == x";
}

TEST(Schema, EveryStatusHasOneSpelling) {
  for (Status s : {Status::kPassed, Status::kSkipped, Status::kFailed, Status::kDiverged,
                   Status::kMistrusted, Status::kLoadError, Status::kCrashed, Status::kTimeout})
    EXPECT_EQ(status_from_string(to_string(s)), s) << to_string(s);
  EXPECT_FALSE(status_from_string("SKIPPED(reason)").has_value());
  EXPECT_FALSE(status_from_string("passed").has_value());
  EXPECT_TRUE(is_ok(Status::kSkipped));
  EXPECT_FALSE(is_ok(Status::kMistrusted));
  EXPECT_EQ(status_cell(Status::kSkipped), "n/a");
}

TEST(Schema, BadRowsAreRefusedWithAReason) {
  auto error = [](const std::string& line) {
    try {
      Row::from_json_line(line);
    } catch (const RowError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("{\"kind\":\"speed\"}").find("without schema_version"), std::string::npos);
  EXPECT_NE(error("{\"schema_version\":99}").find("newer"), std::string::npos);
  EXPECT_NE(error("{\"schema_version\":2,\"status\":\"OK\"}").find("not a status"),
            std::string::npos);
  EXPECT_NE(error("{\"schema_version\":2,\"seed\":\"x\"}").find("key 'seed'"), std::string::npos);
  EXPECT_NE(error("{\"schema_version\":2,\"kind\":").find("not JSON"), std::string::npos);
}

// An integer field never takes a number it cannot hold (the cast was undefined for 1e300 and
// wrapped 2^32 + 2 to 2): tests/fuzz/regressions/rows/.
TEST(Schema, IntegerFieldsRefuseNumbersOutsideTheirType) {
  auto error = [](const std::string& fields) {
    try {
      Row::from_json_line("{\"schema_version\":2," + fields + "}");
    } catch (const RowError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("\"threads\":1e300").find("key 'threads': out of range, got 1e+300"),
            std::string::npos);
  EXPECT_NE(error("\"threads\":4294967298").find("key 'threads': out of range"), std::string::npos);
  EXPECT_NE(error("\"threads\":1.5").find("key 'threads': must be an integer"), std::string::npos);
  EXPECT_NE(error("\"seed\":-1.0").find("key 'seed': must be >= 0"), std::string::npos);
  EXPECT_NE(error("\"seed\":1.8446744073709552e19").find("key 'seed': out of range"),
            std::string::npos);
  EXPECT_EQ(error("\"threads\":2.0,\"seed\":18446744073709551615"), "");
  try {
    Row::from_json_line("{\"schema_version\":4294967298}");
    ADD_FAILURE() << "schema_version 2^32 + 2 read as 2";
  } catch (const RowError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  try {
    Row::from_json_line("{\"schema_version\":0}");
    ADD_FAILURE() << "schema_version 0 accepted";
  } catch (const RowError& e) {
    EXPECT_NE(std::string(e.what()).find("not a version"), std::string::npos) << e.what();
  }
}

// Nesting is bounded: copying or writing a deep value recursed past the end of the stack.
TEST(Schema, DeepNestingIsRefused) {
  const auto line = [](int depth) {
    return "{\"schema_version\":2,\"x\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  EXPECT_NO_THROW(Row::from_json_line(line(60)));
  try {
    Row::from_json_line(line(100000));
    ADD_FAILURE() << "a row nested 100000 levels deep read";
  } catch (const RowError& e) {
    EXPECT_NE(std::string(e.what()).find("nested more than 64 levels deep"), std::string::npos)
        << e.what();
  }
}

// No kind's metric may reuse a header or provenance key: it would overwrite it.
TEST(Schema, MetricsNeverShadowTheHeader) {
  std::vector<std::string> fixed = json_field_names(static_cast<const RowHeader*>(nullptr));
  for (const auto& k : json_field_names(static_cast<const Provenance*>(nullptr)))
    fixed.push_back(k);
  const std::vector<const std::vector<std::string>*> kinds = {
      &json_field_names(static_cast<const SpeedMetrics*>(nullptr)),
      &json_field_names(static_cast<const MemoryMetrics*>(nullptr)),
      &json_field_names(static_cast<const SyntheticMetrics*>(nullptr)),
      &json_field_names(static_cast<const ConformanceMetrics*>(nullptr))};
  for (const auto* names : kinds)
    for (const auto& n : *names) EXPECT_EQ(std::count(fixed.begin(), fixed.end(), n), 0) << n;
  Row r;
  EXPECT_THROW(r.put(nlohmann::ordered_json{{"seed", 1}}), std::logic_error);
}

TEST(Schema, InvalidUtf8IsReplacedNotThrown) {
  Row r = sample_row();
  r.head.error = std::string("bad \xff\xfe bytes");
  const std::string line = r.to_json_line();
  EXPECT_NO_THROW(nlohmann::json::parse(line));
}

TEST(RowFile, AWriteThatFailsIsAnErrorNamingTheFile) {
  RowWriter w("/dev/full");
  try {
    w.write(sample_row());
    FAIL() << "a write to /dev/full succeeded";
  } catch (const RowError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
  }
  EXPECT_THROW(RowWriter("/nonexistent/dir/rows.jsonl"), RowError);
}

TEST(RowFile, ATornLastLineIsDroppedOnlyWhenAsked) {
  const std::string path = ::testing::TempDir() + "/torn.jsonl";
  std::remove(path.c_str());
  {
    RowWriter w(path);
    w.write(sample_row());
    w.write(sample_row());
  }
  std::ofstream(path, std::ios::app) << "{\"schema_version\":2,\"kind\":\"sp";  // killed mid-write
  EXPECT_EQ(read_rows(path, /*skip_torn_tail=*/true).size(), 2u);
  try {
    read_rows(path);
    FAIL();
  } catch (const RowError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":3:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pebench
