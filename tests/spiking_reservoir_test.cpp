// The spiking reservoir optimizee on a reduced network and synthetic images: the cached
// bulk + replay path equals simulating the whole network, determinism, thread independence,
// outputs and observations, loading IDX data through the registry.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include <yaml-cpp/yaml.h>

#include "l2l/optimizees/spiking/reservoir.hpp"

using namespace l2l;
using namespace l2l::spiking;

namespace {

// 28x28 images of three classes: a bright horizontal band at the top, middle or bottom, with
// pixel noise; label = class + 1 (so labels 1, 2, 3 are the chosen classes).
DigitSplit synthetic(std::size_t n_train, std::size_t n_test, std::uint64_t seed) {
  Rng rng(seed);
  auto make = [&](std::size_t n) {
    DigitImages s;
    s.pixels_per_image = 784;
    std::vector<float> px(784);
    for (std::size_t i = 0; i < n; ++i) {
      const int cls = static_cast<int>(i % 3);
      for (int r = 0; r < 28; ++r)
        for (int c = 0; c < 28; ++c) {
          const bool band = r >= 2 + 9 * cls && r < 8 + 9 * cls;
          px[r * 28 + c] =
              static_cast<float>(std::clamp((band ? 0.9 : 0.05) + 0.1 * rng.normal(), 0.0, 1.0));
        }
      s.push_back(px.data(), static_cast<std::uint8_t>(cls + 1));
    }
    return s;
  };
  DigitSplit d;
  d.train = make(n_train);
  d.test = make(n_test);
  // A label outside the chosen classes, to be filtered out.
  std::vector<float> blank(784, 0.0f);
  d.train.push_back(blank.data(), 7);
  d.dir = "synthetic";
  return d;
}

SpikingReservoir::Config small_config() {
  SpikingReservoir::Config c;
  c.classes = {1, 2, 3};
  c.batch_size = 3;
  c.test_size = 3;
  c.validation_size = 2;
  c.artifacts_every = 0;
  auto& p = c.network;
  p.n_exc = 160;
  p.n_inh = 40;
  p.outdegree_ee = 10;
  p.outdegree_ei = 3;
  p.outdegree_ie = 16;
  p.outdegree_ii = 3;
  p.readout_indegree_exc = 64;
  p.readout_indegree_inh = 16;
  p.cooldown = 40.0;
  p.presentation = 80.0;
  return c;
}

Candidate candidate(const SpikingReservoir& r, std::uint64_t seed, double scale = 1.0) {
  Candidate c;
  c.generation = 0;
  c.index = 1;
  c.seed = seed;
  c.batch = 0;
  c.params = r.initial_weights();
  for (auto& w : c.params) w = w * scale + 40.0;  // drive the outputs
  return c;
}

}  // namespace

TEST(SpikingReservoir, ReplayEqualsFullNetworkExactly) {
  auto cfg = small_config();
  cfg.network.n_classes = 3;
  ReservoirNetwork full(cfg.network, 11);
  ReplayNetwork replay(full);
  const auto data = synthetic(3, 3, 1);
  auto w = full.readout_weights();
  for (auto& x : w) x += 40.0;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    BulkSpikes bulk;
    SpikeRecord raster_full, raster_replay;
    const auto a = full.run({data.train.image(i), 784}, w, 100 + i, &bulk, &raster_full);
    const auto b = replay.run(bulk, w, 100 + i, &raster_replay);
    EXPECT_GT(bulk.node.size(), 100u);
    EXPECT_EQ(a.rates, b.rates);
    EXPECT_EQ(a.output_spikes, b.output_spikes);
    total += a.output_spikes;
    // The output spike trains are identical (ids shifted).
    std::vector<double> out_full;
    for (std::size_t k = 0; k < raster_full.size(); ++k)
      if (raster_full.senders[k] >= full.outputs().first) out_full.push_back(raster_full.times[k]);
    EXPECT_EQ(out_full, raster_replay.times);
  }
  EXPECT_GT(total, 0u);
}

TEST(SpikingReservoir, EvaluationOutputsAndDeterminism) {
  OptimizeeContext ctx;
  ctx.seed = 5;
  SpikingReservoir r(small_config(), ctx, synthetic(12, 6, 2));
  EXPECT_EQ(r.space().dim(), 3u * (10 + 2) * (64 + 16));
  EXPECT_EQ(r.space().parameters().size(), 4u);
  // 12 training images of the classes (label 7 dropped), the last 2 held out for validation.
  EXPECT_EQ(r.batches_per_epoch(), 3u);
  const auto c = candidate(r, 1);
  const Evaluation e = r.evaluate(c);
  ASSERT_TRUE(e.ok()) << e.reason;
  ASSERT_EQ(e.outputs.size(), 9u);
  ASSERT_EQ(e.observations.size(), 9u);
  for (std::size_t i = 0; i < 3; ++i) {
    double s = 0, o = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      s += e.outputs[3 * i + j];
      o += e.observations[3 * i + j];
      EXPECT_TRUE(e.observations[3 * i + j] == 0.0 || e.observations[3 * i + j] == 1.0);
    }
    EXPECT_NEAR(s, 1.0, 1e-12);
    EXPECT_EQ(o, 1.0);
  }
  EXPECT_GE(e.fitness[0], 0.0);
  EXPECT_LE(e.fitness[0], 1.0);
  EXPECT_GT(e.metrics.at("output_rate_hz"), 0.0);
  // The same candidate again (now from the cache), and with another seed: frozen noise makes the
  // result depend on the weights only.
  EXPECT_EQ(r.evaluate(c).outputs, e.outputs);
  EXPECT_EQ(r.evaluate(candidate(r, 999)).outputs, e.outputs);
  EXPECT_EQ(r.bulk_simulations(), 3u);
  // Other weights, other outputs.
  EXPECT_NE(r.evaluate(candidate(r, 1, 3.0)).outputs, e.outputs);
  // Wrong size: a failed evaluation, not an exception.
  Candidate bad = c;
  bad.params.pop_back();
  EXPECT_FALSE(r.evaluate(bad).ok());
}

TEST(SpikingReservoir, CacheThreadsAndNoiseModes) {
  OptimizeeContext ctx;
  ctx.seed = 8;
  const auto data = synthetic(6, 3, 3);
  SpikingReservoir cached(small_config(), ctx, data);
  auto cfg = small_config();
  cfg.cache_images = 0;  // whole network per candidate
  SpikingReservoir direct(cfg, ctx, data);
  cfg.threads = 3;
  SpikingReservoir threaded(cfg, ctx, data);
  const auto c = candidate(cached, 4);
  const auto a = cached.evaluate(c), b = direct.evaluate(c), t = threaded.evaluate(c);
  EXPECT_EQ(a.outputs, b.outputs);
  EXPECT_EQ(a.outputs, t.outputs);
  EXPECT_EQ(direct.bulk_simulations(), 0u);
  // Same run seed, same structure; another run seed, another network.
  SpikingReservoir again(small_config(), ctx, data);
  EXPECT_EQ(again.initial_weights(), cached.initial_weights());
  OptimizeeContext other = ctx;
  other.seed = 9;
  SpikingReservoir different(small_config(), other, data);
  EXPECT_NE(different.initial_weights(), cached.initial_weights());
  // Candidate noise: the seed matters.
  cfg = small_config();
  cfg.noise = "candidate";
  SpikingReservoir noisy(cfg, ctx, data);
  EXPECT_NE(noisy.evaluate(candidate(noisy, 1)).outputs,
            noisy.evaluate(candidate(noisy, 2)).outputs);
  EXPECT_EQ(noisy.evaluate(candidate(noisy, 1)).outputs,
            noisy.evaluate(candidate(noisy, 1)).outputs);
}

TEST(SpikingReservoir, TestPhaseAndArtifacts) {
  OptimizeeContext ctx;
  ctx.seed = 2;
  auto cfg = small_config();
  cfg.artifacts_every = 1;
  SpikingReservoir r(cfg, ctx, synthetic(6, 5, 4));
  Candidate c = candidate(r, 3);
  c.phase = Phase::test;
  c.index = -1;
  const auto e = r.evaluate(c);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e.outputs.empty());
  EXPECT_EQ(e.metrics.at("images"), 3.0);  // test_size
  Candidate v = c;
  v.phase = Phase::validation;
  const auto ev = r.evaluate(v);
  ASSERT_TRUE(ev.ok()) << ev.reason;
  EXPECT_EQ(ev.metrics.at("images"), 2.0);  // validation_size
  EXPECT_TRUE(ev.outputs.empty());
  ASSERT_EQ(e.artifacts.size(), 1u);
  const auto j = nlohmann::json::parse(e.artifacts[0].data);
  EXPECT_EQ(j["kind"], "spike_raster");
  EXPECT_EQ(j["senders"].size(), j["times"].size());
  EXPECT_EQ(e.artifacts[0].name.substr(e.artifacts[0].name.size() - 7), ".raster");
  EXPECT_GT(j["senders"].size(), 100u);
  EXPECT_EQ(j["cluster_rates_hz"].size(), 3u);
  // Training candidate 0 of a generation divisible by artifacts_every also stores a raster.
  Candidate t = candidate(r, 3);
  t.index = 0;
  EXPECT_EQ(r.evaluate(t).artifacts.size(), 1u);
  t.index = 2;
  EXPECT_TRUE(r.evaluate(t).artifacts.empty());
}

namespace {

void write_idx(const std::filesystem::path& p, const std::vector<std::uint32_t>& dims,
               const std::vector<std::uint8_t>& v) {
  std::ofstream f(p, std::ios::binary);
  const unsigned char head[4] = {0, 0, 8, static_cast<unsigned char>(dims.size())};
  f.write(reinterpret_cast<const char*>(head), 4);
  for (auto d : dims) {
    const unsigned char b[4] = {static_cast<unsigned char>(d >> 24),
                                static_cast<unsigned char>(d >> 16),
                                static_cast<unsigned char>(d >> 8), static_cast<unsigned char>(d)};
    f.write(reinterpret_cast<const char*>(b), 4);
  }
  f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size()));
}

}  // namespace

TEST(SpikingReservoir, RegistryReadsOptionsAndIdxFiles) {
  const auto dir = std::filesystem::temp_directory_path() / "l2l_spiking_reservoir_test";
  std::filesystem::create_directories(dir);
  const auto data = synthetic(9, 6, 5);
  for (auto [set, prefix] : {std::pair{&data.train, "train"}, std::pair{&data.test, "t10k"}}) {
    std::vector<std::uint8_t> px(set->pixels.size());
    for (std::size_t i = 0; i < px.size(); ++i)
      px[i] = static_cast<std::uint8_t>(std::lround(255 * set->pixels[i]));
    write_idx(dir / (std::string(prefix) + "-images-idx3-ubyte"),
              {static_cast<std::uint32_t>(set->size()), 28, 28}, px);
    write_idx(dir / (std::string(prefix) + "-labels-idx1-ubyte"),
              {static_cast<std::uint32_t>(set->size())}, set->labels);
  }
  YAML::Node node = YAML::Load(
      "type: spiking_reservoir\n"
      "data_dir: " +
      dir.string() +
      "\n"
      "classes: [1, 2, 3]\nbatch_size: 3\ntest_size: 3\nvalidation_size: 2\n"
      "network: {n_exc: 80, n_inh: 20, outdegree_ee: 5, outdegree_ei: 2, outdegree_ie: 8, "
      "outdegree_ii: 2, readout_indegree_exc: 20, readout_indegree_inh: 5, cooldown: 20, "
      "presentation: 40}\n");
  Options o(node, "optimizee", std::make_shared<ConfigSource>());
  OptimizeeContext ctx;
  ctx.seed = 1;
  auto opt = make_optimizee(o, ctx);
  EXPECT_EQ(opt->space().dim(), 3u * 12 * 25);
  EXPECT_EQ(opt->describe()["train_images"], 7);  // 9 of the classes, 2 for validation
  EXPECT_EQ(opt->describe()["validation_images"], 2);
  Candidate c;
  c.params.assign(opt->space().dim(), 50.0);
  c.batch = 1;
  EXPECT_EQ(opt->evaluate(c).outputs.size(), 9u);
  // Bad options are reported with their key.
  YAML::Node bad = YAML::Load("type: spiking_reservoir\nclasses: [1, 1]\n");
  Options ob(bad, "optimizee", std::make_shared<ConfigSource>());
  EXPECT_THROW(make_optimizee(ob, ctx), ConfigError);
  YAML::Node missing = YAML::Load("type: spiking_reservoir\ndata_dir: /nonexistent/dir\n");
  Options om(missing, "optimizee", std::make_shared<ConfigSource>());
  EXPECT_THROW(make_optimizee(om, ctx), UsageError);
  std::filesystem::remove_all(dir);
}
