"""l2l: learning to learn, with the engine in C++.

    import l2l
    result = l2l.Experiment("examples/rastrigin-ga.yaml", out="runs/ga.db").run()
    df = l2l.open_run(result.store_path).evaluations()
    opt = l2l.optimizers.make("cmaes", {"x": (-5, 5, 10)}, sigma0=0.3)

See docs/python.md.
"""

from . import _l2l
from . import optimizees, optimizers
from ._l2l import EvaluationContext, UsageError
from .experiment import Experiment, PythonOptimizee, RunResult
from .store import RunStore, open_run

__version__ = _l2l.__version__


def _find_cli():
    # The processes evaluator's workers are the l2l executable: in the build tree it sits two
    # directories above this package (build/python/l2l -> build/l2l), installed in the prefix's
    # bin (P/lib/python3.X/dist-packages/l2l -> P/bin/l2l); else the one on PATH.
    import os
    import shutil

    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, "..", "..", "l2l"),
                 os.path.join(here, "..", "..", "..", "..", "bin", "l2l"), shutil.which("l2l")):
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    return None


if not _l2l.worker_executable():
    _cli = _find_cli()
    if _cli:
        _l2l.set_worker_executable(_cli)

__all__ = ["Experiment", "RunResult", "PythonOptimizee", "EvaluationContext", "UsageError",
           "RunStore", "open_run", "optimizers", "optimizees", "optimizer", "optimizee"]


def optimizer(name, **options):
    """An optimizer section: ``l2l.optimizer("ga", population=32)``."""
    return dict(type=name, **options)


def optimizee(name, **options):
    """A built-in optimizee section: ``l2l.optimizee("function", preset="Rastrigin2d")``."""
    return dict(type=name, **options)
