#include "l2l/optimizees/neural/image_classifier.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "l2l/core/rng.hpp"

namespace l2l {

ImageClassifier::Config ImageClassifier::Config::read(Options& o, const std::string& dataset) {
  Config c;
  c.dataset = dataset;
  c.data_dir = o.get<std::string>(
      "data_dir", c.data_dir,
      "directory with the IDX files; empty = data/" +
          std::string(dataset == "mnist" ? "mnist (scripts/fetch-data.sh)"
                                         : "fashion-mnist or the Debian package's directory"));
  c.data_dir_where = o.where("data_dir");
  c.network = o.get<std::string>("network", c.network,
                                 "cnn = the paper's CNN (18,050 weights), mlp = dense layers",
                                 Check::one_of({"cnn", "mlp"}));
  c.hidden = o.get<std::vector<std::int64_t>>("hidden", c.hidden, "mlp: hidden layer sizes",
                                              Check::at_least(1));
  c.activation = o.get<std::string>("activation", c.activation, "hidden-layer activation",
                                    Check::one_of({"sigmoid", "tanh", "relu", "heaviside"}));
  c.bias = o.get<bool>("bias", c.bias, "mlp: layers have biases (the CNN has none)");
  c.batch_size =
      o.get<std::int64_t>("batch_size", c.batch_size, "images per mini-batch (1 = online learning)",
                          Check::at_least(1));
  c.outputs = o.get<std::string>("outputs", c.outputs,
                                 "what the EnKF fits to the one-hot labels: softmax or logits",
                                 Check::one_of({"softmax", "logits"}));
  c.shuffle = o.get<bool>("shuffle", c.shuffle,
                          "reshuffle the training set every epoch (from the run seed)");
  c.train_size =
      o.get<std::int64_t>("train_size", c.train_size,
                          "use only the first N training images; 0 = all", Check::at_least(0));
  c.test_size = o.get<std::int64_t>(
      "test_size", c.test_size, "use only the first N test images; 0 = all", Check::at_least(0));
  c.validation_size = o.get<std::int64_t>(
      "validation_size", c.validation_size,
      "the last N images of the training file are the validation split (experiment.test_every "
      "and what runs choose by); no mini-batch contains them; 0 = none",
      Check::at_least(0));
  c.validation_where = o.where("validation_size");
  c.bound = o.get<double>("bound", c.bound, "weights live in [-bound, bound]", Check::positive());
  c.members_per_call = o.get<std::int64_t>(
      "members_per_call", c.members_per_call,
      "networks evaluated together in one batched call (shared first-layer product)",
      Check::at_least(1));
  return c;
}

ImageClassifier::ImageClassifier(const Config& cfg, const OptimizeeContext& ctx)
    : cfg_(cfg), ctx_(ctx) {
  const auto act = nn::parse_activation(cfg.activation);
  try {
    data_ = data::load_named_split(cfg.dataset, cfg.data_dir, ctx.config_file);
  } catch (const UsageError& e) {
    // Missing or corrupt data is a configuration error: say where the data was configured.
    throw ConfigError(cfg.data_dir_where + e.what());
  }
  auto limit = [](data::ImageSet& s, std::int64_t n) {
    if (n <= 0 || static_cast<std::size_t>(n) >= s.size()) return;
    s.labels.resize(static_cast<std::size_t>(n));
    s.pixels.resize(static_cast<std::size_t>(n) * s.pixels_per_image());
  };
  // The validation split is the end of the training file, whatever train_size takes from its
  // start, so the same images validate every run on the same data.
  const auto n_val = static_cast<std::size_t>(cfg.validation_size);
  if (n_val >= data_.train.size())
    throw ConfigError(fmt::format(
        "{}validation_size {} leaves no training images ({} has {}); choose a smaller one (0: no "
        "validation split)",
        cfg.validation_where, n_val, data_.dir, data_.train.size()));
  if (n_val > 0) {
    const std::size_t keep = data_.train.size() - n_val, px = data_.train.pixels_per_image();
    validation_.rows = data_.train.rows;
    validation_.cols = data_.train.cols;
    validation_.labels.assign(data_.train.labels.begin() + static_cast<std::ptrdiff_t>(keep),
                              data_.train.labels.end());
    validation_.pixels.assign(data_.train.pixels.begin() + static_cast<std::ptrdiff_t>(keep * px),
                              data_.train.pixels.end());
    limit(data_.train, static_cast<std::int64_t>(keep));
  }
  limit(data_.train, cfg.train_size);
  limit(data_.test, cfg.test_size);
  if (data_.train.rows != 28 || data_.train.cols != 28)
    throw UsageError(fmt::format("{}: images are {}x{}, the networks expect 28x28", data_.dir,
                                 data_.train.rows, data_.train.cols));
  if (static_cast<std::size_t>(cfg.batch_size) > data_.train.size())
    throw UsageError(fmt::format("optimizee.batch_size {} exceeds the {} training images",
                                 cfg.batch_size, data_.train.size()));
  if (cfg.network == "cnn") {
    net_ = nn::make_paper_cnn(act);
  } else {
    std::vector<std::size_t> sizes{784};
    for (auto h : cfg.hidden) sizes.push_back(static_cast<std::size_t>(h));
    sizes.push_back(10);
    net_ = nn::make_mlp(sizes, act, cfg.bias);
  }
}

ParameterSpace ImageClassifier::space() const {
  ParameterSpace s;
  for (const auto& b : net_->blocks()) s.add_array(b.name, b.size, -cfg_.bound, cfg_.bound);
  return s;
}

nlohmann::json ImageClassifier::describe() const {
  return {{"dataset", cfg_.dataset},
          {"data_dir", data_.dir},
          {"train_images", data_.train.size()},
          {"validation_images", validation_.size()},
          {"test_images", data_.test.size()},
          {"network", net_->summary()},
          {"weights", net_->n_weights()},
          {"batch_size", cfg_.batch_size},
          {"batches_per_epoch", batches_per_epoch()},
          {"outputs", cfg_.outputs}};
}

std::size_t ImageClassifier::batches_per_epoch() const {
  return data_.train.size() / static_cast<std::size_t>(cfg_.batch_size);
}

std::vector<std::size_t> ImageClassifier::minibatch(std::int64_t b) const {
  const std::size_t per_epoch = batches_per_epoch();
  const auto ub = static_cast<std::uint64_t>(std::max<std::int64_t>(b, 0));
  const std::uint64_t epoch = ub / per_epoch, pos = ub % per_epoch;
  std::vector<std::size_t> order(data_.train.size());
  std::iota(order.begin(), order.end(), 0);
  if (cfg_.shuffle) {
    Rng rng(mix_seed(mix_seed(ctx_.seed, 0x6d696e69 /* "mini" */), epoch));
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  }
  const auto bs = static_cast<std::size_t>(cfg_.batch_size);
  return std::vector<std::size_t>(order.begin() + static_cast<std::ptrdiff_t>(pos * bs),
                                  order.begin() + static_cast<std::ptrdiff_t>((pos + 1) * bs));
}

namespace {

std::vector<float> to_float(const std::vector<double>& p) {
  return {p.begin(), p.end()};
}

// Softmax probabilities of one row of logits, and the cross-entropy of the true class.
double softmax_row(const float* z, std::size_t k, int label, double* prob) {
  double mx = z[0];
  for (std::size_t c = 1; c < k; ++c) mx = std::max(mx, double(z[c]));
  double sum = 0.0;
  for (std::size_t c = 0; c < k; ++c) {
    prob[c] = std::exp(double(z[c]) - mx);
    sum += prob[c];
  }
  for (std::size_t c = 0; c < k; ++c) prob[c] /= sum;
  return -(double(z[label]) - mx - std::log(sum));
}

std::size_t argmax(const float* z, std::size_t k) {
  return static_cast<std::size_t>(std::max_element(z, z + k) - z);
}

}  // namespace

void ImageClassifier::evaluate_group(std::span<const Candidate* const> cands,
                                     std::span<Evaluation* const> out, std::int64_t b) const {
  const std::size_t P = net_->n_weights(), K = net_->n_outputs(), D = net_->n_inputs();
  const auto idx = minibatch(b);
  const std::size_t n = idx.size();
  std::vector<float> x(n * D);
  for (std::size_t i = 0; i < n; ++i) std::copy_n(data_.train.image(idx[i]), D, x.data() + i * D);
  std::vector<std::vector<float>> w(cands.size());
  std::vector<const float*> ptr(cands.size());
  for (std::size_t q = 0; q < cands.size(); ++q) {
    if (cands[q]->params.size() != P)
      throw std::invalid_argument(
          fmt::format("candidate has {} parameters, the network {}", cands[q]->params.size(), P));
    w[q] = to_float(cands[q]->params);
    ptr[q] = w[q].data();
  }
  std::vector<float> logits(cands.size() * n * K);
  net_->forward(ptr, x.data(), n, logits.data());
  const bool softmax = cfg_.outputs == "softmax";
  for (std::size_t q = 0; q < cands.size(); ++q) {
    Evaluation& e = *out[q];
    e = Evaluation{};
    e.outputs.resize(n * K);
    e.observations.assign(n * K, 0.0);
    double loss = 0.0;
    std::size_t correct = 0;
    std::vector<double> prob(K);
    for (std::size_t i = 0; i < n; ++i) {
      const float* z = logits.data() + (q * n + i) * K;
      const int label = data_.train.labels[idx[i]];
      loss += softmax_row(z, K, label, prob.data());
      correct += argmax(z, K) == static_cast<std::size_t>(label);
      for (std::size_t c = 0; c < K; ++c) e.outputs[i * K + c] = softmax ? prob[c] : z[c];
      e.observations[i * K + static_cast<std::size_t>(label)] = 1.0;
    }
    const double acc = static_cast<double>(correct) / static_cast<double>(n);
    e.fitness = {acc};
    e.metrics["accuracy"] = acc;
    e.metrics["loss"] = loss / static_cast<double>(n);
  }
}

Evaluation ImageClassifier::held_out_evaluation(const Candidate& c) const {
  const std::size_t P = net_->n_weights(), K = net_->n_outputs();
  if (c.params.size() != P)
    throw std::invalid_argument(
        fmt::format("candidate has {} parameters, the network {}", c.params.size(), P));
  const data::ImageSet& set = c.phase == Phase::test ? data_.test : validation_;
  if (set.size() == 0)
    return Evaluation::failure("no validation split (optimizee.validation_size is 0)");
  const auto w = to_float(c.params);
  const float* ptr[1] = {w.data()};
  const std::size_t n = set.size(), chunk = 500;
  std::vector<float> logits(chunk * K);
  std::vector<double> prob(K);
  double loss = 0.0;
  std::size_t correct = 0;
  for (std::size_t i0 = 0; i0 < n; i0 += chunk) {
    const std::size_t nn = std::min(chunk, n - i0);
    net_->forward(ptr, set.image(i0), nn, logits.data());
    for (std::size_t i = 0; i < nn; ++i) {
      const int label = set.labels[i0 + i];
      loss += softmax_row(logits.data() + i * K, K, label, prob.data());
      correct += argmax(logits.data() + i * K, K) == static_cast<std::size_t>(label);
    }
  }
  Evaluation e;
  const double acc = static_cast<double>(correct) / static_cast<double>(n);
  e.fitness = {acc};
  e.metrics["accuracy"] = acc;
  e.metrics["loss"] = loss / static_cast<double>(n);
  e.metrics["images"] = static_cast<double>(n);
  return e;
}

Evaluation ImageClassifier::evaluate(const Candidate& c) {
  if (c.phase != Phase::train) return held_out_evaluation(c);
  Evaluation e;
  const Candidate* cp[1] = {&c};
  Evaluation* ep[1] = {&e};
  evaluate_group(cp, ep, c.batch >= 0 ? c.batch : c.generation);
  return e;
}

void ImageClassifier::evaluate_batch(std::span<const Candidate> batch, std::span<Evaluation> out) {
  // Group the training candidates by mini-batch (normally all share one).
  std::map<std::int64_t, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].phase != Phase::train) {
      out[i] = held_out_evaluation(batch[i]);
      continue;
    }
    groups[batch[i].batch >= 0 ? batch[i].batch : batch[i].generation].push_back(i);
  }
  for (const auto& [b, members] : groups) {
    std::vector<const Candidate*> cp;
    std::vector<Evaluation*> ep;
    for (auto i : members) {
      cp.push_back(&batch[i]);
      ep.push_back(&out[i]);
    }
    evaluate_group(cp, ep, b);
  }
}

namespace {

struct MnistOptimizee final : ImageClassifier {
  struct Config : ImageClassifier::Config {
    static ImageClassifier::Config read(Options& o) {
      return ImageClassifier::Config::read(o, "mnist");
    }
  };
  MnistOptimizee(const ImageClassifier::Config& c, const OptimizeeContext& ctx)
      : ImageClassifier(c, ctx) {}
};

struct FashionMnistOptimizee final : ImageClassifier {
  struct Config : ImageClassifier::Config {
    static ImageClassifier::Config read(Options& o) {
      return ImageClassifier::Config::read(o, "fashion_mnist");
    }
  };
  FashionMnistOptimizee(const ImageClassifier::Config& c, const OptimizeeContext& ctx)
      : ImageClassifier(c, ctx) {}
};

}  // namespace

L2L_REGISTER_OPTIMIZEE(MnistOptimizee, "mnist",
                       "network weights classifying MNIST digits (CNN or MLP; outputs for the "
                       "EnKF, accuracy as fitness)");
L2L_REGISTER_OPTIMIZEE(FashionMnistOptimizee, "fashion_mnist",
                       "network weights classifying Fashion-MNIST (CNN or MLP; outputs for the "
                       "EnKF, accuracy as fitness)");

}  // namespace l2l
