// `pebench eval <checkpoint>`: a trained model (model/checkpoint.hpp) scored on a corpus split
// at several window lengths with the ALiBi paper's two protocols (lm/lm_eval.hpp), without
// retraining. Lengths the encoding cannot run (learned positions beyond their table) are n/a
// with the reason. --params overrides encoding config at evaluation (RoPE scaling, e.g.
// "scaling=yarn,factor=4" for a model trained with plain RoPE).
#include <fmt/format.h>

#include <cmath>

#include "attention/encoding_source.hpp"
#include "cli/command.hpp"
#include "corpus/corpus.hpp"
#include "lm/lm_eval.hpp"
#include "model/checkpoint.hpp"
#include "run/exit_codes.hpp"
#include "suite/yaml_reader.hpp"

namespace pebench {
namespace {

struct EvalOptions {
  std::string checkpoint, corpus = "python-docs", split = "test", protocol = "both", params;
  std::vector<std::string> files;
  std::vector<std::int64_t> lengths;
  std::int64_t stride = 0, batch = 8, max_scored = 0, buckets = 8;
  double validation = 0.05, test = 0.05;
};

std::string bucket_text(const LmEvalResult& r) {
  std::string s;
  for (std::size_t b = 0; b < r.position_loss.size(); ++b)
    s += fmt::format("{}{}+: {:.3f}", b ? ", " : "", r.bucket_start[b],
                     r.position_loss[b] / std::log(2.0));
  return s;
}

int run_eval(const EvalOptions& o, const GlobalOptions& global) {
  const CheckpointInfo info = read_checkpoint_info(o.checkpoint);
  Registry registry = make_registry(global);
  Config config = parse_params(info.encoding_params);
  const Config overrides = parse_params(o.params);
  for (const auto& [key, value] : overrides.values()) config.set(key, value);
  MakeEncoding make;
  if (!info.encoding.empty()) {
    const EncodingSource source = resolve_encoding(registry, info.encoding);
    make = [source, config](const AttentionShape& s) { return source.create(config, s); };
  }
  Model model(info.model, make, 1);
  load_checkpoint_weights(o.checkpoint, model);

  CorpusSpec spec = o.files.empty() ? builtin_corpus(o.corpus) : CorpusSpec{};
  if (!o.files.empty()) spec.name = o.corpus, spec.patterns = o.files;
  spec.validation = o.validation, spec.test = o.test;
  const Corpus corpus = load_corpus(spec);
  const CorpusSplit& split = o.split == "train"        ? corpus.train
                             : o.split == "validation" ? corpus.validation
                                                       : corpus.test;
  fmt::print(
      "checkpoint {}: {} (d_model {}, {} layers), corpus {} {} split: {} documents, {} "
      "bytes, sha256 {}\n",
      o.checkpoint, info.encoding.empty() ? "no encoding" : info.encoding, info.model.d_model,
      info.model.layers, spec.name, o.split, split.documents, split.bytes.size(), corpus.sha256);
  fmt::print("\n| length | protocol | bits/byte | perplexity | scored bytes | windows |\n");
  fmt::print("|---|---|---|---|---|---|\n");
  std::vector<std::string> positions;
  for (const std::int64_t L : o.lengths)
    for (const auto protocol : {LmProtocol::windows, LmProtocol::sliding}) {
      const bool sliding = protocol == LmProtocol::sliding;
      if ((sliding && o.protocol == "windows") || (!sliding && o.protocol == "sliding")) continue;
      const std::int64_t stride =
          o.stride > 0 ? std::min(o.stride, L) : std::max<std::int64_t>(1, L / 4);
      const std::string name = sliding ? fmt::format("sliding (S={})", stride) : "windows";
      try {
        const LmEvalResult r = evaluate_lm(model, split.bytes,
                                           {L, protocol, stride, o.batch, o.max_scored, o.buckets});
        fmt::print("| {} | {} | {:.4f} | {:.3f} | {} | {} |\n", L, name, r.bits_per_byte(),
                   r.perplexity(), r.scored, r.windows);
        if (!sliding) positions.push_back(fmt::format("  L={}: {}", L, bucket_text(r)));
      } catch (const PositionsUnsupported& e) {
        fmt::print("| {} | {} | n/a | n/a | 0 | 0 |  ({})\n", L, name, e.what());
      } catch (const LmEvalError& e) {
        fmt::print("| {} | {} | n/a | n/a | 0 | 0 |  ({})\n", L, name, e.what());
      }
    }
  if (!positions.empty()) {
    fmt::print("\nbits/byte by position in the window (windows protocol, from position):\n");
    for (const auto& line : positions) fmt::print("{}\n", line);
  }
  return kExitOk;
}

}  // namespace

Command add_eval_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "eval", "Score a checkpoint on a corpus at several lengths (windows and sliding window)");
  auto o = std::make_shared<EvalOptions>();
  cmd->add_option("checkpoint", o->checkpoint, "Checkpoint file")->required();
  cmd->add_option("--lengths", o->lengths, "Window lengths (tokens = bytes)")
      ->required()
      ->delimiter(',');
  cmd->add_option("--corpus", o->corpus,
                  "Built-in corpus (python-docs, python-code), or a "
                  "label with --files")
      ->capture_default_str();
  cmd->add_option("--files", o->files, "Globs of the corpus's files instead of a built-in");
  cmd->add_option("--split", o->split, "train, validation or test")
      ->check(CLI::IsMember({"train", "validation", "test"}))
      ->capture_default_str();
  cmd->add_option("--validation", o->validation, "Validation fraction of the corpus split")
      ->capture_default_str();
  cmd->add_option("--test", o->test, "Test fraction of the corpus split")->capture_default_str();
  cmd->add_option("--protocol", o->protocol, "windows, sliding or both")
      ->check(CLI::IsMember({"windows", "sliding", "both"}))
      ->capture_default_str();
  cmd->add_option("--stride", o->stride, "Sliding-window stride S (default L/4)");
  cmd->add_option("--batch", o->batch, "Windows per forward")->capture_default_str();
  cmd->add_option("--max-scored", o->max_scored, "Stop after this many scored bytes (0: all)")
      ->capture_default_str();
  cmd->add_option("--buckets", o->buckets, "Position ranges for the loss by position")
      ->capture_default_str();
  cmd->add_option("--params", o->params,
                  "Encoding config overrides at evaluation, k=v,... (e.g. RoPE scaling)");
  return {cmd, [o, &global] {
            try {
              return run_eval(*o, global);
            } catch (const CheckpointError& e) {
              fmt::print(stderr, "error: {}\n", e.what());
            } catch (const CorpusError& e) {
              fmt::print(stderr, "error: {}\n", e.what());
            } catch (const LmEvalError& e) {
              fmt::print(stderr, "error: {}\n", e.what());
            } catch (const std::invalid_argument& e) {
              fmt::print(stderr, "error: {}\n", e.what());
            }
            return kExitError;
          }};
}

}  // namespace pebench
