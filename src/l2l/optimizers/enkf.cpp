#include "l2l/optimizers/enkf.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>

#include <fmt/format.h>
#include <Eigen/Eigenvalues>

#include "l2l/core/state.hpp"

namespace l2l {

namespace {

nlohmann::json pack_f32(const std::vector<float>& v) {
  std::vector<std::uint8_t> bytes(v.size() * sizeof(float));
  if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
  return nlohmann::json::binary(std::move(bytes));
}

std::vector<float> unpack_f32(const nlohmann::json& j) {
  if (!j.is_binary()) throw std::runtime_error("EnKF checkpoint: expected a binary vector");
  const auto& b = j.get_binary();
  if (b.size() % sizeof(float) != 0) throw std::runtime_error("EnKF checkpoint: truncated vector");
  std::vector<float> v(b.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), b.data(), b.size());
  return v;
}

std::string f32_bytes(const float* p, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n * sizeof(float));
}

// n standard normals times `scale` added to out[0..n): Box-Muller using both values of each pair
// (Rng::normal discards one to keep its state small; here throughput matters).
void add_normals(Rng& rng, float* out, std::size_t n, double scale) {
  std::size_t i = 0;
  while (i < n) {
    double u1 = rng.uniform();
    while (u1 <= 0.0) u1 = rng.uniform();
    const double r = scale * std::sqrt(-2.0 * std::log(u1));
    const double a = 2.0 * std::numbers::pi * rng.uniform();
    out[i++] += static_cast<float>(r * std::cos(a));
    if (i < n) out[i++] += static_cast<float>(r * std::sin(a));
  }
}

std::vector<double> symmetric_eigenvalues(const Eigen::MatrixXd& m) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m, Eigen::EigenvaluesOnly);
  std::vector<double> ev(es.eigenvalues().data(), es.eigenvalues().data() + m.rows());
  std::sort(ev.rbegin(), ev.rend());
  for (auto& e : ev) e = std::max(e, 0.0);
  return ev;
}

}  // namespace

EnsembleKalmanFilter::Config EnsembleKalmanFilter::Config::read(Options& o) {
  Config c;
  c.ensemble_size = o.get<std::int64_t>("ensemble_size", c.ensemble_size,
                                        "number of ensemble members J", Check::at_least(2));
  c.gamma = o.get<double>("gamma", c.gamma,
                          "observation noise: Gamma = gamma I; larger gamma = smaller steps",
                          Check::positive());
  c.init = o.get<std::string>(
      "init", c.init,
      "initial ensemble: normal = N(space centre, init_sigma^2) per element (network weights: "
      "centre 0), uniform = uniform in the space's box",
      Check::one_of({"normal", "uniform"}));
  c.init_sigma = o.get<double>("init_sigma", c.init_sigma,
                               "standard deviation of the normal initial ensemble (raw units)",
                               Check::positive());
  c.repeats = o.get<std::int64_t>(
      "repeats", c.repeats, "generations each mini-batch is presented for (k)", Check::at_least(1));
  c.batches = o.get<std::int64_t>(
      "batches", c.batches,
      "number of distinct mini-batches to cycle through; 0 = walk through the data set, epoch "
      "after epoch",
      Check::at_least(0));
  c.update = o.get<std::string>(
      "update", c.update,
      "batch = assimilate all outputs of a generation at once; sequential = in blocks of "
      "sequential_block outputs (one image at a time for 10 classes), as in the per-sample code",
      Check::one_of({"batch", "sequential"}));
  c.sequential_block = o.get<std::int64_t>("sequential_block", c.sequential_block,
                                           "outputs per sequential step", Check::at_least(1));
  c.refresh_outputs = o.get<bool>(
      "refresh_outputs", c.refresh_outputs,
      "sequential: move the outputs of later blocks with the ensemble (linearised); false keeps "
      "them as evaluated, like the original per-sample code");
  c.form = o.get<std::string>(
      "form", c.form,
      "how the update is multiplied out: auto picks the fewest flops; ensemble = A W (2PJ^2), "
      "output = (A B^T) Z (4PJm)",
      Check::one_of({"auto", "ensemble", "output"}));
  c.perturb = o.get<bool>("perturb", c.perturb,
                          "perturbed observations: y_j = y + N(0, gamma I) for each member");
  c.inflation = o.get<double>(
      "inflation", c.inflation,
      "multiplicative covariance inflation: anomalies are scaled by this factor after each update",
      Check::positive());
  c.noise = o.get<double>("noise", c.noise,
                          "additive inflation: N(0, noise^2) added to every parameter after each "
                          "update",
                          Check::at_least(0.0));
  c.resample_every = o.get<std::int64_t>(
      "resample_every", c.resample_every,
      "L2L resampling: every this many generations replace the worst members by the best plus "
      "noise; 0 = never",
      Check::at_least(0));
  c.resample_fraction =
      o.get<double>("resample_fraction", c.resample_fraction,
                    "fraction of members replaced when resampling", Check::probability());
  c.resample_sigma = o.get<double>("resample_sigma", c.resample_sigma,
                                   "standard deviation of the noise added to resampled members",
                                   Check::at_least(0.0));
  c.resize_metric = o.get<std::string>(
      "resize_metric", c.resize_metric,
      "validation metric (experiment.test_every) that drives the dynamic ensemble size (the "
      "optimizee's metric name)");
  c.resize_thresholds = o.get<std::vector<double>>(
      "resize_thresholds", c.resize_thresholds,
      "dynamic ensemble size: when the validation metric first reaches thresholds[i] ...");
  c.resize_sizes = o.get<std::vector<std::int64_t>>(
      "resize_sizes", c.resize_sizes,
      "... the ensemble grows or shrinks to sizes[i] (new members drawn from the ensemble's "
      "Gaussian; shrinking keeps the fittest)",
      Check::at_least(2));
  c.target = o.get<std::vector<double>>(
      "target", c.target,
      "observation for optimizees without outputs: the fitness vector is the output and this "
      "its target (one value per objective, raw units)");
  c.store_ensemble = o.get<bool>(
      "store_ensemble", c.store_ensemble,
      "include the whole ensemble (J x P float32) in the artifacts, not only its statistics");
  c.threads = o.get<int>("threads", c.threads,
                         "threads for the update; 0 = all cores (results do not depend on it)",
                         Check::at_least(0));
  if (!o.describing()) {
    if (c.resize_thresholds.size() != c.resize_sizes.size())
      o.fail("resize_sizes", fmt::format("has {} entries but resize_thresholds has {}",
                                         c.resize_sizes.size(), c.resize_thresholds.size()));
    if (!std::is_sorted(c.resize_thresholds.begin(), c.resize_thresholds.end()))
      o.fail("resize_thresholds", "must be in increasing order");
  }
  return c;
}

void EnsembleKalmanFilter::Config::check(Options& o, const OptimizerContext& ctx) const {
  if (ctx.optimizee_outputs != false || target.size() == ctx.weights.size()) return;
  o.fail("target",
         target.empty()
             ? fmt::format("required: the optimizee returns no model outputs, so the EnKF fits its "
                           "{} fitness value(s) to this target (one value per objective)",
                           ctx.weights.size())
             : fmt::format("has {} value(s) but the optimizee has {} objective(s)", target.size(),
                           ctx.weights.size()));
}

EnsembleKalmanFilter::EnsembleKalmanFilter(const Config& cfg, const ParameterSpace& space,
                                           const OptimizerContext& ctx)
    : cfg_(cfg),
      space_(space),
      ctx_(ctx),
      pool_(cfg.threads),
      rng_(mix_seed(ctx.seed, 0x656e6b66 /* "enkf" */)),
      P_(space.dim()),
      J_(static_cast<std::size_t>(cfg.ensemble_size)) {
  settings_.gamma = cfg.gamma;
  settings_.form = enkf::parse_form(cfg.form);
  settings_.sequential_block =
      cfg.update == "sequential" ? static_cast<std::size_t>(cfg.sequential_block) : 0;
  settings_.refresh_outputs = cfg.refresh_outputs;
  if (P_ == 0) throw UsageError("enkf: the optimizee's parameter space is empty");
}

std::int64_t EnsembleKalmanFilter::current_batch() const {
  std::int64_t b = t_ / cfg_.repeats;
  if (cfg_.batches > 0) b %= cfg_.batches;
  return b;
}

void EnsembleKalmanFilter::initialize() {
  E_.assign(J_ * P_, 0.0f);
  if (cfg_.init == "uniform") {
    for (std::size_t j = 0; j < J_; ++j) {
      const auto x = space_.sample_uniform(rng_);
      std::copy(x.begin(), x.end(), E_.begin() + static_cast<std::ptrdiff_t>(j * P_));
    }
  } else {
    const auto centre = space_.center();
    for (std::size_t j = 0; j < J_; ++j)
      std::copy(centre.begin(), centre.end(), E_.begin() + static_cast<std::ptrdiff_t>(j * P_));
    std::vector<std::size_t> all(J_);
    std::iota(all.begin(), all.end(), 0);
    add_noise(all, cfg_.init_sigma);
  }
  repair_bounds();
  fitness_.assign(J_, FitnessWeights::failed_value);
  initialized_ = true;
}

void EnsembleKalmanFilter::set_ensemble(std::vector<float> e, std::size_t J) {
  if (e.size() != J * P_) throw std::invalid_argument("set_ensemble: wrong size");
  E_ = std::move(e);
  J_ = J;
  fitness_.assign(J_, FitnessWeights::failed_value);
  initialized_ = true;
}

void EnsembleKalmanFilter::add_noise(const std::vector<std::size_t>& rows, double sigma) {
  if (rows.empty() || sigma <= 0.0) return;
  // One stream per (row, column block): the draws do not depend on the thread count.
  const std::uint64_t base = rng_();
  const std::size_t nb = enkf::column_blocks(P_);
  pool_.for_each(rows.size(), [&](std::size_t r) {
    const std::size_t j = rows[r];
    for (std::size_t blk = 0; blk < nb; ++blk) {
      Rng local(mix_seed(mix_seed(base, j), blk));
      const std::size_t c0 = blk * enkf::kColumnBlock;
      const std::size_t w = std::min(P_, c0 + enkf::kColumnBlock) - c0;
      add_normals(local, E_.data() + j * P_ + c0, w, sigma);
    }
  });
}

void EnsembleKalmanFilter::draw_from_gaussian(const std::vector<std::size_t>& src,
                                              const std::vector<std::size_t>& dst) {
  if (dst.empty()) return;
  const std::size_t n = src.size();
  // u = mean + A^T xi / sqrt(n - 1) with xi ~ N(0, I_n) has the ensemble's mean and covariance.
  std::vector<float> xi(dst.size() * n, 0.0f);
  add_normals(rng_, xi.data(), xi.size(), 1.0 / std::sqrt(static_cast<double>(n - 1)));
  std::vector<float> sub(n * P_);
  for (std::size_t r = 0; r < n; ++r) std::copy_n(E_.data() + src[r] * P_, P_, sub.data() + r * P_);
  const auto mean = enkf::column_means(sub, n, P_, pool_);
  pool_.for_each(enkf::column_blocks(P_), [&](std::size_t blk) {
    const std::size_t c0 = blk * enkf::kColumnBlock;
    const std::size_t w = std::min(P_, c0 + enkf::kColumnBlock) - c0;
    std::vector<float> a(n * w), out(dst.size() * w);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t c = 0; c < w; ++c)
        a[r * w + c] = static_cast<float>(sub[r * P_ + c0 + c] - mean[c0 + c]);
    blas::sgemm(blas::Op::none, blas::Op::none, static_cast<int>(dst.size()), static_cast<int>(w),
                static_cast<int>(n), 1.0f, xi.data(), static_cast<int>(n), a.data(),
                static_cast<int>(w), 0.0f, out.data(), static_cast<int>(w));
    for (std::size_t r = 0; r < dst.size(); ++r)
      for (std::size_t c = 0; c < w; ++c)
        E_[dst[r] * P_ + c0 + c] = static_cast<float>(mean[c0 + c] + out[r * w + c]);
  });
}

void EnsembleKalmanFilter::repair_bounds() {
  const bool reflect = ctx_.bound_policy == BoundPolicy::reflect;
  pool_.for_each(J_, [&](std::size_t j) {
    float* row = E_.data() + j * P_;
    for (std::size_t i = 0; i < P_; ++i) {
      const double lo = space_.lower(i), hi = space_.upper(i);
      double v = row[i];
      if (!std::isfinite(v)) v = 0.5 * (lo + hi);
      if (reflect && hi > lo && (v < lo || v > hi)) {
        const double w = hi - lo;
        double t = std::fmod(v - lo, 2.0 * w);
        if (t < 0) t += 2.0 * w;
        v = t <= w ? lo + t : hi - (t - w);
      }
      v = std::clamp(v, lo, hi);
      if (space_.is_integer(i)) v = std::clamp(std::round(v), std::ceil(lo), std::floor(hi));
      row[i] = static_cast<float>(v);
    }
  });
}

void EnsembleKalmanFilter::apply_pending_resize() {
  if (pending_size_ <= 0 || static_cast<std::size_t>(pending_size_) == J_) {
    pending_size_ = 0;
    return;
  }
  const auto target = static_cast<std::size_t>(pending_size_);
  pending_size_ = 0;
  if (target > J_) {
    std::vector<std::size_t> src(J_), dst(target - J_);
    std::iota(src.begin(), src.end(), 0);
    std::iota(dst.begin(), dst.end(), J_);
    E_.resize(target * P_);
    fitness_.resize(target, FitnessWeights::failed_value);
    J_ = target;
    draw_from_gaussian(src, dst);
    repair_bounds();
  } else {
    // Keep the fittest members (by their last evaluation), in their original order.
    std::vector<std::size_t> order(J_);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return fitness_[a] > fitness_[b]; });
    order.resize(target);
    std::sort(order.begin(), order.end());
    std::vector<float> e(target * P_);
    std::vector<double> f(target);
    for (std::size_t r = 0; r < target; ++r) {
      std::copy_n(E_.data() + order[r] * P_, P_, e.data() + r * P_);
      f[r] = fitness_[order[r]];
    }
    E_ = std::move(e);
    fitness_ = std::move(f);
    J_ = target;
  }
}

std::vector<Candidate> EnsembleKalmanFilter::ask() {
  if (!initialized_) initialize();
  apply_pending_resize();
  std::vector<Candidate> out(J_);
  const std::int64_t b = current_batch();
  for (std::size_t j = 0; j < J_; ++j) {
    out[j].index = static_cast<std::int64_t>(j);
    out[j].batch = b;
    out[j].params.assign(E_.begin() + static_cast<std::ptrdiff_t>(j * P_),
                         E_.begin() + static_cast<std::ptrdiff_t>((j + 1) * P_));
  }
  return out;
}

void EnsembleKalmanFilter::tell(std::span<const Candidate> batch,
                                std::span<const Evaluation> evals) {
  if (batch.size() != J_ || evals.size() != J_)
    throw std::invalid_argument(
        fmt::format("enkf: tell() got {} candidates and {} evaluations "
                    "for an ensemble of {}",
                    batch.size(), evals.size(), J_));
  const auto t0 = std::chrono::steady_clock::now();
  info_ = nlohmann::json::object();
  info_["ensemble_size"] = J_;
  info_["batch"] = current_batch();

  // Which members count, and their outputs/observations.
  std::size_t m = 0;
  bool from_fitness = false;
  for (const auto& e : evals) {
    if (!e.ok()) continue;
    if (!e.outputs.empty()) {
      if (e.observations.size() != e.outputs.size())
        throw UsageError("enkf: the optimizee returns outputs without matching observations");
      m = e.outputs.size();
    } else {
      from_fitness = true;
      m = e.fitness.size();
      if (cfg_.target.size() != m)
        throw UsageError(fmt::format(
            "enkf: the optimizee returns no outputs, so the EnKF fits its {} fitness value(s) to "
            "optimizer.target, which has {} value(s)",
            m, cfg_.target.size()));
    }
    break;
  }
  std::vector<std::size_t> ok, failed;
  for (std::size_t j = 0; j < J_; ++j) {
    const auto& e = evals[j];
    fitness_[j] = ctx_.weights.weighted(e);
    const std::size_t mj = from_fitness ? e.fitness.size() : e.outputs.size();
    if (e.ok() && mj == m && m > 0 && (from_fitness || e.observations.size() == m))
      ok.push_back(j);
    else
      failed.push_back(j);
  }
  // Evaluate what was evaluated: the driver may have repaired the parameters into the space.
  for (std::size_t j : ok)
    if (batch[j].params.size() == P_)
      std::copy(batch[j].params.begin(), batch[j].params.end(),
                E_.begin() + static_cast<std::ptrdiff_t>(j * P_));

  {
    std::vector<double> f;
    for (std::size_t j : ok) f.push_back(fitness_[j]);
    if (!f.empty()) {
      std::sort(f.begin(), f.end());
      info_["fitness_best"] = f.back();
      info_["fitness_median"] = f[f.size() / 2];
      info_["fitness_worst"] = f.front();
    }
  }
  info_["ok_members"] = ok.size();
  info_["failed_members"] = failed.size();
  ++t_;
  if (ok.size() < 2) {
    info_["unusable"] = fmt::format(
        "only {} of {} members evaluated successfully (at least 2 needed): ensemble kept as it "
        "was",
        ok.size(), J_);
    return;
  }

  const std::size_t n = ok.size();
  std::vector<double> G(n * m), Y(n * m);
  for (std::size_t r = 0; r < n; ++r) {
    const auto& e = evals[ok[r]];
    for (std::size_t k = 0; k < m; ++k) {
      G[r * m + k] = from_fitness ? e.fitness[k] : e.outputs[k];
      Y[r * m + k] = from_fitness ? cfg_.target[k] : e.observations[k];
    }
  }
  if (cfg_.perturb) {
    const double s = std::sqrt(cfg_.gamma);
    for (auto& y : Y) y += s * rng_.normal();
  }
  // The update runs on the successful members only (compacted if some failed).
  enkf::UpdateReport rep;
  if (failed.empty()) {
    rep = enkf::update(E_, J_, P_, G, Y, m, settings_, pool_);
  } else {
    std::vector<float> sub(n * P_);
    for (std::size_t r = 0; r < n; ++r)
      std::copy_n(E_.data() + ok[r] * P_, P_, sub.data() + r * P_);
    rep = enkf::update(sub, n, P_, G, Y, m, settings_, pool_);
    for (std::size_t r = 0; r < n; ++r)
      std::copy_n(sub.data() + r * P_, P_, E_.data() + ok[r] * P_);
    draw_from_gaussian(ok, failed);
    info_["resampled_failed"] = failed.size();
  }
  last_m_ = m;
  last_B_.assign(n * m, 0.0f);
  {
    std::vector<double> gbar(m, 0.0);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < m; ++k) gbar[k] += G[r * m + k] / static_cast<double>(n);
    double spread = 0.0;
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < m; ++k) {
        const double b = G[r * m + k] - gbar[k];
        last_B_[r * m + k] = static_cast<float>(b);
        spread += b * b;
      }
    info_["output_spread"] = std::sqrt(spread / static_cast<double>(n * m));
  }

  std::vector<std::size_t> all(J_);
  std::iota(all.begin(), all.end(), 0);
  if (cfg_.inflation != 1.0) {
    const auto mean = enkf::column_means(E_, J_, P_, pool_);
    const double rho = cfg_.inflation;
    pool_.for_each(J_, [&](std::size_t j) {
      float* row = E_.data() + j * P_;
      for (std::size_t i = 0; i < P_; ++i)
        row[i] = static_cast<float>(mean[i] + rho * (row[i] - mean[i]));
    });
  }
  add_noise(all, cfg_.noise);
  if (cfg_.resample_every > 0 && t_ % cfg_.resample_every == 0 && cfg_.resample_fraction > 0) {
    const auto nrep = static_cast<std::size_t>(std::floor(cfg_.resample_fraction * J_));
    if (nrep > 0 && nrep < J_) {
      std::vector<std::size_t> order(J_);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return fitness_[a] > fitness_[b]; });
      std::vector<std::size_t> worst;
      for (std::size_t k = 0; k < nrep; ++k) {
        const std::size_t best = order[k % (J_ - nrep)], bad = order[J_ - 1 - k];
        std::copy_n(E_.data() + best * P_, P_, E_.data() + bad * P_);
        worst.push_back(bad);
      }
      add_noise(worst, cfg_.resample_sigma);
      info_["resampled"] = nrep;
    }
  }
  repair_bounds();

  const auto mean = enkf::column_means(E_, J_, P_, pool_);
  double var = 0.0;
  for (std::size_t j = 0; j < J_; ++j)
    for (std::size_t i = 0; i < P_; ++i) {
      const double d = E_[j * P_ + i] - mean[i];
      var += d * d;
    }
  info_["param_spread"] = std::sqrt(var / static_cast<double>(J_ * P_));
  info_["misfit"] = rep.misfit;
  info_["form"] = rep.form;
  info_["update_gflop"] = rep.flops * 1e-9;
  info_["update_seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void EnsembleKalmanFilter::warm_start(const WarmStart& from) {
  // The origin's stored ensemble (store_ensemble) where it kept one: its first ensemble_size
  // members, completed by draws from its Gaussian when it had fewer. Otherwise the members are
  // N(the origin's centre, init_sigma^2), as init: normal is around the space centre.
  E_.assign(J_ * P_, 0.0f);
  auto set_row = [&](std::size_t j, const std::vector<double>& x) {
    std::copy(x.begin(), x.end(), E_.begin() + static_cast<std::ptrdiff_t>(j * P_));
  };
  const std::size_t have = std::min(J_, from.ensemble.size());
  std::vector<std::size_t> src, rest;
  for (std::size_t j = 0; j < J_; ++j) (j < have ? src : rest).push_back(j);
  if (have >= 2) {
    for (std::size_t j = 0; j < have; ++j) set_row(j, from.ensemble[j]);
    draw_from_gaussian(src, rest);
  } else {
    const auto centre = from.centre(space_);
    for (std::size_t j = 0; j < J_; ++j) set_row(j, centre);
    rest.insert(rest.begin(), src.begin(), src.end());
    add_noise(rest, cfg_.init_sigma);
  }
  repair_bounds();
  fitness_.assign(J_, FitnessWeights::failed_value);
  initialized_ = true;
}

std::optional<std::vector<double>> EnsembleKalmanFilter::estimate() const {
  if (!initialized_) return std::nullopt;
  const auto mean = enkf::column_means(E_, J_, P_, pool_);
  // The mean as the network sees it: rounded to float like every member.
  std::vector<double> out(P_);
  for (std::size_t i = 0; i < P_; ++i) out[i] = static_cast<float>(mean[i]);
  return out;
}

void EnsembleKalmanFilter::observe_validation(const Evaluation& validation) {
  if (!validation.ok()) return;
  auto it = validation.metrics.find(cfg_.resize_metric);
  if (it == validation.metrics.end()) return;
  const double v = it->second;
  while (next_resize_ < cfg_.resize_thresholds.size() &&
         v >= cfg_.resize_thresholds[next_resize_]) {
    pending_size_ = cfg_.resize_sizes[next_resize_];
    ++next_resize_;
  }
}

nlohmann::json EnsembleKalmanFilter::state() const {
  nlohmann::json s;
  s["version"] = 1;
  s["initialized"] = initialized_;
  s["J"] = J_;
  s["P"] = P_;
  s["ensemble"] = pack_f32(E_);
  s["fitness"] = state::pack(fitness_);
  s["rng"] = state::pack_rng(rng_);
  s["t"] = t_;
  s["next_resize"] = next_resize_;
  s["pending_size"] = pending_size_;
  s["info"] = info_;
  s["last_m"] = last_m_;
  s["last_B"] = pack_f32(last_B_);
  return s;
}

void EnsembleKalmanFilter::restore(const nlohmann::json& s) {
  if (s.at("version").get<int>() != 1) throw std::runtime_error("enkf: unknown state version");
  if (s.at("P").get<std::size_t>() != P_)
    throw std::runtime_error("enkf: checkpoint has a different parameter space");
  initialized_ = s.at("initialized").get<bool>();
  J_ = s.at("J").get<std::size_t>();
  E_ = unpack_f32(s.at("ensemble"));
  fitness_ = state::unpack(s.at("fitness"));
  if (initialized_ && (E_.size() != J_ * P_ || fitness_.size() != J_))
    throw std::runtime_error("enkf: inconsistent checkpoint");
  state::unpack_rng(s.at("rng"), rng_);
  t_ = s.at("t").get<std::int64_t>();
  next_resize_ = s.at("next_resize").get<std::size_t>();
  pending_size_ = s.at("pending_size").get<std::int64_t>();
  info_ = s.at("info");
  last_m_ = s.at("last_m").get<std::size_t>();
  last_B_ = unpack_f32(s.at("last_B"));
}

std::vector<Artifact> EnsembleKalmanFilter::artifacts() const {
  std::vector<Artifact> out;
  if (!initialized_) return out;
  const auto mean = enkf::column_means(E_, J_, P_, pool_);
  std::vector<float> meanf(P_), sd(P_, 0.0f);
  for (std::size_t i = 0; i < P_; ++i) {
    meanf[i] = static_cast<float>(mean[i]);
    double v = 0.0;
    for (std::size_t j = 0; j < J_; ++j) {
      const double d = E_[j * P_ + i] - mean[i];
      v += d * d;
    }
    sd[i] = static_cast<float>(std::sqrt(v / static_cast<double>(J_ - 1)));
  }
  nlohmann::json stats;
  stats["generation"] = t_;
  stats["ensemble_size"] = J_;
  stats["parameters"] = P_;
  stats["layout"] = "row-major J x P float32 (one member per row); mean/std: P float32";
  // Nonzero eigenvalues of the parameter covariance A A^T / (J-1) equal those of the J x J Gram
  // matrix, so the spectrum never needs the P x P matrix; skipped for large J (2 J^2 P flops).
  if (J_ <= 512) {
    std::vector<float> a(J_ * P_);
    for (std::size_t j = 0; j < J_; ++j)
      for (std::size_t i = 0; i < P_; ++i)
        a[j * P_ + i] = static_cast<float>(E_[j * P_ + i] - mean[i]);
    std::vector<float> gram(J_ * J_);
    blas::parallel_sgemm(pool_, blas::Op::none, blas::Op::trans, static_cast<int>(J_),
                         static_cast<int>(J_), static_cast<int>(P_), 1.0f, a.data(),
                         static_cast<int>(P_), a.data(), static_cast<int>(P_), 0.0f, gram.data(),
                         static_cast<int>(J_));
    Eigen::MatrixXd g(J_, J_);
    for (std::size_t i = 0; i < J_; ++i)
      for (std::size_t l = 0; l < J_; ++l) g(i, l) = gram[i * J_ + l] / static_cast<double>(J_ - 1);
    stats["parameter_covariance_eigenvalues"] = symmetric_eigenvalues(g);
  }
  if (last_m_ > 0 && !last_B_.empty()) {
    const std::size_t n = last_B_.size() / last_m_, m = last_m_;
    const bool small_j = n <= m;  // eigenvalues of the smaller of B B^T and B^T B
    Eigen::Map<const Eigen::Matrix<float, -1, -1, Eigen::RowMajor>> B(last_B_.data(), n, m);
    const Eigen::MatrixXd Bd = B.cast<double>();
    Eigen::MatrixXd c =
        small_j ? Eigen::MatrixXd(Bd * Bd.transpose()) : Eigen::MatrixXd(Bd.transpose() * Bd);
    c /= static_cast<double>(n);
    stats["output_covariance_eigenvalues"] = symmetric_eigenvalues(c);
  }
  stats["param_std_mean"] = std::accumulate(sd.begin(), sd.end(), 0.0) / static_cast<double>(P_);
  out.push_back({"enkf_stats", "json", stats.dump()});
  out.push_back({"enkf_mean", "f32", f32_bytes(meanf.data(), P_)});
  out.push_back({"enkf_std", "f32", f32_bytes(sd.data(), P_)});
  if (cfg_.store_ensemble) out.push_back({"enkf_ensemble", "f32", f32_bytes(E_.data(), E_.size())});
  return out;
}

L2L_REGISTER_OPTIMIZER(EnsembleKalmanFilter, "enkf",
                       "ensemble Kalman inversion (Iglesias et al. 2013): trains networks from "
                       "outputs and observations, no gradients");

}  // namespace l2l
