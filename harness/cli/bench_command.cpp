// `pebench bench softmax|model`: benchmarks that are not suites. softmax runs on the timing
// machinery of kind speed (bench/timing.hpp); model alternates whole pebench and PyTorch
// rounds (its own step loop, the shared median). Attention, with a same-FLOP GEMM beside
// it, is a speed suite: `pebench run suites/attention-bench.yaml`.
#include <sstream>

#include "bench/model_bench.hpp"
#include "bench/softmax_bench.hpp"
#include "cli/command.hpp"
#include "core/threads.hpp"

namespace pebench {

Command add_bench_command(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("bench", "Benchmarks that are not suites: softmax, model");
  cmd->require_subcommand(1);
  struct Options {
    SoftmaxBenchOptions softmax;
    std::string softmax_shapes;
    ModelBenchOptions model;
    bool no_torch = false;
  };
  auto o = std::make_shared<Options>();
  auto* softmax = cmd->add_subcommand("softmax", "oneDNN softmax vs pebench's own row softmax");
  softmax->add_option("--shapes", o->softmax_shapes, "ROWSxCOLS,... (default 8192x1024,2048x4096)");
  softmax->add_option("--repetitions", o->softmax.repetitions, "Timed repetitions")
      ->check(CLI::Range(2, 1000));
  auto* model =
      cmd->add_subcommand("model", "Model tokens/s, pebench vs the same model in PyTorch");
  model->add_option("--shapes", o->model.shapes, "BxT,... (default 8x256,2x1024)");
  model->add_option("--encodings", o->model.encodings, "Encodings, comma-separated (default nope)");
  model->add_option("--steps", o->model.steps, "Timed steps per round")->check(CLI::PositiveNumber);
  model->add_option("--rounds", o->model.rounds, "Rounds")->check(CLI::PositiveNumber);
  model->add_flag("--no-torch", o->no_torch, "pebench only");
  return {cmd, [&global, o, softmax] {
            // As the bench binaries these replace: 2 threads unless --threads says otherwise.
            if (global.threads == 0) set_threads(2);
            if (softmax->parsed()) {
              if (!o->softmax_shapes.empty()) {
                o->softmax.shapes.clear();
                std::stringstream ss(o->softmax_shapes);
                for (std::string item; std::getline(ss, item, ',');) {
                  const auto x = item.find('x');
                  if (x == std::string::npos)
                    throw std::invalid_argument("--shapes: expected ROWSxCOLS, got '" + item + "'");
                  o->softmax.shapes.push_back(
                      {std::stoll(item.substr(0, x)), std::stoll(item.substr(x + 1))});
                }
              }
              return run_softmax_bench(o->softmax);
            }
            Registry registry = make_registry(global);
            o->model.torch = !o->no_torch;
            return run_model_bench(registry, o->model);
          }};
}

}  // namespace pebench
