#!/usr/bin/python3
"""Held-out check of a nested tuning run (examples/l2l-ga-tunes-enkf.yaml).

Reads the best outer individual of a finished tuning store, then trains the inner experiment
(taken verbatim from one of the store's inner runs, so it is exactly what the tuning judged) on
held-out seeds twice: with the tuned hyperparameters and with the EnKF defaults. Prints the final
held-out accuracy (mean +- sd over the seeds) and the wall time of each inner run.

  bench/nested_tuning.py runs/ga-tunes-enkf.db --l2l build/l2l --seeds 101-105
"""
import argparse
import json
import os
import sqlite3
import statistics
import struct
import subprocess
import tempfile
import time

import yaml

DEFAULTS = {"ensemble_size": 100, "gamma": 0.01, "repeats": 1}  # `l2l list optimizers` enkf


def seeds_arg(text):
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def best_outer(db):
    outer = db.execute("select id, space from runs where parent_run is null").fetchone()
    names = [p["name"] for p in json.loads(outer[1])]
    row = db.execute(
        "select generation, idx, params, weighted from evaluations where run = ? and status = 'ok' "
        "order by weighted desc, generation, idx limit 1", (outer[0],)).fetchone()
    # params: a little-endian float64 blob (store schema 2) or JSON text (schema 1).
    params = (struct.unpack(f"<{len(row[2]) // 8}d", row[2]) if isinstance(row[2], bytes)
              else json.loads(row[2]))
    return outer[0], dict(zip(names, params)), row[3], (row[0], row[1])


def inner_config(db, outer_run):
    cfg = db.execute("select config from runs where parent_run = ? order by id limit 1",
                     (outer_run,)).fetchone()[0]
    return yaml.safe_load(cfg)


def final_accuracy(store):
    # The run's final test (experiment.final_test): its estimate on the test set, once at the end.
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    acc = None
    for (info,) in db.execute("select info from generations order by generation"):
        d = json.loads(info or "{}")
        if "final_test_accuracy" in d:
            acc = d["final_test_accuracy"]
    return acc


def train(l2l, cfg, hyper, seed, workdir):
    c = json.loads(json.dumps(cfg))
    c["experiment"]["seed"] = seed
    for k, v in hyper.items():
        c["optimizer"][k] = int(round(v)) if k in ("ensemble_size", "repeats") else float(v)
    path = os.path.join(workdir, f"inner-{seed}.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(c, f)
    store = os.path.join(workdir, f"inner-{seed}.db")
    t0 = time.perf_counter()
    subprocess.run([l2l, "run", path, "--out", store, "--overwrite", "-q"], check=True,
                   stdout=subprocess.DEVNULL)
    return final_accuracy(store), time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--l2l", default="build/l2l")
    ap.add_argument("--seeds", type=seeds_arg, default=seeds_arg("101-105"))
    a = ap.parse_args()
    db = sqlite3.connect(f"file:{a.store}?mode=ro", uri=True)
    outer, tuned, fitness, where = best_outer(db)
    tuned = {k: v for k, v in tuned.items() if k in DEFAULTS}
    cfg = inner_config(db, outer)
    (gen, idx), wall = where, db.execute(
        "select max(finished) - min(started) from runs where id = ?", (outer,)).fetchone()[0]
    print(f"tuning run: best outer individual generation {gen} index {idx}, "
          f"tuning fitness {fitness:.4f}, tuning wall time {wall:.0f} s")
    print("tuned:    " + ", ".join(f"{k} = {v:.4g}" for k, v in tuned.items()))
    print("defaults: " + ", ".join(f"{k} = {v:.4g}" for k, v in DEFAULTS.items()))
    print(f"held-out seeds {a.seeds[0]}..{a.seeds[-1]} (the tuning used other seeds)")
    print(f"{'setting':<10}{'seed':>6}{'accuracy':>10}{'seconds':>9}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, hyper in (("defaults", DEFAULTS), ("tuned", tuned)):
            accs, secs = [], []
            for s in a.seeds:
                acc, sec = train(a.l2l, cfg, hyper, s, tmp)
                accs.append(acc)
                secs.append(sec)
                print(f"{label:<10}{s:>6}{acc:>10.4f}{sec:>9.1f}", flush=True)
            results[label] = (accs, secs)
    print()
    for label, (accs, secs) in results.items():
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        print(f"{label:<10} held-out accuracy {statistics.mean(accs):.4f} +- {sd:.4f} "
              f"(n = {len(accs)}), {statistics.mean(secs):.1f} s per inner run")


if __name__ == "__main__":
    main()
