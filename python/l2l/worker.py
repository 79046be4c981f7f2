"""A Python optimizee served to the engine's `external` optimizee (mode: worker).

    python -m l2l.worker OBJECT.pickle

unpickles the optimizee object and answers one JSON request line (generation, index, seed, batch,
phase, params, vector) with one JSON answer line (fitness, outputs, observations, metrics, or
error with the traceback). `l2l.Experiment(..., workers=True)` (and the processes and mpi
evaluators) start these workers, one per concurrent evaluation slot, so Python optimizees
evaluate in parallel in separate interpreters. This module does not import the compiled engine.
"""

import json
import math
import pickle
import sys
import traceback

__all__ = ["serve"]


class Context:
    __slots__ = ("generation", "index", "seed", "batch", "phase")

    def __init__(self, req):
        self.generation = int(req.get("generation", 0))
        self.index = int(req.get("index", 0))
        self.seed = int(req.get("seed", 0))
        self.batch = int(req.get("batch", -1))
        self.phase = req.get("phase", "train")

    def __repr__(self):
        return (f"EvaluationContext(generation={self.generation}, index={self.index}, "
                f"seed={self.seed}, batch={self.batch}, phase={self.phase})")


def _floats(v):
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [float(x) for x in _flatten(v)]
    return float(v)


def _flatten(v):
    for x in v:
        if isinstance(x, (list, tuple)):
            yield from _flatten(x)
        else:
            yield x


def _answer(result):
    if isinstance(result, dict):
        out = {}
        for k, v in result.items():
            if k in ("fitness", "outputs", "observations"):
                out[k] = _floats(v)
            elif k == "metrics":
                out[k] = {str(mk): float(mv) for mk, mv in v.items()}
            else:
                raise ValueError(f"evaluate() returned a dict with the unknown key '{k}' (known: "
                                 "fitness, outputs, observations, metrics)")
        if "fitness" not in out:
            raise ValueError("evaluate() returned a dict without 'fitness'")
    else:
        out = {"fitness": _floats(result)}
    f = out["fitness"]
    if not all(math.isfinite(x) for x in (f if isinstance(f, list) else [f])):
        raise ValueError(f"non-finite fitness {f}")
    return out


def _params_converter(obj):
    # Arrays as NumPy arrays and integers as ints, as the in-process adapter gives them.
    from ._space import normalize_space

    space = obj.space() if callable(getattr(obj, "space", None)) else obj.space
    entries = normalize_space(space)
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None

    def convert(params):
        out = {}
        for name, _size, is_array, _lo, _hi, _log, integer in entries:
            v = params[name]
            if is_array:
                out[name] = np.asarray(v, dtype=np.float64) if np is not None else list(v)
            elif integer:
                out[name] = int(v)
            else:
                out[name] = float(v)
        return out

    return convert


def serve(obj, lines=sys.stdin, out=sys.stdout):
    convert = _params_converter(obj)
    for line in lines:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            ans = _answer(obj.evaluate(convert(req["params"]), Context(req)))
        except Exception:  # noqa: BLE001 - every failure is the evaluation's, reported back
            ans = {"error": traceback.format_exc()}
        out.write(json.dumps(ans) + "\n")
        out.flush()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit("usage: python -m l2l.worker OBJECT.pickle")
    with open(argv[0], "rb") as f:
        obj = pickle.load(f)
    # Anything the model prints must not corrupt the answer channel: stdout is for answers only.
    answers = sys.stdout
    sys.stdout = sys.stderr
    serve(obj, sys.stdin, answers)


if __name__ == "__main__":
    main()
