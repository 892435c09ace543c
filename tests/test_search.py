"""mlopt.search: budgets kept, searches reproducible under their seeds, and one Optuna study
shared by two worker processes loses and duplicates no trial."""

import os

import numpy as np
import optuna
import pytest

from mlopt.search import (
    best_so_far,
    grid_points,
    grid_search,
    random_search,
    run_workers,
    sample_space,
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


def test_bad_spaces_raise():
    with pytest.raises(ValueError, match="low > 0"):
        sample_space({"lr": (0.0, 1.0, "log")}, np.random.default_rng(0))
    with pytest.raises(ValueError, match="scale"):
        sample_space({"lr": (0.1, 1.0, "exp")}, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_trials"):
        random_search(objective, SPACE, 0, np.random.default_rng(0))


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
