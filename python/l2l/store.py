"""Reading a run store (one SQLite file per run) as pandas DataFrames.

Plain ``sqlite3`` + pandas: the store is read-only here and may be open while the engine writes
(WAL mode). Vector columns (params, fitness, best_fitness, best_params) are decoded to lists
of floats from the store's little-endian float64 blobs (or, in stores of schema 1, from JSON
text), JSON columns (metrics, info, ...) to Python objects; params are spread into one column
per element (``p.x``, ``p.w[3]``) when ``expand=True``.
"""

import json
import sqlite3

import numpy as np

__all__ = ["RunStore", "open_run"]


def _loads(v):
    return json.loads(v) if isinstance(v, str) and v else None


def _vector(v):
    """A vector column: float64 blob (schema 2), JSON array text (schema 1, null -> nan), or
    None for SQL NULL."""
    if v is None:
        return None
    if isinstance(v, (bytes, memoryview)):
        return np.frombuffer(bytes(v), dtype="<f8").tolist()
    if isinstance(v, str) and v:
        return [float("nan") if x is None else float(x) for x in json.loads(v)]
    return None


class RunStore:
    def __init__(self, path):
        self.path = str(path)
        # mode=ro: never create an empty file for a mistyped path.
        self._con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def close(self):
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def sql(self, query, params=()):
        """Any SQL query as a DataFrame."""
        import pandas as pd  # imported on first use: worker processes never need it

        return pd.read_sql_query(query, self._con, params=params)

    def _run_id(self, run):
        if run is not None:
            return int(run)
        row = self._con.execute(
            "SELECT id FROM runs WHERE parent_run IS NULL ORDER BY id LIMIT 1").fetchone()
        if row is None:
            raise ValueError(f"{self.path} holds no run")
        return row[0]

    def runs(self):
        """One row per run (the root run and any nested inner runs)."""
        df = self.sql("SELECT * FROM runs ORDER BY id")
        for col in ("space", "objectives", "weights"):
            df[col] = df[col].map(_loads)
        return df

    def origin(self, run=None):
        """Where a warm-started run (``init_from``) began: ``{"store", "run", "generation"}``,
        or None (also for stores written before warm starts existed)."""
        cols = [r[1] for r in self._con.execute("PRAGMA table_info(runs)")]
        if "origin_store" not in cols:
            return None
        row = self._con.execute(
            "SELECT origin_store, origin_run, origin_generation FROM runs WHERE id = ?",
            (self._run_id(run),)).fetchone()
        if row is None or row[1] is None:
            return None
        return {"store": row[0], "run": int(row[1]), "generation": int(row[2])}

    def param_names(self, run=None):
        row = self._con.execute("SELECT space FROM runs WHERE id = ?",
                                (self._run_id(run),)).fetchone()
        names = []
        for p in _loads(row[0]) or []:
            if p.get("array") or p.get("is_array") or int(p.get("size", 1)) > 1:
                names += [f"{p['name']}[{i}]" for i in range(int(p.get("size", 1)))]
            else:
                names.append(p["name"])
        return names

    def generations(self, run=None):
        """Per-generation statistics of the weighted fitness (best, quantiles, mean, worst)."""
        df = self.sql("SELECT * FROM generations WHERE run = ? ORDER BY generation",
                      (self._run_id(run),))
        for col in ("best_fitness", "best_params"):
            df[col] = df[col].map(_vector)
        df["info"] = df["info"].map(_loads)
        return df

    def evaluations(self, run=None, expand=True):
        """One row per evaluation; with expand, one column per parameter element (``p.NAME``,
        up to 1,000 elements) and per objective (``f.NAME``) besides the decoded JSON columns."""
        import pandas as pd

        run_id = self._run_id(run)
        df = self.sql("SELECT * FROM evaluations WHERE run = ? ORDER BY generation, idx",
                      (run_id,))
        df["params"] = df["params"].map(_vector)
        df["fitness"] = df["fitness"].map(_vector)
        df["metrics"] = df["metrics"].map(lambda v: _loads(v) or {})
        if df["seed"].dtype == np.int64:
            # SQLite integers are signed; evaluation seeds are unsigned 64-bit.
            df["seed"] = df["seed"].to_numpy().view(np.uint64)
        df["outputs"] = df["outputs"].map(
            lambda b: np.frombuffer(b, dtype="<f8") if b is not None else None)
        if expand and len(df):
            names = self.param_names(run_id)
            # With experiment.store_params = best (auto for large spaces) evaluations keep no
            # parameters: those rows get NaN, and no columns at all when none kept any.
            width = max((len(v) for v in df["params"] if v), default=0)
            if width and width <= 1000:
                p = pd.DataFrame([v if v else [np.nan] * width for v in df["params"]],
                                 index=df.index)
                p.columns = ([f"p.{n}" for n in names] if len(names) == width else
                             [f"p.{i}" for i in range(width)])
            else:
                p = pd.DataFrame(index=df.index)
            objectives = _loads(self._con.execute("SELECT objectives FROM runs WHERE id = ?",
                                                  (run_id,)).fetchone()[0]) or ["fitness"]
            f = pd.DataFrame([v if v else [np.nan] * len(objectives) for v in df["fitness"]],
                             index=df.index)
            f.columns = [f"f.{n}" for n in objectives][:f.shape[1]]
            df = pd.concat([df, p, f], axis=1)
        return df

    def top(self, n=10, run=None):
        """The hall of fame: the ``n`` best distinct individuals of the whole run, best first, as
        ``l2l show --top`` ranks them (an individual evaluated several times by its mean weighted
        fitness; a ``store_level: generations`` store by its generations' bests). Columns: rank,
        generation, index, weighted (its best evaluation), mean_weighted, evaluations, fitness,
        metrics, params ({name: value}, None where not stored) and one ``p.NAME`` column per
        parameter when every row kept its parameters."""
        import pandas as pd

        from . import _l2l

        if int(n) < 1:
            raise ValueError(f"top(n) needs n >= 1, got {n}")
        rows = json.loads(_l2l.hall_of_fame(self.path, 0 if run is None else int(run), int(n)))
        df = pd.DataFrame(rows, columns=["rank", "generation", "index", "weighted",
                                         "mean_weighted", "evaluations", "fitness", "metrics",
                                         "params"])
        if len(df) and all(p is not None for p in df["params"]):
            names = list(df["params"].iloc[0])
            if len(names) <= 1000:
                p = pd.DataFrame([[r[k] for k in names] for r in df["params"]], index=df.index)
                p.columns = [f"p.{k}" for k in names]
                df = pd.concat([df, p], axis=1)
        return df

    def artifacts(self, run=None):
        return self.sql("SELECT id, run, generation, idx, name, type, length(data) AS bytes "
                        "FROM artifacts WHERE run = ? ORDER BY id", (self._run_id(run),))

    def artifact(self, artifact_id):
        """The raw bytes and type of one artifact (``f64`` blobs as a NumPy array)."""
        row = self._con.execute("SELECT type, data FROM artifacts WHERE id = ?",
                                (int(artifact_id),)).fetchone()
        if row is None:
            raise KeyError(artifact_id)
        kind, data = row
        if kind == "f64":
            return np.frombuffer(data, dtype="<f8")
        if kind == "f32":
            return np.frombuffer(data, dtype="<f4")
        if kind == "json":
            return json.loads(data)
        return data


def open_run(path):
    """Opens a run store read-only: ``open_run("runs/x.db").evaluations()``."""
    return RunStore(path)
