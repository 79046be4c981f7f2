// The ensemble-batched networks against naive reference implementations, the mini-batch
// schedule of the image optimizees, and end to end: the EnKF teaches a tiny network a separable
// task read from IDX files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "l2l/core/rng.hpp"
#include "l2l/data/idx.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/optimizees/neural/activation.hpp"
#include "l2l/optimizees/neural/image_classifier.hpp"
#include "l2l/optimizees/neural/network.hpp"
#include "l2l/optimizers/optimizer.hpp"

using namespace l2l;
using namespace l2l::nn;
namespace fs = std::filesystem;

namespace {

double act_ref(Activation a, double x) {
  return activate_reference(a, static_cast<float>(x));
}

// The paper CNN written out directly in double (weight layouts as documented in network.hpp).
std::vector<double> cnn_reference(const std::vector<float>& w, const float* img, Activation a) {
  const float* w1 = w.data();
  const float* w2 = w1 + 250;
  const float* wf = w2 + 5000;
  std::vector<double> p(10 * 12 * 12), o2(20 * 8 * 8), z(10, 0.0);
  for (int c = 0; c < 10; ++c)
    for (int py = 0; py < 12; ++py)
      for (int px = 0; px < 12; ++px) {
        double best = -1e300;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) {
            const int y = 2 * py + dy, x = 2 * px + dx;
            double s = 0;
            for (int ky = 0; ky < 5; ++ky)
              for (int kx = 0; kx < 5; ++kx)
                s += w1[c * 25 + ky * 5 + kx] * img[(y + ky) * 28 + x + kx];
            best = std::max(best, act_ref(a, s));
          }
        p[(c * 12 + py) * 12 + px] = best;
      }
  for (int d = 0; d < 20; ++d)
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) {
        double s = 0;
        for (int ky = 0; ky < 5; ++ky)
          for (int kx = 0; kx < 5; ++kx)
            for (int c = 0; c < 10; ++c)
              s += w2[((d * 5 + ky) * 5 + kx) * 10 + c] * p[(c * 12 + y + ky) * 12 + x + kx];
        o2[(d * 8 + y) * 8 + x] = act_ref(a, s);
      }
  for (int k = 0; k < 10; ++k)
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x)
        for (int d = 0; d < 20; ++d)
          z[k] += wf[((k * 8 + y) * 8 + x) * 20 + d] * o2[(d * 8 + y) * 8 + x];
  return z;
}

std::vector<double> mlp_reference(const std::vector<float>& w, const float* x,
                                  const std::vector<std::size_t>& sizes, Activation a, bool bias) {
  std::vector<double> h(x, x + sizes[0]);
  std::size_t off = 0;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    std::vector<double> next(sizes[l], 0.0);
    for (std::size_t o = 0; o < sizes[l]; ++o)
      for (std::size_t i = 0; i < sizes[l - 1]; ++i)
        next[o] += w[off + o * sizes[l - 1] + i] * h[i];
    off += sizes[l] * sizes[l - 1];
    if (bias) {
      for (std::size_t o = 0; o < sizes[l]; ++o) next[o] += w[off + o];
      off += sizes[l];
    }
    if (l + 1 < sizes.size())
      for (auto& v : next) v = act_ref(a, v);
    h = next;
  }
  return h;
}

std::vector<float> random_vector(std::size_t n, double sd, Rng& rng) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.normal(0.0, sd));
  return v;
}

}  // namespace

TEST(Activation, FastFormsMatchTheReference) {
  for (auto a : {Activation::sigmoid, Activation::tanh, Activation::relu, Activation::heaviside}) {
    std::vector<float> x;
    for (int i = -4000; i <= 4000; ++i) x.push_back(i * 0.01f);
    x.push_back(-200.0f);
    x.push_back(200.0f);
    auto y = x;
    activate(a, y.data(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(y[i], activate_reference(a, x[i]), 4e-7 * (1.0 + std::fabs(x[i])))
          << to_string(a) << " at " << x[i];
  }
}

TEST(Network, PaperCnnHas18050WeightsAndMatchesReference) {
  Rng rng(4);
  for (auto act : {Activation::sigmoid, Activation::relu}) {
    auto net = make_paper_cnn(act);
    ASSERT_EQ(net->n_weights(), 18050u);
    const std::size_t g = 5, n = 7;
    std::vector<std::vector<float>> w;
    std::vector<const float*> ptr;
    for (std::size_t q = 0; q < g; ++q) w.push_back(random_vector(18050, 0.3, rng));
    for (auto& m : w) ptr.push_back(m.data());
    std::vector<float> x(n * 784);
    for (auto& v : x) v = static_cast<float>(rng.uniform());
    std::vector<float> z(g * n * 10);
    net->forward(ptr, x.data(), n, z.data());
    for (std::size_t q = 0; q < g; ++q)
      for (std::size_t i = 0; i < n; ++i) {
        const auto want = cnn_reference(w[q], x.data() + i * 784, act);
        for (int k = 0; k < 10; ++k)
          EXPECT_NEAR(z[(q * n + i) * 10 + k], want[k], 1e-4 * (1 + std::fabs(want[k])));
      }
  }
}

TEST(Network, MlpMatchesReference) {
  Rng rng(5);
  for (bool bias : {false, true})
    for (auto act : {Activation::tanh, Activation::heaviside}) {
      const std::vector<std::size_t> sizes{784, 30, 12, 10};
      auto net = make_mlp(sizes, act, bias);
      const std::size_t g = 3, n = 300;  // more images than one internal chunk
      std::vector<std::vector<float>> w;
      std::vector<const float*> ptr;
      for (std::size_t q = 0; q < g; ++q) w.push_back(random_vector(net->n_weights(), 0.2, rng));
      for (auto& m : w) ptr.push_back(m.data());
      std::vector<float> x(n * 784);
      for (auto& v : x) v = static_cast<float>(rng.uniform());
      std::vector<float> z(g * n * 10);
      net->forward(ptr, x.data(), n, z.data());
      for (std::size_t q = 0; q < g; ++q)
        for (std::size_t i = 0; i < n; i += 37) {
          const auto want = mlp_reference(w[q], x.data() + i * 784, sizes, act, bias);
          for (int k = 0; k < 10; ++k)
            EXPECT_NEAR(z[(q * n + i) * 10 + k], want[k], 2e-4 * (1 + std::fabs(want[k])));
        }
    }
}

TEST(Network, MemberResultsDoNotDependOnTheGroup) {
  // A member's logits are the same whether it is evaluated alone or with others, so evaluators
  // that chunk differently agree.
  Rng rng(6);
  for (auto& net :
       {make_paper_cnn(Activation::sigmoid), make_mlp({784, 50, 10}, Activation::relu, true)}) {
    std::vector<std::vector<float>> w;
    std::vector<const float*> ptr;
    for (int q = 0; q < 6; ++q) w.push_back(random_vector(net->n_weights(), 0.1, rng));
    for (auto& m : w) ptr.push_back(m.data());
    std::vector<float> x(9 * 784);
    for (auto& v : x) v = static_cast<float>(rng.uniform());
    std::vector<float> all(6 * 9 * 10), one(9 * 10);
    net->forward(ptr, x.data(), 9, all.data());
    for (int q = 0; q < 6; ++q) {
      net->forward(std::span<const float* const>(&ptr[q], 1), x.data(), 9, one.data());
      for (int i = 0; i < 90; ++i)
        EXPECT_NEAR(one[i], all[q * 90 + i], 1e-5f * (1 + std::fabs(one[i])));
    }
  }
}

namespace {

// A two-class image task: a bright vertical bar on the left (class 0) or right (class 1) half,
// under noise. Written as IDX files so the whole data path is exercised.
struct ToyData {
  fs::path dir;
  explicit ToyData(const std::string& tag) {
    dir = fs::temp_directory_path() / ("l2l_toy_" + tag);
    fs::remove_all(dir);
    fs::create_directories(dir);
    Rng rng(17);
    auto make = [&](const std::string& prefix, std::uint32_t n) {
      data::IdxArray img, lab;
      img.dims = {n, 28, 28};
      lab.dims = {n};
      for (std::uint32_t i = 0; i < n; ++i) {
        const int cls = static_cast<int>(i % 2);
        const int col =
            cls == 0 ? 4 + static_cast<int>(rng.below(8)) : 16 + static_cast<int>(rng.below(8));
        for (int y = 0; y < 28; ++y)
          for (int x = 0; x < 28; ++x) {
            double v = 0.3 * rng.uniform();
            if (std::abs(x - col) <= 1 && y > 3 && y < 24) v += 0.7;
            img.values.push_back(static_cast<std::uint8_t>(std::min(255.0, 255.0 * v)));
          }
        lab.values.push_back(static_cast<std::uint8_t>(cls));
      }
      data::write_idx((dir / (prefix + "-images-idx3-ubyte.gz")).string(), img);
      data::write_idx((dir / (prefix + "-labels-idx1-ubyte")).string(), lab);
    };
    make("train", 400);
    make("t10k", 200);
  }
  ~ToyData() { fs::remove_all(dir); }
};

std::unique_ptr<Optimizee> toy_optimizee(const ToyData& d, const std::string& extra = "",
                                         const std::string& validation_size = "100") {
  YAML::Node n = YAML::Load(
      "{type: mnist, network: mlp, hidden: [8], batch_size: 20, "
      "validation_size: " +
      validation_size + ", " + extra + " data_dir: '" + d.dir.string() + "'}");
  Options o(n, "optimizee", nullptr);
  OptimizeeContext ctx;
  ctx.seed = 3;
  return make_optimizee(o, ctx);
}

}  // namespace

TEST(ImageClassifier, MiniBatchesCoverEachEpochOnceAndReshuffle) {
  ToyData d("schedule");
  auto opt = toy_optimizee(d);
  auto& ic = dynamic_cast<ImageClassifier&>(*opt);
  ASSERT_EQ(ic.batches_per_epoch(), 15u);  // 400 images less 100 for validation
  std::multiset<std::size_t> epoch0, epoch1;
  for (int b = 0; b < 15; ++b) {
    for (auto i : ic.minibatch(b)) epoch0.insert(i);
    for (auto i : ic.minibatch(15 + b)) epoch1.insert(i);
  }
  std::multiset<std::size_t> all;
  for (std::size_t i = 0; i < 300; ++i) all.insert(i);
  EXPECT_EQ(epoch0, all);
  EXPECT_EQ(epoch1, all);
  EXPECT_NE(ic.minibatch(0), ic.minibatch(15));
  EXPECT_EQ(ic.minibatch(3), ic.minibatch(3));
}

// The validation split is the end of the training file, whatever train_size takes from its
// start; training never sees it, validation and test evaluations each see their whole set.
TEST(ImageClassifier, ValidationIsTheEndOfTheTrainingFileAndTrainingNeverSeesIt) {
  ToyData d("validation");
  const auto file = data::load_image_set((d.dir / "train-images-idx3-ubyte.gz").string(),
                                         (d.dir / "train-labels-idx1-ubyte").string());
  auto same = [](const data::ImageSet& a, std::size_t i, const data::ImageSet& b, std::size_t j) {
    return std::equal(a.image(i), a.image(i) + 784, b.image(j)) && a.labels[i] == b.labels[j];
  };
  for (const char* extra : {"", "train_size: 120,"}) {
    SCOPED_TRACE(extra);
    auto opt = toy_optimizee(d, extra);
    const auto& ic = dynamic_cast<const ImageClassifier&>(*opt);
    const std::size_t n_train = std::string(extra).empty() ? 300 : 120;
    ASSERT_EQ(ic.training_set().size(), n_train);
    ASSERT_EQ(ic.validation_set().size(), 100u);
    for (std::size_t i = 0; i < 100; ++i) EXPECT_TRUE(same(ic.validation_set(), i, file, 300 + i));
    for (std::size_t i = 0; i < n_train; ++i) EXPECT_TRUE(same(ic.training_set(), i, file, i));
    Candidate c;
    c.index = -1;
    c.params.assign(opt->space().dim(), 0.01);
    c.phase = Phase::validation;
    EXPECT_EQ(opt->evaluate(c).metrics.at("images"), 100.0);
    c.phase = Phase::test;
    EXPECT_EQ(opt->evaluate(c).metrics.at("images"), 200.0);
  }
  auto none = toy_optimizee(d, "", "0");
  Candidate c;
  c.index = -1;
  c.params.assign(none->space().dim(), 0.01);
  c.phase = Phase::validation;
  const auto e = none->evaluate(c);
  EXPECT_FALSE(e.ok());
  EXPECT_NE(e.reason.find("validation_size"), std::string::npos) << e.reason;
  EXPECT_THROW(toy_optimizee(d, "", "400"), ConfigError);
}

TEST(ImageClassifier, ReturnsOutputsObservationsAndTestAccuracy) {
  ToyData d("outputs");
  auto opt = toy_optimizee(d, "outputs: softmax,");
  Rng rng(2);
  Candidate c;
  c.batch = 5;
  c.params.resize(opt->space().dim());
  for (auto& p : c.params) p = rng.normal(0.0, 0.1);
  const auto e = opt->evaluate(c);
  ASSERT_EQ(e.outputs.size(), 200u);
  ASSERT_EQ(e.observations.size(), 200u);
  for (int i = 0; i < 20; ++i) {
    double sum = 0, ones = 0;
    for (int k = 0; k < 10; ++k) sum += e.outputs[i * 10 + k], ones += e.observations[i * 10 + k];
    EXPECT_NEAR(sum, 1.0, 1e-9);
    EXPECT_EQ(ones, 1.0);
  }
  EXPECT_EQ(e.fitness.size(), 1u);
  EXPECT_TRUE(e.metrics.count("loss"));
  c.phase = Phase::test;
  c.index = -1;
  const auto t = opt->evaluate(c);
  EXPECT_TRUE(t.outputs.empty());
  EXPECT_GE(t.metrics.at("accuracy"), 0.0);
  EXPECT_EQ(t.fitness[0], t.metrics.at("accuracy"));
  // Batched and single evaluation agree.
  std::vector<Candidate> cs(3, c);
  for (auto& x : cs) x.phase = Phase::train;
  cs[1].params[0] += 0.5;
  std::vector<Evaluation> out(3);
  opt->evaluate_batch(cs, out);
  const auto single = opt->evaluate(cs[1]);
  for (std::size_t k = 0; k < single.outputs.size(); ++k)
    EXPECT_NEAR(out[1].outputs[k], single.outputs[k], 1e-6);
}

TEST(ImageClassifier, EnkfTeachesATinyNetworkASeparableTask) {
  ToyData d("learn");
  auto opt = toy_optimizee(d);
  YAML::Node on =
      YAML::Load("{type: enkf, ensemble_size: 40, gamma: 0.01, init_sigma: 0.1, threads: 1}");
  Options oo(on, "optimizer", nullptr);
  OptimizerContext ctx;
  ctx.seed = 9;
  const auto space = opt->space();
  auto enkf = make_optimizer(oo, space, ctx);
  auto test_accuracy = [&] {
    Candidate c;
    c.phase = Phase::test;
    c.index = -1;
    c.params = *enkf->estimate();
    return opt->evaluate(c).metrics.at("accuracy");
  };
  enkf->ask();
  const double before = test_accuracy();
  for (int g = 0; g < 30; ++g) {
    auto cs = enkf->ask();
    for (std::size_t i = 0; i < cs.size(); ++i) cs[i].generation = g;
    std::vector<Evaluation> ev(cs.size());
    opt->evaluate_batch(cs, ev);
    enkf->tell(cs, ev);
  }
  const double after = test_accuracy();
  EXPECT_LT(before, 0.8);
  EXPECT_GE(after, 0.95) << "before " << before;
}
