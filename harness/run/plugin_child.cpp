#include "run/plugin_child.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "attention/encoding_source.hpp"
#include "registry/registry.hpp"
#include "run/child_process.hpp"
#include "suite/case.hpp"

namespace pebench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

nlohmann::json task_json(const PluginTask& t) {
  return {{"kind", t.kind == PluginTask::kDescribe ? "describe" : "create"},
          {"target", t.target},
          {"params", t.params}};
}

// One task in this process (the child's work).
PluginTaskResult run_task_here(Registry& registry, const PluginTask& task,
                               const std::function<void(const std::string&)>& stage) {
  PluginTaskResult r;
  if (task.kind == PluginTask::kDescribe) {
    const std::size_t errors_before = registry.errors().size();
    if (registry.add_file(task.target)) {
      for (const auto& p : registry.plugins())
        if (p.path == fs::weakly_canonical(fs::absolute(task.target)).string()) r.entry = p;
      r.ok = !r.entry.is_null();
    }
    if (!r.ok)
      r.error = registry.errors().size() > errors_before ? registry.errors().back().message
                                                         : "not described";
    return r;
  }
  stage(fmt::format("creating encoding '{}' with its params", task.target));
  try {
    resolve_encoding(registry, task.target).create(task.params, AttentionShape{8, 64, 512});
    r.ok = true;
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

struct ReplyLine {
  std::size_t task = 0;
  std::string stage;  // a stage began
  bool result = false;
  PluginTaskResult value;
};

std::vector<ReplyLine> read_replies(const std::string& file) {
  std::vector<ReplyLine> lines;
  std::ifstream in(file);
  std::string text;
  while (std::getline(in, text)) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("task")) continue;  // a torn line
    ReplyLine l;
    l.task = j["task"].get<std::size_t>();
    if (j.contains("stage")) {
      l.stage = j["stage"].get<std::string>();
    } else {
      l.result = true;
      l.value.ok = j.value("ok", false);
      l.value.error = j.value("error", "");
      if (j.contains("entry")) l.value.entry = j["entry"];
    }
    lines.push_back(std::move(l));
  }
  return lines;
}

// The last non-empty line the child printed (e.g. "terminate called after ..."), short.
std::string last_output(const std::string& log) {
  std::ifstream in(log, std::ios::binary);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  if (last.size() > 200) last = last.substr(0, 200) + "...";
  return last.empty() ? "" : fmt::format("; its last output: \"{}\"", last);
}

std::string fate_of(const ChildResult& res, double timeout_s, const std::string& stage) {
  const std::string during = stage.empty() ? "before it began" : "while " + stage;
  switch (res.kind) {
    case ChildResult::kTimedOut:
      return fmt::format(
          "did not finish within {:g} s {} (a hang in a static constructor or the factory?); "
          "the process was killed (--plugin-timeout sets the limit)",
          timeout_s, during);
    case ChildResult::kSignaled:
      return fmt::format("the process was killed by signal {} ({}) {}", res.code,
                         strsignal(res.code), during);
    case ChildResult::kLogLimit:
      return fmt::format("the process printed more than 16 MB {}", during);
    case ChildResult::kInterrupted:
      return fmt::format("interrupted ({}) {}", strsignal(res.code), during);
    case ChildResult::kSpawnFailed:
      return fmt::format("could not start a process for it: {}", std::strerror(res.code));
    case ChildResult::kExited:
      break;
  }
  return fmt::format(
      "the plugin exited the process with status {} {} (exit() in a static constructor, the "
      "factory or the encoding's constructor?)",
      res.code, during);
}

}  // namespace

std::vector<PluginTaskResult> run_plugin_tasks(const std::vector<PluginTask>& tasks,
                                               const nlohmann::json& catalog, double timeout_s) {
  std::vector<PluginTaskResult> results(tasks.size());
  if (tasks.empty()) return results;
  if (!running_pebench()) {  // a test binary: no pebench to spawn; here, unprotected
    Registry registry;
    if (!catalog.is_null()) registry.add_catalog(catalog);
    for (std::size_t i = 0; i < tasks.size(); ++i)
      results[i] = run_task_here(registry, tasks[i], [](const std::string&) {});
    return results;
  }
  const fs::path dir =
      fs::temp_directory_path() /
      fmt::format("pebench-plugins-{}-{}", getpid(), Clock::now().time_since_epoch().count());
  fs::create_directories(dir);
  const std::string request = (dir / "request.json").string(),
                    reply = (dir / "reply.jsonl").string(), log = (dir / "child.log").string();
  nlohmann::json tasks_json = nlohmann::json::array();
  for (const auto& t : tasks) tasks_json.push_back(task_json(t));
  std::size_t from = 0;
  while (from < tasks.size()) {
    {
      std::ofstream(request) << nlohmann::json{
          {"tasks", tasks_json}, {"catalog", catalog}, {"from", from}};
      std::ofstream(reply, std::ios::trunc);
    }
    // The watchdog: the task the child is on, and since when.
    std::size_t current = from;
    std::string stage;
    auto since = Clock::now();
    auto keep_going = [&] {
      const auto lines = read_replies(reply);
      if (!lines.empty()) {
        const ReplyLine& l = lines.back();
        const std::size_t on = l.result ? l.task + 1 : l.task;
        if (on != current || (!l.result && l.stage != stage)) since = Clock::now();
        current = on;
        stage = l.result ? "" : l.stage;
      }
      return std::chrono::duration<double>(Clock::now() - since).count() <= timeout_s;
    };
    const ChildResult res =
        run_child({"pebench", "plugin-child", request, reply}, log, 1e9, false, 16e6, keep_going);
    std::size_t next = tasks.size();
    std::string last_stage;
    const auto lines = read_replies(reply);
    for (std::size_t i = from; i < tasks.size(); ++i) {
      bool have = false;
      for (const auto& l : lines)
        if (l.task == i && l.result) results[i] = l.value, have = true;
      if (!have) {
        next = i;
        break;
      }
    }
    if (next == tasks.size()) break;
    for (const auto& l : lines)
      if (l.task == next && !l.result) last_stage = l.stage;
    results[next].ok = false;
    results[next].error = fate_of(res, timeout_s, last_stage) + last_output(log);
    if (res.kind == ChildResult::kSpawnFailed) {
      for (std::size_t i = next + 1; i < tasks.size(); ++i) results[i] = results[next];
      break;
    }
    from = next + 1;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return results;
}

Describer child_describer(double timeout_s) {
  return [timeout_s](const std::vector<std::string>& files) {
    std::vector<PluginTask> tasks;
    for (const auto& f : files) tasks.push_back(PluginTask::describe(f));
    std::vector<Described> out;
    for (auto& r : run_plugin_tasks(tasks, nlohmann::json(), timeout_s)) {
      Described d;
      d.ok = r.ok, d.error = r.error;
      if (r.ok) d.entry = r.entry.get<PluginEntry>();
      out.push_back(std::move(d));
    }
    return out;
  };
}

namespace {
std::string g_catalog_in_use;
}
void set_catalog_in_use(std::string path) {
  g_catalog_in_use = std::move(path);
}
const std::string& catalog_in_use() {
  return g_catalog_in_use;
}
void write_catalog(const std::string& path, const nlohmann::json& catalog) {
  std::ofstream out(path, std::ios::trunc);
  out << catalog.dump(1) << "\n";
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

int plugin_child_main(const std::string& request_file, const std::string& reply_file) {
  std::ifstream in(request_file);
  const nlohmann::json request = nlohmann::json::parse(in);
  std::FILE* out = std::fopen(reply_file.c_str(), "ab");
  if (!out) throw std::runtime_error("cannot write " + reply_file);
  auto emit = [out](const nlohmann::json& j) {
    const std::string line = j.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);  // the parent reads it while this process runs (and after it dies)
  };
  Registry registry;
  if (!request["catalog"].is_null()) registry.add_catalog(request["catalog"]);
  std::size_t current = 0;
  auto stage = [&](const std::string& s) { emit({{"task", current}, {"stage", s}}); };
  registry.on_stage(stage);
  const auto& tasks = request.at("tasks");
  for (std::size_t i = request.at("from").get<std::size_t>(); i < tasks.size(); ++i) {
    current = i;
    const auto& t = tasks[i];
    PluginTask task{t.at("kind") == "describe" ? PluginTask::kDescribe : PluginTask::kCreate,
                    t.at("target").get<std::string>(), t.at("params").get<Config>()};
    stage(task.kind == PluginTask::kDescribe ? "examining the file" : "resolving the name");
    const PluginTaskResult r = run_task_here(registry, task, stage);
    nlohmann::json j = {{"task", i}, {"ok", r.ok}};
    if (!r.ok) j["error"] = r.error;
    if (!r.entry.is_null()) j["entry"] = r.entry;
    emit(j);
  }
  std::fclose(out);
  return 0;
}

}  // namespace pebench
