// `l2l ants replay`: runs a stored ant-colony genome (or a baseline) over many seeds.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "l2l/core/error.hpp"
#include "l2l/optimizees/ants/replay.hpp"

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
};

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
  if (o.kind == ReplayKind::genome) o.genome = read_genome_csv(a.genome, a.hidden);
  o.hidden = a.hidden;
  o.seeds = parse_seed_list(a.seeds);
  o.colony.ants = a.ants;
  o.colony.ticks = a.ticks;
  o.colony.pheromone = !a.no_pheromone;
  o.threads = a.threads;
  if (!a.analysis.empty()) {
    o.correlations = true;
    for (auto s : parse_seed_list(a.snapshots)) o.snapshot_ticks.insert(static_cast<int>(s));
  }
  const auto r = replay(o);

  const std::string what = o.kind == ReplayKind::genome
                               ? a.genome
                               : (o.kind == ReplayKind::random ? "random genomes" : "rule-based");
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
    j["hidden"] = a.hidden;
    j["ants"] = a.ants;
    j["ticks_limit"] = a.ticks;
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("{}: {} seeds ({}), pheromone {}, {} ants, {} ticks\n", what,
                           r.seeds.size(), a.seeds, a.no_pheromone ? "off" : "on", a.ants, a.ticks);
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
  return kExitOk;
}

const RegisterCommand ants_cmd(60, [](CLI::App& app) {
  auto a = std::make_shared<ReplayArgs>();
  auto* ants = app.add_subcommand("ants", "ant-colony foraging tools (see docs/ants.md)");
  ants->require_subcommand(1);
  auto* rp = ants->add_subcommand(
      "replay",
      "run a stored genome (CSV: weights, delays) or a baseline over many seeds in parallel and "
      "print mean and sd of food collected and fitness");
  rp->add_option("genome", a->genome, "genome CSV (line 1 weights, line 2 delays)")
      ->check(CLI::ExistingFile);
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
    return run_replay(*a);
  };
});

}  // namespace
}  // namespace l2l::cli
