"""The engine's built-in optimizees by name (use them as ``optimizee=dict(type=NAME, ...)``)."""

from . import _l2l

__all__ = ["names", "options"]


def names():
    """The registered optimizee names (``python`` is the adapter for Python objects)."""
    return [n for n, _ in _l2l.optimizee_names()]


def summaries():
    return dict(_l2l.optimizee_names())


def options(name):
    return [dict(key=k, type=t, default=d, help=h) for k, t, d, h in _l2l.optimizee_options(name)]


def evaluator_names():
    return [n for n, _ in _l2l.evaluator_names()]
