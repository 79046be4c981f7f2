#!/usr/bin/env python3
"""Compare two l2l run stores row for row, leaving out what depends on the clock or the machine.

    python3 scripts/compare-stores.py BEFORE.db AFTER.db

Used to show that a change of structure changed no result: every table is read in primary-key
order and compared cell by cell, except wall-clock columns (times, durations, rates inside the
generations' `info`) and the worker that happened to evaluate a candidate; vectors are compared
as numbers, so a store of schema 1 (JSON text) compares with one of schema 2 (float64 blobs). Exit status 0 when the
stores agree, 1 with the first differences printed otherwise. Nested runs: make both stores with
`--evaluator serial`, because under threads the child runs' ids follow the order in which inner
runs finish.
"""
import json
import sqlite3
import struct
import sys

# Columns whose value is a time, a duration or a thread/host name: not results.
CLOCK = {
    "runs": {"started", "finished", "host"},
    "evaluations": {"seconds", "worker"},
    "generations": {"seconds", "elapsed"},
    "checkpoints": {"saved"},
}
# Keys of JSON columns that hold timings.
CLOCK_KEYS = {"seconds", "elapsed", "elapsed_seconds", "evals_per_second", "wall_seconds", "inner_seconds"}


# Vectors are float64 blobs in stores of schema 2 and JSON text in schema 1: compared as numbers,
# so that stores of either schema compare.
VECTORS = {"params", "fitness", "best_fitness", "best_params"}


def vector(value):
    if isinstance(value, bytes):
        return tuple(struct.unpack(f"<{len(value) // 8}d", value))
    if isinstance(value, str) and value[:1] == "[":
        return tuple(float("nan") if x is None else float(x) for x in json.loads(value))
    return value


def strip_clock(value):
    if isinstance(value, str) and value[:1] in "{[":
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return json.dumps(_strip(parsed), sort_keys=True)
    return value


def _strip(v):
    if isinstance(v, dict):
        return {k: _strip(x) for k, x in v.items() if k not in CLOCK_KEYS}
    if isinstance(v, list):
        return [_strip(x) for x in v]
    return v


def rows(db, table):
    cols = [r[1] for r in db.execute(f"pragma table_info({table})")]
    keep = [c for c in cols if c not in CLOCK.get(table, set())]
    order = ", ".join(cols[:3]) if table != "meta" else "key"
    query = f"select {', '.join(keep)} from {table} order by {order}"
    return keep, [tuple(repr(vector(v)) if c in VECTORS else strip_clock(v)
                        for c, v in zip(keep, r)) for r in db.execute(query)]


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    a, b = (sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in sys.argv[1:])
    tables = [r[0] for r in a.execute("select name from sqlite_master where type='table'")]
    differ = 0
    for t in sorted(tables):
        if t == "meta":  # creation times and the writing binary's version
            continue
        cols, ra = rows(a, t)
        _, rb = rows(b, t)
        same = sum(1 for x, y in zip(ra, rb) if x == y)
        ok = len(ra) == len(rb) == same
        print(f"{t:12} {len(ra):7} rows  {len(rb):7} rows  {'identical' if ok else 'DIFFERENT'}")
        if not ok:
            differ += 1
            for x, y in zip(ra, rb):
                if x != y:
                    for c, u, v in zip(cols, x, y):
                        if u != v:
                            print(f"  first difference in {t}.{c}: {str(u)[:80]!r} vs {str(v)[:80]!r}")
                    break
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
