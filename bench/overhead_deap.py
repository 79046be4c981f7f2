#!/usr/bin/python3
"""DEAP side of bench/overhead: the same two workloads, timed in-process. Prints one JSON line."""
import json
import math
import random
import sys
import time

from deap import algorithms, base, creator, tools


def sphere(x):
    return (sum(v * v for v in x),)


def rastrigin(x):
    return (10.0 * len(x) + sum(v * v - 10.0 * math.cos(2.0 * math.pi * v) for v in x),)


def main():
    random.seed(1)
    creator.create("FitnessMin", base.Fitness, weights=(-1.0,))
    creator.create("Individual", list, fitness=creator.FitnessMin)
    tb = base.Toolbox()
    tb.register("attr", random.uniform, -5.0, 5.0)
    tb.register("individual", tools.initRepeat, creator.Individual, tb.attr, 10)
    tb.register("population", tools.initRepeat, list, tb.individual)

    # (a) random search: 10 generations of 10,000 random individuals.
    tb.register("evaluate", sphere)
    t0 = time.perf_counter()
    n_a = 0
    for _ in range(10):
        pop = tb.population(n=10000)
        for ind, fit in zip(pop, map(tb.evaluate, pop)):
            ind.fitness.values = fit
        n_a += len(pop)
    t_a = time.perf_counter() - t0

    # (b) eaSimple on Rastrigin-10 with the L2L GA operators.
    tb.register("evaluate", rastrigin)
    tb.register("mate", tools.cxBlend, alpha=0.5)
    tb.register("mutate", tools.mutGaussian, mu=0.0, sigma=1.0, indpb=0.1)
    tb.register("select", tools.selTournament, tournsize=3)
    pop = tb.population(n=100)
    counter = {"n": 0}

    def counted(ind):
        counter["n"] += 1
        return rastrigin(ind)

    tb.register("evaluate", counted)
    t0 = time.perf_counter()
    algorithms.eaSimple(pop, tb, cxpb=0.5, mutpb=0.2, ngen=200, verbose=False)
    t_b = time.perf_counter() - t0
    print(json.dumps({"a": {"evals": n_a, "seconds": t_a}, "b": {"evals": counter["n"], "seconds": t_b}}))


if __name__ == "__main__":
    sys.exit(main())
