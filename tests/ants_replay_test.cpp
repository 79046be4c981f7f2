// Replaying the published evolved genome: the colony must collect food like the original
// simulator did (128.6 +- 9.6 items over 100 seeds), collapse without pheromone, and random
// genomes must score in the published range. Tolerances come from the published spread.
#include <cmath>

#include <gtest/gtest.h>

#include "l2l/core/error.hpp"
#include "l2l/optimizees/ants/analysis.hpp"
#include "l2l/optimizees/ants/replay.hpp"

namespace l2l::ants {
namespace {

const std::string kPublished = std::string(L2L_DATA_DIR) + "/ants/evolved_gen1600_ind30.csv";
const std::string kOurs = std::string(L2L_DATA_DIR) + "/ants/l2l_evolved.csv";

// Fewer episodes in unoptimised (sanitizer) builds; the tolerances follow n.
#ifdef NDEBUG
constexpr int kSeeds = 12;
#else
constexpr int kSeeds = 4;
#endif

std::vector<std::uint64_t> seeds(std::uint64_t first, int n) {
  std::vector<std::uint64_t> s;
  for (int i = 0; i < n; ++i) s.push_back(first + static_cast<std::uint64_t>(i));
  return s;
}

TEST(AntReplay, EvolvedGenomeCollectsFoodLikeThePublishedTrials) {
  ReplayOptions o;
  o.genome = read_genome_csv(kPublished);
  o.seeds = seeds(1001, kSeeds);
  const auto r = replay(o);
  // Published: mean 128.6, sd 9.6 over 100 seeds. The difference of our mean over n seeds and
  // theirs has standard error 9.6 * sqrt(1/n + 1/100); allow 4 of them.
  const double se = 9.6 * std::sqrt(1.0 / kSeeds + 1.0 / 100);
  EXPECT_NEAR(r.food.mean, 128.6, 4 * se) << "sd " << r.food.sd;
  // The spread: s / sigma lies in [0.35, 1.9] with probability > 0.999 for n >= 4 (chi-square).
  EXPECT_GT(r.food.sd, 0.35 * 9.6);
  EXPECT_LT(r.food.sd, 1.9 * 9.6);
  // Fitness follows from food (+220 each) less the costs of moving: published 22,202 on average.
  EXPECT_NEAR(r.fitness.mean, 22202, 220 * 4 * se + 1500);
  for (const auto& e : r.episodes) {
    EXPECT_EQ(e.ticks, 2000);
    EXPECT_GE(e.pickups, e.food_returned);
  }
}

TEST(AntReplay, WithoutPheromoneTheColonyCollapses) {
  ReplayOptions o;
  o.genome = read_genome_csv(kPublished);
  o.seeds = seeds(2001, 3);
  o.colony.pheromone = false;
  const auto r = replay(o);
  EXPECT_LT(r.food.mean, 5.0);  // published: about 1 item
  EXPECT_LT(r.fitness.mean, 0.0);
}

// The genome l2l evolved from random genomes (data/ants/README.md): on seeds 100001-100100 it
// collected 129.6 +- 12.7 food; other seeds must agree within 4 standard errors of the difference,
// and without pheromone it loses most of its food (38.8 +- 12.2 there) but not all.
TEST(AntReplay, OurEvolvedGenomeForagesAtThePublishedLevel) {
  ReplayOptions o;
  o.genome = read_genome_csv(kOurs);
  o.seeds = seeds(1001, kSeeds);
  const auto r = replay(o);
  const double se = 12.7 * std::sqrt(1.0 / kSeeds + 1.0 / 100);
  EXPECT_NEAR(r.food.mean, 129.6, 4 * se) << "sd " << r.food.sd;
  EXPECT_GT(r.food.mean, 100.0);
  o.seeds = seeds(2001, 4);
  o.colony.pheromone = false;
  const auto ablated = replay(o);
  const double se_ablated = 12.2 * std::sqrt(1.0 / 4 + 1.0 / 100);
  EXPECT_NEAR(ablated.food.mean, 38.8, 4 * se_ablated);
  EXPECT_GT(ablated.food.mean, 5.0);  // unlike the published colony's collapse to about 0
}

TEST(AntReplay, RandomGenomesScoreInThePublishedRange) {
  ReplayOptions o;
  o.kind = ReplayKind::random;
  o.seeds = seeds(3001, kSeeds);
  const auto r = replay(o);
  // Published: about -3,000 to -4,000 on average; random genomes differ a lot from each other
  // (sd ~ 2,500 here), so the mean of n of them is allowed a wide margin.
  const double se = 2500 / std::sqrt(double(kSeeds));
  EXPECT_LT(r.fitness.mean, -3000 + 4 * se);
  EXPECT_GT(r.fitness.mean, -4000 - 4 * se);
  EXPECT_LT(r.food.mean, 20);
}

TEST(AntReplay, ResultsDoNotDependOnTheThreadCount) {
  ReplayOptions o;
  o.genome = read_genome_csv(kPublished);
  o.seeds = seeds(5, 3);
  o.colony.ticks = 300;
  o.threads = 1;
  const auto a = replay(o);
  o.threads = 3;
  const auto b = replay(o);
  for (std::size_t i = 0; i < a.episodes.size(); ++i) {
    EXPECT_EQ(a.episodes[i].fitness, b.episodes[i].fitness);
    EXPECT_EQ(a.episodes[i].food_returned, b.episodes[i].food_returned);
  }
}

TEST(AntReplay, CorrelationsAndSnapshots) {
  ReplayOptions o;
  o.genome = read_genome_csv(kPublished);
  o.seeds = seeds(1, 2);
  o.colony.ticks = 400;
  o.correlations = true;
  o.snapshot_ticks = {0, 399};
  const auto r = replay(o);
  ASSERT_TRUE(r.correlation.has_value());
  const auto& c = *r.correlation;
  EXPECT_EQ(c["schema"], "ants.correlation");
  EXPECT_EQ(c["ants"], 30);
  EXPECT_EQ(c["episodes"], 2);
  EXPECT_EQ(c["bins"], 400);
  ASSERT_EQ(c["r"].size(), 11u);
  ASSERT_EQ(c["r"][0].size(), 4u);
  for (const auto& row : c["r"])
    for (const auto& v : row)
      if (!v.is_null()) {
        EXPECT_GE(v.get<double>(), -1.0);
        EXPECT_LE(v.get<double>(), 1.0);
      }
  EXPECT_EQ(c["inputs"][0], "visual wall");
  EXPECT_EQ(c["outputs"][3], "drop pheromone");
  ASSERT_TRUE(r.arena.has_value());
  const auto& a = *r.arena;
  EXPECT_EQ(a["schema"], "ants.arena");
  EXPECT_EQ(a["x0"], 60);
  EXPECT_EQ(a["y0"], 1);
  EXPECT_EQ(a["width"], 41);
  EXPECT_EQ(a["height"], 60);
  EXPECT_EQ(a["walls"].size(), 2u * 41 + 2u * 58);
  ASSERT_EQ(a["snapshots"].size(), 2u);
  const auto& s = a["snapshots"][1];
  EXPECT_EQ(s["tick"], 399);
  EXPECT_EQ(s["ants"].size(), 15u);
  EXPECT_EQ(s["pheromone"].size(), 41u * 60u);
  EXPECT_EQ(s["trails"].size(), 15u);
  EXPECT_EQ(s["trails"][0].size(), 40u);
  double total = 0;
  for (const auto& v : s["pheromone"]) total += v.get<double>();
  EXPECT_GT(total, 0.0);
  EXPECT_GT(s["food"].size(), 0u);
  EXPECT_EQ(a["food_returned"], r.episodes[0].food_returned);
  // Headings: report convention (counter-clockwise from +x).
  EXPECT_EQ(report_heading(0), 90.0);
  EXPECT_EQ(report_heading(90), 0.0);
  EXPECT_EQ(report_heading(180), 270.0);
}

TEST(AntReplay, SeedLists) {
  EXPECT_EQ(parse_seed_list("1-3"), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(parse_seed_list("7,2-3,9"), (std::vector<std::uint64_t>{7, 2, 3, 9}));
  EXPECT_THROW(parse_seed_list("3-1"), UsageError);
  EXPECT_THROW(parse_seed_list("a"), UsageError);
  EXPECT_THROW(parse_seed_list("1,"), UsageError);
  EXPECT_THROW(parse_seed_list(""), UsageError);
}

}  // namespace
}  // namespace l2l::ants
