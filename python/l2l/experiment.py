"""Experiments from Python: the same engine, store and results as ``l2l run``."""

import contextlib
import json
import os
import pickle
import sys
import tempfile

from . import _l2l
from ._space import normalize_space
from .store import open_run

__all__ = ["Experiment", "RunResult", "PythonOptimizee"]


class PythonOptimizee:
    """Optional base class for Python optimizees. Any object with ``space`` and ``evaluate`` works.

    * ``space()`` (or a ``space`` attribute): dict ``name -> (lo, hi) | (lo, hi, size) | {lo, hi,
      size, log, integer}``.
    * ``evaluate(params, context)``: ``params`` maps names to floats (ints for integer
      parameters, NumPy arrays for arrays); ``context`` has ``generation``, ``index``, ``seed``
      (use it for all randomness), ``batch`` and ``phase``. Return a float, a sequence (one value
      per objective) or ``dict(fitness=..., outputs=..., observations=..., metrics={...})``.
      Raising marks the evaluation failed with the traceback as the reason; the run goes on.
    * ``objectives`` (names) and ``weights``: L2L's convention is that optimizers MAXIMIZE the
      weighted fitness; the default weight 1.0 maximizes, use ``weights = (-1.0,)`` to minimize
      (or ``experiment.fitness_weights`` in the configuration).
    """

    objectives = ("fitness",)
    weights = (1.0,)


def _describe_optimizee(obj):
    space = obj.space() if callable(getattr(obj, "space", None)) else getattr(obj, "space", None)
    if space is None:
        raise TypeError(f"{type(obj).__name__} has no space() (a dict of parameter bounds)")
    if not callable(getattr(obj, "evaluate", None)):
        raise TypeError(f"{type(obj).__name__} has no evaluate(params, context)")
    objectives = [str(n) for n in getattr(obj, "objectives", ("fitness",))]
    weights = [float(w) for w in getattr(obj, "weights", [1.0] * len(objectives))]
    return normalize_space(space), objectives, weights


def _is_python_optimizee(obj):
    return obj is not None and not isinstance(obj, (dict, str)) and hasattr(obj, "evaluate")


class RunResult:
    """What a run ended with; ``store()`` opens its run store."""

    def __init__(self, d):
        self.__dict__.update(d)
        self.best_params = dict(zip(d["param_names"], d["best_params"]))

    def store(self):
        return open_run(self.store_path)

    def __repr__(self):
        return (f"RunResult(status={self.status!r}, stop_reason={self.stop_reason!r}, "
                f"generations={self.generations}, evaluations={self.evaluations}, "
                f"failed={self.failed}, best_fitness={self.best_fitness}, "
                f"store_path={self.store_path!r})")


def _to_yaml(value):
    # JSON is YAML, so Python objects reach the engine's YAML reader unchanged.
    return json.dumps(value)


def _init_from_text(init_from):
    if isinstance(init_from, tuple):
        path, generation = init_from
        return f"{os.fspath(path)}:{int(generation)}"
    if hasattr(init_from, "path"):  # an opened run
        return os.fspath(init_from.path)
    return os.fspath(init_from)


class Experiment:
    """An experiment: a YAML file path, YAML text or a dict (the same keys as a YAML file),
    optionally with sections given (or replaced) as keyword arguments::

        l2l.Experiment("examples/rastrigin-ga.yaml").run()
        l2l.Experiment({"optimizer": {"type": "ga", "population": 32},
                        "optimizee": {"type": "function", "preset": "Rastrigin2d"},
                        "experiment": {"max_generations": 20}}).run()
        l2l.Experiment(optimizer=dict(type="cmaes", sigma0=0.3), optimizee=MyModel(),
                       experiment=dict(max_generations=50, seed=1), out="runs/my.db").run()

    ``optimizee`` may be a Python object (see ``PythonOptimizee``). It runs in this process (one
    evaluation at a time, the GIL) unless ``workers=True``: then worker processes (``python -m
    l2l.worker``, one per evaluation slot) evaluate a pickled copy in parallel, with any evaluator;
    the processes and mpi evaluators imply it. ``sets`` are ``l2l run --set`` overrides
    ("optimizer.population=64"). ``init_from`` starts the optimizer where a stored run left off
    (``experiment.init_from``, ``l2l run --init-from``): a store path, ``"RUN.db:GENERATION"``, a
    ``(path, generation)`` pair or an opened run (``l2l.open_run``). The engine runs without the
    GIL.
    """

    def __init__(self, config=None, *, optimizer=None, optimizee=None, evaluator=None,
                 experiment=None, sets=(), out=None, overwrite=False, threads=0,
                 progress=False, workers=None, init_from=None):
        self._file = None
        self._text = None
        self._cfg = None
        self._python = None
        self.sets = list(sets)
        self.out = "" if out is None else os.fspath(out)
        self.overwrite = bool(overwrite)
        self.threads = int(threads)
        self.progress = bool(progress)

        if init_from is not None:
            experiment = dict(experiment or {}, init_from=_init_from_text(init_from))
        sections = {"optimizer": optimizer, "optimizee": optimizee, "evaluator": evaluator,
                    "experiment": experiment}
        if _is_python_optimizee(optimizee):
            self._python = optimizee
            sections["optimizee"] = None
        # Python optimizees run in this process unless asked otherwise; evaluators that rebuild
        # the optimizee in other processes need worker processes.
        ev_type = evaluator if isinstance(evaluator, str) else (evaluator or {}).get("type")
        if ev_type is None and isinstance(config, dict):
            ev_type = (config.get("evaluator") or {}).get("type")
        if workers is None:
            workers = ev_type in ("processes", "mpi")
        self.workers = workers if isinstance(workers, dict) else bool(workers)
        if isinstance(config, dict) or config is None:
            cfg = json.loads(json.dumps(config or {}))  # a deep copy
            for key, value in sections.items():
                if value is None:
                    continue
                if isinstance(value, str) and key in ("optimizer", "optimizee", "evaluator"):
                    value = {"type": value}
                if key == "experiment":
                    cfg.setdefault("experiment", {}).update(value)
                else:
                    cfg[key] = value
            self._text = _to_yaml(cfg)
            self._cfg = cfg
            self._name = "<python>"
        else:
            if isinstance(config, os.PathLike) or (isinstance(config, str) and "\n" not in config
                                                   and os.path.exists(config)):
                self._file = os.fspath(config)
            elif isinstance(config, str):
                self._text = config
                self._name = "<python>"
            else:
                raise TypeError("config must be a YAML file path, YAML text or a dict")
            for key, value in sections.items():
                if value is None:
                    continue
                if isinstance(value, str) and key != "experiment":
                    value = {"type": value}
                if key == "experiment":
                    self.sets += [f"experiment.{k}={_to_yaml(v)}" for k, v in value.items()]
                else:
                    self.sets.append(f"{key}={_to_yaml(value)}")

    def run(self):
        """Runs the experiment to its end (or Ctrl-C: the generation finishes, the store keeps a
        checkpoint) and returns a RunResult."""
        sets = list(self.sets)
        with _attach(self._python, self.workers, self.out) as section:
            if section is not None:
                sets.append("optimizee=" + _to_yaml(section))
            is_file = self._file is not None
            d = _l2l.run(self._file if is_file else self._text, is_file,
                         getattr(self, "_name", ""), sets, self.out, self.overwrite,
                         self.threads, "", self.progress)
        return RunResult(d)

    def write_yaml(self, path):
        """Writes this experiment as an experiment file that ``l2l run`` runs unchanged, including
        ``mpirun -n N l2l run PATH --evaluator mpi`` on a cluster. A Python optimizee becomes an
        ``external`` optimizee in worker mode (``python -m l2l.worker``) serving a pickled copy
        saved beside the file as PATH.optimizee.pickle; keep both while the run may resume. Only
        for experiments given as dicts/keyword sections (not files or YAML text) without
        ``sets``. Returns the path."""
        if self._cfg is None or self.sets:
            raise ValueError("write_yaml() needs an experiment given as dicts or keyword "
                             "sections, without sets (put the values into the dicts)")
        path = os.fspath(path)
        cfg = json.loads(json.dumps(self._cfg))
        if self._python is not None:
            obj = self._python
            if type(obj).__module__ == "__main__":
                raise ValueError(f"write_yaml() needs an optimizee class that worker processes "
                                 f"can import: {type(obj).__qualname__} is defined in __main__; "
                                 "move it to a module")
            pickle_path = os.path.abspath(path) + ".optimizee.pickle"
            with open(pickle_path, "wb") as f:
                pickle.dump(obj, f)
            cfg["optimizee"] = _worker_section(obj, pickle_path)
        with open(path, "w") as f:
            f.write(_to_yaml(cfg) + "\n")
        return path

    @staticmethod
    def resume(store_path, *, optimizee=None, workers=False, sets=(), threads=0,
               progress=False):
        """Continues a stored run from its last checkpoint with identical results. A run of a
        Python optimizee needs the object again (``optimizee=``, and ``workers=True`` if it ran
        in workers); only termination settings may change through ``sets`` (for example
        "experiment.max_generations=200")."""
        path = os.fspath(store_path)
        if optimizee is None:
            return RunResult(_l2l.resume(path, list(sets), int(threads), bool(progress)))
        with _attach(optimizee, workers, path) as section:
            return RunResult(_l2l.resume_python(path, _to_yaml(section), list(sets), int(threads),
                                                bool(progress)))


def _class_name(obj):
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _worker_section(obj, pickle_path):
    """The `external` optimizee (worker mode) that serves the pickled object."""
    space, objectives, weights = _describe_optimizee(obj)
    path = os.pathsep.join(p for p in [os.path.dirname(os.path.dirname(__file__))] + sys.path
                           if p and os.path.isdir(p))
    params = []
    for name, size, is_array, lo, hi, log, integer in space:
        p = {"name": name, "min": lo, "max": hi, "log": log, "integer": integer}
        if is_array:
            p["size"] = size
        params.append(p)
    return {"type": "external", "mode": "worker",
            "command": [sys.executable, "-m", "l2l.worker", pickle_path],
            "parameters": params, "objectives": objectives, "weights": weights,
            "env": {"PYTHONPATH": path}}


@contextlib.contextmanager
def _attach(obj, workers, out):
    """The optimizee section for a Python object: in this process (a handle to the object) or,
    with workers, an `external` optimizee whose worker processes serve a pickled copy."""
    if obj is None:
        yield None
        return
    space, objectives, weights = _describe_optimizee(obj)
    if not workers:
        handle = _l2l.register_optimizee(obj, space, objectives, weights)
        try:
            yield {"type": "python", "object": handle, "class": _class_name(obj)}
        finally:
            _l2l.unregister_optimizee(handle)
        return
    if type(obj).__module__ == "__main__":
        raise ValueError(f"workers=True needs an optimizee class that worker processes can "
                         f"import: {type(obj).__qualname__} is defined in __main__; move it to a "
                         "module")
    # Next to the store when there is one, so that MPI ranks on a shared file system find it.
    directory = os.path.dirname(os.path.abspath(out)) if out else None
    fd, pickle_path = tempfile.mkstemp(prefix="l2l-optimizee-", suffix=".pickle", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(obj, f)
        section = _worker_section(obj, pickle_path)
        if isinstance(workers, dict):
            # Options of the external optimizee: timeout, env, cwd, stderr_tail...
            extra = dict(workers)
            section["env"].update(extra.pop("env", {}))
            section.update(extra)
        yield section
    finally:
        os.unlink(pickle_path)
