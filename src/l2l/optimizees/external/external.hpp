#pragma once
// Optimizee `external`: the inner loop is a user program (a Python script, a NEST or Brian2
// simulation, a NetLogo or TVB run...) that receives a parameter set as JSON and answers with its
// fitness as JSON.
//
// mode per_evaluation: the program is started for every evaluation and gets the request on stdin
//   (or as a file in a per-evaluation working directory); its answer is its stdout (or a file).
// mode worker: the program is started once per concurrent evaluation slot and kept running; it
//   reads one request per line on stdin and writes one answer per line on stdout (JSON lines).
//
// The command is an argument list, never passed through a shell, so paths with spaces and
// special characters need no quoting. A program that crashes, exits non-zero, times out, or
// answers with something that is not the expected JSON produces a failed evaluation whose reason
// says which, with the tail of the program's stderr; the run goes on.
//
// Request: {"generation": g, "index": i, "seed": s, "batch": b, "phase": "train"|"test",
//           "params": {"name": value or [values], ...}, "vector": [all values in order],
//           "workdir": "/path" (only when a per-evaluation directory exists)}
// Answer:  {"fitness": number or [numbers], "outputs": [...], "observations": [...],
//           "metrics": {"name": number, ...}}   or   {"error": "why it failed"}
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "l2l/core/subprocess.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

class ExternalOptimizee final : public Optimizee {
 public:
  enum class Mode { per_evaluation, worker };
  enum class Channel { standard, file };  // stdin/stdout or a file in the working directory

  struct Config {
    std::vector<std::string> command;
    std::string command_where;  // "file:line: optimizee.command: " for errors found later
    ParameterSpace space;
    std::vector<std::string> objectives{"fitness"};
    std::vector<double> weights;  // empty: 1 per objective
    Mode mode = Mode::per_evaluation;
    Channel input = Channel::standard;
    Channel output = Channel::standard;
    std::string input_file = "parameters.json";
    std::string output_file = "result.json";
    std::string workdir;  // base of per-evaluation directories; empty: none (or temporary)
    bool keep_workdirs = false;
    std::string cwd;
    std::map<std::string, std::string> env;
    bool inherit_env = true;
    double timeout = 0;
    std::int64_t max_output_mb = 64;
    std::int64_t stderr_tail = 2000;
    static Config read(Options& o);
  };

  ExternalOptimizee(const Config& cfg, const OptimizeeContext& ctx);
  ~ExternalOptimizee() override;

  ParameterSpace space() const override { return cfg_.space; }
  Evaluation evaluate(const Candidate& candidate) override;
  std::vector<std::string> objective_names() const override { return cfg_.objectives; }
  std::vector<double> default_weights() const override;
  nlohmann::json describe() const override;

  // The request document for a candidate (public for tests and documentation).
  nlohmann::json request(const Candidate& c, const std::string& workdir) const;
  // Turns a program's answer into an evaluation; malformed answers become failures.
  Evaluation parse_answer(const std::string& text) const;

 private:
  struct Program;  // a running worker-mode program
  Evaluation evaluate_once(const Candidate& c);
  Evaluation evaluate_worker(const Candidate& c);
  std::string make_workdir(const Candidate& c, bool& temporary) const;
  SpawnSpec spawn_spec(const std::string& cwd) const;

  Config cfg_;
  std::string base_dir_;  // for relative paths: the experiment file's directory
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Program>> idle_;
};

}  // namespace l2l
