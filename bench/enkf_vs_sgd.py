#!/usr/bin/python3
"""Gradient baselines for the EnKF learning curves: the paper CNN (conv 1->10 5x5, maxpool 2,
sigmoid, conv 10->20 5x5, sigmoid, fc 1280->10, no biases) trained with SGD (lr 0.1, momentum
0.9) and Adam (lr 1e-3) by PyTorch on the same MNIST split as the EnKF (data/mnist from
scripts/fetch-data.sh: 8,000 training, 2,000 test images), mini-batches of 64, weights
initialised N(0, sigma^2) for sigma in {0.1, 1}. Prints the test accuracy after given numbers of
presented images, so that it can be read next to bench_enkf_train's "images" column.

    /usr/bin/python3 bench/enkf_vs_sgd.py [--sigmas 0.1,1] [--images 640,3200,8000,32000,160000]
        [--threads 2] [--seed 1] [--csv out.csv]

Needs python3-torch (Debian), used only here.
"""
import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
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
    return (x("train-images-idx3-ubyte"), y("train-labels-idx1-ubyte"),
            x("t10k-images-idx3-ubyte"), y("t10k-labels-idx1-ubyte"))


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
        return (net(x).argmax(1) == y).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--sigmas", default="0.1,1")
    ap.add_argument("--images", default="640,3200,8000,16000,32000,80000,160000")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", default="")
    ap.add_argument("--enkf", default="",
                    help="EnKF curves from bench_enkf_train --csv, as SIGMA=FILE[,SIGMA=FILE]; "
                         "printed next to the gradient baselines at the same image counts")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    xtr, ytr, xte, yte = load(a.data)
    marks = sorted(int(s) for s in a.images.split(","))
    rows = []
    print(f"train {len(ytr)}, test {len(yte)}, batch {a.batch}, threads {a.threads}")
    print(f"{'optimizer':>10} {'sigma':>6} {'images':>8} {'epochs':>7} {'test_acc':>9} {'seconds':>8}")
    for sigma in [float(s) for s in a.sigmas.split(",")]:
        for name, make in (("sgd", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
                           ("adam", lambda p: torch.optim.Adam(p, lr=1e-3))):
            torch.manual_seed(a.seed)
            net = paper_cnn(sigma)
            opt = make(net.parameters())
            loss_fn = nn.CrossEntropyLoss()
            seen, mark, t0 = 0, 0, time.perf_counter()
            gen = torch.Generator().manual_seed(a.seed)
            while mark < len(marks):
                perm = torch.randperm(len(ytr), generator=gen)
                for i in range(0, len(ytr) - a.batch + 1, a.batch):
                    idx = perm[i:i + a.batch]
                    opt.zero_grad()
                    loss_fn(net(xtr[idx]), ytr[idx]).backward()
                    opt.step()
                    seen += a.batch
                    while mark < len(marks) and seen >= marks[mark]:
                        acc = accuracy(net, xte, yte)
                        el = time.perf_counter() - t0
                        print(f"{name:>10} {sigma:>6} {seen:>8} {seen / len(ytr):>7.2f} {acc:>9.4f} "
                              f"{el:>8.1f}", flush=True)
                        rows.append((name, sigma, seen, acc, el))
                        mark += 1
                    if mark >= len(marks):
                        break
    if a.enkf:
        print(f"\n{'optimizer':>10} {'sigma':>6} {'images':>8} {'test_acc':>9} {'seconds':>8}")
        for item in a.enkf.split(","):
            sigma, path = item.split("=", 1)
            curve = []
            with open(path) as f:
                head = f.readline().strip().split(",")
                for line in f:
                    r = dict(zip(head, line.strip().split(",")))
                    curve.append((int(r["images"]), float(r["test_accuracy"]), float(r["seconds"])))
            for m in marks:
                done = [c for c in curve if c[0] <= m]
                if done:
                    n, acc, el = done[-1]
                    print(f"{'enkf':>10} {sigma:>6} {n:>8} {acc:>9.4f} {el:>8.1f}")
    if a.csv:
        with open(a.csv, "w") as f:
            f.write("optimizer,sigma,images,test_accuracy,seconds\n")
            for r in rows:
                f.write(",".join(str(v) for v in r) + "\n")


if __name__ == "__main__":
    main()
