#!/usr/bin/python3
"""The EnKF against SGD and Adam on the standard MNIST, side by side in one invocation.

The paper's CNN (conv 1->10 5x5, max-pool 2, sigmoid, conv 10->20 5x5, sigmoid, fully connected
1280->10, no biases: 18,050 weights) trained for one pass over the training images by
  - l2l's EnKF (`l2l run` of examples/enkf-cnn-mnist-quick.yaml for sigma 0.1 and
    examples/enkf-cnn-mnist-sigma1.yaml for sigma >= 1, with init_sigma = sigma), and
  - SGD, SGD with momentum 0.9 and Adam in PyTorch (Debian python3-torch), cross-entropy loss,
on the same data and the same mini-batches: the 55,000 training images of data/mnist less the
last 5,000 (the validation split of l2l's mnist optimizee) in file order, 64 per mini-batch
(l2l with optimizee.shuffle: false), weights drawn from N(0, sigma^2).

Learning rates: for every method and sigma each rate of the grid trains one pass with seed 0 (not
one of the reported seeds) and the one with the best accuracy on the 5,000 validation images is
used for the reported seeds; the test images are only ever read for the table.

It prints one table: per method and sigma, mean +- sd test accuracy (10,000 images) over the
seeds after each mark of presented images, and the mean wall time to reach it.

    /usr/bin/python3 bench/enkf_vs_sgd.py [--sigmas 0.1,1] [--seeds 1-5]
        [--marks 6400,16000,32000,55000] [--threads 2] [--l2l build/l2l]
        [--workdir runs/enkf-vs-sgd] [--methods enkf,sgd,momentum,adam]

The EnKF's curve comes from one resumable run per seed: it runs to the first mark, and each
`l2l resume --set experiment.max_generations=N` continues it bit-exactly to the next; every end
of a segment evaluates the ensemble mean once on the test set (experiment.final_test), which
changes nothing in the run. Stores are kept in --workdir, so an interrupted benchmark continues
where it stopped when started again.
"""
import argparse
import gzip
import json
import os
import sqlite3
import statistics
import struct
import subprocess
import time

import numpy as np
import torch
import torch.nn as nn
import yaml

LR_GRID = {
    "sgd": [0.01, 0.05, 0.1, 0.5, 1.0],
    "momentum": [0.001, 0.01, 0.05, 0.1],
    "adam": [1e-4, 1e-3, 1e-2],
}
VALIDATION = 5000
BATCH = 64


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def find(d, stem):
    for suffix in ("", ".gz"):
        if os.path.exists(os.path.join(d, stem + suffix)):
            return os.path.join(d, stem + suffix)
    raise SystemExit(f"{d}/{stem}: missing; run scripts/fetch-data.sh first")


def load(d):
    x = lambda s: torch.from_numpy(read_idx(find(d, s)).astype(np.float32) / 255.0).unsqueeze(1)
    y = lambda s: torch.from_numpy(read_idx(find(d, s)).astype(np.int64))
    xtr, ytr = x("train-images-idx3-ubyte"), y("train-labels-idx1-ubyte")
    if len(ytr) != 60000:
        raise SystemExit(f"{d}: {len(ytr)} training images, the standard MNIST has 60,000")
    n = len(ytr) - VALIDATION
    return (xtr[:n], ytr[:n], xtr[n:], ytr[n:], x("t10k-images-idx3-ubyte"),
            y("t10k-labels-idx1-ubyte"))


def paper_cnn(sigma):
    net = nn.Sequential(
        nn.Conv2d(1, 10, 5, bias=False), nn.MaxPool2d(2), nn.Sigmoid(),
        nn.Conv2d(10, 20, 5, bias=False), nn.Sigmoid(),
        nn.Flatten(), nn.Linear(1280, 10, bias=False))
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0.0, sigma)
    return net


def accuracy(net, x, y):
    with torch.no_grad():
        return sum((net(x[i:i + 2000]).argmax(1) == y[i:i + 2000]).sum().item()
                   for i in range(0, len(y), 2000)) / len(y)


def optimizer(method, params, lr):
    if method == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if method == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    return torch.optim.Adam(params, lr=lr)


def train_gradient(method, sigma, lr, seed, data, marks, on_test=True):
    """One pass in file order; accuracy (test, or validation for the rate search) at each mark."""
    xtr, ytr, xva, yva, xte, yte = data
    torch.manual_seed(seed)
    net = paper_cnn(sigma)
    opt = optimizer(method, net.parameters(), lr)
    loss_fn = nn.CrossEntropyLoss()
    out, seen, trained = [], 0, 0.0  # trained: seconds of training, evaluations left out
    for i in range(0, marks[-1] - BATCH + 1, BATCH):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(net(xtr[i:i + BATCH]), ytr[i:i + BATCH]).backward()
        opt.step()
        trained += time.perf_counter() - t0
        seen += BATCH
        # A mark is reached with the last whole mini-batch at or below it (55,000 -> 54,976
        # images), as the EnKF's generation count m // 64.
        while len(out) < len(marks) and seen + BATCH > marks[len(out)]:
            acc = accuracy(net, xte, yte) if on_test else accuracy(net, xva, yva)
            out.append((acc, trained))
    return out


def enkf_config(sigma, seed, threads):
    here = os.path.dirname(os.path.abspath(__file__))
    name = "enkf-cnn-mnist-quick.yaml" if sigma < 1 else "enkf-cnn-mnist-sigma1.yaml"
    with open(os.path.join(here, "..", "examples", name)) as f:
        c = yaml.safe_load(f)
    c["experiment"].update({"name": f"enkf-vs-sgd-s{sigma}-{seed}", "seed": seed,
                            "max_seconds": 0, "test_every": 0, "final_test": True})
    c["optimizer"]["init_sigma"] = sigma
    c["optimizee"].update({"shuffle": False, "validation_size": VALIDATION})
    c["evaluator"] = {"type": "threads", "threads": threads}
    return c


def final_tests(store):
    """(generations, test accuracy, elapsed seconds) of every final test in a store."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    rows = []
    for g, info, elapsed in db.execute(
            "select generation, info, elapsed from generations where run = "
            "(select min(id) from runs) order by generation"):
        d = json.loads(info or "{}")
        if "final_test_accuracy" in d:
            rows.append((g + 1, d["final_test_accuracy"], elapsed))
    return rows


def train_enkf(sigma, seed, marks, a):
    c = enkf_config(sigma, seed, a.threads)
    repeats = int(c["optimizer"].get("repeats", 1))
    gens = [m // BATCH * repeats for m in marks]
    os.makedirs(a.workdir, exist_ok=True)
    cfg = os.path.join(a.workdir, f"enkf-s{sigma}-{seed}.yaml")
    store = os.path.join(a.workdir, f"enkf-s{sigma}-{seed}.db")
    c["experiment"]["max_generations"] = gens[0]
    with open(cfg, "w") as f:
        yaml.safe_dump(c, f)
    if not os.path.exists(store):
        subprocess.run([a.l2l, "run", cfg, "--out", store, "-q"], check=True,
                       stdout=subprocess.DEVNULL)
    for n in gens[1:]:
        if not any(g == n for g, _, _ in final_tests(store)):
            subprocess.run([a.l2l, "resume", store, "--set", f"experiment.max_generations={n}"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    got = {g: (acc, el) for g, acc, el in final_tests(store)}
    return [got[n] for n in gens]


def seeds_arg(text):
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def mean_sd(v):
    return statistics.mean(v), (statistics.stdev(v) if len(v) > 1 else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--sigmas", default="0.1,1")
    ap.add_argument("--seeds", type=seeds_arg, default=seeds_arg("1-5"))
    ap.add_argument("--marks", default="6400,16000,32000,55000")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--l2l", default="build/l2l")
    ap.add_argument("--workdir", default="runs/enkf-vs-sgd")
    ap.add_argument("--methods", default="enkf,sgd,momentum,adam")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    data = load(a.data)
    marks = sorted(int(s) for s in a.marks.split(","))
    if marks[-1] > len(data[1]):
        raise SystemExit(f"--marks: one pass has {len(data[1])} images")
    methods = a.methods.split(",")
    print(f"train {len(data[1])} (file order), validation {len(data[3])}, test {len(data[5])}, "
          f"batch {BATCH}, seeds {a.seeds[0]}-{a.seeds[-1]}, threads {a.threads}, "
          f"torch {torch.__version__}", flush=True)
    results = []  # (method, sigma, lr, [(accs per mark)], [(secs per mark)])
    for sigma in [float(s) for s in a.sigmas.split(",")]:
        for method in methods:
            lr = None
            if method != "enkf":
                # The rate search reads the validation split only.
                scores = {}
                for r in LR_GRID[method]:
                    scores[r] = train_gradient(method, sigma, r, 0, data, marks[-1:], False)[0][0]
                    print(f"  rate search {method} sigma {sigma} lr {r:g}: validation "
                          f"{scores[r]:.4f}", flush=True)
                lr = max(scores, key=scores.get)
            accs, secs = [], []
            for seed in a.seeds:
                curve = (train_enkf(sigma, seed, marks, a) if method == "enkf" else
                         train_gradient(method, sigma, lr, seed, data, marks))
                accs.append([acc for acc, _ in curve])
                secs.append([el for _, el in curve])
                print(f"  {method} sigma {sigma} seed {seed}: " +
                      ", ".join(f"{m}: {acc:.4f} ({el:.0f} s)" for m, (acc, el) in
                                zip(marks, curve)), flush=True)
            results.append((method, sigma, lr, accs, secs))

    print()
    head = f"| method | sigma | lr | " + " | ".join(f"{m:,} images" for m in marks) + " |"
    print(head)
    print("|" + " --- |" * (3 + len(marks)))
    for method, sigma, lr, accs, secs in results:
        cells = []
        for k in range(len(marks)):
            m, sd = mean_sd([100 * x[k] for x in accs])
            t = statistics.mean(x[k] for x in secs)
            cells.append(f"{m:.2f} ± {sd:.2f} % ({t:.0f} s)")
        rate = "—" if lr is None else f"{lr:g}"
        print(f"| {method} | {sigma:g} | {rate} | " + " | ".join(cells) + " |")
    enkf = {s: acc for m, s, _, acc, _ in results if m == "enkf"}
    for method, sigma, _, accs, _ in results:
        if method != "enkf" and sigma in enkf:
            gap = statistics.mean(100 * x[-1] for x in enkf[sigma]) - statistics.mean(
                100 * x[-1] for x in accs)
            print(f"EnKF minus {method} at sigma {sigma:g} after {marks[-1]:,} images: "
                  f"{gap:+.2f} points")


if __name__ == "__main__":
    main()
