#include "kinds/conformance/conformance_kind.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>

#include "kinds/conformance/conformance_row.hpp"
#include "results/stat_table.hpp"
#include "results/tables.hpp"
#include "run/child_process.hpp"
#include "run/plugin_child.hpp"

namespace pebench {
namespace {

struct ConformanceSettings : KindSettings {
  bool thorough = false;
};

ConformanceMetrics metrics_of(const ConformanceReport& report) {
  ConformanceMetrics m;
  m.plugin_path = report.path;
  std::int64_t passed = 0, failed = 0, skipped = 0;
  for (const auto& c : report.checks) {
    passed += c.status == CheckStatus::kPassed;
    skipped += c.status == CheckStatus::kSkipped;
    if (c.status == CheckStatus::kFailed || c.status == CheckStatus::kMistrusted) {
      ++failed;
      m.failed_checks += (m.failed_checks.empty() ? "" : "; ") + c.name +
                         (c.status == CheckStatus::kMistrusted ? " (MISTRUSTED)" : "");
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
  std::vector<std::string> keys() const override { return {"thorough"}; }

  std::shared_ptr<const KindSettings> parse(const YamlReader& yaml,
                                            const YAML::Node& root) const override {
    auto s = std::make_shared<ConformanceSettings>();
    if (root["thorough"])
      s->thorough = yaml.scalar<bool>("thorough", root["thorough"], "true or false");
    return s;
  }

  std::vector<CaseDraft> expand(const KindSettings& settings,
                                const std::vector<std::uint64_t>& seeds) const override {
    const bool thorough = static_cast<const ConformanceSettings&>(settings).thorough;
    std::vector<CaseDraft> drafts;
    CaseSpec spec;
    if (thorough) spec.set("thorough", true);
    for (std::uint64_t seed : seeds)
      drafts.push_back({fmt::format("seed={}", seed), "", seed, spec});
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
      const ConformanceOptions options = conformance_options(*c);
      const ConformanceReport report = run_conformance(source, options);
      fmt::print("check-plugin {} (version {}, {}, hooks: {})\n", source.name, source.version,
                 source.path, hook_names(report.info.hooks));
      for (const auto& check : report.checks)
        fmt::print("  {:<8} {:<24} {} [{:.1f} s]\n", to_string(check.status), check.name,
                   check.figure, check.seconds);
      const ConformanceMetrics m = metrics_of(report);
      fmt::print("{}: {} passed, {} failed, {} skipped\n", report.passed() ? "PASSED" : "FAILED",
                 *m.checks_passed, *m.checks_failed, *m.checks_skipped);
      std::fflush(stdout);
      // Failed beats MISTRUSTED: a row is MISTRUSTED only when nothing failed outright.
      const bool failed =
          std::any_of(report.checks.begin(), report.checks.end(),
                      [](const CheckResult& x) { return x.status == CheckStatus::kFailed; });
      row.head.status = report.passed() ? Status::kPassed
                        : failed        ? Status::kFailed
                                        : Status::kMistrusted;
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
    LongCsv long_csv;
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
      CellValues checks;
      if (m.checks_passed)
        checks.add(double(*m.checks_passed));
      else
        checks.add_missing(status_cell(r.head.status));
      long_csv.add("", r.head.encoding, "seed=" + std::to_string(r.head.seed), "checks_passed",
                   checks);
    }
    t.footnote = provenance_footnote(rows, "");
    write_table_files(t, dir);
    long_csv.write(dir + "/table_long.csv");
  }
};

}  // namespace

const SuiteKind& conformance_kind() {
  static const ConformanceKind kind;
  return kind;
}

ConformanceOptions conformance_options(const Case& c) {
  const bool thorough = c.spec.value("thorough", false);
  ConformanceOptions o;
  if (thorough) o = thorough_options(o);
  o.seed = c.seed;
  o.config = c.encoding.params;
  if (running_pebench()) {  // the same case's digest from another process, same threads
    o.digest_command = {"pebench", "--threads", std::to_string(omp_get_max_threads())};
    if (!catalog_in_use().empty())
      o.digest_command.insert(o.digest_command.end(), {"--plugin-catalog", catalog_in_use()});
    for (const auto& p : c.plugin_paths)
      o.digest_command.insert(o.digest_command.end(), {"--plugin-path", p});
    o.digest_command.insert(o.digest_command.end(), {"check-plugin", c.encoding.name, "--seed",
                                                     std::to_string(c.seed), "--digest"});
    if (!c.encoding.params_text.empty())
      o.digest_command.insert(o.digest_command.end(), {"--params", c.encoding.params_text});
    if (thorough) o.digest_command.push_back("--thorough");
  }
  return o;
}

Case conformance_case(const EncodingSpec& encoding, std::uint64_t seed, const std::string& repro,
                      bool thorough, const std::vector<std::string>& plugin_paths) {
  Case c;
  if (thorough) c.spec.set("thorough", true);
  c.plugin_paths = plugin_paths;
  c.kind = conformance_kind().name();
  c.encoding = encoding;
  c.seed = seed;
  c.id = fmt::format("{}/seed={}", encoding.label(), seed);
  c.repro = repro;
  return c;
}

}  // namespace pebench
