#!/usr/bin/python3
"""Reference timings for bench_enkf_update: one EnKF update with P = 18,050 parameters and
m = 640 outputs,

  numpy float64, the literal formula  U + C_up (C_pp + gamma I)^-1 (Y - G)
  torch float32, re-arranged in ensemble space (the best of A W and (A B^T) Z)

Thread counts are set through OPENBLAS_NUM_THREADS / torch.set_num_threads, so run one thread
count per process:

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/enkf_update_ref.py --threads 1
    OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/enkf_update_ref.py

(Debian's OpenBLAS 0.3.21 does not recognise CPUs newer than it and falls back to SSE3 kernels
unless OPENBLAS_CORETYPE is set; l2l sets it itself.)
"""
import argparse
import os
import time

import numpy as np


def literal_numpy(U, G, Y, gamma):
    J = U.shape[1]
    A = U - U.mean(axis=1, keepdims=True)
    B = G - G.mean(axis=1, keepdims=True)
    Cpp = B @ B.T / J
    Cup = A @ B.T / J
    return U + Cup @ np.linalg.solve(Cpp + gamma * np.eye(G.shape[0]), Y - G)


def rearranged_torch(torch, U, G, Y, gamma):
    J, m = U.shape[1], G.shape[0]
    A = U - U.mean(dim=1, keepdim=True)
    B = G - G.mean(dim=1, keepdim=True)
    D = Y - G
    if J <= m:  # ensemble space: (B^T B / J + gamma I) W = B^T D / J
        K = B.T @ B / J + gamma * torch.eye(J)
        W = torch.linalg.solve(K, B.T @ D / J)
        return U + A @ W
    Z = torch.linalg.solve(B @ B.T / J + gamma * torch.eye(m), D / J)
    if J <= 2 * m:
        return U + A @ (B.T @ Z)
    return U + (A @ B.T) @ Z


def best_time(f, reps):
    best = 1e9
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", default="100,1000,5000")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OPENBLAS_NUM_THREADS", "1")))
    ap.add_argument("--params", type=int, default=18050)
    ap.add_argument("--outputs", type=int, default=640)
    ap.add_argument("--skip-torch", action="store_true")
    a = ap.parse_args()
    torch = None
    if not a.skip_torch:
        try:
            import torch as torch_module
            torch = torch_module
            torch.set_num_threads(a.threads)
        except ImportError:
            print("torch not installed: numpy only")
    P, m = a.params, a.outputs
    print(f"P = {P}, m = {m}, threads {a.threads}, OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"{'J':>8} {'numpy f64 literal s':>20} {'torch f32 rearranged s':>24}")
    for J in [int(s) for s in a.members.split(",")]:
        rng = np.random.default_rng(J)
        U = 0.1 * rng.standard_normal((P, J))
        G = rng.uniform(size=(m, J))
        Y = np.zeros((m, J))
        Y[3::10, :] = 1.0
        reps = 2 if J >= 2000 else 4
        t_np = best_time(lambda: literal_numpy(U, G, Y, 0.01), reps)
        t_torch = float("nan")
        if torch is not None:
            Ut, Gt, Yt = (torch.from_numpy(x.astype(np.float32)) for x in (U, G, Y))
            with torch.no_grad():
                t_torch = best_time(lambda: rearranged_torch(torch, Ut, Gt, Yt, 0.01), reps)
        print(f"{J:>8} {t_np:>20.4f} {t_torch:>24.4f}", flush=True)


if __name__ == "__main__":
    main()
