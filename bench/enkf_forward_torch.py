#!/usr/bin/python3
"""PyTorch CPU reference for bench_enkf_forward: J copies of the paper CNN (no biases, sigmoid,
N(0, 0.1) weights) evaluated on the same batch of 64 images, one network after another (the
fastest PyTorch form measured; grouped convolutions and vmap were slower). Prints
images*members per second per thread count.

    /usr/bin/python3 bench/enkf_forward_torch.py [--members 100] [--batch 64] [--threads 1,2]
"""
import argparse
import time

import torch
import torch.nn as nn


def paper_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 10, 5, bias=False), nn.MaxPool2d(2), nn.Sigmoid(),
        nn.Conv2d(10, 20, 5, bias=False), nn.Sigmoid(),
        nn.Flatten(), nn.Linear(1280, 10, bias=False))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=100)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    torch.manual_seed(1)
    nets = []
    for _ in range(a.members):
        net = paper_cnn()
        with torch.no_grad():
            for p in net.parameters():
                p.normal_(0.0, 0.1)
        nets.append(net.eval())
    x = torch.rand(a.batch, 1, 28, 28)
    print(f"torch {torch.__version__}, members {a.members}, batch {a.batch}")
    print(f"{'threads':>8} {'img*members/s':>14} {'ms/forward':>12}")
    for t in [int(s) for s in a.threads.split(",")]:
        torch.set_num_threads(t)
        with torch.no_grad():
            for net in nets:
                net(x)
            reps, t0 = 0, time.perf_counter()
            while True:
                for net in nets:
                    net(x)
                reps += 1
                el = time.perf_counter() - t0
                if el >= a.seconds:
                    break
        per = el / reps
        print(f"{t:>8} {a.members * a.batch / per:>14.0f} {per * 1e3:>12.2f}")


if __name__ == "__main__":
    main()
