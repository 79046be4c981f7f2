#!/usr/bin/python3
"""Input/output correlations of evolved ant colonies side by side (the thesis' analysis).

Reads the ants.correlation.json files that `l2l ants replay GENOME.csv --analysis DIR` writes (per
ant and 20 ms tick: the Pearson correlation between each input neuron's and each output neuron's
spike counts, averaged over ants and seeds) and prints one markdown table of every input/output
pair whose |r| reaches --min in at least one of the colonies.

    build/l2l ants replay data/ants/evolved_gen1600_ind30.csv --seeds 100001-100100 --analysis a
    build/l2l ants replay data/ants/l2l_evolved.csv --seeds 100001-100100 --analysis b
    /usr/bin/python3 bench/ants_correlations.py published=a/ants.correlation.json \\
        l2l=b/ants.correlation.json [--min 0.15]
"""
import argparse
import json


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("colonies", nargs="+", help="NAME=ants.correlation.json")
    ap.add_argument("--min", type=float, default=0.15)
    a = ap.parse_args()
    runs = []
    for item in a.colonies:
        name, _, path = item.partition("=")
        with open(path) as f:
            runs.append((name, json.load(f)))
    first = runs[0][1]
    for name, d in runs[1:]:
        if d["inputs"] != first["inputs"] or d["outputs"] != first["outputs"]:
            raise SystemExit(f"{name}: other inputs or outputs than {runs[0][0]}")
    print("| input | output | " + " | ".join(name for name, _ in runs) + " |")
    print("| --- | --- |" + " --- |" * len(runs))
    for i, inp in enumerate(first["inputs"]):
        for o, out in enumerate(first["outputs"]):
            rs = [d["r"][i][o] for _, d in runs]
            if not any(r is not None and abs(r) >= a.min for r in rs):
                continue
            cells = ["—" if r is None else f"{r:+.2f}" for r in rs]
            print(f"| {inp} | {out} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
