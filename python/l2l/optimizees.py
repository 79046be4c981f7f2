"""The engine's built-in optimizees by name (use them as ``optimizee=dict(type=NAME, ...)``).

``make(NAME, **options)`` builds one in this process and evaluates it directly, e.g. as the
objective of an ask/tell loop or of another library's optimizer:

    f = l2l.optimizees.make("bbob", function=8, dims=5, instance=1)
    opt = l2l.optimizers.make("cmaes", f.space, seed=1)
    xs = opt.ask()
    opt.tell(xs, f.evaluate_many(xs, seed=opt.seeds()))
"""

import json
import warnings

import numpy as np

from . import _l2l

__all__ = ["names", "options", "make", "Optimizee"]


def names():
    """The registered optimizee names (``python`` is the adapter for Python objects)."""
    return [n for n, _ in _l2l.optimizee_names()]


def summaries():
    return dict(_l2l.optimizee_names())


def options(name):
    return [dict(key=k, type=t, default=d, help=h) for k, t, d, h in _l2l.optimizee_options(name)]


def evaluator_names():
    return [n for n, _ in _l2l.evaluator_names()]


def _space_dict(entries):
    """The engine's space entries in the dict form that ``l2l.optimizers.make`` accepts."""
    space = {}
    for name, size, is_array, lo, hi, log, integer in entries:
        if log or integer:
            spec = dict(lo=lo, hi=hi, log=log, integer=integer)
            if is_array:
                spec["size"] = size
        else:
            spec = (lo, hi, size) if is_array else (lo, hi)
        space[name] = spec
    return space


class Optimizee:
    """A built-in optimizee evaluated in this process (see ``make``).

    Values are the raw objectives as the optimizee defines them (for the benchmark functions a
    cost, which ``l2l.optimizers.make`` minimizes by default); ``weights`` are the optimizee's
    default fitness weights. A failed evaluation gives NaN values and a RuntimeWarning with the
    reason, as a run would mark it failed and go on."""

    # ``type`` is positional-only: ``name`` is an option of the ``function`` optimizee.
    def __init__(self, type, /, *, run_seed=0, **options):
        self.type = type
        self.options = dict(options)
        # JSON is a subset of YAML: the engine reads it as a configuration section, with the
        # same checks and messages (UsageError -> ValueError) as a file.
        self._impl = _l2l.BuiltinOptimizee(type, json.dumps(self.options), int(run_seed))
        self.space = _space_dict(self._impl.space_entries())

    @property
    def dim(self):
        return self._impl.dim

    @property
    def param_names(self):
        """Flat element names: "x" for scalars, "x[3]" for array elements."""
        return self._impl.names

    @property
    def objectives(self):
        return self._impl.objectives

    @property
    def weights(self):
        return self._impl.weights

    def describe(self):
        """Static facts of the optimizee (for ``bbob``: fopt, xopt, ...), as a dict."""
        return json.loads(self._impl.describe())

    def evaluate_many(self, X, seed=0):
        """Fitness of each row of ``X`` (n, dim) as an (n, k) array. ``seed`` is the evaluation
        seed (noisy optimizees draw from it): one integer for every row, or one per row, e.g.
        ``Optimizer.seeds()``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        seeds = [int(s) for s in np.atleast_1d(np.asarray(seed, dtype=np.uint64))]
        values, reasons = self._impl.evaluate_many(X, seeds)
        for i, why in enumerate(reasons):
            if why:
                warnings.warn(f"{self.type}: evaluation of row {i} failed: {why}", RuntimeWarning,
                              stacklevel=2)
        return values

    def evaluate(self, x, seed=0):
        """Fitness of one candidate ``x`` (dim values) as a list, one value per objective."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 1:
            raise ValueError(f"x must be one candidate of {self.dim} values")
        return self.evaluate_many(x.reshape(1, -1), int(seed))[0].tolist()

    def __call__(self, x, seed=0):
        """The first objective of ``x`` as a float (a plain objective function)."""
        return self.evaluate(x, seed)[0]

    def __repr__(self):
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"Optimizee({self.type!r}{', ' if opts else ''}{opts})"


def make(type, /, *, run_seed=0, **options):
    """Builds built-in optimizee ``type`` with its ``options`` (see ``options(type)``), e.g.
    ``make("function", name="rastrigin", dims=3)``. ``run_seed`` is the experiment seed the
    optimizee sees (for what must be equal for all candidates). Bad options raise ValueError."""
    return Optimizee(type, run_seed=run_seed, **options)
