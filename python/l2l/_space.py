"""Parameter spaces written the Python way, normalized for the engine.

A space is a dict ``name -> spec`` (insertion order is the order of the flat vector):

* ``(lo, hi)``: a real scalar in [lo, hi]
* ``(lo, hi, size)``: an array of ``size`` elements, each in [lo, hi]
* a dict with keys ``lo``, ``hi`` and optionally ``size`` (an array when given), ``log``
  (logarithmic scale, lo > 0) and ``integer`` (integer values).

A list of ``(name, spec)`` pairs works as well.
"""

import numbers

__all__ = ["normalize_space"]


def _entry(name, spec):
    if isinstance(spec, dict):
        unknown = set(spec) - {"lo", "hi", "size", "log", "integer"}
        if unknown:
            raise ValueError(f"space[{name!r}]: unknown keys {sorted(unknown)} "
                             "(known: lo, hi, size, log, integer)")
        if "lo" not in spec or "hi" not in spec:
            raise ValueError(f"space[{name!r}]: needs 'lo' and 'hi'")
        size = spec.get("size")
        return (str(name), int(size) if size is not None else 1, size is not None,
                float(spec["lo"]), float(spec["hi"]), bool(spec.get("log", False)),
                bool(spec.get("integer", False)))
    if isinstance(spec, (tuple, list)) and len(spec) in (2, 3) and all(
            isinstance(v, numbers.Real) for v in spec):
        if len(spec) == 2:
            return (str(name), 1, False, float(spec[0]), float(spec[1]), False, False)
        return (str(name), int(spec[2]), True, float(spec[0]), float(spec[1]), False, False)
    raise ValueError(f"space[{name!r}]: expected (lo, hi), (lo, hi, size) or a dict with lo/hi, "
                     f"got {spec!r}")


def normalize_space(space):
    """Returns the engine's list of (name, size, is_array, lo, hi, log, integer)."""
    items = space.items() if isinstance(space, dict) else space
    entries = [_entry(name, spec) for name, spec in items]
    if not entries:
        raise ValueError("the parameter space is empty")
    return entries
