// Table statistics (mean, sd, Student-t 95% CI), pretty cells, bold best and the LaTeX of
// the paper tables, against values computed by hand and printed t tables.
#include <gtest/gtest.h>

#include <cmath>

#include "results/stat_table.hpp"
#include "results/stats.hpp"
#include "results/tables.hpp"

namespace pebench {
namespace {

TEST(Stats, StudentTQuantilesMatchPrintedTables) {
  // Two-sided 95%: t_{0.975, dof} from any statistics table.
  EXPECT_NEAR(student_t_quantile(0.95, 1), 12.7062047, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.95, 2), 4.3026527, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.95, 3), 3.1824463, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.95, 8), 2.3060041, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.95, 30), 2.0422725, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.99, 10), 3.1692727, 1e-6);
  EXPECT_THROW(student_t_quantile(0.95, 0), std::invalid_argument);
}

TEST(Stats, SummaryByHand) {
  // 1, 2, 3, 4: mean 2.5, sd sqrt(5/3), half-width t_{0.975,3} sd / 2.
  const Summary s = summarize({4, 1, 3, 2});
  EXPECT_EQ(s.n, 4u);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  ASSERT_TRUE(s.sd && s.ci_lo && s.ci_hi);
  EXPECT_NEAR(*s.sd, std::sqrt(5.0 / 3.0), 1e-12);
  const double half = 3.1824463052842638 * std::sqrt(5.0 / 3.0) / 2.0;
  EXPECT_NEAR(*s.ci_lo, 2.5 - half, 1e-9);
  EXPECT_NEAR(*s.ci_hi, 2.5 + half, 1e-9);

  const Summary one = summarize({7});
  EXPECT_EQ(one.n, 1u);
  EXPECT_DOUBLE_EQ(one.mean, 7);
  EXPECT_FALSE(one.sd || one.ci_lo || one.ci_hi);
  EXPECT_EQ(summarize({}).n, 0u);
  EXPECT_DOUBLE_EQ(summarize({5, 1, 3}).median, 3);
}

TEST(StatTable, CellShowsMeanSdCiAndN) {
  CellValues c;
  for (double v : {10.0, 12.0, 14.0}) c.add(v);  // sd 2, half 4.3027 * 2 / sqrt 3 = 4.968
  EXPECT_EQ(stat_cell(c, 1), "12.0 ± 2.0 [7.0, 17.0] n=3");
  c.add_missing("FAILED");
  EXPECT_EQ(stat_cell(c, 1), "12.0 ± 2.0 [7.0, 17.0] n=3 (+1 FAILED)");

  CellValues one;
  one.add(0.5);
  EXPECT_EQ(stat_cell(one, 3), "0.500 n=1");
  CellValues none;
  none.add_missing("n/a");
  EXPECT_EQ(stat_cell(none, 1), "n/a");
  none.add_missing("n/a");
  EXPECT_EQ(stat_cell(none, 1), "n/a");
  none.add_missing("CRASHED");
  EXPECT_EQ(stat_cell(none, 1), "1 CRASHED, 2 n/a");
  EXPECT_EQ(stat_cell(CellValues{}, 1), "");
}

TEST(StatTable, BoldsTheBestPerColumnWithTiesAsShown) {
  Table t{{"encoding", "a", "b"}, {{"x", "", ""}, {"y", "", ""}, {"z", "", ""}}};
  const double values[3][2] = {{1.04, 5}, {1.01, NAN}, {1.0, 3}};
  bold_best(
      t, 1, Better::kLower,
      [&](std::size_t r, std::size_t c) -> std::optional<double> {
        const double v = values[r][c - 1];
        return std::isnan(v) ? std::nullopt : std::optional<double>(v);
      },
      [](double v) { return std::to_string(std::lround(v * 10)); });
  // Column a: 1.0 is best; 1.01 shows as the same (10) and ties; 1.04 shows as 10 too.
  EXPECT_EQ(t.bold,
            (std::set<std::pair<std::size_t, std::size_t>>{{0, 1}, {1, 1}, {2, 1}, {2, 2}}));

  Table h{{"encoding", "a"}, {{"x", ""}, {"y", ""}}};
  bold_best(
      h, 1, Better::kHigher,
      [](std::size_t r, std::size_t) { return std::optional<double>(r == 0 ? 1.0 : 2.0); },
      [](double v) { return std::to_string(v); });
  EXPECT_EQ(h.bold, (std::set<std::pair<std::size_t, std::size_t>>{{1, 1}}));
}

TEST(StatTable, BoldFootnoteAndSymbolsInMarkdownAndLatex) {
  Table t{{"encoding", "err"}, {{"rope", "1.0 ± 0.5 n=3"}, {"nope", "1.2× †"}}};
  t.bold.insert({0, 1});
  t.footnote = "Measured on CPU_X; 50% of 2.";
  EXPECT_EQ(t.to_markdown(),
            "| encoding | err |\n|---|---|\n| rope | **1.0 ± 0.5 n=3** |\n| nope | 1.2× † |\n"
            "\nMeasured on CPU_X; 50% of 2.\n");
  EXPECT_EQ(t.to_latex(),
            "\\begin{tabular}{lr}\n\\toprule\nencoding & err \\\\\n\\midrule\n"
            "rope & \\textbf{1.0 $\\pm$ 0.5 n=3} \\\\\nnope & 1.2$\\times$ \\dag{} \\\\\n"
            "\\bottomrule\n\\end{tabular}\n"
            "\\par\\smallskip{\\footnotesize Measured on CPU\\_X; 50\\% of 2.}\n");
  EXPECT_EQ(t.to_csv(), "encoding,err\nrope,1.0 ± 0.5 n=3\nnope,1.2× †\n");
}

TEST(StatTable, FootnoteListsEveryDistinctProvenance) {
  Row a, b;
  a.provenance.cpu_model = "AMD EPYC", a.provenance.isa = "avx2";
  a.provenance.onednn_version = "2.6.3", a.provenance.threads = 2;
  a.provenance.fp_mode = "ftz+daz", a.provenance.build_type = "Release";
  a.provenance.git_sha = "0123456789abcdef";
  b.provenance = a.provenance;
  b.provenance.cpu_model = "Intel Xeon", b.provenance.threads = 1, b.provenance.git_dirty = true;
  EXPECT_EQ(provenance_footnote({a, b}, "n = seeds"),
            "Measured on AMD EPYC / Intel Xeon (ISA avx2), oneDNN 2.6.3, 2 / 1 threads, floating "
            "point ftz+daz, Release build, pebench 0123456789ab / 0123456789ab-dirty; n = seeds.");
  EXPECT_EQ(provenance_footnote({a}, ""),
            "Measured on AMD EPYC (ISA avx2), oneDNN 2.6.3, 2 threads, floating point ftz+daz, "
            "Release build, pebench 0123456789ab.");
}

}  // namespace
}  // namespace pebench
