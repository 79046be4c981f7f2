#include "l2l/optimizees/external/external.hpp"

#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "l2l/core/pipe_io.hpp"

namespace l2l {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

std::string substitute(std::string s, const std::string& config_dir) {
  static const std::string key = "${config_dir}";
  for (auto pos = s.find(key); pos != std::string::npos; pos = s.find(key, pos)) {
    s.replace(pos, key.size(), config_dir);
    pos += config_dir.size();
  }
  return s;
}

ParameterSpace read_space(Options& o) {
  ParameterSpace space;
  auto items = o.list("parameters",
                      "the search space, one entry per parameter: {name, min, max, size (makes "
                      "it an array), log (log scale), integer}");
  for (auto& p : items) {
    const auto name = p.required<std::string>("name", "parameter name");
    const auto lo = p.required<double>("min", "lower bound");
    const auto hi = p.required<double>("max", "upper bound");
    const auto size = p.get<std::int64_t>("size", 0, "array size; 0 or absent: a scalar",
                                          Check::range(0, 100'000'000));
    const auto log = p.get<bool>("log", false, "log scale (bounds must be positive)");
    const auto integer = p.get<bool>("integer", false, "integer values");
    p.finish();
    try {
      if (size > 0) {
        space.add_array(name, static_cast<std::size_t>(size), lo, hi, log, integer);
      } else {
        space.add_scalar(name, lo, hi, log, integer);
      }
    } catch (const std::exception& e) {
      p.fail("name", e.what());
    }
  }
  if (!o.describing() && space.dim() == 0)
    o.fail("parameters", "is required: the external program's parameters (name, min, max)");
  return space;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string with_tail(std::string why, const std::string& tail) {
  if (!tail.empty()) why += "; stderr: " + tail;
  return why;
}

}  // namespace

namespace {

// What execvp would find: a path as given, a bare name on PATH.
bool executable_found(const std::string& prog) {
  auto runnable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  if (prog.find('/') != std::string::npos) return runnable(prog);
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (runnable(fs::path(dir.empty() ? "." : dir) / prog)) return true;
  return false;
}

}  // namespace

ExternalOptimizee::Config ExternalOptimizee::Config::read(Options& o) {
  Config c;
  c.command = o.required<std::vector<std::string>>(
      "command",
      "the program and its arguments as a list, never run through a shell, e.g. "
      "[/usr/bin/python3, \"${config_dir}/objective.py\"]; ${config_dir} is the experiment "
      "file's directory, a relative program path is relative to it");
  if (!o.describing() && (c.command.empty() || c.command[0].empty()))
    o.fail("command", "must name a program");
  c.command_where = o.where("command");
  c.space = read_space(o);
  c.objectives = o.get<std::vector<std::string>>("objectives", c.objectives,
                                                 "names of the values in the answer's fitness");
  if (!o.describing() && c.objectives.empty()) o.fail("objectives", "needs at least one name");
  c.weights = o.get<std::vector<double>>(
      "weights", {},
      "default fitness weights, one per objective (L2L: maximize the weighted sum, so -1 "
      "minimizes); default 1 each; experiment.fitness_weights overrides");
  if (!o.describing() && !c.weights.empty() && c.weights.size() != c.objectives.size())
    o.fail("weights",
           fmt::format("{} weights for {} objectives", c.weights.size(), c.objectives.size()));
  c.mode = o.get<std::string>(
               "mode", "per_evaluation",
               "per_evaluation: start the program for every evaluation; worker: keep it running "
               "and exchange one JSON line per evaluation on stdin/stdout",
               Check::one_of({"per_evaluation", "worker"})) == "worker"
               ? Mode::worker
               : Mode::per_evaluation;
  c.input = o.get<std::string>("input", "stdin",
                               "per_evaluation: the request on stdin, or as `input_file` in the "
                               "evaluation's working directory",
                               Check::one_of({"stdin", "file"})) == "file"
                ? Channel::file
                : Channel::standard;
  c.output = o.get<std::string>("output", "stdout",
                                "per_evaluation: the answer on stdout (the whole output or its "
                                "last line), or as `output_file` in the working directory",
                                Check::one_of({"stdout", "file"})) == "file"
                 ? Channel::file
                 : Channel::standard;
  c.input_file = o.get<std::string>("input_file", c.input_file, "name of the request file");
  c.output_file = o.get<std::string>("output_file", c.output_file, "name of the answer file");
  c.workdir = o.get<std::string>(
      "workdir", "",
      "directory under which every evaluation gets its own working directory gGENERATION-iINDEX "
      "(the program's current directory); empty: none, or a temporary one when input or output "
      "is a file");
  c.keep_workdirs = o.get<bool>("keep_workdirs", false,
                                "keep the per-evaluation directories under workdir (default: "
                                "removed after each evaluation)");
  c.cwd = o.get<std::string>("cwd", "",
                             "the program's working directory when there is no per-evaluation "
                             "directory (default: l2l's)");
  const YAML::Node env = o.raw("env", "environment variables to set: {NAME: value, ...}");
  if (env.IsDefined() && !env.IsNull()) {
    if (!env.IsMap()) o.fail("env", "must be a mapping of NAME: value");
    for (auto it = env.begin(); it != env.end(); ++it) {
      if (!it->second.IsScalar()) o.fail("env", "values must be strings or numbers");
      c.env[it->first.Scalar()] = it->second.Scalar();
    }
  }
  c.inherit_env =
      o.get<bool>("inherit_env", true, "start from l2l's environment (false: only `env` and PATH)");
  c.timeout = o.get<double>(
      "timeout", 0.0,
      "seconds an evaluation may take; then the program and its process group are killed and "
      "the evaluation is recorded as `timeout` (0: no limit)",
      Check::at_least(0));
  c.max_output_mb = o.get<std::int64_t>(
      "max_output_mb", 64, "larger stdout fails the evaluation (MiB)", Check::at_least(1));
  c.stderr_tail = o.get<std::int64_t>("stderr_tail", 2000,
                                      "bytes of the program's stderr kept in a failure reason",
                                      Check::at_least(0));
  if (!o.describing() && c.mode == Mode::worker &&
      (c.input == Channel::file || c.output == Channel::file))
    o.fail("mode",
           "worker programs exchange JSON lines on stdin/stdout; input and output files "
           "are for mode per_evaluation");
  return c;
}

struct ExternalOptimizee::Program {
  pid_t pid = -1;
  UniqueFd in, out, err;
  std::string pending;  // stdout bytes after the last complete line
  OutputTail tail;

  explicit Program(std::size_t tail_bytes) : tail(tail_bytes) {}
  ~Program() {
    if (pid <= 0) return;
    in.reset();  // end of input asks a well-behaved program to exit
    const auto deadline = clock_type::now() + std::chrono::milliseconds(500);
    while (!has_exited(pid) && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    kill_process_tree(pid);
    wait_process(pid);
  }
  void drain_err() { drain_into(err, tail); }
};

ExternalOptimizee::ExternalOptimizee(const Config& cfg, const OptimizeeContext& ctx) : cfg_(cfg) {
  std::error_code ec;
  const fs::path file = ctx.config_file;
  base_dir_ = (!ctx.config_file.empty() && fs::is_regular_file(file, ec))
                  ? fs::absolute(file, ec).parent_path().string()
                  : fs::current_path(ec).string();
  for (auto& a : cfg_.command) a = substitute(a, base_dir_);
  auto& prog = cfg_.command[0];
  if (prog.find('/') != std::string::npos && fs::path(prog).is_relative())
    prog = (fs::path(base_dir_) / prog).lexically_normal().string();
  // A missing program would otherwise fail every evaluation of a run that already has a store.
  if (!executable_found(prog))
    throw ConfigError(cfg_.command_where +
                      fmt::format("program '{}' not found or not executable{}", prog,
                                  prog.find('/') == std::string::npos ? " (searched PATH)" : ""));
  cfg_.cwd = substitute(cfg_.cwd, base_dir_);
  cfg_.workdir = substitute(cfg_.workdir, base_dir_);
  for (auto& [k, v] : cfg_.env) v = substitute(v, base_dir_);
}

ExternalOptimizee::~ExternalOptimizee() = default;

std::vector<double> ExternalOptimizee::default_weights() const {
  return cfg_.weights.empty() ? std::vector<double>(cfg_.objectives.size(), 1.0) : cfg_.weights;
}

nlohmann::json ExternalOptimizee::describe() const {
  return {{"command", cfg_.command},
          {"mode", cfg_.mode == Mode::worker ? "worker" : "per_evaluation"},
          {"objectives", cfg_.objectives}};
}

nlohmann::json ExternalOptimizee::request(const Candidate& c, const std::string& workdir) const {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& p : cfg_.space.parameters()) {
    const auto v = cfg_.space.view(c.params, p.name);
    if (p.is_array) {
      params[p.name] = std::vector<double>(v.begin(), v.end());
    } else if (p.integer) {
      params[p.name] = static_cast<std::int64_t>(std::llround(v[0]));
    } else {
      params[p.name] = v[0];
    }
  }
  nlohmann::json j = {{"generation", c.generation},
                      {"index", c.index},
                      {"seed", c.seed},
                      {"batch", c.batch},
                      {"phase", to_string(c.phase)},
                      {"params", std::move(params)},
                      {"vector", c.params}};
  if (!workdir.empty()) j["workdir"] = workdir;
  return j;
}

Evaluation ExternalOptimizee::parse_answer(const std::string& text) const {
  const std::string all = trim(text);
  if (all.empty()) return Evaluation::failure("no answer: the program wrote nothing");
  nlohmann::json j = nlohmann::json::parse(all, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    // Programs may log on stdout; then the answer is the last line.
    const auto nl = all.find_last_of('\n');
    if (nl != std::string::npos) j = nlohmann::json::parse(all.substr(nl + 1), nullptr, false);
  }
  if (j.is_discarded() || !j.is_object()) {
    const auto last =
        all.substr(all.find_last_of('\n') == std::string::npos ? 0 : all.find_last_of('\n') + 1);
    std::string why = "malformed answer, expected a JSON object";
    if (last.find("NaN") != std::string::npos || last.find("Infinity") != std::string::npos)
      why += " (NaN and Infinity are not JSON: the fitness must be finite)";
    return Evaluation::failure(fmt::format("{}: {}", why, printable(last, 200)));
  }
  if (j.contains("error")) {
    const auto& e = j["error"];
    return Evaluation::failure("the program reported an error: " +
                               (e.is_string() ? e.get<std::string>() : e.dump()));
  }
  auto numbers = [&](const nlohmann::json& v, const char* what,
                     std::vector<double>& dst) -> std::string {
    if (v.is_number()) {
      dst.push_back(v.get<double>());
      return {};
    }
    if (!v.is_array()) return fmt::format("'{}' must be a number or a list of numbers", what);
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number())
        return fmt::format("'{}'[{}] is {}, not a number", what, i, v[i].dump());
      dst.push_back(v[i].get<double>());
    }
    return {};
  };
  Evaluation e;
  if (!j.contains("fitness"))
    return Evaluation::failure(
        fmt::format("the answer has no 'fitness': {}", printable(j.dump(), 200)));
  if (auto why = numbers(j["fitness"], "fitness", e.fitness); !why.empty())
    return Evaluation::failure(why);
  if (e.fitness.size() != cfg_.objectives.size())
    return Evaluation::failure(fmt::format("the answer has {} fitness values, expected {} ({})",
                                           e.fitness.size(), cfg_.objectives.size(),
                                           fmt::join(cfg_.objectives, ", ")));
  if (j.contains("outputs"))
    if (auto why = numbers(j["outputs"], "outputs", e.outputs); !why.empty())
      return Evaluation::failure(why);
  if (j.contains("observations"))
    if (auto why = numbers(j["observations"], "observations", e.observations); !why.empty())
      return Evaluation::failure(why);
  if (j.contains("metrics")) {
    const auto& m = j["metrics"];
    if (!m.is_object()) return Evaluation::failure("'metrics' must be an object of numbers");
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (it.value().is_number()) {
        e.metrics[it.key()] = it.value().get<double>();
      } else if (it.value().is_boolean()) {
        e.metrics[it.key()] = it.value().get<bool>() ? 1.0 : 0.0;
      } else {
        return Evaluation::failure(fmt::format("metrics.{} is {}, not a number", it.key(),
                                               printable(it.value().dump(), 80)));
      }
    }
  }
  return e;
}

SpawnSpec ExternalOptimizee::spawn_spec(const std::string& cwd) const {
  SpawnSpec spec;
  spec.argv = cfg_.command;
  spec.cwd = cwd;
  spec.inherit_env = cfg_.inherit_env;
  spec.env = cfg_.env;
  if (!cfg_.inherit_env && !spec.env.count("PATH")) {
    const char* path = std::getenv("PATH");
    spec.env["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
  }
  return spec;
}

std::string ExternalOptimizee::make_workdir(const Candidate& c, bool& temporary) const {
  temporary = false;
  const bool needs_dir = cfg_.input == Channel::file || cfg_.output == Channel::file;
  if (cfg_.workdir.empty()) {
    if (!needs_dir) return {};
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = fmt::format("{}/l2l-eval-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error(
          fmt::format("cannot create a temporary directory: {}", std::strerror(errno)));
    temporary = true;
    return tmpl;
  }
  const auto name = c.index < 0 ? fmt::format("g{:06}-{}", c.generation, to_string(c.phase))
                                : fmt::format("g{:06}-i{}", c.generation, c.index);
  const fs::path dir = fs::path(cfg_.workdir) / name;
  std::error_code ec;
  fs::remove_all(dir, ec);  // left over from an interrupted attempt
  fs::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error(
        fmt::format("cannot create working directory '{}': {}", dir.string(), ec.message()));
  return fs::absolute(dir).string();
}

Evaluation ExternalOptimizee::evaluate(const Candidate& c) {
  return cfg_.mode == Mode::worker ? evaluate_worker(c) : evaluate_once(c);
}

Evaluation ExternalOptimizee::evaluate_once(const Candidate& c) {
  bool temporary = false;
  const std::string dir = make_workdir(c, temporary);
  struct Cleanup {
    std::string dir;
    bool remove;
    ~Cleanup() {
      std::error_code ec;
      if (remove && !dir.empty()) fs::remove_all(dir, ec);
    }
  } cleanup{dir, temporary || !cfg_.keep_workdirs};

  const std::string req = request(c, dir).dump() + "\n";
  if (cfg_.input == Channel::file) {
    std::ofstream f(fs::path(dir) / cfg_.input_file, std::ios::binary);
    f << req;
    if (!f)
      throw std::runtime_error(
          fmt::format("cannot write {}", (fs::path(dir) / cfg_.input_file).string()));
  }
  SpawnSpec spec = spawn_spec(dir.empty() ? cfg_.cwd : dir);
  spec.env["L2L_GENERATION"] = std::to_string(c.generation);
  spec.env["L2L_INDEX"] = std::to_string(c.index);
  spec.env["L2L_SEED"] = std::to_string(c.seed);
  if (!dir.empty()) spec.env["L2L_WORKDIR"] = dir;

  ProcessResult res;
  try {
    res = run_process(spec, cfg_.input == Channel::standard ? req : std::string(), cfg_.timeout,
                      static_cast<std::size_t>(cfg_.max_output_mb) << 20,
                      static_cast<std::size_t>(cfg_.stderr_tail));
  } catch (const SpawnError& e) {
    return Evaluation::failure(e.what());
  }
  if (res.timed_out)
    return Evaluation::failure(
        with_tail(fmt::format("timed out (timeout = {} s): the program and its process group "
                              "were killed",
                              cfg_.timeout),
                  res.error_tail),
        Status::timeout);
  if (res.output_overflow)
    return Evaluation::failure(with_tail(
        fmt::format("the program wrote more than max_output_mb = {} MiB", cfg_.max_output_mb),
        res.error_tail));
  if (!exited_normally(res.status))
    return Evaluation::failure(
        with_tail(fmt::format("the program ended with {}", describe_wait_status(res.status)),
                  res.error_tail));
  std::string answer = res.output;
  if (cfg_.output == Channel::file) {
    const auto path = fs::path(dir) / cfg_.output_file;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      return Evaluation::failure(with_tail(
          fmt::format("the program wrote no answer file '{}'", path.string()), res.error_tail));
    answer = read_file(path);
  }
  auto e = parse_answer(answer);
  if (!e.ok()) e.reason = with_tail(e.reason, res.error_tail);
  return e;
}

Evaluation ExternalOptimizee::evaluate_worker(const Candidate& c) {
  std::unique_ptr<Program> prog;
  {
    std::lock_guard lock(pool_mutex_);
    while (!idle_.empty() && !prog) {
      prog = std::move(idle_.back());
      idle_.pop_back();
      // A program that ended while idle is replaced without costing an evaluation.
      if (has_exited(prog->pid)) prog.reset();
    }
  }
  if (!prog) {
    prog = std::make_unique<Program>(static_cast<std::size_t>(cfg_.stderr_tail));
    auto [in_r, in_w] = make_pipe();
    auto [out_r, out_w] = make_pipe();
    auto [err_r, err_w] = make_pipe();
    SpawnSpec spec = spawn_spec(cfg_.cwd);
    spec.fds = {{0, in_r.get()}, {1, out_w.get()}, {2, err_w.get()}};
    try {
      prog->pid = spawn_process(spec);
    } catch (const SpawnError& e) {
      return Evaluation::failure(e.what());
    }
    prog->in = std::move(in_w);
    prog->out = std::move(out_r);
    prog->err = std::move(err_r);
    set_nonblocking(prog->in.get());
    set_nonblocking(prog->out.get());
    set_nonblocking(prog->err.get());
  }

  bool temporary = false;
  const std::string dir = make_workdir(c, temporary);
  struct Cleanup {
    std::string dir;
    bool remove;
    ~Cleanup() {
      std::error_code ec;
      if (remove && !dir.empty()) fs::remove_all(dir, ec);
    }
  } cleanup{dir, temporary || !cfg_.keep_workdirs};

  const std::string line = request(c, dir).dump() + "\n";
  prog->tail.clear();
  std::size_t written = 0;
  const auto t0 = clock_type::now();
  const auto deadline = cfg_.timeout > 0 ? t0 + std::chrono::duration_cast<clock_type::duration>(
                                                    std::chrono::duration<double>(cfg_.timeout))
                                         : clock_type::time_point::max();
  std::string answer;
  bool got = false;
  bool ended = false;  // the program closed its output (or reading it failed)
  std::string failure;
  Status failure_status = Status::failed;
  const std::size_t max_line = static_cast<std::size_t>(cfg_.max_output_mb) << 20;
  auto take_output = [&](const char* data, std::size_t n) {
    prog->pending.append(data, n);
    if (prog->pending.size() <= max_line) return true;
    failure = fmt::format("the program wrote a line longer than max_output_mb = {} MiB",
                          cfg_.max_output_mb);
    return false;
  };
  auto end_program = [&] {
    kill_process_tree(prog->pid);
    const int status = wait_process(prog->pid);
    prog->pid = -1;
    return status;
  };

  while (!got && failure.empty()) {
    // A complete line may already be buffered.
    if (const auto nl = prog->pending.find('\n'); nl != std::string::npos) {
      answer = prog->pending.substr(0, nl);
      prog->pending.erase(0, nl + 1);
      if (trim(answer).empty()) continue;  // blank lines are not answers
      got = true;
      break;
    }
    if (ended) {
      prog->drain_err();
      failure = fmt::format("the program ended before answering: {}",
                            describe_wait_status(end_program()));
      break;
    }
    if (clock_type::now() >= deadline) {
      failure = fmt::format(
          "timed out (timeout = {} s): the program and its process group "
          "were killed",
          cfg_.timeout);
      failure_status = Status::timeout;
      break;
    }
    std::vector<pollfd> fds;
    if (written < line.size()) fds.push_back({prog->in.get(), POLLOUT, 0});
    fds.push_back({prog->out.get(), POLLIN, 0});
    if (prog->err) fds.push_back({prog->err.get(), POLLIN, 0});
    const int n =
        poll_until(fds, deadline, deadline == clock_type::time_point::max() ? -1 : 60'000);
    if (n < 0 && errno != EINTR) {
      failure = fmt::format("poll: {}", std::strerror(errno));
      break;
    }
    for (const auto& p : fds) {
      if (!p.revents) continue;
      if (p.fd == prog->in.get()) {
        if (!write_available(p.fd, line, written)) {
          failure = "the program stopped reading its input";
          break;
        }
      } else if (p.fd == prog->out.get()) {
        const auto end = read_available(p.fd, take_output);
        if (!failure.empty()) break;
        // An answer read together with the end of the output still counts (checked above).
        ended = end == ReadEnd::closed || end == ReadEnd::failed;
      } else if (prog->err && p.fd == prog->err.get()) {
        prog->drain_err();
      }
    }
  }
  if (prog->err) prog->drain_err();
  const auto tail = prog->tail.text();
  if (!failure.empty()) {
    if (prog->pid > 0) kill_process_tree(prog->pid);  // a hung or confused program goes now
    return Evaluation::failure(with_tail(failure, tail), failure_status);
  }
  auto e = parse_answer(answer);
  if (!e.ok()) {
    // The program's state is unknown after a malformed answer: it is replaced.
    e.reason = with_tail(e.reason, tail);
    return e;
  }
  // A program that closed its output after answering cannot answer again: it is not kept.
  if (ended) {
    end_program();
    return e;
  }
  std::lock_guard lock(pool_mutex_);
  idle_.push_back(std::move(prog));
  return e;
}

L2L_REGISTER_OPTIMIZEE(ExternalOptimizee, "external",
                       "a user program evaluates each parameter set: JSON in, JSON out (per "
                       "evaluation or as a JSON-lines worker)");

}  // namespace l2l
