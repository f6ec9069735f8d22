// `pebench validate <suite> [--filter GLOB]`: parse, expand, create every encoding the cases
// name with its params, list every case and its repro.
#include <fmt/format.h>

#include <set>

#include "cli/command.hpp"
#include "run/exit_codes.hpp"
#include "run/plugin_child.hpp"
#include "suite/case_budget.hpp"
#include "suite/suite.hpp"

namespace pebench {
namespace {

bool same_entry(const EncodingSpec& a, const EncodingSpec& b) {
  return a.where == b.where && a.name == b.name && a.params_text == b.params_text;
}

// `text` and spaces up to `width` characters (UTF-8 code points): fmt's "{:<40}" does the
// same but took 0.1 s of 200k lines here (it measures display width).
void append_padded(fmt::memory_buffer& out, const std::string& text, std::size_t width) {
  out.append(text);
  std::size_t chars = 0;
  for (char ch : text) chars += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  for (; chars < width; ++chars) out.push_back(' ');
}

// One line per case: id, estimate, repro. Buffered, and each distinct estimate formatted
// once: 200k seeds print 30 MB (suite.hpp's expand_cases says why validate must be fast).
void print_case_lines(const std::vector<Case>& cases) {
  fmt::memory_buffer out;
  const Case* last = nullptr;  // the estimate's text depends on these fields only
  std::string estimate;
  for (const auto& c : cases) {
    if (!last || last->estimate.bytes != c.estimate.bytes ||
        last->estimate.flops != c.estimate.flops ||
        last->estimate.min_seconds != c.estimate.min_seconds || last->threads != c.threads)
      estimate = describe_estimate(c);
    last = &c;
    out.append(std::string_view("  "));
    append_padded(out, c.id, 40);
    out.push_back(' ');
    append_padded(out, estimate, 22);
    out.push_back(' ');
    out.append(c.repro);
    out.push_back('\n');
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

Command add_validate_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("validate", "Check a suite and list its cases without running");
  struct Options {
    std::string suite, filter;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("suite", o->suite, "Suite file")->required();
  cmd->add_option("--filter", o->filter, "Only cases whose id matches this glob");
  return {cmd, [&global, o] {
            Registry registry = make_registry(global);
            const Suite suite = load_suite(o->suite);
            describe_named_plugins(registry, encoding_names(suite));
            const ExpandOptions expand = expand_options(registry, global);
            const auto cases = select_cases(expand_cases(suite, expand), {}, o->filter, suite.path);
            // Every encoding of the selected cases is created with its params (a model's head
            // shape), in a child process: an unknown name or a value the plugin refuses fails
            // here, at its entry; a plugin that exits or hangs there is named, not obeyed.
            std::vector<std::string> errors;
            std::set<std::string> tried;
            std::vector<const EncodingSpec*> specs;
            std::vector<PluginTask> tasks;
            const EncodingSpec* previous = nullptr;
            for (const auto& c : cases) {
              const EncodingSpec& e = c.encoding;
              if (previous && same_entry(*previous, e)) continue;  // seeds of one encoding
              previous = &e;
              if (!tried.insert(e.where + " " + e.name + " " + e.params_text).second) continue;
              specs.push_back(&e);
              tasks.push_back(PluginTask::create(e.name, e.params));
            }
            const auto results =
                run_plugin_tasks(tasks, registry.catalog(), global.plugin_timeout_s);
            for (std::size_t i = 0; i < specs.size(); ++i) {
              const EncodingSpec& e = *specs[i];
              if (!results[i].ok)
                errors.push_back(fmt::format(
                    "{}: encoding '{}'{}: {}", e.where, e.name,
                    e.params_text.empty() ? "" : " {" + e.params_text + "}", results[i].error));
            }
            for (const auto& m : errors) fmt::print(stderr, "error: {}\n", m);
            if (!errors.empty()) return kExitError;
            std::string kinds;
            for (const auto& part : suite.parts)
              kinds += (kinds.empty() ? "" : ", ") + (part.name.empty() ? "" : part.name + ": ") +
                       part.kind->name();
            fmt::print("{}: {} ({}), {} cases, sha256 {}\n", suite.path, suite.name, kinds,
                       cases.size(), suite.sha256);
            // Each case's estimate (suite/case_budget.hpp): memory of the harness's tensors and
            // time at a typical 50 GFLOP/s per thread; rough, for planning.
            print_case_lines(cases);
            return cases.empty() ? kExitNothingRan : kExitOk;
          }};
}

}  // namespace pebench
