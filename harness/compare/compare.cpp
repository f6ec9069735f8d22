#include "compare/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>

#include "compare/significance.hpp"
#include "kinds/kinds.hpp"
#include "results/row_file.hpp"
#include "results/stats.hpp"

namespace pebench {
namespace {

using Test = ComparedMetric::Test;

std::string machine(const Row& r) {
  return fmt::format("{} {} {} threads", r.provenance.cpu_model, r.provenance.isa,
                     r.provenance.threads);
}

std::string value_text(double v, int decimals) {
  return fmt::format("{:.{}f}", v, decimals);
}

// Both sides' figures of one metric in one group of rows.
struct Sides {
  std::vector<ComparedMetric> base, now;
  std::vector<const Row*> base_rows, now_rows;
};

// One side's figures of a metric, pooled: every value (one per seed), every repetition, and
// the summed error counts (`counts`: every value had them).
struct Pool {
  std::vector<double> values, samples;
  std::int64_t errors = 0, trials = 0;
  bool counts = true;
};

Pool pool(const std::vector<ComparedMetric>& side) {
  Pool p;
  for (const auto& m : side) {
    p.values.push_back(m.value);
    p.samples.insert(p.samples.end(), m.samples.begin(), m.samples.end());
    p.counts = p.counts && m.errors && m.trials;
    if (m.errors && m.trials) p.errors += *m.errors, p.trials += *m.trials;
  }
  return p;
}

Change compare_metric(const std::string& kind, const std::string& group, const Sides& s,
                      const CompareOptions& o) {
  const ComparedMetric& first = s.base.front();
  Change c;
  c.kind = kind, c.id = group, c.metric = first.name;
  const bool lower = first.lower_is_better;
  auto direction = [&](double base, double now) {  // better or worse, by the metric's sense
    return (now < base) == lower ? Mark::kBetter : Mark::kWorse;
  };
  if (first.machine_bound) {
    for (const Row* b : s.base_rows)
      for (const Row* n : s.now_rows)
        if (machine(*b) != machine(*n)) {
          c.mark = Mark::kNotComparable;
          c.note = fmt::format("other machine: {} vs {}", machine(*b), machine(*n));
          return c;
        }
  }
  const Pool base = pool(s.base), now = pool(s.now);
  switch (first.test) {
    case Test::kRepetitions: {
      const std::vector<double>&a = base.samples, &b = now.samples;
      if (a.empty() || b.empty()) {
        c.mark = Mark::kNotComparable, c.note = "no repetitions recorded";
        return c;
      }
      const double mb = summarize(a).median, mn = summarize(b).median;
      c.base = value_text(mb, first.decimals), c.now = value_text(mn, first.decimals);
      c.ratio = mn / mb;
      c.p = mann_whitney_u(a, b).p;
      const bool large = *c.ratio > o.max_ratio || *c.ratio < 1 / o.max_ratio;
      if (large && *c.p < o.alpha) c.mark = direction(mb, mn);
      c.note = fmt::format("n={} vs {}", a.size(), b.size());
      return c;
    }
    case Test::kSeeds: {
      const std::vector<double>&a = base.values, &b = now.values;
      const double mb = summarize(a).mean, mn = summarize(b).mean;
      c.base = value_text(mb, first.decimals), c.now = value_text(mn, first.decimals);
      if (mb != 0) c.ratio = mn / mb;
      const bool large = std::fabs(mn - mb) >= first.min_difference && mn != mb;
      if (a.size() >= 2 && b.size() >= 2) {
        c.p = welch_t_test(a, b);
        c.note = fmt::format("{} vs {} seeds, Welch t", a.size(), b.size());
      } else if (base.counts && now.counts) {
        c.p = two_proportion_test(base.errors, base.trials, now.errors, now.trials);
        c.note = fmt::format("{}/{} vs {}/{}, two-proportion z", base.errors, base.trials,
                             now.errors, now.trials);
      } else {
        if (large) c.mark = Mark::kChanged;
        c.note = "one seed: not testable";
        return c;
      }
      if (large && *c.p < o.alpha) c.mark = direction(mb, mn);
      return c;
    }
    case Test::kExact: {
      const double mb = summarize(base.values).mean, mn = summarize(now.values).mean;
      c.base = value_text(mb, first.decimals), c.now = value_text(mn, first.decimals);
      const double tolerance = first.tolerance.value_or(o.max_ratio);
      if (mb != 0) c.ratio = mn / mb;
      const bool beyond = mb == 0 ? mn != 0 : (*c.ratio > tolerance || *c.ratio < 1 / tolerance);
      if (beyond && mn != mb && std::fabs(mn - mb) >= first.min_difference)
        c.mark = direction(mb, mn);
      c.note = tolerance == 1 ? "exact" : fmt::format("tolerance {:.2f}x", tolerance);
      return c;
    }
  }
  return c;
}

std::map<std::string, const Row*> by_id(const std::vector<Row>& rows,
                                        std::vector<std::string>& order) {
  std::map<std::string, const Row*> index;
  for (const Row& r : rows) {
    if (!index.count(r.head.row_id)) order.push_back(r.head.row_id);
    index[r.head.row_id] = &r;  // the later row wins
  }
  return index;
}

std::string run_label(const std::vector<Row>& rows) {
  if (rows.empty()) return "(no rows)";
  const Row& r = rows.front();
  return fmt::format("run {} (git {}{}, {})", r.head.run_id, r.provenance.git_sha,
                     r.provenance.git_dirty ? "-dirty" : "", machine(r));
}

}  // namespace

std::string seed_group(const std::string& row_id) {
  static const std::regex seed("(^|/)seed=[0-9]+(/|$)");
  return std::regex_replace(row_id, seed, "$1seed=*$2");
}

std::string to_string(Mark m) {
  switch (m) {
    case Mark::kSame:
      return "same";
    case Mark::kBetter:
      return "better";
    case Mark::kWorse:
      return "worse";
    case Mark::kChanged:
      return "changed (untested)";
    case Mark::kNewlyFailing:
      return "newly failing";
    case Mark::kFixed:
      return "fixed";
    case Mark::kStillFailing:
      return "still failing";
    case Mark::kNotComparable:
      return "not comparable";
    case Mark::kMissing:
      return "missing";
    case Mark::kNew:
      return "new";
  }
  return "?";
}

bool Comparison::regression() const {
  return std::any_of(changes.begin(), changes.end(),
                     [](const Change& c) { return c.regression(); });
}

Comparison compare_rows(const std::vector<Row>& base, const std::vector<Row>& now,
                        const CompareOptions& o) {
  Comparison result;
  result.base_label = run_label(base), result.now_label = run_label(now);
  std::vector<std::string> order, now_order;
  const auto b_index = by_id(base, order);
  const auto n_index = by_id(now, now_order);
  for (const auto& id : now_order)
    if (!b_index.count(id)) order.push_back(id);

  std::vector<std::string> group_order;
  std::map<std::string, std::map<std::string, Sides>> groups;  // group -> metric -> sides
  std::map<std::string, std::string> kind_of_group;
  for (const auto& id : order) {
    const auto bi = b_index.find(id), ni = n_index.find(id);
    const Row* b = bi == b_index.end() ? nullptr : bi->second;
    const Row* n = ni == n_index.end() ? nullptr : ni->second;
    Change c;
    c.kind = (b ? b : n)->head.kind, c.id = id;
    if (b) c.base = to_string(b->head.status);
    if (n) c.now = to_string(n->head.status);
    if (!n) {
      c.mark = Mark::kMissing;
    } else if (!b) {
      c.mark = Mark::kNew;
    } else if (!b->head.spec_sha256.empty() && !n->head.spec_sha256.empty() &&
               b->head.spec_sha256 != n->head.spec_sha256) {
      c.mark = Mark::kNotComparable, c.note = "the case's spec differs (spec_sha256)";
    } else if (b->head.kind != n->head.kind) {
      c.mark = Mark::kNotComparable, c.note = "another kind";
    } else {
      const bool b_ok = is_ok(b->head.status), n_ok = is_ok(n->head.status);
      if (b_ok && !n_ok)
        c.mark = Mark::kNewlyFailing,
        c.note = n->head.error.empty() ? n->head.status_detail : n->head.error;
      else if (!b_ok && n_ok)
        c.mark = Mark::kFixed;
      else if (!b_ok)
        c.mark = Mark::kStillFailing;
      else if (b->head.status != n->head.status)
        c.mark = Mark::kChanged;
      if (b->head.status == Status::kPassed && n->head.status == Status::kPassed) {
        const SuiteKind& kind = kind_of(b->head.kind);
        const std::string group = seed_group(id);
        if (!groups.count(group)) group_order.push_back(group), kind_of_group[group] = c.kind;
        for (ComparedMetric& m : kind.compared_metrics(*b)) {
          Sides& s = groups[group][m.name];
          s.base.push_back(std::move(m)), s.base_rows.push_back(b);
        }
        for (ComparedMetric& m : kind.compared_metrics(*n)) {
          Sides& s = groups[group][m.name];
          s.now.push_back(std::move(m)), s.now_rows.push_back(n);
        }
      }
    }
    result.changes.push_back(std::move(c));
  }
  if (std::none_of(b_index.begin(), b_index.end(),
                   [&](const auto& kv) { return n_index.count(kv.first) > 0; }))
    throw RowError("compare: the two runs share no row id (runs of different suites?)");
  for (const auto& group : group_order)
    for (const auto& [metric, sides] : groups[group])
      if (!sides.base.empty() && !sides.now.empty())
        result.changes.push_back(compare_metric(kind_of_group[group], group, sides, o));
  return result;
}

std::string Comparison::markdown(const CompareOptions& o) const {
  std::map<Mark, int> counts;
  for (const Change& c : changes) ++counts[c.mark];
  std::string s = fmt::format(
      "# pebench compare\n\n- base: {}\n- new: {}\n- rules: ratio beyond "
      "{:.2f}x and p < {} (Mann-Whitney U on repetitions; Welch t over "
      "seeds or a two-proportion test on error counts); exact figures on "
      "any change\n\n",
      base_label, now_label, o.max_ratio, o.alpha);
  s += fmt::format("**{}**: ", regression() ? "REGRESSION" : "no regression");
  bool first = true;
  for (const auto& [mark, n] : counts)
    s += fmt::format("{}{} {}", first ? "" : ", ", n, to_string(mark)), first = false;
  const auto figures = std::count_if(changes.begin(), changes.end(),
                                     [](const Change& c) { return !c.metric.empty(); });
  s += fmt::format("\n\n{} rows and {} figures compared.\n\n",
                   changes.size() - std::size_t(figures), figures);
  const Mark shown[] = {Mark::kNewlyFailing,  Mark::kWorse,   Mark::kMissing,
                        Mark::kNotComparable, Mark::kChanged, Mark::kFixed,
                        Mark::kBetter,        Mark::kNew,     Mark::kStillFailing};
  bool any = false;
  for (Mark mark : shown)
    for (const Change& c : changes) {
      if (c.mark != mark) continue;
      if (!any)
        s += "| mark | kind | case | metric | base | new | ratio | p | note |\n"
             "|---|---|---|---|---|---|---|---|---|\n",
            any = true;
      auto md = [](const std::string& t) {  // one table cell: | escaped, lines joined
        std::string out;
        for (char ch : t)
          out += ch == '|' ? std::string("\\|") : ch == '\n' ? " " : std::string(1, ch);
        return out;
      };
      s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", to_string(c.mark),
                       c.kind, md(c.id), c.metric.empty() ? "status" : c.metric, md(c.base),
                       md(c.now), c.ratio ? fmt::format("{:.3f}", *c.ratio) : "",
                       c.p ? fmt::format("{:.2g}", *c.p) : "", md(c.note));
    }
  if (!any) s += "Nothing changed.\n";
  // nope's own time is the baseline of every ratio: when it moved, the whole run's absolute
  // times probably did (another load on the machine, a frequency change).
  for (const Change& c : changes)
    if (c.metric == "ms_per_step" && (c.mark == Mark::kWorse || c.mark == Mark::kBetter) &&
        (c.id.rfind("nope/", 0) == 0 || c.id.find("/nope/") != std::string::npos)) {
      s += fmt::format(
          "\nNote: nope's own time moved ({} {}, ratio {:.3f}): the absolute times of the whole "
          "run may have drifted (machine load, clock); `time_vs_nope` is measured against nope "
          "in the same run and does not drift with it.\n",
          c.id, to_string(c.mark), c.ratio.value_or(0));
      break;
    }
  return s;
}

std::vector<Row> read_run_rows(const std::string& run_or_rows) {
  namespace fs = std::filesystem;
  const std::string path =
      fs::is_directory(run_or_rows) ? run_or_rows + "/rows.jsonl" : run_or_rows;
  if (!fs::exists(path)) throw RowError("compare: no rows at " + path);
  std::vector<Row> rows = read_rows(path, true);  // a torn last line: a run cut short
  if (rows.empty()) throw RowError("compare: " + path + " holds no rows");
  return rows;
}

}  // namespace pebench
