#!/usr/bin/env python3
"""A Brian2 spiking model as an l2l `external` optimizee in worker mode
(examples/external-brian2.yaml).

The script stays running: importing Brian2 takes seconds, a simulation a fraction of one. It
reads one JSON request per line on stdin and writes one JSON answer per line on stdout.

Model: 100 leaky integrate-and-fire neurons (tau_m 10 ms, threshold -50 mV, reset -65 mV,
refractory 2 ms), each driven by 100 independent Poisson inputs. The optimizer chooses the input
rate and synaptic weight; the fitness is the squared distance of the population's firing rate
from 15 Hz (minimized), the measured rate is reported as a metric. The evaluation's seed seeds
Brian2, so every evaluation is reproducible.
"""
import json
import sys

import brian2 as b2

b2.prefs.codegen.target = "numpy"  # no compiler needed, no cache directories
b2.BrianLogger.log_level_error()

TARGET_HZ = 15.0
N = 100
DURATION = 0.5 * b2.second


def simulate(rate_hz, weight_mv, seed):
    b2.start_scope()
    b2.seed(seed % (2 ** 32))
    tau = 10 * b2.ms
    v_rest = -65 * b2.mV
    eqs = "dv/dt = (v_rest - v) / tau : volt (unless refractory)"
    group = b2.NeuronGroup(N, eqs, threshold="v > -50*mV", reset="v = v_rest",
                           refractory=2 * b2.ms, method="exact")
    group.v = v_rest
    drive = b2.PoissonInput(group, "v", N=100, rate=rate_hz * b2.Hz, weight=weight_mv * b2.mV)
    spikes = b2.SpikeMonitor(group)
    b2.run(DURATION, namespace={"tau": tau, "v_rest": v_rest})
    del drive
    return spikes.num_spikes / (N * float(DURATION / b2.second))


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            p = request["params"]
            rate = simulate(p["input_rate"], p["weight"], request["seed"])
            answer = {"fitness": (rate - TARGET_HZ) ** 2, "metrics": {"rate_hz": rate}}
        except Exception as e:  # reported as this evaluation's failure; the worker goes on
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
