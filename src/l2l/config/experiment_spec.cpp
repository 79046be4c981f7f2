#include "l2l/config/experiment_spec.hpp"

namespace l2l {

ExperimentSpec ExperimentSpec::read(Options& o, const std::string& default_name) {
  ExperimentSpec s;
  s.name = o.get<std::string>("name", default_name, "name of the run (used in the store name)");
  s.seed = static_cast<std::uint64_t>(o.get<std::int64_t>(
      "seed", 42, "run seed: every random number of the run derives from it", Check::at_least(0)));
  auto& t = s.termination;
  t.max_generations = o.get<std::int64_t>("max_generations", 100,
                                          "stop after this many generations", Check::at_least(1));
  t.max_evaluations = o.get<std::int64_t>(
      "max_evaluations", 0, "stop once this many evaluations were made (0: no budget)",
      Check::at_least(0));
  if (o.has("target_fitness") || o.describing())
    t.target_fitness = o.get<double>(
        "target_fitness", 0.0,
        "stop when the best fitness reaches this value (in the direction of the first weight; "
        "with several objectives, on the weighted sum); unset: no target");
  t.max_seconds =
      o.get<double>("max_seconds", 0.0, "wall-time limit in seconds (0: none)", Check::at_least(0));
  t.stagnation_generations = o.get<std::int64_t>(
      "stagnation_generations", 0,
      "stop when the best weighted fitness has not improved for this many generations (0: off)",
      Check::at_least(0));
  t.stagnation_tolerance =
      o.get<double>("stagnation_tolerance", 0.0, "improvement smaller than this does not count",
                    Check::at_least(0));
  t.max_failed_generations = o.get<std::int64_t>(
      "max_failed_generations", 3,
      "stop when every evaluation failed this many generations in a row", Check::at_least(1));
  s.store = o.get<std::string>("store", "",
                               "run store path (default runs/<name>-<date>-<time>.db; --out wins)");
  s.store_level = parse_store_level(o.get<std::string>(
      "store_level", "evaluations",
      "evaluations: every evaluation is a row; generations: statistics, best individual and "
      "checkpoints only (for very cheap objectives)",
      Check::one_of({"evaluations", "generations"})));
  {
    const auto every = o.get<std::string>(
        "checkpoint_every", "auto",
        "checkpoint the optimizer every N generations, or auto: every generation while a "
        "checkpoint is under 1 MB, otherwise at most every 30 s (an EnKF ensemble is tens of MB); "
        "always at the end and on Ctrl-C. A resumed run replays from its last checkpoint and "
        "gives the same results either way");
    if (every != "auto") {
      char* end = nullptr;
      const long long n = std::strtoll(every.c_str(), &end, 10);
      if (every.empty() || *end != '\0' || n < 1)
        o.fail("checkpoint_every", "must be auto or a whole number >= 1, not '" + every + "'");
      s.checkpoint_every = n;
    }
  }
  s.store_params = o.get<std::string>(
      "store_params", "auto",
      "parameters in the store: all (every evaluation's parameters and every generation's best), "
      "best (only the best individual when it improves and at the end; evaluations keep fitness, "
      "metrics and seed), auto (all up to 1,000 parameters, else best: a network's weights for "
      "every member and generation would be gigabytes; the ensemble is in the checkpoint)",
      Check::one_of({"auto", "all", "best"}));
  s.store_outputs = o.get<bool>("store_outputs", false,
                                "also store each evaluation's model outputs (EnKF) as a blob");
  s.fitness_weights = o.get<std::vector<double>>(
      "fitness_weights", {},
      "weight per objective; the optimizer maximizes the weighted sum, so a negative weight "
      "minimizes (default: the optimizee's)");
  for (double w : s.fitness_weights)
    if (w == 0.0) o.fail("fitness_weights", "weights must be non-zero");
  s.bound_policy = parse_bound_policy(o.get<std::string>(
      "bound_policy", "clip", "how out-of-bounds proposals are mapped into the space",
      Check::one_of({"clip", "reflect"})));
  s.test_every = o.get<std::int64_t>(
      "test_every", 0,
      "evaluate the optimizer's estimate on the optimizee's validation split every N generations "
      "(0: never); the optimizer may adapt to it (the EnKF's dynamic ensemble), nested runs choose "
      "by it",
      Check::at_least(0));
  s.final_test = o.get<bool>(
      "final_test", s.test_every > 0,
      "when the run ends by a stopping rule, evaluate the estimate once on the test set (the "
      "final number; default: whenever test_every is set)");
  s.artifact_every = o.get<std::int64_t>(
      "artifact_every", 10,
      "store the optimizer's artifacts (ensembles, covariances) every N generations and at the "
      "end (0: only at the end)",
      Check::at_least(0));
  s.init_from = o.get<std::string>(
      "init_from", "",
      "start the optimizer where a stored run left off: RUN.db (its last generation) or "
      "RUN.db:GENERATION; the parameter spaces must match by name, the optimizers may differ "
      "(what each takes: docs/warm_start.md). `l2l run --init-from` sets it");
  s.init_from_centre_at_mean =
      o.get<std::string>("init_from_centre", "best",
                         "where a search distribution warm-started by init_from is centred: best "
                         "(the origin's best individual) or mean (its last population's mean)",
                         Check::one_of({"best", "mean"})) == "mean";
  return s;
}

}  // namespace l2l
