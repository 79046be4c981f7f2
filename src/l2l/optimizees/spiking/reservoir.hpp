#pragma once
// Optimizee `spiking_reservoir`: the readout weights of a spiking reservoir that classifies
// MNIST digits (the EnKF study of the thesis; network in reservoir_network.hpp).
//
// Parameters: four arrays of readout weights (pA), named after the thesis' connection types:
// eeo (bulk E -> output E), eio (bulk E -> output I), ieo (bulk I -> output E), iio (bulk I ->
// output I); 28,800 weights for three classes. The network structure is fixed by the run seed
// (OptimizeeContext::seed), so candidates differ only in these weights.
//
// Training phase: the candidate is evaluated on mini-batch Candidate::batch (or the generation
// when the optimizer sets none): positions [b' B, (b' + 1) B) of epoch b / batches_per_epoch's
// shuffled order of the training images of the chosen classes. Per image, the readout is the
// mean rate of each class cluster's E neurons during the presentation, and the model output is
// softmax(rate / rate_scale). The evaluation returns
//   fitness      = {accuracy on the mini-batch} (an image counts as correct if its class has the
//                  strictly highest rate)
//   outputs      = softmax outputs, batch_size x classes, image-major
//   observations = one-hot labels, same layout
//   metrics      = accuracy, loss (mean cross-entropy), output and bulk rates
// Validation phase (Phase::validation, experiment.test_every): the last validation_size training
// images of the chosen classes, which no mini-batch contains; test phase (Phase::test,
// experiment.final_test): the first test_size test images of the chosen classes. Both: fitness
// {accuracy}, no outputs.
//
// Noise: with noise = frozen (default) the input and background spike trains of an image depend
// only on the run seed and the image, so every candidate sees the same bulk activity and the bulk
// spikes can be simulated once per image and cached; each candidate then simulates only the
// output neurons driven by a replay of them (bit-identical to simulating the whole network).
// With noise = candidate the trains come from the candidate's seed and every evaluation
// simulates the whole network.
#include <atomic>
#include <cstdint>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "l2l/optimizees/optimizee.hpp"
#include "l2l/optimizees/spiking/digits.hpp"
#include "l2l/optimizees/spiking/reservoir_network.hpp"

namespace l2l {

class SpikingReservoir final : public Optimizee {
 public:
  struct Config {
    std::string dataset = "mnist";
    std::string data_dir;
    std::vector<std::int64_t> classes{0, 1, 2};
    std::int64_t batch_size = 30;
    std::int64_t train_size = 0;
    std::int64_t test_size = 300;
    std::int64_t validation_size = 300;
    bool shuffle = true;
    std::string noise = "frozen";
    std::int64_t cache_images = 4096;
    double rate_scale = 5.0;
    double weight_bound = 2000.0;
    std::int64_t artifacts_every = 10;
    int threads = 0;
    spiking::ReservoirParams network;
    static Config read(Options& o);
  };

  SpikingReservoir(const Config& cfg, const OptimizeeContext& ctx);
  // For tests: images given directly instead of loaded.
  SpikingReservoir(const Config& cfg, const OptimizeeContext& ctx, spiking::DigitSplit data);

  ParameterSpace space() const override;
  Evaluation evaluate(const Candidate& c) override;
  std::vector<std::string> objective_names() const override { return {"accuracy"}; }
  std::vector<double> default_weights() const override { return {1.0}; }
  std::optional<bool> returns_outputs() const override { return true; }
  nlohmann::json describe() const override;

  std::size_t batches_per_epoch() const;
  std::vector<std::size_t> minibatch(std::int64_t b) const;  // indices into the training images
  const spiking::ReservoirNetwork& network() const { return *full_; }
  // The template's readout weights (drawn from the structure seed), a sensible starting point.
  std::vector<double> initial_weights() const { return full_->readout_weights(); }
  // Cluster rates of one image of a split (train, validation or test) for readout weights w.
  spiking::ImageResult classify(Phase split, std::size_t index, std::span<const double> w,
                                std::uint64_t candidate_seed,
                                spiking::SpikeRecord* raster = nullptr);
  std::uint64_t bulk_simulations() const { return bulk_runs_; }

 private:
  void init(spiking::DigitSplit data);
  // The bulk spikes of an image, simulated once and cached; nullptr if !wait and another
  // evaluation is simulating them right now.
  std::shared_ptr<const spiking::BulkSpikes> bulk_spikes(Phase split, std::size_t index, bool wait);
  std::uint32_t replay_first_output() const { return replay_->outputs().first; }
  std::uint64_t noise_seed(Phase split, std::size_t index, std::uint64_t candidate_seed) const;
  const spiking::DigitImages& set(Phase split) const {
    return split == Phase::test ? test_ : (split == Phase::validation ? validation_ : train_);
  }
  Evaluation evaluate_images(const Candidate& c, Phase split, const std::vector<std::size_t>& idx);

  Config cfg_;
  OptimizeeContext ctx_;
  std::string data_dir_;
  spiking::DigitImages train_, validation_, test_;
  std::vector<int> class_of_label_;  // label -> class index or -1
  std::unique_ptr<spiking::ReservoirNetwork> full_;
  std::unique_ptr<spiking::ReplayNetwork> replay_;

  // Bulk spikes per image, shared between concurrent evaluations; FIFO eviction.
  using Key = std::uint64_t;
  std::mutex mutex_;
  std::map<Key, std::shared_future<std::shared_ptr<const spiking::BulkSpikes>>> cache_;
  std::list<Key> cache_order_;
  std::atomic<std::uint64_t> bulk_runs_{0};
};

}  // namespace l2l
