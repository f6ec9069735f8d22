#include "kinds/conformance/conformance_kind.hpp"

#include <fmt/format.h>

#include "kinds/conformance/conformance_row.hpp"
#include "results/tables.hpp"

namespace pebench {
namespace {

struct ConformanceSettings : KindSettings {};

ConformanceMetrics metrics_of(const ConformanceReport& report) {
  ConformanceMetrics m;
  m.plugin_path = report.path;
  std::int64_t passed = 0, failed = 0, skipped = 0;
  for (const auto& c : report.checks) {
    passed += c.status == CheckStatus::kPassed;
    skipped += c.status == CheckStatus::kSkipped;
    if (c.status == CheckStatus::kFailed) {
      ++failed;
      m.failed_checks += (m.failed_checks.empty() ? "" : "; ") + c.name;
    }
    m.checks.push_back({c.name, to_string(c.status), c.figure});
  }
  m.checks_passed = passed, m.checks_failed = failed, m.checks_skipped = skipped;
  m.checks_total = static_cast<std::int64_t>(report.checks.size());
  return m;
}

class ConformanceKind : public SuiteKind {
 public:
  std::string name() const override { return "conformance"; }
  std::vector<std::string> keys() const override { return {}; }

  std::shared_ptr<const KindSettings> parse(const YamlReader&, const YAML::Node&) const override {
    return std::make_shared<ConformanceSettings>();
  }

  std::vector<CaseDraft> expand(const KindSettings&,
                                const std::vector<std::uint64_t>& seeds) const override {
    std::vector<CaseDraft> drafts;
    for (std::uint64_t seed : seeds)
      drafts.push_back({fmt::format("seed={}", seed), "", seed, nlohmann::json::object()});
    return drafts;
  }

  void run(const std::vector<const Case*>& cases, CaseContext& ctx) const override {
    for (const Case* c : cases) {
      Row row = case_row(*c);
      EncodingSource source;
      try {
        source = resolve_encoding(ctx.registry, c->encoding.name);
      } catch (const std::exception& e) {
        row.head.status = Status::kLoadError, row.head.error = e.what();
        ctx.emit(row);
        continue;
      }
      ConformanceOptions options;
      options.seed = c->seed;
      options.config = c->encoding.params;
      const ConformanceReport report = run_conformance(source, options);
      fmt::print("check-plugin {} (version {}, {}, hooks: {})\n", source.name, source.version,
                 source.path, hook_names(report.info.hooks));
      for (const auto& check : report.checks)
        fmt::print("  {:<8} {:<24} {}\n", to_string(check.status), check.name, check.figure);
      const ConformanceMetrics m = metrics_of(report);
      fmt::print("{}: {} passed, {} failed, {} skipped\n", report.passed() ? "PASSED" : "FAILED",
                 *m.checks_passed, *m.checks_failed, *m.checks_skipped);
      std::fflush(stdout);
      row.head.status = report.passed() ? Status::kPassed : Status::kFailed;
      row.head.plugin_version = source.version, row.head.plugin_sha256 = source.sha256;
      row.put(m);
      ctx.emit(row);
    }
  }

  std::string summary(const Row& row) const override {
    const auto m = row.get<ConformanceMetrics>();
    if (!m.checks_total) return "";
    return fmt::format("{}/{} checks passed{}", *m.checks_passed, *m.checks_total,
                       m.failed_checks.empty() ? "" : "; failed: " + m.failed_checks);
  }

  void write_tables(const std::vector<Row>& rows, const std::string& dir) const override {
    Table t;
    t.header = {"encoding", "seed", "status", "checks passed", "failed checks", "plugin version"};
    for (const Row& r : rows) {
      const auto m = r.get<ConformanceMetrics>();
      std::string passed = "n/a";
      if (m.checks_total) {
        passed = fmt::format("{}/{}", *m.checks_passed, *m.checks_total);
        if (m.checks_skipped.value_or(0) > 0)
          passed += fmt::format(" ({} skipped)", *m.checks_skipped);
      }
      t.rows.push_back({r.head.encoding, std::to_string(r.head.seed), status_cell(r.head.status),
                        passed, m.failed_checks, r.head.plugin_version});
    }
    write_table_files(t, dir);
  }
};

}  // namespace

const SuiteKind& conformance_kind() {
  static const ConformanceKind kind;
  return kind;
}

Case conformance_case(const EncodingSpec& encoding, std::uint64_t seed, const std::string& repro) {
  Case c;
  c.kind = conformance_kind().name();
  c.encoding = encoding;
  c.seed = seed;
  c.id = fmt::format("{}/seed={}", encoding.label(), seed);
  c.repro = repro;
  return c;
}

}  // namespace pebench
