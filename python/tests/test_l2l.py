"""Tests of the Python interface (run by CTest as `python_tests`)."""

import json
import os
import sqlite3
import subprocess
import textwrap

import numpy as np
import pytest

import l2l


class Sphere(l2l.PythonOptimizee):
    """sum (x - 1)^2 over a 3-D box, minimized."""

    weights = (-1.0,)

    def space(self):
        return {"x": (-5.0, 5.0), "y": {"lo": -5.0, "hi": 5.0}, "z": (-5.0, 5.0)}

    def evaluate(self, params, context):
        return sum((params[k] - 1.0) ** 2 for k in ("x", "y", "z"))


def ga(population=20, generations=15, seed=7, evaluator="serial"):
    return dict(optimizer=dict(type="ga", population=population, mutation_sigma=0.5, elitism=1),
                evaluator=dict(type=evaluator),
                experiment=dict(seed=seed, max_generations=generations))


def test_ga_optimizes_python_optimizee(tmp_path):
    res = l2l.Experiment(optimizee=Sphere(), out=tmp_path / "ga.db", **ga()).run()
    assert res.status == "finished"
    assert res.generations == 15 and res.failed == 0
    gens = l2l.open_run(res.store_path).generations()
    assert gens["evaluations"].sum() == res.evaluations
    # Weighted fitness is -sphere: the best of the last generation is far better than the first.
    first, last = gens["best"].iloc[0], gens["best"].iloc[-1]
    assert last > first
    assert res.best_fitness[0] < 0.05, res
    assert set(res.best_params) == {"x", "y", "z"}


def test_threads_evaluator_gives_identical_results(tmp_path):
    a = l2l.Experiment(optimizee=Sphere(), out=tmp_path / "serial.db", **ga(generations=5)).run()
    b = l2l.Experiment(optimizee=Sphere(), out=tmp_path / "threads.db", threads=2,
                       **ga(generations=5, evaluator="threads")).run()
    ea = l2l.open_run(a.store_path).evaluations()
    eb = l2l.open_run(b.store_path).evaluations()
    assert ea["params"].tolist() == eb["params"].tolist()
    assert ea["fitness"].tolist() == eb["fitness"].tolist()
    assert set(eb["worker"]) != {"serial"}


class LinearModel:
    """G(u) = A u with observations y = A u*: the EnKF should recover u*."""

    def __init__(self):
        rng = np.random.default_rng(3)
        self.A = rng.normal(size=(8, 4))
        self.u_star = np.array([0.5, -1.0, 1.5, 0.25])
        self.y = self.A @ self.u_star

    def space(self):
        return {"u": (-3.0, 3.0, 4)}

    def evaluate(self, params, context):
        u = params["u"]
        assert isinstance(u, np.ndarray) and u.shape == (4,)
        g = self.A @ u
        return dict(fitness=-float(np.sum((g - self.y) ** 2)), outputs=g, observations=self.y,
                    metrics={"norm": float(np.linalg.norm(u))})


def test_enkf_fits_python_model_outputs(tmp_path):
    res = l2l.Experiment(optimizee=LinearModel(), out=tmp_path / "enkf.db",
                         optimizer=dict(type="enkf", ensemble_size=20, gamma=0.01,
                                        init="uniform"),
                         evaluator="serial",
                         experiment=dict(seed=5, max_generations=10)).run()
    assert res.status == "finished" and res.failed == 0
    store = l2l.open_run(res.store_path)
    ev = store.evaluations()
    assert "norm" in ev["metrics"].iloc[0]
    gens = store.generations()
    # Weighted fitness is minus the squared residual: it shrinks by orders of magnitude.
    residual = -gens["best"]
    assert residual.iloc[-1] < 1e-3 * residual.iloc[0]
    best = np.array([res.best_params[f"u[{i}]"] for i in range(4)])
    np.testing.assert_allclose(best, LinearModel().u_star, atol=0.05)


class Flaky(Sphere):
    def evaluate(self, params, context):
        if context.index == 2:
            raise RuntimeError(f"model diverged at generation {context.generation}")
        return super().evaluate(params, context)


def test_exception_becomes_failed_evaluation_with_traceback(tmp_path):
    res = l2l.Experiment(optimizee=Flaky(), out=tmp_path / "flaky.db",
                         **ga(population=8, generations=4)).run()
    assert res.status == "finished"
    assert res.generations == 4
    assert res.failed == 4
    ev = l2l.open_run(res.store_path).evaluations()
    failed = ev[ev["status"] == "failed"]
    assert failed["idx"].tolist() == [2, 2, 2, 2]
    err = failed["error"].iloc[1]
    assert "Traceback (most recent call last)" in err
    assert "RuntimeError: model diverged at generation 1" in err
    assert "in evaluate" in err
    assert (ev[ev["status"] == "ok"]["weighted"] <= 0).all()


def test_bad_return_value_fails_the_evaluation(tmp_path):
    class Bad(Sphere):
        def evaluate(self, params, context):
            return "not a number" if context.index == 0 else float("nan")

    res = l2l.Experiment(optimizee=Bad(), out=tmp_path / "bad.db",
                         **ga(population=4, generations=1)).run()
    ev = l2l.open_run(res.store_path).evaluations()
    assert (ev["status"] == "failed").all()
    assert "must be a number" in ev["error"].iloc[0]


def test_store_as_dataframes(tmp_path):
    res = l2l.Experiment(optimizee=Sphere(), out=tmp_path / "df.db",
                         **ga(population=6, generations=3)).run()
    with l2l.open_run(res.store_path) as store:
        runs = store.runs()
        assert len(runs) == 1 and runs["status"].iloc[0] == "finished"
        assert [p["name"] for p in runs["space"].iloc[0]] == ["x", "y", "z"]
        gens = store.generations()
        assert gens["generation"].tolist() == [0, 1, 2]
        ev = store.evaluations()
        assert len(ev) == res.evaluations == gens["evaluations"].sum()
        assert ev["seed"].dtype == np.uint64
        for col in ("p.x", "p.y", "p.z", "f.fitness", "weighted", "status", "seed"):
            assert col in ev.columns
        np.testing.assert_array_equal(ev["weighted"], -ev["f.fitness"])
        row = ev.iloc[5]
        assert row["f.fitness"] == pytest.approx(
            sum((row[f"p.{k}"] - 1.0) ** 2 for k in "xyz"), rel=1e-12)


CLI_YAML = textwrap.dedent("""\
    experiment:
      name: cli-vs-python
      seed: 99
      max_generations: 6
    optimizer:
      type: ga
      population: 16
      elitism: 1
    optimizee:
      type: function
      preset: Rastrigin2d
    evaluator:
      type: threads
      threads: 2
    """)


def test_identical_to_cli(tmp_path, l2l_binary):
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(CLI_YAML)
    cli_db, py_db, dict_db = tmp_path / "cli.db", tmp_path / "py.db", tmp_path / "dict.db"
    subprocess.run([l2l_binary, "run", str(cfg), "--out", str(cli_db), "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    l2l.Experiment(str(cfg), out=py_db).run()
    import yaml  # noqa: PLC0415 (python3-yaml comes with Debian's python3)
    l2l.Experiment(yaml.safe_load(CLI_YAML), out=dict_db).run()
    ref = l2l.open_run(cli_db).evaluations()
    for db in (py_db, dict_db):
        ev = l2l.open_run(db).evaluations()
        assert len(ev) == len(ref) > 6 * 8
        assert ev["params"].tolist() == ref["params"].tolist()
        assert ev["fitness"].tolist() == ref["fitness"].tolist()  # exact, not approximate
        assert ev["weighted"].tolist() == ref["weighted"].tolist()


def test_resume_python_optimizee(tmp_path):
    db = tmp_path / "resume.db"
    full = l2l.Experiment(optimizee=Sphere(), out=tmp_path / "full.db", **ga(generations=6)).run()
    l2l.Experiment(optimizee=Sphere(), out=db, **ga(generations=3)).run()
    res = l2l.Experiment.resume(db, optimizee=Sphere(), sets=["experiment.max_generations=6"])
    assert res.generations == 6
    a = l2l.open_run(full.store_path).evaluations()
    b = l2l.open_run(db).evaluations()
    assert a["fitness"].tolist() == b["fitness"].tolist()


def test_warm_start_from_a_stored_run(tmp_path):
    origin = l2l.Experiment(optimizee=Sphere(), out=tmp_path / "ga.db", **ga(generations=8)).run()
    ga_best = l2l.open_run(origin.store_path).generations()["best"].max()
    cma = dict(optimizer=dict(type="cmaes", population=8), evaluator=dict(type="serial"),
               experiment=dict(seed=3, max_generations=3))
    for n, (init, generation) in enumerate([(origin.store_path, 7),
                                            ((origin.store_path, 4), 4),
                                            (l2l.open_run(origin.store_path), 7)]):
        res = l2l.Experiment(optimizee=Sphere(), out=tmp_path / f"warm{n}.db", init_from=init,
                             **cma).run()
        with l2l.open_run(res.store_path) as store:
            assert store.origin() == {"store": os.path.abspath(origin.store_path), "run": 1,
                                      "generation": generation}
            # CMA-ES begins at the GA's best with the GA population's spread: its first
            # generation lies close to the GA's best.
            assert store.generations()["best"].iloc[0] > ga_best - 1.0
    assert l2l.open_run(origin.store_path).origin() is None

    class Other(Sphere):
        def space(self):
            return {"a": (-5.0, 5.0)}

    with pytest.raises(ValueError, match="do not match"):
        l2l.Experiment(optimizee=Other(), out=tmp_path / "bad.db", init_from=origin.store_path,
                       **cma).run()
    assert not (tmp_path / "bad.db").exists()


def test_process_evaluator_without_workers_is_refused(tmp_path):
    with pytest.raises(ValueError, match="serial or threads"):
        l2l.Experiment(optimizee=Sphere(), out=tmp_path / "p.db", workers=False,
                       **ga(evaluator="processes")).run()
    assert not (tmp_path / "p.db").exists()


@pytest.mark.parametrize("evaluator", ["threads", "processes"])
def test_python_workers_in_parallel_give_identical_results(tmp_path, evaluator):
    ref = l2l.Experiment(optimizee=Flaky(), out=tmp_path / "ref.db",
                         **ga(population=8, generations=3)).run()
    res = l2l.Experiment(optimizee=Flaky(), out=tmp_path / "w.db", workers=True, threads=2,
                         **ga(population=8, generations=3, evaluator=evaluator)).run()
    a = l2l.open_run(ref.store_path).evaluations()
    b = l2l.open_run(res.store_path).evaluations()
    assert b["params"].tolist() == a["params"].tolist()
    assert b["fitness"].tolist() == a["fitness"].tolist()
    assert b["status"].tolist() == a["status"].tolist()
    assert res.failed == 3
    err = b[b["status"] == "failed"]["error"].iloc[0]
    assert "Traceback" in err and "RuntimeError: model diverged at generation 0" in err
    assert l2l.open_run(res.store_path).runs()["evaluator"].iloc[0] == evaluator


def test_config_errors_are_value_errors(tmp_path):
    with pytest.raises(l2l.UsageError, match="population"):
        l2l.Experiment(optimizee=Sphere(), out=tmp_path / "e.db",
                       optimizer=dict(type="ga", populaton=3)).run()


def test_ask_tell_cmaes_converges_on_sphere():
    space = {"x": (-5.0, 5.0, 6)}
    opt = l2l.optimizers.make("cmaes", space, sigma0=0.3, seed=11)
    target = np.linspace(-1, 1, 6)
    first = None
    for _ in range(150):
        xs = opt.ask()
        assert xs.shape[1] == 6
        f = np.sum((xs - target) ** 2, axis=1)
        first = f.min() if first is None else first
        opt.tell(xs, f)
        if opt.stop_reason() is not None:
            break
    assert first > 0.1
    np.testing.assert_allclose(opt.estimate(), target, atol=1e-4)


def test_ask_tell_state_round_trip_and_failures():
    space = {"a": (0.0, 1.0), "b": {"lo": 1e-3, "hi": 1.0, "log": True}}
    opt = l2l.optimizers.make("ga", space, population=8, seed=2)
    for _ in range(2):
        xs = opt.ask()
        f = xs.sum(axis=1)
        f[0] = np.nan  # a failed evaluation
        opt.tell(xs, f)
    saved = opt.state()
    xs1 = opt.ask()
    opt2 = l2l.optimizers.make("ga", space, population=8, seed=2)
    opt2.restore(saved)
    np.testing.assert_array_equal(opt2.ask(), xs1)
    with pytest.raises(ValueError, match="ask"):
        opt.ask()
    with pytest.raises(ValueError, match="differs"):
        opt.tell(xs1 + 1.0, np.zeros(len(xs1)))
    assert "cmaes" in l2l.optimizers.names() and "ga" in l2l.optimizers.names()
    assert any(o["key"] == "sigma0" for o in l2l.optimizers.options("cmaes"))


def test_ask_tell_enkf_with_outputs():
    model = LinearModel()
    opt = l2l.optimizers.make("enkf", model.space(), ensemble_size=20, gamma=0.01,
                              init="uniform", seed=4, minimize=False)
    for _ in range(10):
        us = opt.ask()
        g = us @ model.A.T
        opt.tell(us, -np.sum((g - model.y) ** 2, axis=1), outputs=g, observations=model.y)
    np.testing.assert_allclose(opt.estimate(), model.u_star, atol=0.05)


def test_engine_adapter_call():
    h = l2l._l2l.register_optimizee(Sphere(), l2l._space.normalize_space(Sphere().space()),
                                    ["fitness"], [-1.0])
    try:
        status, reason, fitness = l2l._l2l.evaluate_once(h, [1.0, 2.0, 3.0], 0, 0, 1)
        assert status == "ok" and reason == "" and fitness == [0.0 + 1.0 + 4.0]
    finally:
        l2l._l2l.unregister_optimizee(h)


def test_readme_example_runs_from_file(tmp_path):
    src = os.environ.get("L2L_SOURCE_DIR")
    if not src:
        pytest.skip("L2L_SOURCE_DIR not set")
    res = l2l.Experiment(os.path.join(src, "examples", "rastrigin-ga.yaml"),
                         out=tmp_path / "r.db", sets=["experiment.max_generations=2"]).run()
    assert res.generations == 2 and res.evaluations > 100


def test_top_is_the_hall_of_fame_of_distinct_individuals(tmp_path, l2l_binary):
    exp = ga(population=8, generations=6)
    exp["optimizer"]["reevaluate"] = True  # elites come back as new evaluations of old params
    res = l2l.Experiment(optimizee=Sphere(), out=tmp_path / "hof.db", **exp).run()
    store = l2l.open_run(res.store_path)
    top = store.top(5)
    # The expectation, grouped here independently: one row per distinct parameter vector, ranked
    # by the mean weighted fitness of its evaluations.
    ev = store.evaluations()
    ev = ev[ev["status"] == "ok"]
    groups = ev.groupby(ev["params"].map(tuple))["weighted"].agg(["mean", "count"])
    groups = groups.sort_values("mean", ascending=False).head(5)
    assert top["rank"].tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(top["mean_weighted"], groups["mean"], rtol=1e-12)
    assert top["evaluations"].tolist() == groups["count"].tolist()
    assert groups["count"].max() > 1, "reevaluate should have repeated some individual"
    assert len({tuple(p.values()) for p in top["params"]}) == 5
    np.testing.assert_array_equal(top["p.x"], [p["x"] for p in top["params"]])
    # The CLI prints the same list.
    cli = subprocess.run([l2l_binary, "show", res.store_path, "--top", "5", "--json"],
                         check=True, capture_output=True, text=True)
    assert [r["mean_weighted"] for r in json.loads(cli.stdout)] == top["mean_weighted"].tolist()
    with pytest.raises(ValueError):
        store.top(0)


def test_a_store_of_schema_1_opens_as_before(tmp_path, l2l_binary):
    # tests/data/schema1-store.sql: a store written by the l2l of before the float64 blobs, whose
    # vectors are JSON text. The reader decodes both kinds, and `l2l show` reads it too.
    sql = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "schema1-store.sql")
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    with open(sql) as f:
        con.executescript(f.read())
    raw = con.execute("SELECT params, fitness FROM evaluations ORDER BY generation, idx").fetchall()
    con.close()
    store = l2l.open_run(path)
    ev = store.evaluations()
    assert len(ev) == 12
    assert ev["params"].tolist() == [json.loads(p) for p, _ in raw]
    assert ev["fitness"].tolist() == [json.loads(f) for _, f in raw]
    assert ev["p.x[0]"].tolist() == [json.loads(p)[0] for p, _ in raw]
    gens = store.generations()
    assert all(len(b) == 2 for b in gens["best_params"])
    cli = subprocess.run([l2l_binary, "show", str(path), "--json"], check=True,
                         capture_output=True, text=True)
    shown = json.loads(cli.stdout)
    assert shown["name"] == "schema1" and shown["evaluations"] == 12
    assert [shown["best"]["params"]["x[0]"], shown["best"]["params"]["x[1]"]] in [
        json.loads(p) for p, _ in raw]
    # A new store holds blobs, decoded to the same kind of lists.
    res = l2l.Experiment(optimizee=Sphere(), out=tmp_path / "new.db",
                         **ga(population=4, generations=2)).run()
    new = l2l.open_run(res.store_path).evaluations()
    assert all(isinstance(p, list) and len(p) == 3 for p in new["params"])


def test_store_without_parameters(tmp_path):
    exp = ga(population=6, generations=2)
    exp["experiment"]["store_params"] = "best"
    res = l2l.Experiment(optimizee=Sphere(), out=tmp_path / "best.db", **exp).run()
    ev = l2l.open_run(res.store_path).evaluations()
    assert len(ev) == res.evaluations
    assert not any(c.startswith("p.") for c in ev.columns)
    assert ev["f.fitness"].notna().all()


def test_mpi_job_runs_python_optimizee_from_written_yaml(tmp_path, l2l_binary):
    """write_yaml() hands a Python-defined experiment to `mpirun l2l run --evaluator mpi`: the
    ranks evaluate the pickled optimizee in worker processes, with the in-process results."""
    import shutil
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        pytest.skip("mpirun not installed")
    ref = l2l.Experiment(optimizee=Flaky(), out=tmp_path / "ref.db",
                         **ga(population=8, generations=3)).run()
    path = l2l.Experiment(optimizee=Flaky(), **ga(population=8, generations=3)).write_yaml(
        tmp_path / "exp.yaml")
    assert os.path.exists(str(path) + ".optimizee.pickle")
    store = tmp_path / "mpi.db"
    subprocess.run([mpirun, "--oversubscribe", "--allow-run-as-root", "-n", "3", l2l_binary,
                    "run", path, "--out", str(store), "--evaluator", "mpi", "-q"],
                   check=True, timeout=600, stdout=subprocess.DEVNULL)
    a = l2l.open_run(ref.store_path).evaluations()
    b = l2l.open_run(store).evaluations()
    assert b["params"].tolist() == a["params"].tolist()
    assert b["fitness"].tolist() == a["fitness"].tolist()
    assert b["status"].tolist() == a["status"].tolist()
    assert l2l.open_run(store).runs()["evaluator"].iloc[0] == "mpi"
    with pytest.raises(ValueError, match="dicts"):
        l2l.Experiment(optimizee=Flaky(), sets=["experiment.seed=2"], **ga()).write_yaml(
            tmp_path / "x.yaml")


def test_builtin_optimizees_are_callable_from_python():
    f = l2l.optimizees.make("function", name="rastrigin", dims=3)
    assert f.space == {"x": (-5.0, 5.0, 3)} and f.dim == 3
    assert f.param_names == ["x[0]", "x[1]", "x[2]"] and f.objectives == ["fitness"]
    assert f.evaluate([0.0, 0.0, 0.0]) == [0.0]
    # 10 d + sum(x^2 - 10 cos(2 pi x)) = 30 + (1 - 10) + (0.25 + 10) + (0 - 10)
    assert f.evaluate([1.0, 0.5, 0.0]) == pytest.approx([21.25], abs=1e-12)
    many = f.evaluate_many([[0.0, 0.0, 0.0], [1.0, 0.5, 0.0]])
    assert many.shape == (2, 1) and many[:, 0] == pytest.approx([0.0, 21.25], abs=1e-12)

    # BBOB f1, instance 1: COCO's f_opt 79.48 at x_opt, and CMA-ES through ask/tell on the
    # optimizee's own space reaches it.
    b = l2l.optimizees.make("bbob", function=1, dims=5, instance=1)
    facts = b.describe()
    assert facts["fopt"] == pytest.approx(79.48)
    assert b.evaluate(facts["xopt"])[0] == pytest.approx(facts["fopt"], abs=1e-9)
    opt = l2l.optimizers.make("cmaes", b.space, seed=3)
    best, evals = np.inf, 0
    while evals < 2000 and opt.stop_reason() is None:
        xs = opt.ask()
        fx = b.evaluate_many(xs, seed=opt.seeds())[:, 0]
        opt.tell(xs, fx)
        best = min(best, fx.min())
        evals += len(xs)
    assert best - facts["fopt"] < 1e-6

    for options, key in [(dict(function=99), "optimizee.function"),
                         (dict(functoin=1), "optimizee.functoin"),
                         (dict(dims="five"), "optimizee.dims")]:
        with pytest.raises(ValueError, match=key):
            l2l.optimizees.make("bbob", **options)
    with pytest.raises(ValueError, match="3 elements"):
        f.evaluate([0.0, 0.0])
