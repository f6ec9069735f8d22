#include "compare/dashboard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "compare/compare.hpp"
#include "kinds/kinds.hpp"
#include "results/row_file.hpp"
#include "results/tables.hpp"

namespace pebench {
namespace {

namespace fs = std::filesystem;

struct Run {
  std::string dir, label, when, sha, machine, suite;
  std::vector<Row> rows;
  int passed = 0;
};

struct Series {
  std::string kind, id, metric;
  std::map<int, double> values;  // run index -> value (mean over seeds)
  std::set<int> regressions;     // run indices compare flagged against the run before
};

// A relative path as a URL path: every byte but unreserved ones and '/' percent-encoded.
std::string url_path(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// "20261203T044056Z-..." -> "2026-12-03 04:40".
std::string run_time(const std::string& run_id) {
  if (run_id.size() < 14 || run_id[8] != 'T') return run_id;
  return fmt::format("{}-{}-{} {}:{}", run_id.substr(0, 4), run_id.substr(4, 2),
                     run_id.substr(6, 2), run_id.substr(9, 2), run_id.substr(11, 2));
}

std::vector<Run> find_runs(const std::string& root, const std::string& out_dir) {
  std::vector<Run> runs;
  const fs::path out = fs::weakly_canonical(out_dir);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory() &&
        (fs::weakly_canonical(it->path()) == out || it->path().filename() == "logs" ||
         it->path().filename() == "checkpoints")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->path().filename() != "rows.jsonl") continue;
    Run run;
    run.dir = it->path().parent_path().string();
    try {
      run.rows = read_rows(it->path().string(), true);
      for (const Row& r : run.rows) kind_of(r.head.kind);  // an unknown kind: skip the run
    } catch (const std::exception& e) {
      fmt::print(stderr, "warning: dashboard: {} skipped: {}\n", it->path().string(), e.what());
      continue;
    }
    if (run.rows.empty()) continue;
    const Row& first = run.rows.front();
    run.label = fs::relative(run.dir, root).string();
    run.when = first.head.run_id;
    run.sha = first.provenance.git_sha + (first.provenance.git_dirty ? "-dirty" : "");
    run.suite = first.head.suite;
    run.machine = fmt::format("{} ({}, {} threads)", first.provenance.cpu_model,
                              first.provenance.isa, first.provenance.threads);
    for (const Row& r : run.rows) run.passed += r.head.status == Status::kPassed;
    runs.push_back(std::move(run));
  }
  if (ec) fmt::print(stderr, "warning: dashboard: stopped reading {}: {}\n", root, ec.message());
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
    return std::tie(a.when, a.dir) < std::tie(b.when, b.dir);
  });
  return runs;
}

// A small line chart: values over run indices, regressions as red points.
std::string svg_chart(const Series& s, int runs) {
  constexpr double W = 300, H = 90, pad = 6;
  double lo = 1e300, hi = -1e300;
  for (const auto& [i, v] : s.values) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi <= lo) hi = lo + (lo == 0 ? 1 : std::abs(lo) * 0.01), lo -= (hi - lo);
  auto x = [&](int i) { return pad + (W - 2 * pad) * (runs > 1 ? double(i) / (runs - 1) : 0.5); };
  auto y = [&](double v) { return H - pad - (H - 2 * pad) * (v - lo) / (hi - lo); };
  std::string points, dots;
  for (const auto& [i, v] : s.values) {
    points += fmt::format("{:.1f},{:.1f} ", x(i), y(v));
    const bool bad = s.regressions.count(i) > 0;
    dots += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" class=\"{}\"><title>run {}: {:.6g}{}</title>"
        "</circle>",
        x(i), y(v), bad ? 4 : 2.5, bad ? "regression" : "point", i + 1, v,
        bad ? " (regression)" : "");
  }
  return fmt::format(
      "<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\"><polyline points=\"{}\" "
      "class=\"line\"/>{}<text x=\"2\" y=\"10\" class=\"axis\">{:.4g}</text><text x=\"2\" "
      "y=\"{}\" class=\"axis\">{:.4g}</text></svg>",
      W, H, W, H, points, dots, hi, H - 2, lo);
}

}  // namespace

DashboardSummary write_dashboard(const std::string& root, const std::string& out_dir) {
  if (!fs::is_directory(root)) throw std::runtime_error("dashboard: no folder " + root);
  fs::create_directories(out_dir);
  const std::vector<Run> runs = find_runs(root, out_dir);
  if (runs.empty()) throw std::runtime_error("dashboard: no rows.jsonl under " + root);

  std::map<std::tuple<std::string, std::string, std::string>, Series> series;
  std::vector<std::tuple<std::string, std::string, std::string>> order;
  auto at = [&](const std::string& kind, const std::string& id,
                const std::string& metric) -> Series& {
    const auto key = std::make_tuple(kind, id, metric);
    if (!series.count(key)) order.push_back(key), series[key] = Series{kind, id, metric, {}, {}};
    return series[key];
  };
  const CompareOptions options;
  Comparison latest;
  bool latest_compared = false;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    // Values: each kind's compared figures, the mean over a case's seeds.
    std::map<std::tuple<std::string, std::string, std::string>, std::vector<double>> pooled;
    for (const Row& r : runs[i].rows) {
      if (r.head.status != Status::kPassed) continue;
      for (const ComparedMetric& m : kind_of(r.head.kind).compared_metrics(r))
        pooled[{r.head.kind, seed_group(r.head.row_id), m.name}].push_back(m.value);
    }
    for (const auto& [key, values] : pooled) {
      double mean = 0;
      for (double v : values) mean += v / double(values.size());
      at(std::get<0>(key), std::get<1>(key), std::get<2>(key)).values[int(i)] = mean;
    }
    // Against the previous run of the same suite (a one-off run in between is not a night).
    std::size_t prev = i;
    while (prev > 0 && runs[prev - 1].suite != runs[i].suite) --prev;
    if (prev == 0) continue;
    Comparison c;
    try {
      c = compare_rows(runs[prev - 1].rows, runs[i].rows, options);
    } catch (const std::exception& e) {  // nothing in common
      fmt::print(stderr, "warning: dashboard: {} not compared with {}: {}\n", runs[i].label,
                 runs[prev - 1].label, e.what());
      continue;
    }
    for (const Change& change : c.changes)
      if (change.regression()) {
        if (!change.metric.empty())
          at(change.kind, change.id, change.metric).regressions.insert(int(i));
        else
          at(change.kind, seed_group(change.id), "status").regressions.insert(int(i));
      }
    if (i + 1 == runs.size()) latest = c, latest_compared = true;
  }

  DashboardSummary summary;
  summary.runs = int(runs.size());
  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pebench "
      "dashboard</title>\n<style>body{{font-family:sans-serif;margin:1.5em;}}"
      "table{{border-collapse:collapse;margin-bottom:1em}}td,th{{border:1px solid #ccc;padding:"
      "2px 6px;font-size:13px}}.card{{display:inline-block;border:1px solid #ddd;margin:4px;"
      "padding:4px;width:310px;vertical-align:top}}.card h4{{font-size:12px;margin:0 0 2px 0;"
      "word-break:break-all}}.line{{fill:none;stroke:#36c;stroke-width:1.5}}.point{{fill:#36c}}"
      ".regression{{fill:#d00}}.axis{{font-size:9px;fill:#666}}.worse,.newly{{color:#d00;"
      "font-weight:bold}}.better,.fixed{{color:#080}}</style></head>\n<body data-ok=\"0\">\n"
      "<h1>pebench dashboard</h1>\n<p>{} runs under <code>{}</code>; latest: {} (git {}, "
      "{}).</p>\n",
      runs.size(), html(root), html(run_time(runs.back().when)), html(runs.back().sha),
      html(runs.back().machine));

  page += "<h2>Latest run against the previous one of its suite</h2>\n";
  if (!latest_compared) {
    page += "<p>No earlier run of this suite: nothing to compare yet.</p>\n";
  } else {
    page += fmt::format(
        "<p>{}</p>\n<table><tr><th>mark</th><th>kind</th><th>case</th>"
        "<th>metric</th><th>previous</th><th>latest</th><th>ratio</th><th>p</th>"
        "<th>note</th></tr>\n",
        latest.regression() ? "<span class=\"worse\">REGRESSION</span>" : "No regression.");
    int shown = 0;
    for (const Change& c : latest.changes) {
      if (c.mark == Mark::kSame || c.mark == Mark::kStillFailing) continue;
      ++shown;
      const std::string mark = to_string(c.mark);
      page += fmt::format(
          "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
          "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
          mark.substr(0, mark.find(' ')), html(mark), html(c.kind), html(c.id),
          html(c.metric.empty() ? "status" : c.metric), html(c.base), html(c.now),
          c.ratio ? fmt::format("{:.3f}", *c.ratio) : "", c.p ? fmt::format("{:.2g}", *c.p) : "",
          html(c.note));
    }
    page += "</table>\n";
    if (shown == 0) page += "<p>Every compared case is unchanged.</p>\n";
  }

  page +=
      "<h2>Runs</h2>\n<table><tr><th>#</th><th>started (UTC)</th><th>git</th><th>machine</th>"
      "<th>rows</th><th>passed</th><th>tables</th></tr>\n";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& r = runs[i];
    std::string links;
    for (const char* f : {"table.md", "table.csv", "table.tex", "rows.jsonl"})
      if (fs::exists(r.dir + "/" + f))
        links += fmt::format("<a href=\"{}\">{}</a> ",
                             html(url_path(fs::relative(r.dir + "/" + f, out_dir).string())), f);
    page += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        i + 1, html(run_time(r.when)), html(r.sha), html(r.machine), r.rows.size(), r.passed,
        links);
  }
  page +=
      "</table>\n<h2>Every case over runs</h2>\n<p>Filter: <input id=\"filter\" "
      "placeholder=\"e.g. rope or ms_per_step\"> <span id=\"count\"></span>. Red points: "
      "runs where <code>pebench compare</code> found a regression against the run "
      "before.</p>\n<div id=\"cards\">\n";
  for (const auto& key : order) {
    const Series& s = series[key];
    if (s.values.empty() && s.regressions.empty()) continue;
    ++summary.series;
    summary.regressions += int(s.regressions.size());
    std::string last;
    if (!s.values.empty()) {
      last = fmt::format("latest {:.6g}", s.values.rbegin()->second);
      if (s.values.size() >= 2) {
        const double prev = std::prev(s.values.end(), 2)->second;
        if (prev != 0)
          last +=
              fmt::format(" ({:+.1f}% vs previous)", 100 * (s.values.rbegin()->second / prev - 1));
      }
    }
    page += fmt::format(
        "<div class=\"card\" data-key=\"{0} {1} {2}\"><h4>{0} · {1} · {2}</h4>{3}<div>{4}{5}"
        "</div></div>\n",
        html(s.kind), html(s.id), html(s.metric),
        s.values.empty() ? std::string() : svg_chart(s, int(runs.size())), html(last),
        s.regressions.empty()
            ? std::string()
            : fmt::format(" <span class=\"worse\">{} regression(s)</span>", s.regressions.size()));
  }
  page += R"(</div>
<script>
window.onerror = function (message) { document.body.dataset.error = String(message); };
(function () {
  var cards = Array.prototype.slice.call(document.querySelectorAll('.card'));
  var count = document.getElementById('count');
  function apply() {
    var words = document.getElementById('filter').value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card) {
      var key = card.dataset.key.toLowerCase();
      var show = words.every(function (w) { return key.indexOf(w) >= 0; });
      card.style.display = show ? '' : 'none';
      if (show) shown++;
    });
    count.textContent = shown + ' of ' + cards.length + ' shown';
  }
  document.getElementById('filter').addEventListener('input', apply);
  apply();
  document.body.dataset.ok = '1';
})();
</script>
</body></html>
)";
  summary.index = out_dir + "/index.html";
  write_file(summary.index, page);
  return summary;
}

}  // namespace pebench
