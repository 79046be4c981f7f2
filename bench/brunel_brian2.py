#!/usr/bin/env python3
"""Brunel (2000) model A in Brian2's C++ standalone mode, for bench_brunel.

Same network as l2l's run_brunel(): N_E + N_I iaf neurons with delta synapses (V jumps by J or
-gJ after delay D), fixed in-degrees C_E and C_I (sources drawn uniformly, multapses and
autapses allowed, connectivity presorted by source), external Poisson drive of C_E inputs at
eta * nu_thr each, refractory period with input discarded while refractory (as in NEST), initial
V uniform in [0, theta). Prints one JSON line with rates, ISI CV and timings.

usage: brunel_brian2.py --threads T --duration MS --warmup MS [--scale S] [--dir DIR]
"""
import argparse
import json
import os
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--duration", type=float, default=1000.0)
    ap.add_argument("--warmup", type=float, default=100.0)
    ap.add_argument("--n-e", type=int, default=10000)
    ap.add_argument("--c-e", type=int, default=1000)
    ap.add_argument("--j", type=float, default=0.1)
    ap.add_argument("--g", type=float, default=5.0)
    ap.add_argument("--eta", type=float, default=2.0)
    ap.add_argument("--recorded", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default=None)
    a = ap.parse_args()

    import numpy as np
    import brian2 as b2
    from brian2 import ms, mV, Hz

    workdir = a.dir or tempfile.mkdtemp(prefix="brunel_brian2_")
    b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    # 0 threads means Brian2's plain single-threaded code (no OpenMP runtime).
    b2.prefs.devices.cpp_standalone.openmp_threads = a.threads if a.threads > 1 else 0
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(a.seed)

    N_E, N_I = a.n_e, a.n_e // 4
    C_E, C_I = a.c_e, a.c_e // 4
    N = N_E + N_I
    tau, theta, V_r, t_ref, D = 20 * ms, 20 * mV, 10 * mV, 2 * ms, 1.5 * ms
    J = a.j * mV
    g = a.g
    nu_thr = theta / (J * C_E * tau)
    nu_ext = a.eta * nu_thr

    P = b2.NeuronGroup(N, "dv/dt = -v/tau : volt (unless refractory)", threshold="v >= theta",
                       reset="v = V_r", refractory=t_ref, method="exact",
                       namespace={"tau": tau, "theta": theta, "V_r": V_r})
    P.v = "rand() * theta"
    rng = np.random.default_rng(a.seed)
    syn = []
    for (src_lo, src_n, c, w) in ((0, N_E, C_E, J), (N_E, N_I, C_I, -g * J)):
        S = b2.Synapses(P[src_lo:src_lo + src_n], P, on_pre="v_post += w_syn * int(not_refractory_post)",
                        delay=D, namespace={"w_syn": w})
        pre = rng.integers(0, src_n, size=N * c)
        post = np.repeat(np.arange(N), c)
        order = np.argsort(pre, kind="stable")
        S.connect(i=pre[order], j=post[order])
        syn.append(S)
    ext = b2.PoissonInput(P, "v", C_E, nu_ext, weight="J * int(not_refractory)")
    ext.namespace = {"J": J}
    mon = b2.SpikeMonitor(P)
    net = b2.Network(P, *syn, ext, mon)
    # Wall-clock and CPU time (all threads) of the simulation proper, measured inside the binary:
    # Brian2's own run time (device._last_run_time) comes from std::clock, i.e. CPU time, which
    # is not the wall-clock time once several threads run or the machine is loaded.
    b2.device.insert_code(
        "main",
        "std::clock_t l2l_cpu0 = std::clock(); struct timespec l2l_wall0; "
        "clock_gettime(CLOCK_MONOTONIC, &l2l_wall0);")
    net.run((a.warmup + a.duration) * ms)
    b2.device.insert_code(
        "main",
        "{ struct timespec l2l_wall1; clock_gettime(CLOCK_MONOTONIC, &l2l_wall1); "
        'FILE* f = fopen("results/l2l_run_times.txt", "w"); '
        'fprintf(f, "%.6f %.6f\\n", (l2l_wall1.tv_sec - l2l_wall0.tv_sec) + '
        "1e-9 * (l2l_wall1.tv_nsec - l2l_wall0.tv_nsec), "
        "double(std::clock() - l2l_cpu0) / CLOCKS_PER_SEC); fclose(f); }")

    t0 = time.perf_counter()
    b2.device.build(directory=workdir, compile=True, run=False, debug=False)
    t1 = time.perf_counter()
    b2.device.run(directory=workdir, with_output=False, run_args=[])
    t2 = time.perf_counter()

    i = np.asarray(mon.i[:])
    t = np.asarray(mon.t[:] / ms)
    win = t > a.warmup
    secs = a.duration / 1000.0
    rate_e = np.count_nonzero(win & (i < N_E)) / (secs * N_E)
    rate_i = np.count_nonzero(win & (i >= N_E)) / (secs * N_I)
    cvs = []
    sel = win & (i < a.recorded)
    ii, tt = i[sel], t[sel]
    order = np.lexsort((tt, ii))
    ii, tt = ii[order], tt[order]
    for n in np.unique(ii):
        ts = tt[ii == n]
        if len(ts) >= 3:
            isi = np.diff(ts)
            cvs.append(isi.std() / isi.mean())
    brian_time = float(getattr(b2.device, "_last_run_time", float("nan")))
    try:
        with open(os.path.join(workdir, "results", "l2l_run_times.txt")) as f:
            run_wall, run_cpu = (float(x) for x in f.read().split())
    except (OSError, ValueError):
        run_wall = run_cpu = float("nan")
    print(json.dumps({
        "rate_e": rate_e, "rate_i": rate_i, "cv_isi": float(np.mean(cvs)) if cvs else 0.0,
        "compile_seconds": t1 - t0, "binary_seconds": t2 - t1, "run_seconds": run_wall,
        "run_cpu_seconds": run_cpu, "brian2_reported_run_seconds": brian_time,
        "threads": a.threads, "synapses": int(sum(len(s) for s in syn)),
    }))


if __name__ == "__main__":
    sys.exit(main())
