// kind: extrapolation. One case = one encoding, one seed: the model (harness/model) is
// trained on byte windows of the corpus's train split at train_length (tasks/corpus_lm.hpp),
// saved as a checkpoint, then scored on the evaluation split at every length with every
// protocol (lm/lm_eval.hpp), one row each. Keys: extrapolation_spec.hpp.
//
// Statuses per row: PASSED, DIVERGED (training), SKIPPED (a length the encoding refuses,
// e.g. learned positions beyond their table: n/a in tables), LOAD_ERROR or FAILED.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <variant>

#include "kinds/common/case_estimate.hpp"
#include "kinds/common/case_training.hpp"
#include "kinds/common/model_training_keys.hpp"
#include "kinds/extrapolation/extrapolation_row.hpp"
#include "kinds/extrapolation/extrapolation_spec.hpp"
#include "kinds/kind.hpp"
#include "lm/lm_eval.hpp"
#include "model/checkpoint.hpp"
#include "model/trainer.hpp"
#include "model/training_set.hpp"
#include "results/stat_table.hpp"
#include "results/tables.hpp"
#include "tasks/corpus_lm.hpp"

namespace pebench {
namespace {

struct ExtrapolationSettings : KindSettings {
  ExtrapolationCaseSpec common;
};

// Every parameter of `from` into `to` (the same model; an encoding config that changes a
// parameter is an error).
void copy_weights(Model& from, Model& to) {
  auto& a = from.parameters();
  auto& b = to.parameters();
  if (a.size() != b.size())
    throw std::invalid_argument("the override changes the encoding's parameters");
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].name != b[k].name || a[k].shape != b[k].shape)
      throw std::invalid_argument(
          fmt::format("the override changes parameter '{}' of the trained model", a[k].name));
    std::copy(a[k].value, a[k].value + a[k].size, b[k].value);
  }
  to.parameters_changed();
}

// ---- YAML ----------------------------------------------------------------------------

CorpusSpec parse_corpus(const YamlReader& yaml, const YAML::Node& node) {
  if (node.IsScalar()) {
    try {
      return builtin_corpus(node.Scalar());
    } catch (const CorpusError& e) {
      yaml.fail(node, e.what());
    }
  }
  CorpusSpec c;
  const auto suite_dir = std::filesystem::path(yaml.path()).parent_path();
  yaml.for_each_key(
      node, "corpus", {"name", "files", "package", "validation", "test"},
      [&](const std::string& key, const YAML::Node& v) {
        if (key == "name") c.name = yaml.scalar<std::string>(key, v, "a string");
        if (key == "package") c.package = yaml.scalar<std::string>(key, v, "a string");
        if (key == "validation") c.validation = yaml.number_in(key, v, 0, 0.5);
        if (key == "test") c.test = yaml.number_in(key, v, 0, 0.5);
        if (key == "files") {
          auto add = [&](const YAML::Node& f) {
            const std::filesystem::path p(yaml.scalar<std::string>(key, f, "a glob"));
            c.patterns.push_back((p.is_absolute() ? p : suite_dir / p).generic_string());
          };
          if (v.IsScalar()) {
            add(v);
          } else {
            if (!v.IsSequence() || v.size() == 0)
              yaml.fail(v, "'files' must be a glob or a non-empty list of globs");
            for (const auto& f : v) add(f);
          }
        }
      });
  if (c.name.empty()) yaml.fail(node, "corpus without 'name'");
  if (c.patterns.empty()) {  // a built-in's files under another split
    try {
      const CorpusSpec b = builtin_corpus(c.name);
      c.patterns = b.patterns, c.package = c.package.empty() ? b.package : c.package;
    } catch (const CorpusError& e) {
      yaml.fail(node, std::string(e.what()) + "; or give 'files'");
    }
  }
  return c;
}

EvalOverride parse_override(const YamlReader& yaml, const YAML::Node& node) {
  EvalOverride o;
  yaml.for_each_key(node, "overrides", {"label", "encoding", "params"},
                    [&](const std::string& key, const YAML::Node& v) {
                      if (key == "label") o.label = yaml.scalar<std::string>(key, v, "a string");
                      if (key == "encoding")
                        o.encoding = yaml.scalar<std::string>(key, v, "an encoding name");
                      if (key == "params") o.params = yaml.params(v);
                    });
  for (const char* key : {"label", "encoding", "params"})
    if (!node[key]) yaml.fail(node, fmt::format("an override needs '{}'", key));
  if (o.label.find_first_of("/ ") != std::string::npos)
    yaml.fail(node["label"],
              "an override's 'label' must not hold '/' or spaces (it is in row ids)");
  return o;
}

void parse_evaluation(const YamlReader& yaml, const YAML::Node& node, ExtrapolationEvalSpec& e) {
  yaml.for_each_key(
      node, "evaluation",
      {"lengths", "protocols", "stride", "split", "max_scored", "batch", "buckets", "overrides"},
      [&](const std::string& key, const YAML::Node& v) {
        if (key == "lengths") e.lengths = yaml.int_list(key, v);
        if (key == "protocols")
          e.protocols = yaml.choice_list(key, v, {"windows", "sliding"}, "protocol");
        if (key == "stride") e.stride = yaml.positive_int(key, v, true);
        if (key == "split") {
          e.split = yaml.scalar<std::string>(key, v, "a string");
          if (e.split != "validation" && e.split != "test")
            yaml.fail(v, fmt::format("'split' is '{}', expected validation|test", e.split));
        }
        if (key == "max_scored") e.max_scored = yaml.positive_int(key, v, true);
        if (key == "batch") e.batch = yaml.positive_int(key, v);
        if (key == "buckets") e.buckets = yaml.positive_int(key, v);
        if (key == "overrides") {
          if (!v.IsSequence()) yaml.fail(v, "'overrides' must be a list");
          for (const auto& o : v) {
            e.overrides.push_back(parse_override(yaml, o));
            for (std::size_t i = 0; i + 1 < e.overrides.size(); ++i)
              if (e.overrides[i].label == e.overrides.back().label)
                yaml.fail(o, fmt::format("two overrides labelled '{}'", e.overrides.back().label));
          }
        }
      });
  if (e.lengths.empty()) yaml.fail(node, "'evaluation' needs 'lengths'");
}

const CorpusSplit& eval_split(const Corpus& c, const std::string& split) {
  return split == "validation" ? c.validation : c.test;
}

// The override's config at one evaluation length: `from_length` becomes
// max(1, length / train_length) and `train_length` the training length.
Config override_config(const Config& base, const EvalOverride& o, std::int64_t length,
                       std::int64_t train_length) {
  Config c = base;
  for (const auto& [key, value] : o.params.values()) {
    const auto* text = std::get_if<std::string>(&value);
    if (text && *text == "from_length")
      c.set(key, std::max(1.0, double(length) / double(train_length)));
    else if (text && *text == "train_length")
      c.set(key, train_length);
    else
      c.set(key, value);
  }
  return c;
}

// The overrides that apply to a case's encoding.
std::vector<EvalOverride> overrides_for(const ExtrapolationCaseSpec& spec,
                                        const std::string& encoding) {
  std::vector<EvalOverride> out;
  for (const auto& o : spec.evaluation.overrides)
    if (o.encoding == encoding) out.push_back(o);
  return out;
}

ExtrapolationMetrics base_metrics(const ExtrapolationCaseSpec& spec, std::int64_t length,
                                  const std::string& protocol) {
  ExtrapolationMetrics m;
  m.corpus = spec.corpus.name;
  m.split = spec.evaluation.split;
  m.protocol = protocol;
  m.train_length = spec.train_length;
  m.eval_length = length;
  m.stride = protocol == "sliding"
                 ? (spec.evaluation.stride > 0 ? std::min(spec.evaluation.stride, length)
                                               : std::max<std::int64_t>(1, length / 4))
                 : 0;
  return m;
}

class ExtrapolationKind : public SuiteKind {
 public:
  std::string name() const override { return "extrapolation"; }
  std::vector<std::string> keys() const override {
    return {"corpus", "train_length", "evaluation", "model", "training"};
  }

  std::shared_ptr<const KindSettings> parse(const YamlReader& yaml,
                                            const YAML::Node& root) const override {
    auto s = std::make_shared<ExtrapolationSettings>();
    ExtrapolationCaseSpec& c = s->common;
    for (const char* key : {"corpus", "train_length", "evaluation"})
      if (!root[key]) yaml.fail(root, fmt::format("kind 'extrapolation' needs key '{}'", key));
    c.corpus = parse_corpus(yaml, root["corpus"]);
    c.train_length = yaml.positive_int("train_length", root["train_length"]);
    parse_evaluation(yaml, root["evaluation"], c.evaluation);
    if (root["model"]) parse_model(yaml, root["model"], c.model);
    if (c.model.vocab < 256)
      yaml.fail(root["model"], "'vocab' must be 0 or >= 256: the corpus is bytes");
    if (root["training"]) parse_training(yaml, root["training"], c.training);
    if (c.training.optimizer.warmup_steps >= c.training.steps)
      yaml.fail(root["training"] ? root["training"] : root,
                fmt::format("'warmup_steps' ({}) must be < 'steps' ({})",
                            c.training.optimizer.warmup_steps, c.training.steps));
    // The corpus now, so that a missing package or a too small split is reported here.
    Corpus corpus;
    try {
      corpus = load_corpus(c.corpus);
    } catch (const CorpusError& e) {
      yaml.fail(root["corpus"], e.what());
    }
    if (std::int64_t(corpus.train.bytes.size()) < c.train_length + 1)
      yaml.fail(root["train_length"],
                fmt::format("corpus '{}': its train split has {} bytes, fewer than one "
                            "training window of {} + 1",
                            c.corpus.name, corpus.train.bytes.size(), c.train_length));
    const std::int64_t longest =
        *std::max_element(c.evaluation.lengths.begin(), c.evaluation.lengths.end());
    const auto& split = eval_split(corpus, c.evaluation.split);
    if (std::int64_t(split.bytes.size()) < longest + 1)
      yaml.fail(root["evaluation"]["lengths"],
                fmt::format("corpus '{}': its {} split has {} bytes, fewer than one evaluation "
                            "window at the longest length {} + 1",
                            c.corpus.name, c.evaluation.split, split.bytes.size(), longest));
    return s;
  }

  std::vector<CaseDraft> expand(const KindSettings& settings,
                                const std::vector<std::uint64_t>& seeds) const override {
    const auto& s = settings_as<ExtrapolationSettings>(settings);
    std::vector<CaseDraft> drafts;
    const CaseSpec spec(s.common);  // one for every seed
    for (std::uint64_t seed : seeds)
      drafts.push_back(
          {fmt::format("{}/L={}/seed={}", s.common.corpus.name, s.common.train_length, seed), "",
           seed, spec});
    return drafts;
  }

  // Training, then per evaluation pass (the trained encoding and each override that applies)
  // and length: windows scores max_scored bytes in windows of L, sliding scores `stride` per
  // window of L. max_scored 0 (the whole split) counts as 50000 bytes: a lower bound.
  CaseEstimate estimate(const Case& c) const override {
    const auto spec = c.spec.get<ExtrapolationCaseSpec>();
    CaseEstimate e =
        training_estimate(spec.model, spec.training.steps, spec.training.batch, spec.train_length);
    e.bytes += FixedTrainingSet::bytes(spec.training.examples, spec.train_length);
    const ExtrapolationEvalSpec& ev = spec.evaluation;
    double passes = 1;
    for (const EvalOverride& o : ev.overrides) passes += o.encoding == c.encoding.name;
    const double scored = double(ev.max_scored > 0 ? ev.max_scored : 50000);
    for (std::int64_t length : ev.lengths)
      for (const std::string& protocol : ev.protocols) {
        const double stride =
            protocol == "sliding"
                ? double(ev.stride > 0 ? ev.stride : std::max<std::int64_t>(1, length / 4))
                : double(length);
        const double windows = std::ceil(scored / stride);
        e = then(e, {model_inference_bytes(spec.model, ev.batch, length),
                     passes * windows * model_forward_flops(spec.model, 1, length), 0});
      }
    return e;
  }

  std::vector<Row> planned_rows(const Case& c) const override {
    const auto spec = c.spec.get<ExtrapolationCaseSpec>();
    std::vector<Row> rows;
    for (const std::int64_t length : spec.evaluation.lengths)
      for (const std::string& protocol : spec.evaluation.protocols)
        rows.push_back(case_row(c, fmt::format("L={}/{}", length, protocol))
                           .put(base_metrics(spec, length, protocol)));
    for (const EvalOverride& o : overrides_for(spec, c.encoding.name))
      for (const std::int64_t length : spec.evaluation.lengths)
        for (const std::string& protocol : spec.evaluation.protocols) {
          ExtrapolationMetrics m = base_metrics(spec, length, protocol);
          m.variant = o.label;
          m.variant_params =
              params_to_text(override_config(c.encoding.params, o, length, spec.train_length));
          rows.push_back(case_row(c, fmt::format("L={}/{}/{}", length, protocol, o.label)).put(m));
        }
    return rows;
  }

  void run(const std::vector<const Case*>& cases, CaseContext& ctx) const override {
    for (const Case* c : cases) run_one(*c, ctx);
  }

  std::string summary(const Row& row) const override {
    const auto m = row.get<ExtrapolationMetrics>();
    return fmt::format("L={} {}{}{}", m.eval_length, m.protocol,
                       m.variant.empty() ? "" : " " + m.variant,
                       m.bits_per_byte ? fmt::format(": {:.4f} bits/byte", *m.bits_per_byte) : "");
  }

  void write_tables(const std::vector<Row>& rows, const std::string& dir) const override;

  // Bits per byte over seeds (Welch's t); a change under 0.01 is never flagged.
  std::vector<ComparedMetric> compared_metrics(const Row& row) const override {
    const auto m = row.get<ExtrapolationMetrics>();
    if (!m.bits_per_byte) return {};
    ComparedMetric c;
    c.name = "bits_per_byte", c.test = ComparedMetric::Test::kSeeds;
    c.value = *m.bits_per_byte, c.min_difference = 0.01, c.decimals = 3;
    return {c};
  }
  // scripts/plot.py: bits per byte vs length per protocol, and by position at the longest.
  bool plots() const override { return true; }

 private:
  void run_one(const Case& c, CaseContext& ctx) const;
};

void ExtrapolationKind::run_one(const Case& c, CaseContext& ctx) const {
  const auto spec = c.spec.get<ExtrapolationCaseSpec>();
  std::vector<Row> rows = planned_rows(c);
  std::unique_ptr<CorpusLmTask> task;
  try {
    task = std::make_unique<CorpusLmTask>(load_corpus(spec.corpus));
  } catch (const std::exception& e) {
    CaseTraining failed;
    failed.failed = Status::kFailed, failed.error = e.what();
    return emit_failed(rows, failed, ctx);
  }
  CaseTraining trained = train_case(c, ctx, spec.model, spec.training, *task, spec.train_length);
  if (trained.failed) return emit_failed(rows, trained, ctx);  // every row: the same status
  const EncodingSource& source = trained.source;
  Model* model = trained.model.get();
  for (Row& row : rows)
    row.head.plugin_version = source.version, row.head.plugin_sha256 = source.sha256;

  std::string checkpoint;
  if (!ctx.artifacts.empty()) {
    checkpoint = ctx.artifacts + ".ckpt";
    try {
      save_checkpoint(checkpoint, *model,
                      {spec.model, c.encoding.name, params_to_text(c.encoding.params),
                       nlohmann::json{{"case", c.id},
                                      {"seed", c.seed},
                                      {"train_length", spec.train_length},
                                      {"steps", trained.result.losses.size()},
                                      {"corpus", spec.corpus.name},
                                      {"corpus_sha256", task->corpus().sha256}}
                           .dump()});
    } catch (const CheckpointError& e) {  // e.g. a full disk: every row says so
      trained.failed = Status::kFailed, trained.error = e.what();
      return emit_failed(rows, trained, ctx);
    }
  }

  const CorpusSplit& split = eval_split(task->corpus(), spec.evaluation.split);
  for (Row& row : rows) {
    auto m = row.get<ExtrapolationMetrics>();
    row.head.status = Status::kPassed;
    try {
      // An override row: the trained weights in a model whose encoding has the row's config.
      std::unique_ptr<Model> variant;
      if (!m.variant.empty()) {
        const auto overrides = overrides_for(spec, c.encoding.name);
        const auto o = std::find_if(overrides.begin(), overrides.end(),
                                    [&](const EvalOverride& x) { return x.label == m.variant; });
        if (o == overrides.end()) throw std::logic_error("override '" + m.variant + "' is gone");
        const Config config =
            override_config(c.encoding.params, *o, m.eval_length, spec.train_length);
        variant = std::make_unique<Model>(
            spec.model,
            [&source, &config](const AttentionShape& shape) {
              return source.create(config, shape);
            },
            c.seed);
        copy_weights(*model, *variant);
      }
      const LmEvalResult r = evaluate_lm(
          variant ? *variant : *model, split.bytes,
          {m.eval_length, m.protocol == "sliding" ? LmProtocol::sliding : LmProtocol::windows,
           m.stride, spec.evaluation.batch, spec.evaluation.max_scored, spec.evaluation.buckets});
      require_finite_evaluation(r.loss, m.eval_length);
      m.loss = r.loss, m.bits_per_byte = r.bits_per_byte(), m.perplexity = r.perplexity();
      m.scored = r.scored, m.windows = r.windows;
      m.position_start = r.bucket_start;
      for (double l : r.position_loss) m.position_bits.push_back(l / std::log(2.0));
    } catch (const PositionsUnsupported& e) {  // n/a: a length the encoding refuses
      row.head.status = Status::kSkipped, row.head.status_detail = e.what();
    } catch (const std::exception& e) {
      row.head.status = Status::kFailed, row.head.error = e.what();
    }
    m.corpus_sha256 = task->corpus().sha256;
    m.train_loss_first = trained.result.losses.empty() ? 0.0 : trained.result.losses.front();
    m.train_loss_last10 = trained.last10;
    m.steps = static_cast<std::int64_t>(trained.result.losses.size());
    m.train_seconds = trained.result.seconds;
    m.train_tokens_per_s = trained.result.tokens_per_s;
    m.model = model_text(spec.model);
    m.checkpoint = checkpoint;
    m.parameters = model->parameter_count();
    m.encoding_parameters = model->encoding_parameter_count();
    ctx.emit(row.put(m));
  }
}

// Encodings x protocols as rows, evaluation lengths as columns, bits per byte pooled over
// seeds (the ALiBi paper's Figure 3 as numbers), the lowest mean per column and protocol in
// bold.
void ExtrapolationKind::write_tables(const std::vector<Row>& rows, const std::string& dir) const {
  std::vector<std::string> encodings, protocols;
  std::vector<std::int64_t> lengths;
  std::map<std::tuple<std::string, std::string, std::int64_t>, CellValues> cells;
  for (const Row& r : rows) {
    const auto m = r.get<ExtrapolationMetrics>();
    const std::string enc = encoding_label(r) + (m.variant.empty() ? "" : " + " + m.variant);
    if (std::find(encodings.begin(), encodings.end(), enc) == encodings.end())
      encodings.push_back(enc);
    if (std::find(protocols.begin(), protocols.end(), m.protocol) == protocols.end())
      protocols.push_back(m.protocol);
    if (std::find(lengths.begin(), lengths.end(), m.eval_length) == lengths.end())
      lengths.push_back(m.eval_length);
    CellValues& cell = cells[{enc, m.protocol, m.eval_length}];
    if (r.head.status == Status::kPassed && m.bits_per_byte)
      cell.add(*m.bits_per_byte);
    else
      cell.add_missing(status_cell(r.head.status));
  }
  std::sort(lengths.begin(), lengths.end());
  static constexpr int kDecimals = 3;
  Table t;
  LongCsv long_csv;
  t.header = {"encoding", "protocol"};
  for (const auto L : lengths) t.header.push_back(fmt::format("L={}", L));
  for (const auto& protocol : protocols) {
    Table part;  // this protocol's lines: bold is per protocol
    part.header = t.header;
    for (const auto& enc : encodings) {
      std::vector<std::string> line = {enc, protocol};
      for (const auto L : lengths) {
        line.push_back(stat_cell(cells[{enc, protocol, L}], kDecimals));
        long_csv.add(protocol, enc, fmt::format("L={}", L), "bits_per_byte",
                     cells[{enc, protocol, L}]);
      }
      part.rows.push_back(line);
    }
    bold_best(
        part, 2, Better::kLower,
        [&](std::size_t row, std::size_t col) -> std::optional<double> {
          const auto& values = cells[{encodings[row], protocol, lengths[col - 2]}].values;
          if (values.empty()) return std::nullopt;
          return summarize(values).mean;
        },
        [](double v) { return fmt::format("{:.{}f}", v, kDecimals); });
    for (const auto& [row, col] : part.bold) t.bold.insert({t.rows.size() + row, col});
    t.rows.insert(t.rows.end(), part.rows.begin(), part.rows.end());
  }
  t.footnote = provenance_footnote(rows, "n = seeds pooled per cell");
  // The plots scripts/plot.py draws after the tables (absent without matplotlib).
  std::string figures;
  std::vector<std::string> corpora;
  std::int64_t longest = lengths.empty() ? 0 : lengths.back();
  for (const Row& r : rows) {
    const std::string corpus = r.get<ExtrapolationMetrics>().corpus;
    if (std::find(corpora.begin(), corpora.end(), corpus) == corpora.end())
      corpora.push_back(corpus);
  }
  for (const auto& corpus : corpora) {
    for (const auto& protocol : protocols)
      figures += fmt::format("![{0}, {1}](plots/extrapolation_{0}_{1}.png)\n", corpus, protocol);
    if (std::find(protocols.begin(), protocols.end(), "windows") != protocols.end())
      figures +=
          fmt::format("![{0}, loss by position](plots/extrapolation_{0}_positions_L{1}.png)\n",
                      corpus, longest);
  }
  write_table_files(t, dir,
                    "Bits per byte on the evaluation split by evaluation length (lower is "
                    "better): mean ± std over seeds [95% confidence interval of the mean, "
                    "Student t] n=seeds; best mean per column and protocol in bold; windows: "
                    "non-overlapping windows; sliding: "
                    "a window every S tokens scoring its last S; n/a: the encoding cannot run "
                    "that length.\n\n" +
                        figures + "\n");
  long_csv.write(dir + "/table_long.csv");
}

}  // namespace

const SuiteKind& extrapolation_kind() {
  static const ExtrapolationKind kind;
  return kind;
}

}  // namespace pebench
