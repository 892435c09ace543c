"""mlopt.search: budgets kept, searches reproducible under their seeds, and one Optuna study
shared by two worker processes loses and duplicates no trial."""

import os

import numpy as np
import optuna
import pytest
from sklearn.model_selection import ParameterSampler

from mlopt.search import (
    best_so_far,
    grid_points,
    grid_search,
    param_distributions,
    random_search,
    run_workers,
    sample_space,
    suggest,
    tpe_search,
)

SPACE = {"lr": (1e-4, 1.0, "log"), "alpha": (0.0, 1.0, "linear"), "noise": (0.0, 1.0, "linear")}


def objective(p):
    """Best at lr = 1e-2, alpha = 0.3; 'noise' is irrelevant."""
    return -(np.log10(p["lr"]) + 2) ** 2 - (p["alpha"] - 0.3) ** 2


class Counter:
    def __init__(self):
        self.calls = []

    def __call__(self, p):
        self.calls.append(dict(p))
        return objective(p)


@pytest.mark.parametrize("method", ["random", "grid", "tpe"])
def test_each_search_keeps_its_budget_and_is_reproducible(method):
    def run(seed):
        f = Counter()
        if method == "random":
            out = random_search(f, SPACE, 27, np.random.default_rng(seed))
        elif method == "grid":
            out = grid_search(f, SPACE, 3, np.random.default_rng(seed))
        else:
            out = tpe_search(f, SPACE, 27, seed)
        return f.calls, out

    calls_a, (best_a, score_a, scores_a) = run(0)
    calls_b, (best_b, score_b, scores_b) = run(0)
    calls_c, (_, _, scores_c) = run(1)
    assert len(calls_a) == len(scores_a) == 27
    assert calls_a == calls_b and scores_a == scores_b and best_a == best_b
    assert scores_c != scores_a  # another seed, another order or other points
    assert score_a == max(scores_a) and objective(best_a) == pytest.approx(score_a)
    for p in calls_a:
        for name, (low, high, _) in SPACE.items():
            assert low <= p[name] <= high


def test_grid_tries_only_three_values_of_each_hyper_parameter_random_tries_27():
    """Bergstra and Bengio's argument, counted."""
    grid = grid_points(SPACE, 3)
    assert len(grid) == 27 and len({p["lr"] for p in grid}) == 3
    f = Counter()
    random_search(f, SPACE, 27, np.random.default_rng(0))
    assert len({p["lr"] for p in f.calls}) == 27


def test_log_dimension_is_log_uniform():
    rng = np.random.default_rng(0)
    lr = np.array([sample_space(SPACE, rng)["lr"] for _ in range(4000)])
    # exponents uniform on [-4, 0]: a quarter of them below -3
    assert np.mean(np.log10(lr) < -3) == pytest.approx(0.25, abs=0.03)


def test_best_so_far_is_the_running_maximum():
    scores = np.random.default_rng(0).normal(size=(3, 20))
    out = best_so_far(scores)
    for row, best in zip(scores, out):
        assert all(best[k] == row[: k + 1].max() for k in range(20))


@pytest.mark.parametrize("space, match", [
    ({"lr": (0.0, 1.0, "log")}, "low > 0"),
    ({"lr": (0.1, 1.0, "exp")}, "scale"),
    ({"lr": (1.0, 0.1, "log")}, "low < high"),
    ({"lr": (0.1, 1.0)}, "must be .low, high, scale."),
    ({}, "non-empty"),
    ({"width": (4.0, 64, "log-int")}, "integer bounds"),
    ({"width": (4, 64.5, "int")}, "integer bounds"),
    ({"width": (True, 8, "int")}, "integer bounds"),
    ({"width": (0, 64, "log-int")}, "low >= 1"),
    ({"x": (0.0, np.inf, "linear")}, "finite"),
])
def test_bad_spaces_raise(space, match):
    for call in (lambda: sample_space(space, np.random.default_rng(0)),
                 lambda: grid_points(space, 2),
                 lambda: param_distributions(space)):
        with pytest.raises(ValueError, match=match):
            call()


def test_bad_budgets_and_grid_counts_raise():
    with pytest.raises(ValueError, match="n_trials"):
        random_search(objective, SPACE, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_per_dim"):
        grid_points(SPACE, 0)
    with pytest.raises(ValueError, match="a count for each of"):
        grid_points(SPACE, {"lr": 3, "alpha": 2})            # 'noise' missing
    with pytest.raises(ValueError, match="a count for each of"):
        grid_points(SPACE, {"lr": 3, "alpha": 2, "noise": 1, "typo": 2})
    with pytest.raises(ValueError, match="round to repeated integers"):
        grid_points({"k": (1, 3, "int")}, 5)                # only 3 integers
    with pytest.raises(ValueError, match="round to repeated integers"):
        grid_points({"k": (1, 5, "log-int")}, 5)            # 1, 1.5, 2.2, 3.3, 5 -> 1, 2, 2, 3, 5


# --- integer dimensions ----------------------------------------------------------------------

INT_SPACE = {"lr": (1e-4, 1.0, "log"), "width": (1, 64, "log-int"), "depth": (1, 3, "int")}


def int_objective(p):
    """Best at lr = 1e-2, width = 16, depth = 2."""
    return (-(np.log10(p["lr"]) + 2) ** 2 - (np.log2(p["width"]) - 4) ** 2
            - (p["depth"] - 2) ** 2)


def log_int_pmf(low, high):
    """P(k) when u ~ U[log(low - 1/2), log(high + 1/2)] and k = round(exp(u)), by hand."""
    k = np.arange(low, high + 1)
    return np.log((k + 0.5) / (k - 0.5)) / np.log((high + 0.5) / (low - 0.5))


def test_log_int_pmf_by_hand_is_a_distribution():
    p = log_int_pmf(1, 8)
    assert p.sum() == pytest.approx(1.0)
    assert p[0] == pytest.approx(np.log(3) / np.log(17))   # k = 1 owns [1/2, 3/2]


@pytest.mark.parametrize("low, high", [(1, 8), (16, 128)])
def test_log_int_sampling_follows_optunas_rule(low, high):
    space = {"k": (low, high, "log-int")}
    n = 20_000
    rng = np.random.default_rng(0)
    draws = [sample_space(space, rng)["k"] for _ in range(n)]
    assert all(type(k) is int for k in draws)
    freq = np.bincount(np.array(draws) - low, minlength=high - low + 1) / n
    assert freq.size == high - low + 1 and freq.min() > 0  # both ends reachable
    pmf = log_int_pmf(low, high)
    five_se = 5 * np.sqrt(pmf * (1 - pmf) / n)  # a uniform law, or one without the +-1/2,
    assert np.all(np.abs(freq - pmf) < five_se)  # is off by 0.2 at k = 1 (0.01 here)
    # the same law as Optuna's own sampler for suggest_int(..., log=True)
    sampler = optuna.samplers.RandomSampler(seed=0)
    study = optuna.create_study(sampler=sampler)
    trial = study.ask()
    dist = optuna.distributions.IntDistribution(low, high, log=True)
    ref = np.array([sampler.sample_independent(study, trial, "k", dist) for _ in range(n)])
    ref_freq = np.bincount(ref - low, minlength=high - low + 1) / n
    assert np.all(np.abs(ref_freq - pmf) < five_se)
    # and scikit-learn's searches get the same law from param_distributions
    np.testing.assert_allclose(param_distributions(space)["k"].pmf(np.arange(low, high + 1)),
                               log_int_pmf(low, high), rtol=1e-12)


def test_int_sampling_is_uniform_over_all_integers_both_ends_included():
    rng = np.random.default_rng(1)
    draws = np.array([sample_space({"k": (2, 6, "int")}, rng)["k"] for _ in range(10_000)])
    freq = np.bincount(draws - 2, minlength=5) / draws.size
    assert draws.min() == 2 and draws.max() == 6
    np.testing.assert_allclose(freq, 0.2, atol=0.015)
    samples = list(ParameterSampler(param_distributions({"k": (2, 6, "int")}), 2000,
                                    random_state=0))
    assert {int(p["k"]) for p in samples} == {2, 3, 4, 5, 6}


def test_integer_grid_points_are_rounded_ints_including_both_ends():
    assert [p["w"] for p in grid_points({"w": (4, 64, "log-int")}, 3)] == [4, 16, 64]
    assert [p["w"] for p in grid_points({"w": (16, 128, "log-int")}, 4)] == [16, 32, 64, 128]
    assert [p["k"] for p in grid_points({"k": (0, 10, "int")}, 3)] == [0, 5, 10]
    assert [p["k"] for p in grid_points({"k": (1, 3, "int")}, 3)] == [1, 2, 3]
    assert [p["w"] for p in grid_points({"w": (4, 64, "log-int")}, 1)] == [16]
    assert all(type(p["w"]) is int for p in grid_points({"w": (4, 64, "log-int")}, 3))


def test_grid_with_a_count_per_dimension():
    points = grid_points(INT_SPACE, {"lr": 3, "width": 2, "depth": 3})
    assert len(points) == 18
    assert sorted({p["lr"] for p in points}) == pytest.approx([1e-4, 1e-2, 1.0])
    assert sorted({p["width"] for p in points}) == [1, 64]
    assert sorted({p["depth"] for p in points}) == [1, 2, 3]
    assert len({tuple(p.values()) for p in points}) == 18  # every combination once
    assert points[0] == {"lr": 1e-4, "width": 1, "depth": 1}  # first dimension slowest
    assert points[1]["depth"] == 2


@pytest.mark.parametrize("method", ["random", "grid", "tpe"])
def test_searches_over_integer_dimensions_propose_ints_and_are_reproducible(method):
    def run(seed):
        f_calls = []

        def recorded(p):
            f_calls.append(dict(p))
            return int_objective(p)
        if method == "random":
            out = random_search(recorded, INT_SPACE, 18, np.random.default_rng(seed))
        elif method == "grid":
            out = grid_search(recorded, INT_SPACE, {"lr": 3, "width": 2, "depth": 3},
                              np.random.default_rng(seed))
        else:
            out = tpe_search(recorded, INT_SPACE, 18, seed, n_startup_trials=6)
        return f_calls, out

    calls_a, (best_a, score_a, scores_a) = run(0)
    calls_b, (_, _, scores_b) = run(0)
    assert len(calls_a) == 18 and calls_a == calls_b and scores_a == scores_b
    for p in calls_a:
        assert type(p["width"]) is int and 1 <= p["width"] <= 64
        assert type(p["depth"]) is int and 1 <= p["depth"] <= 3
        assert isinstance(p["lr"], float)
    assert score_a == max(scores_a) == pytest.approx(int_objective(best_a))


def test_suggest_asks_optuna_for_the_right_distributions():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    space = {"a": (0.0, 1.0, "linear"), "b": (1e-3, 1.0, "log"), "c": (2, 9, "int"),
             "d": (4, 64, "log-int")}
    params = suggest(trial, space)
    D = optuna.distributions
    assert trial.distributions == {"a": D.FloatDistribution(0.0, 1.0),
                                   "b": D.FloatDistribution(1e-3, 1.0, log=True),
                                   "c": D.IntDistribution(2, 9),
                                   "d": D.IntDistribution(4, 64, log=True)}
    assert [type(params[k]) for k in "abcd"] == [float, float, int, int]


def test_param_distributions_work_in_a_scikit_learn_search():
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV
    from sklearn.neighbors import KNeighborsClassifier

    X = np.random.default_rng(0).normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    space = {"n_neighbors": (1, 30, "log-int"), "p": (1.0, 2.0, "linear")}
    search = HalvingRandomSearchCV(KNeighborsClassifier(), param_distributions(space),
                                   n_candidates=9, factor=3, random_state=0, cv=3).fit(X, y)
    tried = search.cv_results_["params"]
    assert len(tried) == 9 + 3 + 1
    assert all(1 <= p["n_neighbors"] <= 30 and 1.0 <= p["p"] <= 2.0 for p in tried)
    assert all(float(p["n_neighbors"]).is_integer() for p in tried)


def optuna_objective(trial):
    x = trial.suggest_float("x", -3.0, 3.0)
    y = trial.suggest_float("y", -3.0, 3.0)
    return -(x - 1.0) ** 2 - (y + 0.5) ** 2


@pytest.mark.parametrize("backend", ["journal", "sqlite"])
@pytest.mark.parametrize("n_trials", [12, 13])
def test_two_workers_share_one_study_without_losing_or_duplicating_trials(tmp_path, backend,
                                                                          n_trials):
    url = (f"journal:{tmp_path / 'study.log'}" if backend == "journal"
           else f"sqlite:///{tmp_path / 'study.db'}")
    study, _ = run_workers(optuna_objective, url, "shared", n_trials, 2, seed=0)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == n_trials
    assert sorted(t.number for t in trials) == list(range(n_trials))  # none lost or repeated
    assert len({t._trial_id for t in trials}) == n_trials
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    pids = [t.user_attrs["worker_pid"] for t in trials]
    assert len(set(pids)) == 2 and os.getpid() not in pids  # both workers, not the parent
    counts = sorted(pids.count(p) for p in set(pids))
    assert counts == [n_trials // 2, n_trials - n_trials // 2]
    # the workers' samplers are seeded differently: no proposal is repeated
    assert len({(t.params["x"], t.params["y"]) for t in trials}) == n_trials


def test_a_second_run_continues_the_same_study(tmp_path):
    url = f"journal:{tmp_path / 'study.log'}"
    run_workers(optuna_objective, url, "resumed", 4, 2)
    study, _ = run_workers(optuna_objective, url, "resumed", 4, 2, seed=10)
    assert sorted(t.number for t in study.trials) == list(range(8))


def failing_objective(trial):
    raise SystemExit(3)


def test_a_failed_worker_is_reported(tmp_path):
    with pytest.raises(RuntimeError, match="failed"):
        run_workers(failing_objective, f"journal:{tmp_path / 's.log'}", "bad", 2, 2)


def test_more_workers_than_trials_neither_hang_at_the_barrier_nor_run_extra_trials(tmp_path):
    study, _ = run_workers(optuna_objective, f"journal:{tmp_path / 's.log'}", "few", 1, 2)
    assert [t.number for t in study.trials] == [0]


def session_objective(trial):
    trial.set_user_attr("sid", os.getsid(0))
    return trial.suggest_float("x", 0.0, 1.0)


@pytest.mark.skipif(not hasattr(os, "setsid"), reason="sessions are a POSIX notion")
@pytest.mark.parametrize("new_session", [True, False])
def test_workers_run_in_sessions_of_their_own_unless_asked_not_to(tmp_path, new_session):
    study, _ = run_workers(session_objective, f"journal:{tmp_path / 's.log'}", "sid", 4, 2,
                           new_session=new_session)
    sids = {t.user_attrs["worker_pid"]: t.user_attrs["sid"] for t in study.trials}
    assert len(sids) == 2
    if new_session:  # each worker leads its own session
        assert all(sid == pid for pid, sid in sids.items())
        assert os.getsid(0) not in sids.values()
    else:
        assert set(sids.values()) == {os.getsid(0)}
