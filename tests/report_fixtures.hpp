#pragma once
// Synthetic run stores for the report tests: runs of kinds whose real optimizers or optimizees
// live elsewhere (EnKF artifacts, spike rasters, ant arenas, nested runs), a run whose names try
// to inject script, and a run that is still going. They are written through RunStore exactly as
// the driver writes, with artifacts in the formats of docs/report.md. Used by
// tests/report_test.cpp and by the browser test's fixture program (tests/browser/).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/core/rng.hpp"
#include "l2l/storage/run_store.hpp"

namespace l2l::testing::fixtures {

using nlohmann::json;

inline std::string f32_blob(const std::vector<double>& v) {
  std::string s(v.size() * 4, '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float f = static_cast<float>(v[i]);
    std::memcpy(s.data() + 4 * i, &f, 4);
  }
  return s;
}

struct Space {
  json j = json::array();
  std::size_t dim = 0;
  Space& scalar(const std::string& name, double lo, double hi) {
    j.push_back({{"name", name},
                 {"size", 1},
                 {"array", false},
                 {"lo", lo},
                 {"hi", hi},
                 {"log", false},
                 {"integer", false}});
    ++dim;
    return *this;
  }
  Space& array(const std::string& name, std::size_t n, double lo, double hi) {
    j.push_back({{"name", name},
                 {"size", n},
                 {"array", true},
                 {"lo", lo},
                 {"hi", hi},
                 {"log", false},
                 {"integer", false}});
    dim += n;
    return *this;
  }
};

// One generation as the driver records it: statistics over the successful evaluations.
struct Gen {
  std::vector<Candidate> batch;
  std::vector<Evaluation> evals;
  json info = json::object();
  std::vector<Artifact> optimizer_artifacts;
};

class Writer {
 public:
  Writer(RunStore& store, RunInfo info) : store_(store), info_(std::move(info)) {
    run_ = store_.add_run(info_);
  }
  std::int64_t run() const { return run_; }

  void record(std::int64_t g, Gen& gen) {
    GenerationRecord rec;
    rec.generation = g;
    rec.evaluations = static_cast<std::int64_t>(gen.batch.size());
    std::vector<double> weighted(gen.batch.size(), -std::numeric_limits<double>::infinity());
    std::vector<double> ok;
    for (std::size_t i = 0; i < gen.batch.size(); ++i) {
      gen.batch[i].generation = g;
      gen.batch[i].index = static_cast<std::int64_t>(i);
      auto& e = gen.evals[i];
      if (!e.ok()) {
        ++rec.failed;
        continue;
      }
      double w = 0;
      for (std::size_t k = 0; k < e.fitness.size(); ++k) w += info_.weights[k] * e.fitness[k];
      weighted[i] = w;
      ok.push_back(w);
      if (rec.best_index < 0 || w > weighted[static_cast<std::size_t>(rec.best_index)])
        rec.best_index = static_cast<std::int64_t>(i);
    }
    std::sort(ok.begin(), ok.end());
    auto q = [&](double p) {
      if (ok.empty()) return std::nan("");
      const double pos = p * static_cast<double>(ok.size() - 1);
      const auto lo = static_cast<std::size_t>(pos);
      const auto hi = std::min(lo + 1, ok.size() - 1);
      return ok[lo] + (pos - static_cast<double>(lo)) * (ok[hi] - ok[lo]);
    };
    rec.best = ok.empty() ? std::nan("") : ok.back();
    rec.worst = ok.empty() ? std::nan("") : ok.front();
    rec.q25 = q(0.25);
    rec.median = q(0.5);
    rec.q75 = q(0.75);
    rec.mean = ok.empty()
                   ? std::nan("")
                   : std::accumulate(ok.begin(), ok.end(), 0.0) / static_cast<double>(ok.size());
    if (rec.best_index >= 0) {
      rec.best_fitness = gen.evals[static_cast<std::size_t>(rec.best_index)].fitness;
      rec.best_params = gen.batch[static_cast<std::size_t>(rec.best_index)].params;
    }
    rec.seconds = 0.01 + 0.001 * static_cast<double>(g % 3);
    elapsed_ += rec.seconds;
    rec.elapsed = elapsed_;
    rec.info = gen.info;
    Checkpoint ckpt;
    ckpt.generation = g;
    ckpt.optimizer = "";
    ckpt.driver = json::object();
    store_.record_generation(run_, rec, gen.batch, gen.evals, weighted, ckpt,
                             gen.optimizer_artifacts, StoreLevel::evaluations, false);
  }
  void finish(const std::string& status = "finished",
              const std::string& why = "reached max_generations") {
    store_.update_run_status(run_, status, why);
  }

 private:
  RunStore& store_;
  RunInfo info_;
  std::int64_t run_ = 0;
  double elapsed_ = 0;
};

inline RunInfo run_info(const std::string& name, const Space& space, const std::string& optimizer,
                        const std::string& optimizee, std::vector<std::string> objectives,
                        std::vector<double> weights) {
  RunInfo r;
  r.name = name;
  r.config = "experiment:\n  name: " + name + "\n  seed: 7\noptimizer:\n  type: " + optimizer +
             "\noptimizee:\n  type: " + optimizee + "\nevaluator:\n  type: serial\n";
  r.config_file = "synthetic/" + name + ".yaml";
  r.seed = 7;
  r.version = "test";
  r.evaluator = "serial";
  r.parallelism = 1;
  r.host = "testhost";
  r.space = space.j;
  r.objectives = std::move(objectives);
  r.weights = std::move(weights);
  return r;
}

// An EnKF training a small "network" (three layers, 1,050 weights): enkf_stats, enkf_mean and
// enkf_std every 5 generations, the whole ensemble at the end, validation_* metrics every
// generation and final_test_* at the last.
inline void enkf(RunStore& store) {
  Space sp;
  sp.array("conv1", 250, -1, 1).array("conv2", 500, -1, 1).array("fc", 300, -1, 1);
  Writer w(store, run_info("enkf-synthetic", sp, "enkf", "image_classifier", {"accuracy"}, {1.0}));
  const std::size_t J = 24, P = sp.dim;
  Rng rng(11);
  std::vector<double> target(P), mean(P, 0.0);
  for (auto& t : target) t = rng.normal(0, 0.3);
  const int G = 16;
  for (int g = 0; g < G; ++g) {
    const double progress = static_cast<double>(g) / (G - 1);
    const double sd = 0.1 * std::exp(-2.0 * progress) + 0.005;
    for (std::size_t i = 0; i < P; ++i) mean[i] = progress * target[i];
    Gen gen;
    std::vector<std::vector<double>> members;
    for (std::size_t j = 0; j < J; ++j) {
      Candidate c;
      c.params.resize(P);
      // Anisotropic spread: a few directions dominate, as in a real ensemble.
      const double a = rng.normal(), b = rng.normal();
      for (std::size_t i = 0; i < P; ++i)
        c.params[i] =
            mean[i] + sd * (0.3 * rng.normal() + 2.0 * a * std::sin(0.01 * static_cast<double>(i)) +
                            1.0 * b * std::cos(0.03 * static_cast<double>(i)));
      members.push_back(c.params);
      Evaluation e;
      e.fitness = {std::clamp(0.1 + 0.85 * progress + rng.normal(0, 0.03), 0.0, 1.0)};
      e.metrics = {{"loss", 2.3 * (1 - progress) + 0.1}};
      e.seconds = 0.002;
      e.worker = "thread";
      gen.batch.push_back(std::move(c));
      gen.evals.push_back(std::move(e));
    }
    gen.info = {{"ensemble_size", J},
                {"misfit", 1.0 / (1 + g)},
                {"param_spread", sd},
                {"validation_accuracy", 0.12 + 0.8 * progress},
                {"validation_loss", 2.2 * (1 - progress) + 0.15},
                {"validation", {{"status", "ok"}}}};
    if (g == G - 1) {
      gen.info["final_test_accuracy"] = 0.9;
      gen.info["final_test"] = {{"status", "ok"}};
    }
    if (g % 5 == 0 || g == G - 1) {
      json stats = {{"generation", g}, {"ensemble_size", J}, {"parameters", P}};
      json ev = json::array(), eo = json::array();
      for (std::size_t k = 0; k < J - 1; ++k) {
        ev.push_back(sd * sd * 50.0 * std::exp(-0.4 * static_cast<double>(k)));
        eo.push_back(sd * 3.0 * std::exp(-0.7 * static_cast<double>(k)));
      }
      ev.push_back(0.0);  // the numerically zero one a J-member ensemble always has
      stats["parameter_covariance_eigenvalues"] = ev;
      stats["output_covariance_eigenvalues"] = eo;
      stats["param_std_mean"] = sd;
      std::vector<double> std_v(P, sd);
      gen.optimizer_artifacts.push_back({"enkf_stats", "json", stats.dump()});
      gen.optimizer_artifacts.push_back({"enkf_mean", "f32", f32_blob(mean)});
      gen.optimizer_artifacts.push_back({"enkf_std", "f32", f32_blob(std_v)});
      if (g == G - 1) {
        std::vector<double> flat;
        for (const auto& m : members) flat.insert(flat.end(), m.begin(), m.end());
        gen.optimizer_artifacts.push_back({"enkf_ensemble", "f32", f32_blob(flat)});
      }
    }
    w.record(g, gen);
  }
  w.finish();
}

// A raster in the docs/report.md format: Poisson-like spikes of an E/I network with output
// clusters, one stimulus-driven burst in the middle.
inline json raster(Rng& rng, const std::string& label) {
  struct Pop {
    const char* name;
    int first, size;
    double rate;
  };
  const Pop pops[] = {{"E", 0, 160, 8},
                      {"I", 160, 40, 20},
                      {"out0", 200, 6, 5},
                      {"out1", 206, 6, 40},
                      {"out2", 212, 6, 5}};
  json senders = json::array(), times = json::array();
  for (const auto& p : pops)
    for (int n = p.first; n < p.first + p.size; ++n)
      for (double t = 0; t < 700; t += 0.5) {
        const double r = p.rate * (t > 200 && t < 500 ? 2.0 : 1.0);
        if (rng.uniform() < r * 0.5e-3) {
          senders.push_back(n);
          times.push_back(std::round(t * 10) / 10);
        }
      }
  json pj = json::array();
  for (const auto& p : pops) pj.push_back({{"name", p.name}, {"first", p.first}, {"size", p.size}});
  return {{"t_start", 0.0}, {"t_stop", 700.0}, {"populations", pj}, {"senders", senders},
          {"times", times}, {"bin", 10.0},     {"label", label}};
}

// A spiking-network run (GA over three scalars) with rasters of individual 0 in three generations.
inline void spiking(RunStore& store) {
  Space sp;
  sp.scalar("w_in", 0, 5).scalar("w_ee", 0, 2).scalar("g_inh", 1, 8);
  Writer w(store,
           run_info("spiking-synthetic", sp, "ga", "spiking_reservoir", {"accuracy"}, {1.0}));
  Rng rng(5);
  for (int g = 0; g < 5; ++g) {
    Gen gen;
    for (int i = 0; i < 8; ++i) {
      Candidate c;
      c.params = {rng.uniform() * 5, rng.uniform() * 2, 1 + rng.uniform() * 7};
      Evaluation e;
      e.fitness = {0.33 + 0.1 * g + 0.05 * rng.uniform()};
      if (i == 0 && g % 2 == 0)
        e.artifacts.push_back({"spiking.raster", "json", raster(rng, "digit 1").dump()});
      gen.batch.push_back(std::move(c));
      gen.evals.push_back(std::move(e));
    }
    w.record(g, gen);
  }
  w.finish();
}

// The ants' world in the docs/report.md format, with three snapshots.
inline json arena(Rng& rng) {
  const int x0 = 60, y0 = 1, W = 41, H = 60;
  json walls = json::array();
  for (int x = x0; x < x0 + W; ++x) walls.push_back({x, y0}), walls.push_back({x, y0 + H - 1});
  for (int y = y0; y < y0 + H; ++y) walls.push_back({x0, y}), walls.push_back({x0 + W - 1, y});
  const double nx = 80, ny = 30;
  json snaps = json::array();
  const std::size_t n_ants = 15;
  std::vector<double> ax(n_ants, nx), ay(n_ants, ny), heading(n_ants);
  for (auto& h : heading) h = rng.uniform() * 360;
  std::vector<std::vector<std::pair<double, double>>> trails(n_ants);
  std::vector<double> ph(static_cast<std::size_t>(W * H), 0.0);
  int prev = 0;
  for (int tick : {0, 500, 1000}) {
    for (int step = 0; step < (tick - prev) / 20; ++step)
      for (std::size_t a = 0; a < n_ants; ++a) {
        heading[a] += rng.normal(0, 25);
        const double r = heading[a] * 3.14159265358979 / 180;
        ax[a] = std::clamp(ax[a] + std::cos(r), x0 + 1.0, x0 + W - 2.0);
        ay[a] = std::clamp(ay[a] + std::sin(r), y0 + 1.0, y0 + H - 2.0);
        trails[a].push_back({std::floor(ax[a]), std::floor(ay[a])});
        ph[static_cast<std::size_t>((std::floor(ay[a]) - y0) * W + (std::floor(ax[a]) - x0))] += 20;
      }
    prev = tick;
    json ants = json::array(), tr = json::array();
    for (std::size_t k = 0; k < n_ants; ++k) {
      ants.push_back({{"x", std::floor(ax[k])},
                      {"y", std::floor(ay[k])},
                      {"heading", heading[k]},
                      {"carrying", k % 4 == 0}});
      json t = json::array();
      const auto& v = trails[k];
      for (std::size_t s = v.size() > 30 ? v.size() - 30 : 0; s < v.size(); ++s)
        t.push_back({v[s].first, v[s].second});
      tr.push_back(t);
    }
    json food = json::array();
    for (auto [fx, fy] : {std::pair{65, 53}, std::pair{65, 6}, std::pair{96, 30}})
      for (int dx = -2; dx <= 2; ++dx)
        for (int dy = -2; dy <= 2; ++dy)
          if (dx * dx + dy * dy <= 9 && (tick == 0 || (dx + dy + tick / 500) % 3 != 0))
            food.push_back({{"x", fx + dx}, {"y", fy + dy}, {"amount", 2}});
    json phj = json::array();
    for (double v : ph) phj.push_back(v);
    snaps.push_back(
        {{"tick", tick}, {"pheromone", phj}, {"food", food}, {"ants", ants}, {"trails", tr}});
    for (auto& v : ph) v *= 0.9;
  }
  return {{"x0", x0},           {"y0", y0},
          {"width", W},         {"height", H},
          {"walls", walls},     {"nest", {{"x", nx}, {"y", ny}, {"radius", 3}}},
          {"snapshots", snaps}, {"food_returned", 17}};
}

inline json correlation(Rng& rng) {
  const std::vector<std::string> inputs = {"visual wall",      "visual food",     "pheromone left",
                                           "pheromone middle", "pheromone right", "nest left",
                                           "nest middle",      "nest right",      "wall contact",
                                           "food pickup",      "on nest",         "heartbeat"};
  const std::vector<std::string> outputs = {"move", "rotate left", "rotate right",
                                            "drop pheromone"};
  json r = json::array();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    json row = json::array();
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      if (i == inputs.size() - 1 && o == 0)
        row.push_back(nullptr);  // a constant input: undefined correlation
      else
        row.push_back(std::round(std::tanh(rng.normal(0, 0.6)) * 1000) / 1000);
    }
    r.push_back(row);
  }
  return {{"inputs", inputs}, {"outputs", outputs}, {"r", r}, {"bin_ms", 20}, {"ants", 15}};
}

// An ant-colony run (GA over weights) with the arena and the correlations of its best colony.
inline void ants(RunStore& store) {
  Space sp;
  sp.array("weights", 40, -20, 20).array("delays", 8, 1, 7);
  Writer w(store, run_info("ants-synthetic", sp, "ga", "ants", {"colony_fitness"}, {1.0}));
  Rng rng(3);
  for (int g = 0; g < 4; ++g) {
    Gen gen;
    for (int i = 0; i < 6; ++i) {
      Candidate c;
      c.params.resize(sp.dim);
      for (std::size_t k = 0; k < 40; ++k) c.params[k] = rng.uniform() * 40 - 20;
      for (std::size_t k = 40; k < sp.dim; ++k) c.params[k] = 1 + std::floor(rng.uniform() * 7);
      Evaluation e;
      e.fitness = {-3500 + 900.0 * g + 300 * rng.uniform()};
      if (g == 3 && i == 0) {
        e.artifacts.push_back({"ants.arena", "json", arena(rng).dump()});
        e.artifacts.push_back({"ants.correlation", "json", correlation(rng).dump()});
      }
      gen.batch.push_back(std::move(c));
      gen.evals.push_back(std::move(e));
    }
    w.record(g, gen);
  }
  w.finish();
}

// A nested run: an outer GA over two hyperparameters; each outer evaluation ran two inner runs
// (tasks) recorded in the same store and linked through runs.parent_run.
inline void nested(RunStore& store) {
  Space outer;
  outer.scalar("ensemble_size", 9, 30).scalar("gamma", 0.009, 1);
  const RunInfo oi = run_info("nested-synthetic", outer, "ga", "nested", {"test_accuracy"}, {1.0});
  Writer w(store, oi);
  Rng rng(9);
  Space inner;
  inner.array("w", 20, -1, 1);
  for (int g = 0; g < 3; ++g) {
    Gen gen;
    for (int i = 0; i < 4; ++i) {
      Candidate c;
      c.params = {std::round(9 + rng.uniform() * 21), 0.009 + rng.uniform()};
      double acc = 0;
      for (int task = 0; task < 2; ++task) {
        RunInfo ri = run_info("inner", inner, "enkf", "image_classifier", {"loss"}, {-1.0});
        ri.parent_run = w.run();
        ri.parent_generation = g;
        ri.parent_index = i;
        ri.task = task;
        Writer iw(store, ri);
        const double speed = 0.1 + 0.3 * rng.uniform() + 0.05 * g;
        for (int ig = 0; ig < 10; ++ig) {
          Gen igen;
          for (int k = 0; k < 5; ++k) {
            Candidate ic;
            ic.params.assign(20, rng.normal(0, 0.2));
            Evaluation ie;
            ie.fitness = {2.3 * std::exp(-speed * ig) + 0.05 * rng.uniform()};
            igen.batch.push_back(std::move(ic));
            igen.evals.push_back(std::move(ie));
          }
          iw.record(ig, igen);
        }
        iw.finish();
        acc += 1 - std::exp(-speed * 10) * 0.9;
      }
      Evaluation e;
      e.fitness = {acc / 2};
      gen.batch.push_back(std::move(c));
      gen.evals.push_back(std::move(e));
    }
    w.record(g, gen);
  }
  w.finish();
}

// Every string a run can carry tries to inject markup or script; the report must show them as
// text. window.l2lPwned is set by any payload that executes.
inline const std::vector<std::string>& hostile_strings() {
  static const std::vector<std::string> s = {
      "<script>window.l2lPwned=1</script>",
      "</script><script>window.l2lPwned=2</script>",
      "<img src=x onerror=\"window.l2lPwned=3\">",
      "<!--",
      "a\"b'c&d\u2028e",
  };
  return s;
}

inline void hostile(RunStore& store) {
  const auto& h = hostile_strings();
  Space sp;
  sp.scalar(h[0], 0, 1).scalar(h[1], 0, 1).scalar(h[2], 0, 1).scalar(h[3], 0, 1).scalar(h[4], 0, 1);
  RunInfo ri = run_info(h[0], sp, "ga", "function", {h[2]}, {-1.0});
  ri.config += "# " + h[0] + "\n# " + h[1] + "\n# " + h[2] + "\n";
  ri.host = h[1];
  ri.evaluator = h[2];
  Writer w(store, ri);
  Rng rng(1);
  for (int g = 0; g < 4; ++g) {
    Gen gen;
    for (int i = 0; i < 6; ++i) {
      Candidate c;
      for (int k = 0; k < 5; ++k) c.params.push_back(rng.uniform());
      Evaluation e;
      if (i == 5) {
        e = Evaluation::failure("exception: " + h[i % h.size()] + h[2]);
      } else {
        e.fitness = {rng.uniform() + 1.0 / (1 + g)};
      }
      if (g == 1 && i == 0) {
        json r = raster(rng, h[0]);
        r["populations"][0]["name"] = h[1];
        e.artifacts.push_back({h[0] + ".raster", "json", r.dump()});
        e.artifacts.push_back({h[1] + ".raster", "json", "{not json " + h[0]});
      }
      if (g == 2 && i == 0) {
        json c2 = correlation(rng);
        c2["inputs"][0] = h[0];
        c2["outputs"][1] = h[2];
        e.artifacts.push_back({"ants.correlation", "json", c2.dump()});
      }
      gen.batch.push_back(std::move(c));
      gen.evals.push_back(std::move(e));
    }
    gen.info = {{h[0], 1.0 * g}, {"test_" + h[2], 0.5}};
    w.record(g, gen);
  }
  w.finish("failed", h[0]);
}

// A run still going: status `running`, a few generations stored, no end time.
inline void running(RunStore& store) {
  Space sp;
  sp.array("x", 3, -5, 5);
  Writer w(store, run_info("still-running", sp, "ga", "function", {"f"}, {-1.0}));
  Rng rng(2);
  for (int g = 0; g < 6; ++g) {
    Gen gen;
    for (int i = 0; i < 10; ++i) {
      Candidate c;
      for (int k = 0; k < 3; ++k) c.params.push_back(rng.uniform() * 10 - 5);
      Evaluation e;
      double f = 0;
      for (double x : c.params) f += x * x;
      e.fitness = {f};
      gen.batch.push_back(std::move(c));
      gen.evals.push_back(std::move(e));
    }
    w.record(g, gen);
  }
}

inline const std::map<std::string, std::function<void(RunStore&)>>& all() {
  static const std::map<std::string, std::function<void(RunStore&)>> m = {
      {"enkf", enkf},     {"spiking", spiking}, {"ants", ants},
      {"nested", nested}, {"hostile", hostile}, {"running", running}};
  return m;
}

}  // namespace l2l::testing::fixtures
