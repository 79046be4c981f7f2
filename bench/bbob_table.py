#!/usr/bin/env python3
"""Prints the `l2l bench bbob` summary table from one or more --runs-csv files.

Use it to merge invocations that split the instances (or functions) of one dimension, e.g.
instances 1-5 and 6-15 run separately: every problem's seed depends only on the base seed,
function, dimension and instance, so the merged table equals that of a single invocation.

    bench/bbob_table.py runs_a.csv runs_b.csv

ERT = (evaluations to the target summed over successful runs + all evaluations of the
unsuccessful runs) / number of successful runs, as in COCO and src/l2l/bench/bbob_runner.cpp.
"""
import csv
import math
import sys
from collections import defaultdict

NAMES = {
    1: "Sphere", 2: "Ellipsoid (separable)", 3: "Rastrigin (separable)", 4: "Bueche-Rastrigin",
    5: "Linear slope", 6: "Attractive sector", 7: "Step ellipsoid", 8: "Rosenbrock",
    9: "Rosenbrock (rotated)", 10: "Ellipsoid", 11: "Discus", 12: "Bent cigar",
    13: "Sharp ridge", 14: "Different powers", 15: "Rastrigin", 16: "Weierstrass",
    17: "Schaffers F7", 18: "Schaffers F7 (ill-conditioned)", 19: "Griewank-Rosenbrock F8F2",
    20: "Schwefel x*sin(x)", 21: "Gallagher 101 peaks", 22: "Gallagher 21 peaks",
    23: "Katsuura", 24: "Lunacek bi-Rastrigin",
}
TARGETS = [10.0 ** (1 - i) for i in range(10)]
SHOWN = [0, 2, 4, 6, 9]


def fmt_ert(v):
    if not math.isfinite(v):
        return "inf"
    if v >= 1e5:
        return f"{v:.1e}"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}"


def main(paths):
    # (dim, function, instance) -> {target index: evaluations or None}, evaluations used
    runs = {}
    for p in paths:
        for r in csv.DictReader(open(p)):
            key = (int(r["dim"]), int(r["function"]), int(r["instance"]))
            t = min(range(10), key=lambda i: abs(math.log10(float(r["target"])) - (1 - i)))
            hits, _ = runs.setdefault(key, ({}, int(r["evaluations"])))
            hits[t] = int(r["evaluations_to_target"]) if r["evaluations_to_target"] else None
    by_dim = defaultdict(lambda: defaultdict(list))
    for (d, f, _), run in sorted(runs.items()):
        by_dim[d][f].append(run)
    for d, fs in sorted(by_dim.items()):
        print(f"\nD = {d}: ERT / D to reach f_opt + target (inf: never reached)")
        print(f"{'f':>4} {'function':<32}" + "".join(f"{TARGETS[t]:>9g}" for t in SHOWN)
              + f"{'ok@1e-8':>8}")
        reached = triples = pairs_all = pairs_any = pairs = 0
        for f, rs in sorted(fs.items()):
            erts, succ = [], []
            for t in range(10):
                spent, ok = 0, 0
                for hits, evals in rs:
                    if hits.get(t) is not None:
                        ok += 1
                        spent += hits[t]
                    else:
                        spent += evals
                erts.append(spent / ok if ok else math.inf)
                succ.append(ok)
                reached += ok
                triples += len(rs)
                pairs += 1
                pairs_all += ok == len(rs)
                pairs_any += ok > 0
            print(f"{f:>4} {NAMES[f]:<32}" + "".join(f"{fmt_ert(erts[t] / d):>9}" for t in SHOWN)
                  + f"{f'{succ[9]}/{len(rs)}':>8}")
        print(f"targets reached: {100.0 * reached / max(1, triples):.1f}% of (function, instance, "
              f"target) triples; (function, target) pairs reached in every instance "
              f"{pairs_all}/{pairs}, in at least one {pairs_any}/{pairs}")


if __name__ == "__main__":
    main(sys.argv[1:])
