// The `external` optimizee: user programs as objectives, per evaluation or as JSON-lines
// workers; every way a program can misbehave is a failed evaluation with a clear reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "l2l/core/rng.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/evaluation/worker.hpp"
#include "l2l/optimizees/external/external.hpp"
#include "support/process_support.hpp"
#include "support/store_rows.hpp"
#include "support/test_support.hpp"

using namespace l2l;
namespace lt = l2l::testing;
using l2l::testing::TempDir;

namespace {

const char* kPython = "/usr/bin/python3";

bool have_python() {
  return ::access(kPython, X_OK) == 0;
}

// A directory whose name has spaces, holding the scripts.
struct Scripts {
  TempDir tmp;
  std::string dir;
  Scripts() : dir(tmp.file("my scripts")) { std::filesystem::create_directories(dir); }
  std::string add(const std::string& name, const std::string& code) const {
    const auto path = dir + "/" + name;
    std::ofstream(path) << code;
    return path;
  }
};

const char* kSphere = R"(import json, os, sys
req = json.load(sys.stdin)
v = req["vector"]
print("a log line before the answer")
print(json.dumps({"fitness": sum(x * x for x in v),
                  "metrics": {"n": len(v), "seed_ok": req["seed"] > 0,
                              "env": float(os.environ.get("MY_VALUE", "-1"))}}))
)";

std::unique_ptr<Optimizee> external(const std::string& options,
                                    const std::string& config_file = "test.yaml") {
  const auto yaml =
      "experiment:\n  seed: 3\noptimizee:\n  type: external\n  parameters:\n"
      "    - {name: x, min: -1, max: 1, size: 2}\n    - {name: k, min: 1, max: 9, "
      "integer: true}\n" +
      options;
  return build_optimizee(yaml, config_file);
}

std::string cmd(const std::string& script) {
  return fmt::format("  command: [{}, \"{}\"]\n", kPython, script);
}

Candidate candidate(std::int64_t index = 0) {
  Candidate c;
  c.generation = 2;
  c.index = index;
  c.seed = stream_seed(3, 2, index);
  c.params = {0.25, -0.5, 3};
  return c;
}

Evaluation eval(Optimizee& o, const Candidate& c = candidate()) {
  return evaluate_guarded(o, c, o.objective_names().size());
}

}  // namespace

TEST(ExternalOptimizee, RequestCarriesNamedParametersAndTheCandidate) {
  auto o = external("  command: [/bin/true]\n");
  auto& ext = dynamic_cast<ExternalOptimizee&>(*o);
  const auto j = ext.request(candidate(4), "");
  EXPECT_EQ(j["params"]["x"], nlohmann::json::parse("[0.25, -0.5]"));
  EXPECT_EQ(j["params"]["k"], 3);
  EXPECT_EQ(j["index"], 4);
  EXPECT_EQ(j["generation"], 2);
  EXPECT_EQ(j["seed"].get<std::uint64_t>(), stream_seed(3, 2, 4));
  EXPECT_EQ(j["vector"].size(), 3u);
  EXPECT_FALSE(j.contains("workdir"));
}

TEST(ExternalOptimizee, ParsesAnswersAndRejectsMalformedOnes) {
  auto o = external("  command: [/bin/true]\n");
  auto& ext = dynamic_cast<ExternalOptimizee&>(*o);
  auto e =
      ext.parse_answer("log\n{\"fitness\": [2.5], \"outputs\": [1, 2], \"metrics\": {\"a\": 1}}\n");
  ASSERT_TRUE(e.ok()) << e.reason;
  EXPECT_EQ(e.fitness, std::vector<double>{2.5});
  EXPECT_EQ(e.outputs.size(), 2u);
  EXPECT_EQ(e.metrics.at("a"), 1.0);
  struct Bad {
    const char* text;
    const char* reason;
  };
  for (const Bad& b : {Bad{"", "no answer"}, Bad{"garbage \x01\xff", "malformed answer"},
                       Bad{"{\"fitness\": NaN}", "NaN and Infinity are not JSON"},
                       Bad{"{\"fit\": 1}", "has no 'fitness'"},
                       Bad{"{\"fitness\": [1, 2]}", "2 fitness values, expected 1"},
                       Bad{"{\"fitness\": \"high\"}", "must be a number"},
                       Bad{"{\"fitness\": 1, \"metrics\": {\"m\": \"x\"}}", "metrics.m"},
                       Bad{"{\"error\": \"diverged\"}", "reported an error: diverged"}}) {
    const auto f = ext.parse_answer(b.text);
    EXPECT_FALSE(f.ok()) << b.text;
    EXPECT_NE(f.reason.find(b.reason), std::string::npos) << b.text << " -> " << f.reason;
  }
}

TEST(ExternalOptimizee, RunsAPythonScriptPerEvaluationWithSpacesInPaths) {
  if (!have_python()) GTEST_SKIP() << kPython << " missing";
  Scripts s;
  const auto script = s.add("sphere obj.py", kSphere);
  auto o = external(cmd(script) + "  env: {MY_VALUE: 4.5}\n");
  const auto c = candidate();
  const auto e = eval(*o, c);
  ASSERT_TRUE(e.ok()) << e.reason;
  EXPECT_EQ(e.fitness[0], 0.25 * 0.25 + 0.5 * 0.5 + 3.0 * 3.0);  // exact through JSON
  EXPECT_EQ(e.metrics.at("n"), 3);
  EXPECT_EQ(e.metrics.at("seed_ok"), 1);
  EXPECT_EQ(e.metrics.at("env"), 4.5);
}

TEST(ExternalOptimizee, FilesInPerEvaluationWorkingDirectories) {
  if (!have_python()) GTEST_SKIP() << kPython << " missing";
  Scripts s;
  const auto script = s.add("files.py", R"(import json, os
req = json.load(open("in put.json"))
assert os.getcwd() == req["workdir"] == os.environ["L2L_WORKDIR"]
json.dump({"fitness": sum(req["vector"])}, open("out put.json", "w"))
)");
  const auto work = s.dir + "/work dir";
  auto o =
      external(cmd(script) +
               fmt::format("  input: file\n  output: file\n  input_file: in put.json\n"
                           "  output_file: out put.json\n  workdir: {}\n  keep_workdirs: true\n",
                           work));
  const auto e = eval(*o, candidate(5));
  ASSERT_TRUE(e.ok()) << e.reason;
  EXPECT_EQ(e.fitness[0], 0.25 - 0.5 + 3);
  EXPECT_TRUE(std::filesystem::exists(work + "/g000002-i5/in put.json"));
  EXPECT_TRUE(std::filesystem::exists(work + "/g000002-i5/out put.json"));

  // Without workdir the files live in a temporary directory that is removed afterwards.
  auto t = external(cmd(script) +
                    "  input: file\n  output: file\n  input_file: in put.json\n"
                    "  output_file: out put.json\n");
  const auto e2 = eval(*t);
  ASSERT_TRUE(e2.ok()) << e2.reason;
}

TEST(ExternalOptimizee, MisbehavingProgramsAreFailedEvaluationsWithReasons) {
  if (!have_python()) GTEST_SKIP() << kPython << " missing";
  Scripts s;
  struct Case {
    const char* code;
    const char* reason;
    Status status;
  };
  const Case cases[] = {
      {"import sys\nsys.stderr.write('boom: model diverged\\n')\nsys.exit(3)\n",
       "ended with exit status 3; stderr: boom: model diverged", Status::failed},
      {"import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", "signal SIGSEGV",
       Status::failed},
      {"print('not json at all')\n", "malformed answer", Status::failed},
      {"pass\n", "no answer", Status::failed},
      {"import json\nprint(json.dumps({'fitness': float('nan')}))\n", "NaN", Status::failed},
      {"import sys\nsys.stdout.write('x' * (3 << 20))\n", "more than max_output_mb = 1 MiB",
       Status::failed},
      {"import time\ntime.sleep(60)\n", "timed out (timeout = 0.5 s)", Status::timeout},
      {"import json, sys\nprint(json.dumps({'error': 'out of range'}))\n",
       "reported an error: out of range", Status::failed},
  };
  int i = 0;
  for (const auto& c : cases) {
    const auto script = s.add(fmt::format("bad{}.py", i++), c.code);
    auto o = external(cmd(script) + "  timeout: 0.5\n  max_output_mb: 1\n");
    const auto e = eval(*o);
    EXPECT_EQ(e.status, c.status) << c.code << " -> " << e.reason;
    EXPECT_NE(e.reason.find(c.reason), std::string::npos) << c.code << " -> " << e.reason;
  }
  // A program that is not there is a configuration error, before any store exists ...
  try {
    external("  command: [no-such-program-for-l2l]\n");
    ADD_FAILURE() << "a missing program was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("optimizee.command: program 'no-such-program-for-l2l' "
                                         "not found or not executable (searched PATH)"),
              std::string::npos)
        << e.what();
  }
  // ... and one that vanishes during the run fails its evaluations, with the reason.
  Scripts s1;
  const auto vanishing = s1.add("vanishing.sh", "#!/bin/sh\necho '{\"fitness\": 1}'\n");
  std::filesystem::permissions(vanishing, std::filesystem::perms::owner_all);
  auto o = external("  command: [\"" + vanishing + "\"]\n");
  std::filesystem::remove(vanishing);
  const auto gone = eval(*o);
  EXPECT_EQ(gone.status, Status::failed);
  EXPECT_NE(gone.reason.find("vanishing.sh"), std::string::npos) << gone.reason;
  Scripts s2;
  const auto nofile = s2.add("nofile.py", "pass\n");
  auto f = external(cmd(nofile) + "  output: file\n");
  const auto missing = eval(*f).reason;
  EXPECT_NE(missing.find("wrote no answer file"), std::string::npos) << missing;
  EXPECT_NE(missing.find("result.json"), std::string::npos) << missing;
}

TEST(ExternalOptimizee, WorkerModeKeepsTheProgramAndReplacesItAfterFailures) {
  if (!have_python()) GTEST_SKIP() << kPython << " missing";
  Scripts s;
  const auto script = s.add("worker.py", R"(import json, os, sys, time
for line in sys.stdin:
    req = json.loads(line)
    k = req["params"]["k"]
    if k == 7:
        print("garbage, not an answer", flush=True)
        continue
    if k == 8:
        sys.exit(5)
    if k == 9:
        time.sleep(60)
    print(json.dumps({"fitness": sum(req["vector"]), "metrics": {"pid": os.getpid()}}), flush=True)
)");
  auto o = external(cmd(script) + "  mode: worker\n  timeout: 1\n");
  auto c = candidate();
  const auto a = eval(*o, c), b = eval(*o, c);
  ASSERT_TRUE(a.ok()) << a.reason;
  ASSERT_TRUE(b.ok()) << b.reason;
  EXPECT_EQ(a.metrics.at("pid"), b.metrics.at("pid"));  // one program served both
  EXPECT_EQ(a.fitness[0], 0.25 - 0.5 + 3);

  c.params[2] = 7;
  auto e = eval(*o, c);
  EXPECT_NE(e.reason.find("malformed answer"), std::string::npos) << e.reason;
  c.params[2] = 8;
  e = eval(*o, c);
  EXPECT_NE(e.reason.find("ended before answering: exit status 5"), std::string::npos) << e.reason;
  c.params[2] = 9;
  e = eval(*o, c);
  EXPECT_EQ(e.status, Status::timeout) << e.reason;
  c.params[2] = 3;
  e = eval(*o, c);
  ASSERT_TRUE(e.ok()) << e.reason;
  EXPECT_NE(e.metrics.at("pid"), a.metrics.at("pid"));  // a fresh program
}

TEST(ExternalOptimizee, PythonExampleRunsEndToEnd) {
  if (!have_python()) GTEST_SKIP() << kPython << " missing";
  TempDir dir;
  const auto store = dir.file("ext.db");
  const auto r = lt::run_to_end(
      {L2L_BINARY, "run", std::string(L2L_EXAMPLES_DIR) + "/external-python.yaml", "--out", store,
       "-q", "--set", "experiment.max_generations=2", "--set", "optimizer.population=6"},
      dir.path().string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto failed = lt::column(store, "SELECT count(*) FROM evaluations WHERE status != 'ok'");
  EXPECT_EQ(failed[0], "0");
  const auto metrics = lt::column(store, "SELECT metrics FROM evaluations LIMIT 1");
  EXPECT_NE(metrics[0].find("distance_to_optimum"), std::string::npos);
}

TEST(ExternalOptimizee, Brian2ExampleRunsWhenBrian2IsInstalled) {
  if (!have_python()) GTEST_SKIP() << kPython << " missing";
  TempDir dir;
  const auto probe = lt::run_to_end({kPython, "-c", "import brian2"}, dir.path().string());
  if (probe.code != 0) GTEST_SKIP() << "python3-brian is not installed";
  const auto store = dir.file("brian.db");
  const auto r =
      lt::run_to_end({L2L_BINARY, "run", std::string(L2L_EXAMPLES_DIR) + "/external-brian2.yaml",
                      "--out", store, "-q", "--set", "experiment.max_generations=1", "--set",
                      "optimizer.population=2", "--set", "evaluator.threads=1"},
                     dir.path().string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = lt::column(store, "SELECT status || ' ' || metrics FROM evaluations");
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) EXPECT_NE(row.find("ok {\"rate_hz\""), std::string::npos) << row;
}
