// `pebench corpus`: what a corpus holds on this machine (documents and bytes per split, and
// its sha256), for a built-in corpus or for globs given on the command line.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "corpus/corpus.hpp"
#include "run/exit_codes.hpp"

namespace pebench {

Command add_corpus_command(CLI::App& app, const GlobalOptions&) {
  auto* cmd = app.add_subcommand(
      "corpus", "Show a corpus: documents and bytes per split (by document), sha256");
  struct Options {
    std::string name;
    std::vector<std::string> files;
    double validation = 0.05, test = 0.05;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("name", o->name, "A built-in corpus (python-docs, python-code), or a label")
      ->required();
  cmd->add_option("--files", o->files,
                  "Glob of the corpus's files instead of a built-in ('*', '?', '**'); "
                  "repeatable");
  cmd->add_option("--validation", o->validation, "Fraction of documents for validation")
      ->capture_default_str();
  cmd->add_option("--test", o->test, "Fraction of documents for test")->capture_default_str();
  return {cmd, [o] {
            try {
              CorpusSpec spec = o->files.empty() ? builtin_corpus(o->name) : CorpusSpec{};
              if (!o->files.empty()) spec.name = o->name, spec.patterns = o->files;
              spec.validation = o->validation, spec.test = o->test;
              const Corpus c = load_corpus(spec);
              fmt::print("corpus {}: {} documents, sha256 {}\n", spec.name, c.documents, c.sha256);
              for (const auto& [name, split] :
                   {std::pair<const char*, const CorpusSplit*>{"train", &c.train},
                    {"validation", &c.validation},
                    {"test", &c.test}})
                fmt::print("  {:<10} {:>6} documents {:>12} bytes\n", name, split->documents,
                           split->bytes.size());
              return kExitOk;
            } catch (const CorpusError& e) {
              fmt::print(stderr, "error: {}\n", e.what());
              return kExitError;
            }
          }};
}

}  // namespace pebench
