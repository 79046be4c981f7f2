#!/usr/bin/env python3
"""DEAP's cma.Strategy on the bench_cmaes problems; called by bench_cmaes (bench/cmaes.cpp).

Reads one JSON job per line on stdin: {"function": "rosenbrock"|"ellipsoid", "n": int,
"x0": [...], "sigma": float, "lambda": int, "target": float, "max_evals": int}. Writes one JSON
result per line: evaluations to reach the target (or -1), generations, and the seconds spent in
DEAP's generate()/update() (optimizer overhead, CPU time of this thread) and in the objective function.
"""
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from deap import base, cma, creator  # noqa: E402

creator.create("FitnessMin", base.Fitness, weights=(-1.0,))
creator.create("Individual", list, fitness=creator.FitnessMin)


def make_function(name, n):
    if name == "rosenbrock":
        def f(x):
            x = np.asarray(x)
            return float(np.sum(100.0 * (x[:-1] ** 2 - x[1:]) ** 2 + (1.0 - x[:-1]) ** 2))
        return f
    if name == "ellipsoid":
        scale = 1e6 ** (np.arange(n) / (n - 1.0))

        def f(x):
            x = np.asarray(x)
            return float(np.sum(scale * x * x))
        return f
    raise ValueError(name)


def run(job):
    n = job["n"]
    f = make_function(job["function"], n)
    np.random.seed(job.get("seed", 0) % (2**32))
    strategy = cma.Strategy(centroid=list(job["x0"]), sigma=job["sigma"], lambda_=job["lambda"])
    evals, gens, hit = 0, 0, -1
    t_opt = t_eval = 0.0
    while evals < job["max_evals"] and hit < 0:
        t0 = time.thread_time()
        pop = strategy.generate(creator.Individual)
        t1 = time.thread_time()
        for ind in pop:
            v = f(ind)
            ind.fitness.values = (v,)
            evals += 1
            if hit < 0 and v <= job["target"]:
                hit = evals
        t2 = time.thread_time()
        strategy.update(pop)
        t3 = time.thread_time()
        t_opt += (t1 - t0) + (t3 - t2)
        t_eval += t2 - t1
        gens += 1
        if not np.isfinite(strategy.sigma) or strategy.sigma < 1e-300:
            break
    return {"evals_to_target": hit, "evals": evals, "generations": gens,
            "optimizer_seconds": t_opt, "eval_seconds": t_eval}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
