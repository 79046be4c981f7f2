#!/usr/bin/env python3
"""Tuning a plain-NumPy model from Python with l2l (notebook-style: run it cell by cell).

A small two-layer network is trained by gradient descent on a synthetic two-spirals task; l2l's
GA chooses its hyper-parameters (learning rate on a log scale, L2 penalty, hidden units as an
integer, initial weight scale) to maximize validation accuracy. The engine (optimizer, store)
runs in C++; each evaluation calls `SpiralNet.evaluate` in Python.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/tune_numpy_model.py
"""

# %% The model: everything random comes from the evaluation's seed (context.seed), so a run is
# reproducible and every evaluator gives the same results.
import numpy as np

import l2l


def spirals(n, rng, noise=0.3):
    t = np.sqrt(rng.uniform(size=n)) * 3 * np.pi
    cls = rng.integers(0, 2, size=n)
    r = t * np.where(cls == 0, 1.0, -1.0)
    x = np.stack([r * np.cos(t), r * np.sin(t)], axis=1) / 10.0
    return x + rng.normal(scale=noise / 10.0, size=x.shape), cls


class SpiralNet(l2l.PythonOptimizee):
    objectives = ("accuracy",)
    weights = (1.0,)  # maximize (L2L convention)

    def __init__(self, epochs=150):
        data_rng = np.random.default_rng(0)  # the data is the same for every candidate
        self.x_train, self.y_train = spirals(400, data_rng)
        self.x_val, self.y_val = spirals(400, data_rng)
        self.epochs = epochs

    def space(self):
        return {
            "learning_rate": {"lo": 1e-3, "hi": 3.0, "log": True},
            "l2": {"lo": 1e-6, "hi": 1e-1, "log": True},
            "hidden": {"lo": 4, "hi": 48, "integer": True},
            "init_scale": (0.1, 3.0),
        }

    def evaluate(self, params, context):
        rng = np.random.default_rng(context.seed)
        h = params["hidden"]
        w1 = rng.normal(scale=params["init_scale"], size=(2, h))
        b1 = np.zeros(h)
        w2 = rng.normal(scale=params["init_scale"] / np.sqrt(h), size=h)
        b2 = 0.0
        lr, l2 = params["learning_rate"], params["l2"]
        x, y = self.x_train, self.y_train
        for _ in range(self.epochs):
            a = np.tanh(x @ w1 + b1)
            p = 1.0 / (1.0 + np.exp(-(a @ w2 + b2)))
            g = (p - y) / len(y)  # d(cross-entropy)/d(logit)
            gw2 = a.T @ g + l2 * w2
            ga = np.outer(g, w2) * (1.0 - a * a)
            w1 -= lr * (x.T @ ga + l2 * w1)
            b1 -= lr * ga.sum(axis=0)
            w2 -= lr * gw2
            b2 -= lr * g.sum()
        if not np.all(np.isfinite(w2)):
            raise FloatingPointError("training diverged")  # a failed evaluation, not a crash
        logits = np.tanh(self.x_val @ w1 + b1) @ w2 + b2
        accuracy = float(np.mean((logits > 0) == (self.y_val == 1)))
        return dict(fitness=accuracy, metrics={"weight_norm": float(np.linalg.norm(w1))})


# %% Run: 12 generations of 24 candidates. The threads evaluator would take the GIL for each
# call anyway (one Python evaluation at a time; NumPy releases it inside its own kernels).
result = l2l.Experiment(
    optimizee=SpiralNet(),
    optimizer=l2l.optimizer("ga", population=24, elitism=2, mutation_sigma=0.3),
    evaluator="serial",
    experiment=dict(name="tune-numpy", seed=2024, max_generations=12),
    out="runs/tune-numpy.db", overwrite=True,
).run()
print(result)
print("best hyper-parameters:", result.best_params)

# %% Look at the run as DataFrames (the same store `l2l show` / `l2l report` read).
store = l2l.open_run(result.store_path)
gens = store.generations()
print(gens[["generation", "best", "median", "worst"]].to_string(index=False))
ev = store.evaluations()
print(ev.sort_values("weighted", ascending=False)
        [["generation", "idx", "p.learning_rate", "p.l2", "p.hidden", "f.accuracy"]]
        .head(5).to_string(index=False))
print("failed evaluations:", int((ev["status"] != "ok").sum()))
