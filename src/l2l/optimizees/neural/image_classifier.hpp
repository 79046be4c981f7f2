#pragma once
// Optimizees `mnist` and `fashion_mnist`: the weights of a network (paper CNN or MLP) that
// classifies 28x28 images.
//
// Training phase: the candidate is evaluated on one mini-batch, chosen by Candidate::batch (the
// EnKF sets it; optimizers that do not get the generation number instead). Mini-batch b is
// positions [b' * batch_size, (b' + 1) * batch_size) of epoch b / batches_per_epoch's ordering
// of the training set (b' = b mod batches_per_epoch), reshuffled per epoch from the run seed
// unless shuffle is off. The evaluation returns
//   fitness   = {mini-batch accuracy}
//   outputs   = softmax probabilities (or logits), batch_size x 10, image-major
//   observations = the one-hot labels, same layout
//   metrics   = {accuracy, loss (mean cross-entropy)}
// Validation phase (Phase::validation, experiment.test_every: e.g. the EnKF's ensemble mean):
// the last validation_size images of the training file, which no mini-batch contains; test phase
// (Phase::test, experiment.final_test, once at the end): the test file. Both return fitness
// {accuracy}, metrics {accuracy, loss}, no outputs.
#include <memory>
#include <string>
#include <vector>

#include "l2l/data/image_dataset.hpp"
#include "l2l/optimizees/neural/network.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

class ImageClassifier : public Optimizee {
 public:
  struct Config {
    std::string dataset;  // "mnist" or "fashion_mnist"
    std::string data_dir;
    std::string data_dir_where;  // "file:line: optimizee.data_dir: " for data errors
    std::string network = "cnn";
    std::vector<std::int64_t> hidden{100};
    std::string activation = "sigmoid";
    bool bias = true;
    std::int64_t batch_size = 64;
    std::string outputs = "softmax";
    bool shuffle = true;
    std::int64_t train_size = 0;
    std::int64_t test_size = 0;
    std::int64_t validation_size = 5000;
    std::string validation_where;
    double bound = 100.0;
    std::int64_t members_per_call = 16;
    static Config read(Options& o, const std::string& dataset);
  };

  ImageClassifier(const Config& cfg, const OptimizeeContext& ctx);

  ParameterSpace space() const override;
  Evaluation evaluate(const Candidate& c) override;
  std::size_t batch_size() const override {
    return static_cast<std::size_t>(cfg_.members_per_call);
  }
  void evaluate_batch(std::span<const Candidate> batch, std::span<Evaluation> out) override;
  std::vector<std::string> objective_names() const override { return {"accuracy"}; }
  std::vector<double> default_weights() const override { return {1.0}; }
  std::optional<bool> returns_outputs() const override { return true; }
  nlohmann::json describe() const override;

  const nn::Network& network() const { return *net_; }
  const data::ImageSet& training_set() const { return data_.train; }
  const data::ImageSet& validation_set() const { return validation_; }
  const data::ImageSet& test_set() const { return data_.test; }
  std::size_t batches_per_epoch() const;
  // Training-set indices of mini-batch b.
  std::vector<std::size_t> minibatch(std::int64_t b) const;

 private:
  // The candidate on a whole held-out set (validation or test).
  Evaluation held_out_evaluation(const Candidate& c) const;
  // Evaluates candidates that share mini-batch `b`.
  void evaluate_group(std::span<const Candidate* const> cands, std::span<Evaluation* const> out,
                      std::int64_t b) const;

  Config cfg_;
  OptimizeeContext ctx_;
  data::ImageSplit data_;
  data::ImageSet validation_;  // the last validation_size training images
  std::unique_ptr<nn::Network> net_;
};

}  // namespace l2l
