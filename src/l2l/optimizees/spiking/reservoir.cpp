#include "l2l/optimizees/spiking/reservoir.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "l2l/core/error.hpp"
#include "l2l/core/rng.hpp"

namespace l2l {

using namespace spiking;

namespace {

constexpr std::uint64_t kStructure = 0x7265736572766f69ull;  // "reservoi"
constexpr std::uint64_t kNoise = 0x6e6f697365ull;            // "noise"
constexpr std::uint64_t kShuffle = 0x6d696e69ull;            // "mini"

}  // namespace

SpikingReservoir::Config SpikingReservoir::Config::read(Options& o) {
  Config c;
  c.dataset = o.get<std::string>("dataset", c.dataset, "image data set",
                                 Check::one_of({"mnist", "fashion_mnist"}));
  c.data_dir = o.get<std::string>("data_dir", c.data_dir,
                                  "directory of the IDX files; empty: data/<dataset> (see "
                                  "scripts/fetch-data.sh)");
  c.classes = o.get<std::vector<std::int64_t>>("classes", c.classes,
                                               "labels to classify, one output cluster each");
  c.batch_size =
      o.get<std::int64_t>("batch_size", c.batch_size, "images per training evaluation (mini-batch)",
                          Check::at_least(1));
  c.train_size = o.get<std::int64_t>("train_size", c.train_size,
                                     "use only the first N training images of the classes; 0 = all",
                                     Check::at_least(0));
  c.test_size = o.get<std::int64_t>(
      "test_size", c.test_size,
      "test images of the classes for the final test (experiment.final_test); 0 = all",
      Check::at_least(0));
  c.validation_size =
      o.get<std::int64_t>("validation_size", c.validation_size,
                          "the last N training images of the classes are the validation split "
                          "(experiment.test_every); no mini-batch contains them; 0 = none",
                          Check::at_least(0));
  c.shuffle = o.get<bool>("shuffle", c.shuffle, "reshuffle the training images every epoch");
  c.noise = o.get<std::string>("noise", c.noise,
                               "frozen: input/background trains fixed per image (bulk cached); "
                               "candidate: drawn from each candidate's seed",
                               Check::one_of({"frozen", "candidate"}));
  c.cache_images = o.get<std::int64_t>("cache_images", c.cache_images,
                                       "bulk spike trains kept in memory (frozen noise); 0 = "
                                       "simulate the whole network for every candidate",
                                       Check::at_least(0));
  c.rate_scale = o.get<double>("rate_scale", c.rate_scale,
                               "Hz per softmax unit: outputs are softmax(rate / rate_scale)",
                               Check::positive());
  c.weight_bound =
      o.get<double>("weight_bound", c.weight_bound,
                    "readout weights are bounded to [-bound, bound] pA", Check::positive());
  c.artifacts_every = o.get<std::int64_t>(
      "artifacts_every", c.artifacts_every,
      "store a spike raster and rates of candidate 0 (and of test evaluations) every N "
      "generations; 0 = never",
      Check::at_least(0));
  c.threads = o.get<int>("threads", c.threads,
                         "simulator threads per evaluation; 0 = the evaluator's share "
                         "(results do not depend on it)",
                         Check::at_least(0));
  auto n = o.child("network", "reservoir structure and dynamics (defaults: the thesis set-up)");
  auto& p = c.network;
  auto u32 = [&](const char* key, std::uint32_t& v, const char* help) {
    v = static_cast<std::uint32_t>(n.get<std::int64_t>(key, v, help, Check::at_least(1)));
  };
  auto u32z = [&](const char* key, std::uint32_t& v, const char* help) {
    v = static_cast<std::uint32_t>(n.get<std::int64_t>(key, v, help, Check::at_least(0)));
  };
  auto dbl = [&](const char* key, double& v, const char* help, Check chk = {}) {
    v = n.get<double>(key, v, help, chk);
  };
  u32("n_exc", p.n_exc, "excitatory bulk neurons");
  u32("n_inh", p.n_inh, "inhibitory bulk neurons");
  u32("out_exc", p.out_exc, "excitatory neurons per output cluster");
  u32("out_inh", p.out_inh, "inhibitory neurons per output cluster");
  dbl("resolution", p.resolution, "time step (ms)", Check::positive());
  dbl("cooldown", p.cooldown, "idle input before each image (ms)", Check::at_least(0));
  dbl("presentation", p.presentation, "image presentation (ms)", Check::positive());
  dbl("rate_min", p.rate_min, "input rate of a black pixel (Hz)", Check::at_least(0));
  dbl("rate_max", p.rate_max, "input rate of a white pixel (Hz)", Check::at_least(0));
  dbl("rate_idle", p.rate_idle, "input rate during the cool-down (Hz)", Check::at_least(0));
  u32("input_indegree", p.input_indegree, "input units per bulk neuron");
  dbl("w_input_mean", p.w_input_mean, "input weight mean (pA)");
  dbl("w_input_sd", p.w_input_sd, "input weight sd (pA)", Check::at_least(0));
  u32z("outdegree_ee", p.outdegree_ee, "E -> E out-degree");
  u32z("outdegree_ei", p.outdegree_ei, "E -> I out-degree");
  u32z("outdegree_ie", p.outdegree_ie, "I -> E out-degree");
  u32z("outdegree_ii", p.outdegree_ii, "I -> I out-degree");
  dbl("w_exc_mean", p.w_exc_mean, "bulk excitatory weight mean (pA)");
  dbl("w_exc_sd", p.w_exc_sd, "bulk excitatory weight sd (pA)", Check::at_least(0));
  dbl("w_inh_mean", p.w_inh_mean, "bulk inhibitory weight mean (pA, negative)");
  dbl("w_inh_sd", p.w_inh_sd, "bulk inhibitory weight sd (pA)", Check::at_least(0));
  dbl("delay", p.delay, "synaptic delay (ms)", Check::positive());
  dbl("bg_rate", p.bg_rate, "background Poisson rate per neuron (Hz)", Check::at_least(0));
  dbl("bg_weight", p.bg_weight, "background weight (pA)");
  u32("readout_indegree_exc", p.readout_indegree_exc, "bulk E inputs per output neuron");
  u32("readout_indegree_inh", p.readout_indegree_inh, "bulk I inputs per output neuron");
  dbl("w_readout_sd", p.w_readout_sd, "sd of the template readout weights (pA)",
      Check::at_least(0));
  u32z("cluster_indegree", p.cluster_indegree, "within-cluster in-degree (E and I)");
  dbl("w_cluster_exc", p.w_cluster_exc, "within-cluster excitatory weight (pA)");
  dbl("w_cluster_inh", p.w_cluster_inh, "within-cluster inhibitory weight (pA)");
  if (!o.describing()) {
    if (c.classes.size() < 2) o.fail("classes", "needs at least two classes");
    std::vector<std::int64_t> sorted = c.classes;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      o.fail("classes", "classes must be distinct");
    for (auto k : c.classes)
      if (k < 0 || k > 9) o.fail("classes", "labels are 0..9");
    p.n_classes = static_cast<std::uint32_t>(c.classes.size());
    try {
      p.validate();
    } catch (const std::invalid_argument& e) {
      n.fail("", e.what());
    }
  }
  return c;
}

SpikingReservoir::SpikingReservoir(const Config& cfg, const OptimizeeContext& ctx)
    : cfg_(cfg), ctx_(ctx) {
  init(load_digits(cfg.dataset, cfg.data_dir, ctx.config_file));
}

SpikingReservoir::SpikingReservoir(const Config& cfg, const OptimizeeContext& ctx, DigitSplit data)
    : cfg_(cfg), ctx_(ctx) {
  init(std::move(data));
}

void SpikingReservoir::init(DigitSplit data) {
  data_dir_ = data.dir;
  cfg_.network.n_classes = static_cast<std::uint32_t>(cfg_.classes.size());
  cfg_.network.n_input = static_cast<std::uint32_t>(data.train.pixels_per_image);
  class_of_label_.assign(256, -1);
  for (std::size_t k = 0; k < cfg_.classes.size(); ++k)
    class_of_label_[static_cast<std::size_t>(cfg_.classes[k])] = static_cast<int>(k);
  auto filter = [&](const DigitImages& in, std::int64_t limit) {
    DigitImages out;
    out.pixels_per_image = in.pixels_per_image;
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (limit > 0 && out.size() >= static_cast<std::size_t>(limit)) break;
      if (class_of_label_[in.labels[i]] >= 0) out.push_back(in.image(i), in.labels[i]);
    }
    return out;
  };
  // The validation split is the last validation_size training images of the classes; train_size
  // takes from the start of the rest.
  train_ = filter(data.train, 0);
  const auto n_val = static_cast<std::size_t>(cfg_.validation_size);
  if (n_val >= train_.size())
    throw UsageError(fmt::format(
        "spiking_reservoir: validation_size {} leaves no training images (the chosen classes have "
        "{}); choose a smaller one (0: no validation split)",
        n_val, train_.size()));
  if (n_val > 0) {
    DigitImages all = std::move(train_);
    train_ = DigitImages{};
    train_.pixels_per_image = validation_.pixels_per_image = all.pixels_per_image;
    const std::size_t keep = all.size() - n_val;
    const std::size_t take =
        cfg_.train_size > 0 ? std::min(keep, static_cast<std::size_t>(cfg_.train_size)) : keep;
    for (std::size_t i = 0; i < take; ++i) train_.push_back(all.image(i), all.labels[i]);
    for (std::size_t i = keep; i < all.size(); ++i)
      validation_.push_back(all.image(i), all.labels[i]);
  } else if (cfg_.train_size > 0 && train_.size() > static_cast<std::size_t>(cfg_.train_size)) {
    train_.labels.resize(static_cast<std::size_t>(cfg_.train_size));
    train_.pixels.resize(train_.labels.size() * train_.pixels_per_image);
  }
  test_ = filter(data.test, cfg_.test_size);
  if (train_.size() < static_cast<std::size_t>(cfg_.batch_size))
    throw UsageError(
        fmt::format("spiking_reservoir: batch_size {} exceeds the {} training images "
                    "of the chosen classes",
                    cfg_.batch_size, train_.size()));
  if (test_.size() == 0)
    throw UsageError("spiking_reservoir: no test images of the chosen classes");
  full_ = std::make_unique<ReservoirNetwork>(
      cfg_.network, mix_seed(ctx_.seed, kStructure),
      cfg_.threads > 0 ? cfg_.threads : std::max(1, ctx_.threads));
  replay_ = std::make_unique<ReplayNetwork>(*full_);
}

ParameterSpace SpikingReservoir::space() const {
  ParameterSpace s;
  const auto sizes = cfg_.network.readout_sizes();
  const char* names[4] = {"eeo", "eio", "ieo", "iio"};
  for (int k = 0; k < 4; ++k)
    s.add_array(names[k], sizes[k], -cfg_.weight_bound, cfg_.weight_bound);
  return s;
}

nlohmann::json SpikingReservoir::describe() const {
  const auto& p = cfg_.network;
  return {{"dataset", cfg_.dataset},
          {"data_dir", data_dir_},
          {"classes", cfg_.classes},
          {"train_images", train_.size()},
          {"validation_images", validation_.size()},
          {"test_images", test_.size()},
          {"batch_size", cfg_.batch_size},
          {"batches_per_epoch", batches_per_epoch()},
          {"neurons", full_->network().num_nodes()},
          {"synapses", full_->network().num_synapses()},
          {"readout_weights", p.n_readout()},
          {"bulk", {{"exc", p.n_exc}, {"inh", p.n_inh}}},
          {"simulated_ms_per_image", p.duration()},
          {"noise", cfg_.noise}};
}

std::size_t SpikingReservoir::batches_per_epoch() const {
  return train_.size() / static_cast<std::size_t>(cfg_.batch_size);
}

std::vector<std::size_t> SpikingReservoir::minibatch(std::int64_t b) const {
  const std::size_t per_epoch = batches_per_epoch();
  const auto ub = static_cast<std::uint64_t>(std::max<std::int64_t>(b, 0));
  const std::uint64_t epoch = ub / per_epoch, pos = ub % per_epoch;
  std::vector<std::size_t> order(train_.size());
  std::iota(order.begin(), order.end(), 0);
  if (cfg_.shuffle) {
    Rng rng(mix_seed(mix_seed(ctx_.seed, kShuffle), epoch));
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  }
  const auto bs = static_cast<std::size_t>(cfg_.batch_size);
  return {order.begin() + static_cast<std::ptrdiff_t>(pos * bs),
          order.begin() + static_cast<std::ptrdiff_t>((pos + 1) * bs)};
}

// Images are keyed by split and index: train 0, test 1 << 40, validation 2 << 40.
static std::uint64_t split_key(Phase split, std::size_t index) {
  return (static_cast<std::uint64_t>(split) << 40) + index;
}

std::uint64_t SpikingReservoir::noise_seed(Phase split, std::size_t index,
                                           std::uint64_t candidate_seed) const {
  const std::uint64_t key = split_key(split, index);
  const std::uint64_t base = cfg_.noise == "frozen" ? ctx_.seed : candidate_seed;
  return mix_seed(mix_seed(base, kNoise), key);
}

std::shared_ptr<const BulkSpikes> SpikingReservoir::bulk_spikes(Phase split, std::size_t index,
                                                                bool wait) {
  const Key key = split_key(split, index);
  std::promise<std::shared_ptr<const BulkSpikes>> promise;
  std::shared_future<std::shared_ptr<const BulkSpikes>> future;
  bool compute = false;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      future = it->second;
    } else {
      future = promise.get_future().share();
      cache_.emplace(key, future);
      cache_order_.push_back(key);
      while (cache_order_.size() > static_cast<std::size_t>(cfg_.cache_images)) {
        cache_.erase(cache_order_.front());
        cache_order_.pop_front();
      }
      compute = true;
    }
  }
  if (compute) {
    try {
      auto b = std::make_shared<BulkSpikes>();
      const auto& s = set(split);
      full_->run({s.image(index), s.pixels_per_image}, {}, noise_seed(split, index, 0), b.get());
      ++bulk_runs_;
      promise.set_value(std::move(b));
    } catch (...) {
      promise.set_exception(std::current_exception());
      std::lock_guard lock(mutex_);
      cache_.erase(key);
      cache_order_.remove(key);
    }
  } else if (!wait && future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    return nullptr;  // another evaluation is simulating it
  }
  return future.get();
}

ImageResult SpikingReservoir::classify(Phase split, std::size_t index, std::span<const double> w,
                                       std::uint64_t candidate_seed, SpikeRecord* raster) {
  const auto& s = set(split);
  if (index >= s.size()) throw std::out_of_range("spiking_reservoir: image index out of range");
  const std::uint64_t seed = noise_seed(split, index, candidate_seed);
  if (cfg_.noise == "candidate" || cfg_.cache_images == 0)
    return full_->run({s.image(index), s.pixels_per_image}, w, seed, nullptr, raster);
  const auto bulk = bulk_spikes(split, index, true);
  ImageResult r = replay_->run(*bulk, w, seed, raster);
  if (raster) {
    // Bulk spikes first (node ids of the full network), then the outputs'.
    SpikeRecord all;
    const std::uint32_t first = full_->bulk().first;
    const std::uint32_t out_shift = full_->outputs().first;
    std::size_t i = 0, j = 0;
    const auto& o = *raster;
    while (i < bulk->node.size() || j < o.size()) {
      const double tb =
          i < bulk->node.size() ? (bulk->step[i] + 1.0) * cfg_.network.resolution : 1e300;
      const double to = j < o.size() ? o.times[j] : 1e300;
      if (tb <= to) {
        all.senders.push_back(first + bulk->node[i]);
        all.times.push_back(tb);
        ++i;
      } else {
        all.senders.push_back(o.senders[j] - replay_first_output() + out_shift);
        all.times.push_back(to);
        ++j;
      }
    }
    *raster = std::move(all);
  }
  return r;
}

namespace {

nlohmann::json raster_json(const SpikeRecord& r, const ReservoirNetwork& net, int label,
                           const ImageResult& res) {
  const auto& p = net.params();
  const auto bulk = net.bulk(), outs = net.outputs();
  nlohmann::json pops = nlohmann::json::array();
  pops.push_back({{"name", "bulk E"}, {"first", bulk.first}, {"size", p.n_exc}});
  pops.push_back({{"name", "bulk I"}, {"first", bulk.first + p.n_exc}, {"size", p.n_inh}});
  pops.push_back({{"name", "output"},
                  {"first", outs.first},
                  {"size", outs.size()},
                  {"cluster_size", p.out_exc + p.out_inh},
                  {"cluster_exc", p.out_exc}});
  std::vector<double> t(r.times.size());
  for (std::size_t k = 0; k < t.size(); ++k) t[k] = std::round(r.times[k] * 10.0) / 10.0;
  // The report's raster format (docs/report.md): senders, times in ms, populations, window.
  return {{"kind", "spike_raster"},
          {"label", fmt::format("digit {} (cool-down {} ms, then the image)", label, p.cooldown)},
          {"class", label},
          {"t_start", 0.0},
          {"t_stop", p.cooldown + p.presentation},
          {"cooldown_ms", p.cooldown},
          {"presentation_ms", p.presentation},
          {"populations", pops},
          {"cluster_rates_hz", res.rates},
          {"senders", r.senders},
          {"times", t}};
}

}  // namespace

Evaluation SpikingReservoir::evaluate_images(const Candidate& c, Phase split,
                                             const std::vector<std::size_t>& idx) {
  const bool test_set = split != Phase::train;  // held out: no outputs
  const auto& s = set(split);
  const std::size_t k = cfg_.classes.size();
  const bool artifacts = cfg_.artifacts_every > 0 && c.generation % cfg_.artifacts_every == 0 &&
                         (c.index == 0 || c.phase != Phase::train);
  // Simulate the bulk of images nobody else is working on first, then wait for the rest.
  if (cfg_.noise == "frozen" && cfg_.cache_images > 0)
    for (std::size_t i : idx) (void)bulk_spikes(split, i, false);
  Evaluation e;
  std::size_t correct = 0;
  double loss = 0.0, out_rate = 0.0;
  if (!test_set) {
    e.outputs.reserve(idx.size() * k);
    e.observations.reserve(idx.size() * k);
  }
  for (std::size_t n = 0; n < idx.size(); ++n) {
    SpikeRecord raster;
    const ImageResult r =
        classify(split, idx[n], c.params, c.seed, artifacts && n == 0 ? &raster : nullptr);
    const int label = class_of_label_[s.labels[idx[n]]];
    double mx = r.rates[0];
    for (double x : r.rates) mx = std::max(mx, x);
    std::vector<double> prob(k);
    double sum = 0.0;
    for (std::size_t j = 0; j < k; ++j)
      sum += prob[j] = std::exp((r.rates[j] - mx) / cfg_.rate_scale);
    for (auto& x : prob) x /= sum;
    bool unique_max = true;
    for (std::size_t j = 0; j < k; ++j)
      if (static_cast<int>(j) != label && r.rates[j] >= r.rates[static_cast<std::size_t>(label)])
        unique_max = false;
    correct += unique_max;
    loss -= std::log(std::max(prob[static_cast<std::size_t>(label)], 1e-300));
    for (double x : r.rates) out_rate += x;
    if (!test_set)
      for (std::size_t j = 0; j < k; ++j) {
        e.outputs.push_back(prob[j]);
        e.observations.push_back(static_cast<int>(j) == label ? 1.0 : 0.0);
      }
    if (artifacts && n == 0)
      e.artifacts.push_back(
          {fmt::format("spiking_reservoir/g{}_{}.raster", c.generation, to_string(c.phase)), "json",
           raster_json(raster, *full_, s.labels[idx[n]], r).dump()});
  }
  const double acc = static_cast<double>(correct) / static_cast<double>(idx.size());
  e.fitness = {acc};
  e.metrics["accuracy"] = acc;
  e.metrics["loss"] = loss / static_cast<double>(idx.size());
  e.metrics["output_rate_hz"] = out_rate / static_cast<double>(idx.size() * k);
  e.metrics["images"] = static_cast<double>(idx.size());
  return e;
}

Evaluation SpikingReservoir::evaluate(const Candidate& c) {
  if (c.params.size() != cfg_.network.n_readout())
    return Evaluation::failure(fmt::format("expected {} readout weights, got {}",
                                           cfg_.network.n_readout(), c.params.size()));
  if (c.phase != Phase::train) {
    const auto& s = set(c.phase);
    if (s.size() == 0)
      return Evaluation::failure("no validation split (optimizee.validation_size is 0)");
    std::vector<std::size_t> idx(s.size());
    std::iota(idx.begin(), idx.end(), 0);
    return evaluate_images(c, c.phase, idx);
  }
  return evaluate_images(c, Phase::train, minibatch(c.batch >= 0 ? c.batch : c.generation));
}

L2L_REGISTER_OPTIMIZEE(
    SpikingReservoir, "spiking_reservoir",
    "readout weights of a spiking reservoir classifying MNIST digits (EnKF study)");

}  // namespace l2l
