// `l2l ants replay`: runs a stored ant-colony genome (or a baseline) over many seeds.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "command.hpp"
#include "l2l/core/error.hpp"
#include "l2l/core/state.hpp"
#include "l2l/optimizees/ants/replay.hpp"
#include "l2l/storage/run_store.hpp"

namespace l2l::cli {
namespace {

struct ReplayArgs {
  std::string genome;
  std::string seeds = "1-100";
  bool no_pheromone = false;
  bool json = false;
  bool rule_based = false;
  bool random = false;
  int hidden = 20;
  int ants = 15;
  int ticks = 2000;
  int threads = 0;
  std::string analysis;
  std::string snapshots = "0,499,999,1999";
  int candidates = 1;
  int stored_bests = 0;
  std::string save;
  bool ants_given = false, ticks_given = false;
};

bool is_store(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[16] = {};
  f.read(magic, sizeof magic);
  return f.gcount() == sizeof magic && std::string(magic, 15) == "SQLite format 3";
}

struct StoredGenome {
  ants::Genome genome;
  double fitness = 0;      // the optimizer's own (weighted) fitness for it
  double evaluations = 1;  // episodes behind that fitness (GA average_evaluations)
  std::string origin;      // "population rank R of N" or "best of generation G"
};

// The last population of a run store's top-level run, best first by the optimizer's fitness:
// with a noisy fitness the best stored *evaluation* is a lucky episode, while the population the
// checkpoint holds carries each survivor's fitness as the optimizer ranks it (a running mean with
// the GA's average_evaluations).
struct StoredRun {
  // The last population, best first, then the stored generation bests asked for.
  std::vector<StoredGenome> population;
  std::size_t last_population = 0;  // how many of them are the last population
  int ants = 15, ticks = 2000;      // the colony the run evolved in
};

StoredRun stored_population(const std::string& path, int stored_bests) {
  auto store = RunStore::open_reader(path);
  const auto root = store->root_run();
  if (!root) throw UsageError(fmt::format("{}: the store holds no run", path));
  const auto info = store->run(*root);
  const auto ckpt = store->checkpoint(*root);
  if (!ckpt) throw UsageError(fmt::format("{}: the run has no checkpoint yet", path));
  const auto s = state::decode(ckpt->optimizer);
  if (!s.contains("population") || !s.contains("fitness"))
    throw UsageError(fmt::format(
        "{}: the optimizer's state holds no population (a GA run is needed); pass a genome CSV",
        path));
  // The resolved configuration was validated when the run started; absent keys are defaults.
  int hidden = 20;
  StoredRun run;
  try {
    const auto cfg = YAML::Load(info.config)["optimizee"];
    if (cfg && cfg["hidden"]) hidden = cfg["hidden"].as<int>();
    if (cfg && cfg["ants"]) run.ants = cfg["ants"].as<int>();
    if (cfg && cfg["ticks"]) run.ticks = cfg["ticks"].as<int>();
  } catch (const YAML::Exception& e) {
    throw UsageError(fmt::format("{}: cannot read the run's configuration: {}", path, e.what()));
  }
  const auto xs = state::unpack_matrix(s.at("population"));
  const auto fs = state::unpack(s.at("fitness"));
  const auto ns = s.contains("evaluations") ? state::unpack(s.at("evaluations"))
                                            : std::vector<double>(xs.size(), 1.0);
  const auto n = ants::GenomeLayout{hidden}.size();
  auto& out = run.population;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].size() != 2 * n)
      throw UsageError(
          fmt::format("{}: individual {} has {} parameters, an ant genome with {} "
                      "hidden neurons has {}",
                      path, i, xs[i].size(), hidden, 2 * n));
    StoredGenome g;
    g.genome.hidden = hidden;
    g.genome.weights.assign(xs[i].begin(), xs[i].begin() + static_cast<std::ptrdiff_t>(n));
    g.genome.delays.assign(xs[i].begin() + static_cast<std::ptrdiff_t>(n), xs[i].end());
    g.fitness = fs.at(i);
    g.evaluations = ns.at(i);
    out.push_back(std::move(g));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.fitness > b.fitness; });
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i].origin = fmt::format("population rank {} of {}", i + 1, out.size());
  run.last_population = out.size();
  // Earlier individuals the run kept: the best of each generation where the run's best improved
  // (store_params: best) or of every generation (all). Their fitness is one evaluation's, so the
  // highest are the luckiest as much as the best; replaying them on other seeds tells.
  if (stored_bests > 0) {
    auto gens = store->generations(*root);
    std::erase_if(gens, [&](const auto& g) { return g.best_params.size() != 2 * n; });
    std::stable_sort(gens.begin(), gens.end(),
                     [](const auto& a, const auto& b) { return a.best > b.best; });
    for (std::size_t i = 0; i < gens.size() && i < static_cast<std::size_t>(stored_bests); ++i) {
      StoredGenome g;
      g.genome.hidden = hidden;
      g.genome.weights.assign(gens[i].best_params.begin(),
                              gens[i].best_params.begin() + static_cast<std::ptrdiff_t>(n));
      g.genome.delays.assign(gens[i].best_params.begin() + static_cast<std::ptrdiff_t>(n),
                             gens[i].best_params.end());
      g.fitness = gens[i].best;
      g.origin = fmt::format("best of generation {}", gens[i].generation);
      out.push_back(std::move(g));
    }
  }
  return run;
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p);
  if (!f) throw UsageError(fmt::format("cannot write '{}'", p.string()));
  f << text;
}

int run_replay(const ReplayArgs& a) {
  using namespace l2l::ants;
  ReplayOptions o;
  if (a.rule_based + a.random + !a.genome.empty() != 1)
    throw UsageError("ants replay needs exactly one of GENOME.csv, --rule-based, --random");
  o.kind =
      a.rule_based ? ReplayKind::rule_based : (a.random ? ReplayKind::random : ReplayKind::genome);
  o.hidden = a.hidden;
  o.seeds = parse_seed_list(a.seeds);
  o.colony.ants = a.ants;
  o.colony.ticks = a.ticks;
  o.colony.pheromone = !a.no_pheromone;
  o.threads = a.threads;
  std::string what = o.kind == ReplayKind::genome
                         ? a.genome
                         : (o.kind == ReplayKind::random ? "random genomes" : "rule-based");
  if (o.kind == ReplayKind::genome && is_store(a.genome)) {
    // Choosing among the top candidates spends the given seeds on the choice, so the figure
    // printed for the chosen one is optimistic: choose on one seed range, report on another.
    const auto stored = stored_population(a.genome, a.stored_bests);
    const auto& pop = stored.population;
    if (!a.ants_given) o.colony.ants = stored.ants;
    if (!a.ticks_given) o.colony.ticks = stored.ticks;
    // The population's K best, then the stored generation bests that were asked for.
    std::vector<std::size_t> tried;
    for (std::size_t i = 0; i < pop.size(); ++i)
      if (i >= stored.last_population || i < static_cast<std::size_t>(a.candidates))
        tried.push_back(i);
    const auto k = tried.size();
    double best_food = -1;
    std::size_t chosen = 0;
    for (std::size_t t = 0; k > 1 && t < k; ++t) {
      const std::size_t i = tried[t];
      o.genome = pop[i].genome;
      const auto r = replay(o);
      if (!a.json)
        std::cout << fmt::format(
            "  candidate {:>2}: {}, fitness {:.1f} over {:g} episodes, food {:.2f}\n", t + 1,
            pop[i].origin, pop[i].fitness, pop[i].evaluations, r.food.mean);
      if (r.food.mean > best_food) best_food = r.food.mean, chosen = i;
    }
    o.genome = pop[chosen].genome;
    what = fmt::format("{} ({}, fitness {:.1f} over {:g} episodes)", a.genome, pop[chosen].origin,
                       pop[chosen].fitness, pop[chosen].evaluations);
  } else if (o.kind == ReplayKind::genome) {
    if (a.candidates != 1 || a.stored_bests != 0)
      throw UsageError("--candidates and --stored-bests need a run store, not a genome CSV");
    o.genome = read_genome_csv(a.genome, a.hidden);
  }
  if (!a.save.empty()) {
    if (o.kind != ReplayKind::genome) throw UsageError("--save needs a genome or a run store");
    write_file(a.save, format_genome_csv(o.genome));
  }
  if (!a.analysis.empty()) {
    o.correlations = true;
    for (auto s : parse_seed_list(a.snapshots)) o.snapshot_ticks.insert(static_cast<int>(s));
  }
  const auto r = replay(o);
  if (!a.analysis.empty()) {
    std::filesystem::create_directories(a.analysis);
    const std::filesystem::path dir(a.analysis);
    if (r.correlation) write_file(dir / "ants.correlation.json", r.correlation->dump(1) + "\n");
    if (r.arena) write_file(dir / "ants.arena.json", r.arena->dump() + "\n");
  }
  if (a.json) {
    auto j = r.to_json();
    j["controller"] = what;
    j["pheromone"] = !a.no_pheromone;
    j["hidden"] = o.kind == ReplayKind::genome ? o.genome.hidden : a.hidden;
    j["ants"] = o.colony.ants;
    j["ticks_limit"] = o.colony.ticks;
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("{}: {} seeds ({}), pheromone {}, {} ants, {} ticks\n", what,
                           r.seeds.size(), a.seeds, a.no_pheromone ? "off" : "on", o.colony.ants,
                           o.colony.ticks);
  auto line = [](const char* name, const ants::Summary& s, int prec) {
    std::cout << fmt::format("  {:<18} mean {:.{}f}  sd {:.{}f}  (min {:.{}f}, max {:.{}f})\n",
                             name, s.mean, prec, s.sd, prec, s.min, prec, s.max, prec);
  };
  line("food collected", r.food, 2);
  line("fitness", r.fitness, 1);
  line("pickups", r.pickups, 2);
  line("pheromone drops", r.drops, 1);
  line("ticks", r.ticks, 1);
  if (!a.analysis.empty()) std::cout << fmt::format("  analysis written to {}\n", a.analysis);
  if (!a.save.empty()) std::cout << fmt::format("  genome written to {}\n", a.save);
  return kExitOk;
}

const RegisterCommand ants_cmd(60, [](CLI::App& app) {
  auto a = std::make_shared<ReplayArgs>();
  auto* ants = app.add_subcommand("ants", "ant-colony foraging tools (see docs/ants.md)");
  ants->require_subcommand(1);
  auto* rp = ants->add_subcommand(
      "replay",
      "run a stored genome (CSV: weights, delays, or the best of a GA run's last population in a "
      "run store) or a baseline over many seeds in parallel and print mean and sd of food "
      "collected and fitness");
  rp->add_option("genome", a->genome,
                 "genome CSV (line 1 weights, line 2 delays) or RUN.db of an ant_colony GA run")
      ->check(CLI::ExistingFile);
  rp->add_option("--candidates", a->candidates,
                 "with RUN.db: replay the K best of the last population on --seeds and keep the "
                 "one with the most food (choose on seeds other than those you report)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  rp->add_option("--stored-bests", a->stored_bests,
                 "with RUN.db: also replay the K fittest generation bests the store kept "
                 "(earlier individuals; their fitness is a single evaluation's)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  rp->add_option("--save", a->save,
                 "write the replayed genome as CSV (with RUN.db: the chosen one)");
  rp->add_option("--seeds", a->seeds, "seeds, e.g. 1-100 or 1,5,7-9")->capture_default_str();
  rp->add_flag("--no-pheromone", a->no_pheromone, "pheromone drops leave nothing (ablation)");
  rp->add_flag("--rule-based", a->rule_based, "the hand-written baseline colony instead");
  rp->add_flag("--random", a->random, "a random genome per seed instead");
  rp->add_flag("--json", a->json, "machine-readable JSON with every episode");
  rp->add_option("--hidden", a->hidden, "hidden neurons of the genome's network")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  rp->add_option("--ants", a->ants, "ants in the colony")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  rp->add_option("--ticks", a->ticks, "ticks per episode")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  rp->add_option("--threads", a->threads, "threads (0: all cores)")->check(CLI::NonNegativeNumber);
  rp->add_option("--analysis", a->analysis,
                 "directory for ants.correlation.json (all seeds) and ants.arena.json (first "
                 "seed)");
  rp->add_option("--snapshot-ticks", a->snapshots, "ticks of the arena snapshots (with --analysis)")
      ->capture_default_str();
  return [a, rp]() {
    if (!rp->parsed()) throw UsageError("unknown ants subcommand");
    a->ants_given = rp->count("--ants") > 0;
    a->ticks_given = rp->count("--ticks") > 0;
    return run_replay(*a);
  };
});

}  // namespace
}  // namespace l2l::cli
