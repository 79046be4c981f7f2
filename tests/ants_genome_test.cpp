// The genome layout of the published model, its CSV format, and the `ant_colony` optimizee.
#include <set>

#include <gtest/gtest.h>

#include "l2l/core/error.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/optimizees/ants/ant_colony.hpp"
#include "l2l/optimizees/ants/genome.hpp"
#include "support/test_support.hpp"

namespace l2l::ants {
namespace {

const std::string kPublished = std::string(L2L_DATA_DIR) + "/ants/evolved_gen1600_ind30.csv";

TEST(AntGenome, PublishedLayoutForTwentyHiddenNeurons) {
  const GenomeLayout L{20};
  EXPECT_EQ(L.input_to_hidden(0, 0), 0u);
  EXPECT_EQ(L.input_to_hidden(0, 19), 19u);
  EXPECT_EQ(L.input_to_hidden(1, 0), 20u);
  EXPECT_EQ(L.input_to_hidden(10, 19), 219u);
  EXPECT_EQ(L.heartbeat_to_hidden(0), 220u);
  EXPECT_EQ(L.heartbeat_to_hidden(19), 239u);
  EXPECT_EQ(L.hidden_to_hidden(0, 1), 240u);  // source 0 skips itself
  EXPECT_EQ(L.hidden_to_hidden(0, 19), 258u);
  EXPECT_EQ(L.hidden_to_hidden(1, 0), 259u);
  EXPECT_EQ(L.hidden_to_hidden(1, 2), 260u);
  EXPECT_EQ(L.hidden_to_hidden(19, 18), 619u);
  EXPECT_EQ(L.hidden_to_output(0, 0), 620u);
  EXPECT_EQ(L.hidden_to_output(0, 3), 623u);
  EXPECT_EQ(L.hidden_to_output(19, 3), 699u);
  EXPECT_EQ(L.used(), 700u);
  EXPECT_EQ(L.size(), 720u);
}

TEST(AntGenome, EveryConnectionHasItsOwnGene) {
  for (int H : {1, 2, 7, 20, 31}) {
    const GenomeLayout L{H};
    std::set<std::size_t> genes;
    for (int i = 0; i < kInputs; ++i)
      for (int h = 0; h < H; ++h) genes.insert(L.input_to_hidden(i, h));
    for (int h = 0; h < H; ++h) genes.insert(L.heartbeat_to_hidden(h));
    for (int s = 0; s < H; ++s)
      for (int t = 0; t < H; ++t)
        if (s != t) genes.insert(L.hidden_to_hidden(s, t));
    for (int h = 0; h < H; ++h)
      for (int o = 0; o < kOutputs; ++o) genes.insert(L.hidden_to_output(h, o));
    const auto used = static_cast<std::size_t>(H * H + 15 * H);
    ASSERT_EQ(genes.size(), used) << H;
    EXPECT_EQ(*genes.rbegin(), used - 1);
    EXPECT_EQ(L.used(), used);
    EXPECT_EQ(L.size(), std::max<std::size_t>(used, 720));
  }
}

TEST(AntGenome, PublishedCsvLoadsWithClippingAndTruncation) {
  const Genome g = read_genome_csv(kPublished);
  ASSERT_EQ(g.weights.size(), 720u);
  ASSERT_EQ(g.delays.size(), 720u);
  EXPECT_DOUBLE_EQ(g.weights[0], 11.216909143307301);
  EXPECT_DOUBLE_EQ(g.weight_pa(0), 1121.6909143307301);
  EXPECT_EQ(g.weights[2], -20.0);
  EXPECT_EQ(g.weight_pa(2), -2000.0);
  // Delays are floats in the file: truncated as numpy's astype(int) did.
  EXPECT_DOUBLE_EQ(g.delays[0], 6.27605839381202);
  EXPECT_EQ(g.delay_ms(0), 6);
  int sevens = 0, near_sevens = 0;
  for (std::size_t i = 0; i < g.delays.size(); ++i) {
    sevens += g.delays[i] == 7.0;
    if (g.delays[i] > 6.9999 && g.delays[i] < 7.0) {
      ++near_sevens;
      EXPECT_EQ(g.delay_ms(i), 6);
    }
  }
  EXPECT_EQ(sevens, 59);
  EXPECT_EQ(near_sevens, 3);
  for (std::size_t i = 0; i < 720; ++i) {
    ASSERT_GE(g.delay_ms(i), 1);
    ASSERT_LE(g.delay_ms(i), 7);
  }
}

TEST(AntGenome, ValuesOutsideTheBoundsAreClipped) {
  Genome g;
  g.hidden = 20;
  g.weights.assign(720, 35.0);
  g.delays.assign(720, 0.2);
  g.weights[5] = -99;
  g.delays[5] = 12.5;
  EXPECT_EQ(g.weight_pa(0), 2000.0);
  EXPECT_EQ(g.weight_pa(5), -2000.0);
  EXPECT_EQ(g.delay_ms(0), 1);
  EXPECT_EQ(g.delay_ms(5), 7);
}

TEST(AntGenome, CsvRoundTripAndErrors) {
  Rng rng(3);
  const Genome g = random_genome(20, rng);
  const Genome back = parse_genome_csv(format_genome_csv(g) + "123.5\n");
  EXPECT_EQ(back.weights, g.weights);
  EXPECT_EQ(back.delays, g.delays);
  for (double d : g.delays) {
    EXPECT_EQ(d, std::round(d));
    EXPECT_GE(d, 1);
    EXPECT_LE(d, 7);
  }
  EXPECT_THROW(parse_genome_csv("1,2,3\n4,5,6\n"), UsageError);  // wrong size
  EXPECT_THROW(parse_genome_csv("1,2,3\n"), UsageError);         // one line
  try {
    parse_genome_csv(format_genome_csv(g).replace(3, 1, "x"), 20, "g.csv");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("g.csv:1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_genome_csv("/nonexistent/genome.csv"), UsageError);
  // A genome for H = 5 is the published size (720 genes, 100 used).
  const Genome small = parse_genome_csv(format_genome_csv(g), 5);
  EXPECT_EQ(small.layout().used(), 100u);
}

TEST(AntColonyOptimizee, SpaceAndGenomeMapping) {
  auto o = testing::options_from("type: ant_colony\n", "optimizee");
  auto opt = make_optimizee(o, {});
  const auto space = opt->space();
  ASSERT_EQ(space.dim(), 1440u);
  EXPECT_EQ(space.parameter("weights").size, 720u);
  EXPECT_EQ(space.parameter("weights").lo, -20.0);
  EXPECT_EQ(space.parameter("weights").hi, 20.0);
  EXPECT_EQ(space.parameter("delays").size, 720u);
  EXPECT_TRUE(space.parameter("delays").integer);
  EXPECT_EQ(space.offset("delays"), 720u);
  auto& colony = dynamic_cast<AntColony&>(*opt);
  const Genome g = read_genome_csv(kPublished);
  std::vector<double> x = g.weights;
  x.insert(x.end(), g.delays.begin(), g.delays.end());
  const Genome back = colony.genome(x);
  EXPECT_EQ(back.weights, g.weights);
  EXPECT_EQ(back.delays, g.delays);
  EXPECT_THROW(colony.genome(std::vector<double>(10)), std::invalid_argument);
}

TEST(AntColonyOptimizee, EvaluatesDeterministicallyWithMetricsAndArtifacts) {
  auto o = testing::options_from(
      "type: ant_colony\nticks: 120\nepisodes: 2\nanalysis: true\nsnapshot_ticks: [0, 119]\n",
      "optimizee");
  auto opt = make_optimizee(o, {});
  const Genome g = read_genome_csv(kPublished);
  Candidate c;
  c.seed = 77;
  c.params = g.weights;
  c.params.insert(c.params.end(), g.delays.begin(), g.delays.end());
  const auto e1 = opt->evaluate(c);
  const auto e2 = opt->evaluate(c);
  ASSERT_TRUE(e1.ok());
  EXPECT_EQ(e1.fitness, e2.fitness);
  for (const char* m :
       {"food_returned", "pickups", "ticks", "pheromone_dropped", "fitness_sd", "food_returned_sd"})
    EXPECT_TRUE(e1.metrics.count(m)) << m;
  EXPECT_EQ(e1.metrics.at("ticks"), 120.0);
  // The mean of the two episodes it ran.
  auto cfg = dynamic_cast<AntColony&>(*opt).colony_config();
  const auto r0 = run_episode(g, cfg, AntColony::episode_seed(77, 0));
  const auto r1 = run_episode(g, cfg, AntColony::episode_seed(77, 1));
  EXPECT_DOUBLE_EQ(e1.fitness[0], (r0.fitness + r1.fitness) / 2);
  EXPECT_DOUBLE_EQ(e1.metrics.at("food_returned"), (r0.food_returned + r1.food_returned) / 2.0);
  std::set<std::string> names;
  for (const auto& a : e1.artifacts) {
    names.insert(a.name);
    EXPECT_EQ(a.type, "json");
    const auto j = nlohmann::json::parse(a.data);
    EXPECT_EQ(j["schema"].get<std::string>(), a.name);
    if (a.name == "ants.arena") {
      ASSERT_EQ(j["snapshots"].size(), 2u);
      EXPECT_EQ(j["snapshots"][1]["tick"], 119);
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"ants.correlation", "ants.arena"}));
  c.seed = 78;
  EXPECT_NE(opt->evaluate(c).fitness, e1.fitness);
}

TEST(AntColonyOptimizee, OptionsAreValidated) {
  auto bad = testing::options_from("type: ant_colony\nsnapshot_ticks: [5000]\n", "optimizee");
  EXPECT_THROW(make_optimizee(bad, {}), UsageError);
  auto bad2 = testing::options_from("type: ant_colony\ncontroller: smart\n", "optimizee");
  EXPECT_THROW(make_optimizee(bad2, {}), UsageError);
  auto rb =
      testing::options_from("type: ant_colony\ncontroller: rule_based\nticks: 50\n", "optimizee");
  auto opt = make_optimizee(rb, {});
  Candidate c;
  c.params.assign(1440, 0.0);
  EXPECT_TRUE(opt->evaluate(c).ok());
}

}  // namespace
}  // namespace l2l::ants
