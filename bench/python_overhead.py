#!/usr/bin/env python3
"""Per-evaluation overhead of a trivial Python optimizee in l2l, next to DEAP's.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py [--evals N] [--repeats R]

Prints, in microseconds per evaluation (best of R repeats):
  own       the Python function's own cost, called directly from a Python loop
  adapter   the engine's call into Python as the serial evaluator makes it (GIL taken per call,
            params dict + context built, result parsed), minus `own`
  l2l run   a whole run (GA, serial evaluator, store_level generations) per evaluation, minus
            `own`: adapter plus the GA's ask/tell and the store's per-generation statistics
  workers   the same run with workers=True (pickled optimizee in a `python -m l2l.worker`
            process; pipe and JSON per evaluation), fewer generations
  l2l C++   the same run with a built-in C++ function optimizee: the engine's own share
  deap      DEAP's eaSimple (same GA operators and population) per evaluation, minus `own`
Target of issue 10: adapter overhead <= 2 us.
"""

import argparse
import os
import sys
import tempfile
import time

import l2l


class Trivial:
    weights = (1.0,)

    def space(self):
        return {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}

    def evaluate(self, params, context):
        return params["x"]


def own_cost(n):
    obj = Trivial()
    params = {"x": 0.5, "y": 0.25}
    ev = obj.evaluate
    # The same call shape as the adapter's: a bound method with (dict, context).
    c = _context()

    def calls():
        t0 = time.perf_counter()
        for _ in range(n):
            ev(params, c)
        return time.perf_counter() - t0

    def loop():
        t0 = time.perf_counter()
        for _ in range(n):
            pass
        return time.perf_counter() - t0

    # Subtract the bare loop, which the adapter does not pay (each the best of 3).
    return (min(calls() for _ in range(3)) - min(loop() for _ in range(3))) / n


def _context():
    # Any object works as context for the direct call; the adapter passes an EvaluationContext.
    class C:
        generation = index = seed = 0
        batch = -1
        phase = "train"
    return C()


def adapter_cost(n):
    obj = Trivial()
    h = l2l._l2l.register_optimizee(obj, l2l._space.normalize_space(obj.space()), ["fitness"],
                                    [1.0])
    try:
        return l2l._l2l.time_adapter(h, [0.5, 0.25], n) / n
    finally:
        l2l._l2l.unregister_optimizee(h)


def l2l_run_cost(population, generations, optimizee=None, workers=False):
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        res = l2l.Experiment(
            optimizee=optimizee or Trivial(), out=os.path.join(d, "b.db"),
            optimizer=dict(type="ga", population=population, tournament_size=3,
                           crossover_probability=0.5, mutation_probability=0.2),
            evaluator="serial", workers=workers,
            experiment=dict(seed=1, max_generations=generations, store_level="generations")).run()
        t = time.perf_counter() - t0
    return t / res.evaluations


def deap_cost(population, generations):
    import random

    from deap import algorithms, base, creator, tools

    if not hasattr(creator, "FitnessMax"):
        creator.create("FitnessMax", base.Fitness, weights=(1.0,))
        creator.create("Individual", list, fitness=creator.FitnessMax)
    tb = base.Toolbox()
    tb.register("attr", random.uniform, -1.0, 1.0)
    tb.register("individual", tools.initRepeat, creator.Individual, tb.attr, 2)
    tb.register("population", tools.initRepeat, list, tb.individual)
    tb.register("evaluate", lambda ind: (ind[0],))
    tb.register("mate", tools.cxBlend, alpha=0.5)
    tb.register("mutate", tools.mutGaussian, mu=0.0, sigma=1.0, indpb=0.1)
    tb.register("select", tools.selTournament, tournsize=3)
    random.seed(1)
    pop = tb.population(n=population)
    evals = [0]
    inner = tb.evaluate

    def counted(ind):
        evals[0] += 1
        return inner(ind)

    tb.register("evaluate", counted)
    t0 = time.perf_counter()
    algorithms.eaSimple(pop, tb, cxpb=0.5, mutpb=0.2, ngen=generations, verbose=False)
    t = time.perf_counter() - t0
    return t / evals[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--evals", type=int, default=200_000, help="adapter calls per repeat")
    ap.add_argument("--population", type=int, default=1000)
    ap.add_argument("--generations", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()

    def med(f, *args):
        # The best of the repeats: on a shared machine the other repeats measure the neighbours.
        return min(f(*args) for _ in range(a.repeats)) * 1e6

    own = med(own_cost, a.evals)
    adapter = med(adapter_cost, a.evals)
    run = med(l2l_run_cost, a.population, a.generations)
    # Worker processes (workers=True, one worker: serial evaluator): pipe + JSON per evaluation.
    # The optimizee must be importable by the worker, hence this module's class, not __main__'s.
    import importlib
    worker_obj = importlib.import_module("python_overhead").Trivial()
    run_workers = med(l2l_run_cost, a.population, max(1, a.generations // 5), worker_obj, True)
    # The same run with a C++ benchmark function (about 20 ns per call) instead of the Python
    # optimizee: the engine's own share (GA, repair, statistics) of the whole-run figure.
    run_cpp = med(l2l_run_cost, a.population, a.generations,
                  dict(type="function", preset="Rastrigin2d"))
    try:
        deap = med(deap_cost, a.population, a.generations)
    except ImportError:
        deap = float("nan")
    print(f"python {sys.version.split()[0]}, l2l {l2l.__version__}; "
          f"best of {a.repeats}; microseconds per evaluation")
    print(f"  own cost of the trivial Python function      {own:8.3f}")
    print(f"  l2l adapter overhead (serial evaluator call) {adapter - own:8.3f}   target <= 2")
    print(f"  l2l whole run (GA pop {a.population}) overhead      {run - own:8.3f}")
    print(f"  l2l whole run, workers=True (1 process)      {run_workers - own:8.3f}")
    print(f"  l2l whole run, C++ function optimizee        {run_cpp:8.3f}   (engine share)")
    print(f"  DEAP eaSimple (pop {a.population}) overhead         {deap - own:8.3f}")


if __name__ == "__main__":
    main()
