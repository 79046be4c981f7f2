"""The engine's optimizers by name, for ask/tell loops kept in Python.

    opt = l2l.optimizers.make("cmaes", {"x": (-5, 5, 10)}, sigma0=0.3, seed=1)
    while opt.stop_reason() is None and opt.generation < 200:
        xs = opt.ask()                       # (population, dim) NumPy array
        opt.tell(xs, [f(x) for x in xs])     # raw objective values; minimized by default

Fitness convention: l2l's optimizers maximize the weighted fitness (L2L). ``make`` defaults to
``minimize=True``, i.e. weight -1, the same as the built-in benchmark-function optimizees, so the
values you tell are costs. ``minimize=False`` maximizes; ``weights=[...]`` sets one weight per
objective for multi-objective fitness (then ``tell`` takes an (n, k) array). NaN or inf marks an
evaluation failed: it never enters the update as a number (each optimizer's failure policy).
"""

import json

import numpy as np

from . import _l2l
from ._space import normalize_space

__all__ = ["make", "names", "options", "Optimizer"]


def names():
    """The registered optimizer names."""
    return [n for n, _ in _l2l.optimizer_names()]


def summaries():
    return dict(_l2l.optimizer_names())


def options(name):
    """The options of optimizer ``name``: list of dicts (key, type, default, help)."""
    return [dict(key=k, type=t, default=d, help=h) for k, t, d, h in _l2l.optimizer_options(name)]


class Optimizer:
    """An engine optimizer driven by ask()/tell(). Candidates are numbered, seeded and repaired
    into the space exactly as in an experiment with the same seed."""

    def __init__(self, name, space, *, seed=0, minimize=True, weights=None,
                 bound_policy="clip", **opts):
        self.name = name
        self.space = space
        if weights is None:
            weights = [-1.0 if minimize else 1.0]
        self.weights = [float(w) for w in weights]
        self._impl = _l2l.AskTell(name, normalize_space(space), json.dumps(opts), int(seed),
                                  self.weights, bound_policy)

    def ask(self):
        """The next batch as a (n, dim) float64 array."""
        return self._impl.ask()

    def tell(self, xs, fitness, outputs=None, observations=None):
        """Fitness of the asked batch (shape (n,) or (n, k)); NaN/inf = failed. EnKF-style
        optimizers take model ``outputs`` (n, m) and ``observations`` (m,) or (n, m)."""
        fitness = np.asarray(fitness, dtype=np.float64)
        if outputs is not None:
            outputs = np.asarray(outputs, dtype=np.float64)
            observations = np.asarray(observations, dtype=np.float64)
        self._impl.tell(np.asarray(xs, dtype=np.float64), fitness, outputs, observations)

    def seeds(self):
        """The evaluation seed of each asked candidate (for stochastic objectives)."""
        return self._impl.seeds()

    def batches(self):
        """The data mini-batch of each asked candidate (-1: none)."""
        return self._impl.batches()

    def stop_reason(self):
        """The optimizer's own reason to stop (converged...), or None."""
        return self._impl.stop_reason()

    def estimate(self):
        """The current point estimate (mean, best...) as an array, or None."""
        e = self._impl.estimate()
        return None if e is None else np.asarray(e)

    def info(self):
        """Per-generation hyper-state (step size, temperature...)."""
        return json.loads(self._impl.generation_info())

    @property
    def generation(self):
        return self._impl.generation

    @property
    def dim(self):
        return self._impl.dim

    @property
    def param_names(self):
        return self._impl.names

    def state(self):
        """Everything needed to continue bit-exactly, as bytes (pickle-friendly)."""
        return self._impl.state()

    def restore(self, state):
        self._impl.restore(state)


def make(name, space, **kwargs):
    """``make("cmaes", space, sigma0=0.3, seed=1, minimize=True)``; see ``options(name)``."""
    return Optimizer(name, space, **kwargs)
