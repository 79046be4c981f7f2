// Tests of the ensemble Kalman inversion: the update against the literal Iglesias formula,
// convergence to the least-squares solution of a linear inverse problem, independence of the
// thread count, the failure policy, the schedule, resizing and checkpoints.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include <Eigen/Dense>

#include "l2l/core/rng.hpp"
#include "l2l/core/state.hpp"
#include "l2l/linalg/parallel_gemm.hpp"
#include "l2l/optimizers/enkf.hpp"
#include "l2l/optimizers/enkf_update.hpp"

using namespace l2l;

namespace {

using Mat = Eigen::MatrixXd;

// u_j + C_up (C_pp + gamma I)^-1 (y_j - g_j) in double, forming the covariances (small P only).
std::vector<double> literal_update(const std::vector<float>& E, std::size_t J, std::size_t P,
                                   const std::vector<double>& G, const std::vector<double>& Y,
                                   std::size_t m, double gamma) {
  Mat U(P, J), Gm(m, J), Ym(m, J);
  for (std::size_t j = 0; j < J; ++j) {
    for (std::size_t i = 0; i < P; ++i) U(i, j) = E[j * P + i];
    for (std::size_t k = 0; k < m; ++k) {
      Gm(k, j) = G[j * m + k];
      Ym(k, j) = Y[j * m + k];
    }
  }
  const Eigen::VectorXd ub = U.rowwise().mean(), gb = Gm.rowwise().mean();
  const Mat A = U.colwise() - ub, B = Gm.colwise() - gb;
  const Mat Cpp = B * B.transpose() / double(J), Cup = A * B.transpose() / double(J);
  const Mat S = Cpp + gamma * Mat::Identity(m, m);
  const Mat Un = U + Cup * S.ldlt().solve(Ym - Gm);
  std::vector<double> out(J * P);
  for (std::size_t j = 0; j < J; ++j)
    for (std::size_t i = 0; i < P; ++i) out[j * P + i] = Un(i, j);
  return out;
}

struct Problem {
  std::size_t J, P, m;
  std::vector<float> E;
  std::vector<double> G, Y;
};

// A random ensemble with outputs from a random nonlinear-ish map, observations shared.
Problem random_problem(std::size_t J, std::size_t P, std::size_t m, std::uint64_t seed) {
  Rng rng(seed);
  Problem p{
      J, P, m, std::vector<float>(J * P), std::vector<double>(J * m), std::vector<double>(J * m)};
  for (auto& e : p.E) e = static_cast<float>(rng.normal(0.3, 1.0));
  std::vector<double> H(m * P), y(m);
  for (auto& h : H) h = rng.normal() / std::sqrt(double(P));
  for (auto& v : y) v = rng.normal();
  for (std::size_t j = 0; j < J; ++j)
    for (std::size_t k = 0; k < m; ++k) {
      double s = 0.0;
      for (std::size_t i = 0; i < P; ++i) s += H[k * P + i] * p.E[j * P + i];
      p.G[j * m + k] = std::tanh(s);
      p.Y[j * m + k] = y[k];
    }
  return p;
}

double max_rel_diff(const std::vector<float>& a, const std::vector<double>& b) {
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    num = std::max(num, std::fabs(a[i] - b[i]));
    den = std::max(den, std::fabs(b[i]));
  }
  return num / den;
}

}  // namespace

TEST(EnkfUpdate, MatchesLiteralFormulaInEveryForm) {
  // (J, m) covering J < m, m < J < 2m and J > 2m, i.e. both solve spaces and both product forms.
  for (auto [J, m] :
       std::vector<std::pair<std::size_t, std::size_t>>{{8, 20}, {30, 20}, {70, 20}, {15, 15}}) {
    const std::size_t P = 37;
    for (const char* form : {"auto", "ensemble", "output"}) {
      auto p = random_problem(J, P, m, 1000 + J);
      const auto want = literal_update(p.E, J, P, p.G, p.Y, m, 0.05);
      enkf::UpdateSettings s;
      s.gamma = 0.05;
      s.form = enkf::parse_form(form);
      blas::ThreadPool pool(1);
      const auto rep = enkf::update(p.E, J, P, p.G, p.Y, m, s, pool);
      EXPECT_LT(max_rel_diff(p.E, want), 2e-5)
          << "J=" << J << " m=" << m << " form=" << form << " (" << rep.form << ")";
    }
  }
}

TEST(EnkfUpdate, SequentialWithOneBlockPerOutputSetIsTheBatchUpdate) {
  auto p = random_problem(12, 25, 6, 7);
  auto q = p;
  enkf::UpdateSettings batch, seq;
  seq.sequential_block = 6;  // one block = all outputs
  blas::ThreadPool pool(1);
  enkf::update(p.E, 12, 25, p.G, p.Y, 6, batch, pool);
  enkf::update(q.E, 12, 25, q.G, q.Y, 6, seq, pool);
  EXPECT_EQ(p.E, q.E);
}

TEST(EnkfUpdate, SequentialSingleOutputBlocksEqualTheLiteralSerialAssimilation) {
  // With refresh_outputs and a linear model, assimilating one output at a time must equal the
  // literal formula applied block after block to the ensemble, with outputs recomputed by H.
  const std::size_t J = 9, P = 6, m = 4;
  Rng rng(3);
  std::vector<double> H(m * P), y(m);
  for (auto& h : H) h = rng.normal();
  for (auto& v : y) v = rng.normal();
  std::vector<float> E(J * P);
  for (auto& e : E) e = static_cast<float>(rng.normal());
  auto outputs = [&](const std::vector<float>& e) {
    std::vector<double> g(J * m);
    for (std::size_t j = 0; j < J; ++j)
      for (std::size_t k = 0; k < m; ++k)
        for (std::size_t i = 0; i < P; ++i) g[j * m + k] += H[k * P + i] * e[j * P + i];
    return g;
  };
  std::vector<double> Y(J * m);
  for (std::size_t j = 0; j < J; ++j)
    for (std::size_t k = 0; k < m; ++k) Y[j * m + k] = y[k];
  // Reference: serial literal updates, each with fresh linear outputs of one row.
  std::vector<float> ref = E;
  for (std::size_t k = 0; k < m; ++k) {
    const auto g = outputs(ref);
    std::vector<double> gk(J), yk(J);
    for (std::size_t j = 0; j < J; ++j) gk[j] = g[j * m + k], yk[j] = y[k];
    const auto next = literal_update(ref, J, P, gk, yk, 1, 0.1);
    for (std::size_t i = 0; i < ref.size(); ++i) ref[i] = static_cast<float>(next[i]);
  }
  enkf::UpdateSettings s;
  s.gamma = 0.1;
  s.sequential_block = 1;
  blas::ThreadPool pool(1);
  const auto g0 = outputs(E);
  enkf::update(E, J, P, g0, Y, m, s, pool);
  std::vector<double> refd(ref.begin(), ref.end());
  EXPECT_LT(max_rel_diff(E, refd), 1e-4);
}

TEST(EnkfUpdate, IndependentOfThreadCount) {
  // Large enough for several column blocks and split products in every form.
  for (auto [J, m, block] : std::vector<std::tuple<std::size_t, std::size_t, std::size_t>>{
           {150, 100, 0}, {60, 200, 0}, {400, 60, 0}, {80, 40, 10}}) {
    const std::size_t P = 3000;
    const auto p = random_problem(J, P, m, 99);
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2, 3}) {
      auto e = p.E;
      enkf::UpdateSettings s;
      s.sequential_block = block;
      blas::ThreadPool pool(threads);
      enkf::update(e, J, P, p.G, p.Y, m, s, pool);
      results.push_back(std::move(e));
    }
    EXPECT_EQ(results[0], results[1]) << "J=" << J;
    EXPECT_EQ(results[0], results[2]) << "J=" << J;
  }
}

namespace {

ParameterSpace box(std::size_t n, double lo = -100, double hi = 100) {
  ParameterSpace s;
  s.add_array("u", n, lo, hi);
  return s;
}

EnsembleKalmanFilter::Config base_config() {
  EnsembleKalmanFilter::Config c;
  c.ensemble_size = 20;
  c.gamma = 0.01;
  c.init_sigma = 1.0;
  c.threads = 1;
  return c;
}

// Evaluates a linear model G(u) = H u against y for every candidate.
struct Linear {
  std::size_t P, m;
  std::vector<double> H, y;
  Linear(std::size_t P_, std::size_t m_, std::uint64_t seed) : P(P_), m(m_), H(m * P), y(m) {
    Rng rng(seed);
    for (auto& h : H) h = rng.normal();
    for (auto& v : y) v = rng.normal(0.0, 3.0);
  }
  Evaluation operator()(const Candidate& c) const {
    Evaluation e;
    e.outputs.assign(m, 0.0);
    for (std::size_t k = 0; k < m; ++k)
      for (std::size_t i = 0; i < P; ++i) e.outputs[k] += H[k * P + i] * c.params[i];
    e.observations = y;
    double r = 0;
    for (std::size_t k = 0; k < m; ++k) r += (e.outputs[k] - y[k]) * (e.outputs[k] - y[k]);
    e.fitness = {-r};
    return e;
  }
  Eigen::VectorXd least_squares() const {
    Mat Hm(m, P);
    for (std::size_t k = 0; k < m; ++k)
      for (std::size_t i = 0; i < P; ++i) Hm(k, i) = H[k * P + i];
    Eigen::VectorXd yv(m);
    for (std::size_t k = 0; k < m; ++k) yv(k) = y[k];
    return Hm.colPivHouseholderQr().solve(yv);
  }
};

std::vector<Evaluation> evaluate_all(const Linear& f, const std::vector<Candidate>& cs) {
  std::vector<Evaluation> ev;
  for (const auto& c : cs) ev.push_back(f(c));
  return ev;
}

}  // namespace

TEST(Enkf, SolvesLinearInverseProblemToLeastSquares) {
  // Overdetermined and noisy: the EnKF iteration converges to argmin |H u - y|, reachable
  // because the ensemble (J > P) spans the whole space.
  const std::size_t P = 6, m = 15;
  Linear f(P, m, 5);
  auto cfg = base_config();
  cfg.ensemble_size = 30;
  cfg.gamma = 0.01;
  EnsembleKalmanFilter opt(cfg, box(P), OptimizerContext{});
  const auto ls = f.least_squares();
  for (int g = 0; g < 150; ++g) {
    auto cs = opt.ask();
    opt.tell(cs, evaluate_all(f, cs));
  }
  const auto est = *opt.estimate();
  double err = 0.0, start = 0.0;
  for (std::size_t i = 0; i < P; ++i) {
    err = std::max(err, std::fabs(est[i] - ls(i)));
    start = std::max(start, std::fabs(ls(i)));  // the initial mean is ~0
  }
  // The mean's error shrinks with the ensemble spread (~1e-3 after 150 steps here, falling like
  // 1/sqrt(generations)); the initial error is the size of the solution.
  EXPECT_LT(err, 2e-3 * start);
}

TEST(Enkf, FailedMembersAreRedrawnFromTheEnsembleGaussian) {
  const std::size_t P = 5, m = 8;
  Linear f(P, m, 11);
  auto cfg = base_config();
  EnsembleKalmanFilter opt(cfg, box(P), OptimizerContext{});
  auto cs = opt.ask();
  auto ev = evaluate_all(f, cs);
  const std::vector<std::size_t> bad{2, 7, 13};
  for (auto b : bad) ev[b] = Evaluation::failure("crashed");
  // Reference: the update of the 17 successful members alone.
  std::vector<float> sub;
  std::vector<double> G, Y;
  std::vector<std::size_t> good;
  for (std::size_t j = 0; j < cs.size(); ++j) {
    if (std::find(bad.begin(), bad.end(), j) != bad.end()) continue;
    good.push_back(j);
    sub.insert(sub.end(), cs[j].params.begin(), cs[j].params.end());
    G.insert(G.end(), ev[j].outputs.begin(), ev[j].outputs.end());
    Y.insert(Y.end(), ev[j].observations.begin(), ev[j].observations.end());
  }
  enkf::UpdateSettings s;
  s.gamma = cfg.gamma;
  enkf::update(sub, good.size(), P, G, Y, m, s, blas::ThreadPool(1));
  opt.tell(cs, ev);
  const auto& E = opt.ensemble();
  for (std::size_t r = 0; r < good.size(); ++r)
    for (std::size_t i = 0; i < P; ++i) EXPECT_EQ(E[good[r] * P + i], sub[r * P + i]);
  // Redrawn members: new values, inside the affine span of the updated successful members
  // (mean + anomalies^T xi), and not re-run (ask() of the next generation just returns them).
  Mat A(P, good.size());
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(P);
  for (std::size_t r = 0; r < good.size(); ++r)
    for (std::size_t i = 0; i < P; ++i) mean(i) += sub[r * P + i] / double(good.size());
  for (std::size_t r = 0; r < good.size(); ++r)
    for (std::size_t i = 0; i < P; ++i) A(i, r) = sub[r * P + i] - mean(i);
  for (auto b : bad) {
    Eigen::VectorXd u(P);
    for (std::size_t i = 0; i < P; ++i) u(i) = E[b * P + i];
    EXPECT_NE(u(0), static_cast<float>(cs[b].params[0]));
    const Eigen::VectorXd d = u - mean;
    const Eigen::VectorXd xi = A.colPivHouseholderQr().solve(d);
    EXPECT_LT((A * xi - d).norm(), 1e-4 * (1.0 + d.norm()));
  }
  EXPECT_EQ(opt.generation_info()["failed_members"], 3);
  EXPECT_EQ(opt.generation_info()["resampled_failed"], 3);
}

TEST(Enkf, FewerThanTwoSuccessesKeepTheEnsemble) {
  Linear f(4, 3, 2);
  EnsembleKalmanFilter opt(base_config(), box(4), OptimizerContext{});
  auto cs = opt.ask();
  auto ev = evaluate_all(f, cs);
  for (std::size_t j = 1; j < ev.size(); ++j) ev[j] = Evaluation::failure("no");
  const auto before = opt.ensemble();
  opt.tell(cs, ev);
  EXPECT_EQ(opt.ensemble(), before);
  EXPECT_TRUE(opt.generation_info().contains("unusable"));
}

TEST(Enkf, MiniBatchScheduleRepeatsAndCycles) {
  auto cfg = base_config();
  cfg.repeats = 3;
  cfg.batches = 2;
  Linear f(3, 2, 1);
  EnsembleKalmanFilter opt(cfg, box(3), OptimizerContext{});
  std::vector<std::int64_t> seen;
  for (int g = 0; g < 8; ++g) {
    auto cs = opt.ask();
    for (const auto& c : cs) ASSERT_EQ(c.batch, cs[0].batch);
    seen.push_back(cs[0].batch);
    opt.tell(cs, evaluate_all(f, cs));
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{0, 0, 0, 1, 1, 1, 0, 0}));
}

TEST(Enkf, ScalarFitnessOptimizeeFitsTheTarget) {
  // No outputs: the fitness (distance to (1, ..., 1)) is the output, 0 the observation.
  auto cfg = base_config();
  cfg.target = {0.0};
  cfg.ensemble_size = 40;
  cfg.gamma = 0.1;
  EnsembleKalmanFilter opt(cfg, box(4, -5, 5), OptimizerContext{});
  auto f = [](const Candidate& c) {
    Evaluation e;
    double s = 0;
    for (double x : c.params) s += (x - 1.0) * (x - 1.0);
    e.fitness = {s};
    return e;
  };
  auto mean_fitness = [&] {
    Candidate m;
    m.params = *opt.estimate();
    return f(m).fitness[0];
  };
  opt.ask();
  const double first = mean_fitness();  // ~4: the initial mean is near 0
  for (int g = 0; g < 100; ++g) {
    auto cs = opt.ask();
    std::vector<Evaluation> ev;
    for (const auto& c : cs) ev.push_back(f(c));
    opt.tell(cs, ev);
  }
  EXPECT_LT(mean_fitness(), 0.05 * first);
}

TEST(Enkf, MissingTargetIsAUsageError) {
  EnsembleKalmanFilter opt(base_config(), box(2), OptimizerContext{});
  auto cs = opt.ask();
  std::vector<Evaluation> ev(cs.size());
  for (auto& e : ev) e.fitness = {1.0};
  EXPECT_THROW(opt.tell(cs, ev), UsageError);
}

TEST(Enkf, DynamicEnsembleSizeFollowsTheValidationMetric) {
  auto cfg = base_config();
  cfg.resize_thresholds = {0.5, 0.8};
  cfg.resize_sizes = {35, 12};
  Linear f(5, 4, 3);
  EnsembleKalmanFilter opt(cfg, box(5), OptimizerContext{});
  auto cs = opt.ask();
  opt.tell(cs, evaluate_all(f, cs));
  Evaluation test;
  test.metrics["accuracy"] = 0.4;
  opt.observe_validation(test);
  EXPECT_EQ(opt.ask().size(), 20u);
  test.metrics["accuracy"] = 0.6;
  opt.observe_validation(test);
  cs = opt.ask();
  ASSERT_EQ(cs.size(), 35u);
  const auto ev = evaluate_all(f, cs);
  opt.tell(cs, ev);
  EXPECT_EQ(opt.generation_info()["ensemble_size"], 35);
  const auto before = opt.ensemble();
  test.metrics["accuracy"] = 0.9;
  opt.observe_validation(test);
  cs = opt.ask();
  ASSERT_EQ(cs.size(), 12u);
  // Shrinking keeps the members that were fittest in the last generation, in their order.
  std::vector<std::size_t> order(35);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return ev[a].fitness[0] > ev[b].fitness[0];
  });
  order.resize(12);
  std::sort(order.begin(), order.end());
  for (std::size_t r = 0; r < 12; ++r)
    for (std::size_t i = 0; i < 5; ++i)
      EXPECT_EQ(static_cast<float>(cs[r].params[i]), before[order[r] * 5 + i]);
}

TEST(Enkf, CheckpointResumesBitExactly) {
  auto cfg = base_config();
  cfg.noise = 0.01;
  cfg.perturb = true;
  cfg.resample_every = 2;
  Linear f(7, 5, 8);
  EnsembleKalmanFilter a(cfg, box(7), OptimizerContext{});
  for (int g = 0; g < 3; ++g) {
    auto cs = a.ask();
    a.tell(cs, evaluate_all(f, cs));
  }
  EnsembleKalmanFilter b(cfg, box(7), OptimizerContext{});
  b.restore(state::decode(state::encode(a.state())));
  for (int g = 0; g < 3; ++g) {
    auto ca = a.ask(), cb = b.ask();
    ASSERT_EQ(ca.size(), cb.size());
    for (std::size_t j = 0; j < ca.size(); ++j) ASSERT_EQ(ca[j].params, cb[j].params);
    a.tell(ca, evaluate_all(f, ca));
    b.tell(cb, evaluate_all(f, cb));
  }
  EXPECT_EQ(a.ensemble(), b.ensemble());
}

TEST(Enkf, ArtifactsDescribeTheEnsemble) {
  Linear f(6, 4, 9);
  auto cfg = base_config();
  cfg.store_ensemble = true;
  EnsembleKalmanFilter opt(cfg, box(6), OptimizerContext{});
  auto cs = opt.ask();
  opt.tell(cs, evaluate_all(f, cs));
  const auto arts = opt.artifacts();
  std::map<std::string, const Artifact*> by;
  for (const auto& a : arts) by[a.name] = &a;
  ASSERT_TRUE(by.count("enkf_stats") && by.count("enkf_mean") && by.count("enkf_ensemble"));
  EXPECT_EQ(by["enkf_mean"]->data.size(), 6 * sizeof(float));
  EXPECT_EQ(by["enkf_ensemble"]->data.size(), 20 * 6 * sizeof(float));
  const auto stats = nlohmann::json::parse(by["enkf_stats"]->data);
  EXPECT_EQ(stats["parameter_covariance_eigenvalues"].size(), 20u);
  EXPECT_EQ(stats["output_covariance_eigenvalues"].size(), 4u);
}
