#pragma once
// Ensemble Kalman inversion (Iglesias, Law & Stuart 2013) as an l2l optimizer, the method with
// which L2L trained convolutional networks without gradients.
//
// Each generation evaluates every ensemble member u_j on the same mini-batch (the optimizer picks
// the mini-batch id, Candidate::batch), receives the model outputs G(u_j) and the observations y
// from the optimizee (Evaluation::outputs / observations), and moves the ensemble by
//     u_j <- u_j + C_up (C_pp + gamma I)^-1 (y_j - G(u_j))
// computed in ensemble space (see enkf_update.hpp). Optimizees without outputs are handled too:
// their fitness vector is the output and the option `target` the observation.
//
// Failure policy: failed members are left out of the update and then redrawn from the Gaussian
// of the updated successful members (mean and ensemble covariance) without being re-run. With
// fewer than two successes the generation is unusable: the ensemble stays as it was and
// generation_info() says so.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/linalg/parallel_gemm.hpp"
#include "l2l/optimizers/enkf_update.hpp"
#include "l2l/optimizers/optimizer.hpp"

namespace l2l {

class EnsembleKalmanFilter final : public Optimizer {
 public:
  struct Config {
    std::int64_t ensemble_size = 100;
    double gamma = 0.01;
    std::string init = "normal";
    double init_sigma = 0.1;
    std::int64_t repeats = 1;
    std::int64_t batches = 0;
    std::string update = "batch";
    std::int64_t sequential_block = 10;
    bool refresh_outputs = true;
    std::string form = "auto";
    bool perturb = false;
    double inflation = 1.0;
    double noise = 0.0;
    std::int64_t resample_every = 0;
    double resample_fraction = 0.25;
    double resample_sigma = 0.01;
    std::string resize_metric = "accuracy";
    std::vector<double> resize_thresholds;
    std::vector<std::int64_t> resize_sizes;
    std::vector<double> target;
    bool store_ensemble = false;
    int threads = 0;
    static Config read(Options& o);
    // An optimizee that returns no outputs needs `target`: refused before the run starts.
    void check(Options& o, const OptimizerContext& ctx) const;
  };

  EnsembleKalmanFilter(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override { return info_; }
  std::vector<Artifact> artifacts() const override;
  void observe_validation(const Evaluation& validation) override;

  // For tests and benchmarks.
  std::size_t ensemble_size() const { return J_; }
  const std::vector<float>& ensemble() const { return E_; }  // J rows of P
  void set_ensemble(std::vector<float> e, std::size_t J);
  std::int64_t current_batch() const;

 private:
  void initialize();
  void apply_pending_resize();
  // Rows `dst` of E_ drawn from N(mean, C) of the rows `src` (C their ensemble covariance).
  void draw_from_gaussian(const std::vector<std::size_t>& src, const std::vector<std::size_t>& dst);
  void add_noise(const std::vector<std::size_t>& rows, double sigma);
  void repair_bounds();

  Config cfg_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  enkf::UpdateSettings settings_;
  blas::ThreadPool pool_;
  Rng rng_;
  std::size_t P_ = 0;
  std::size_t J_ = 0;
  std::vector<float> E_;         // J_ x P_, member-major
  std::vector<double> fitness_;  // weighted fitness of each member at its last evaluation
  std::int64_t t_ = 0;           // completed generations
  bool initialized_ = false;
  std::size_t next_resize_ = 0;  // index into resize_thresholds
  std::int64_t pending_size_ = 0;
  std::vector<float> last_B_;  // output anomalies of the last update (J x m), for artifacts
  std::size_t last_m_ = 0;
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
