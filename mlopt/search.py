r"""Hyper-parameter search at equal budget: random search, grid search, Optuna's TPE, and one
Optuna study shared by several worker processes.

A *search space* is a dict ``{name: (low, high, scale)}`` with ``scale`` ``"log"`` (the
exponent is uniform: learning rates, penalties) or ``"linear"``. An *objective* maps a dict
``{name: value}`` to a validation score, higher is better. The *budget* is the number of
objective calls (model fits): methods are compared at equal budget, over several seeds.

Optuna (a well-kept library) does the Bayesian optimization and the shared storage; this
module only wires it to the course's conventions.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time

import numpy as np

from mlopt._validation import check_int

__all__ = [
    "sample_space",
    "random_search",
    "grid_points",
    "grid_search",
    "tpe_search",
    "best_so_far",
    "run_workers",
]


def _check_space(space):
    if not space:
        raise ValueError("space must be a non-empty dict {name: (low, high, scale)}")
    for name, spec in space.items():
        if len(spec) != 3:
            raise ValueError(f"space[{name!r}] must be (low, high, scale), got {spec!r}")
        low, high, scale = spec
        if scale not in ("log", "linear"):
            raise ValueError(f"space[{name!r}]: scale must be 'log' or 'linear', got {scale!r}")
        if not low < high:
            raise ValueError(f"space[{name!r}]: need low < high, got {low!r}, {high!r}")
        if scale == "log" and low <= 0:
            raise ValueError(f"space[{name!r}]: a 'log' dimension needs low > 0, got {low!r}")


def sample_space(space, rng):
    """One random point of ``space``: uniform, or log-uniform for ``"log"`` dimensions.

    Parameters
    ----------
    space : dict
        ``{name: (low, high, scale)}``.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    dict
        ``{name: value}``; a ``"log"`` value is ``10 ** rng.uniform(log10(low), log10(high))``.

    Examples
    --------
    >>> p = sample_space({"lr": (1e-4, 1.0, "log")}, np.random.default_rng(0))
    >>> 1e-4 <= p["lr"] <= 1.0
    True
    """
    _check_space(space)
    params = {}
    for name, (low, high, scale) in space.items():
        if scale == "log":
            params[name] = float(10 ** rng.uniform(np.log10(low), np.log10(high)))
        else:
            params[name] = float(rng.uniform(low, high))
    return params


def random_search(objective, space, n_trials, rng):
    """Evaluate ``objective`` on ``n_trials`` independent random points of ``space``.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> float``, higher is better.
    space : dict
        ``{name: (low, high, scale)}``.
    n_trials : int
        The budget, >= 1.
    rng : numpy.random.Generator
        The only source of randomness: the same seed gives the same search.

    Returns
    -------
    best_params : dict
    best_score : float
    scores : list of float, length n_trials
        In the order of the trials.

    References
    ----------
    .. [1] J. Bergstra and Y. Bengio, "Random search for hyper-parameter optimization",
       *JMLR* 13, 2012.
    .. [2] Exercise 11, task 4; ``notebooks/11_generalization_and_model_selection.ipynb``,
       section 5.

    Examples
    --------
    >>> space = {"x": (0.0, 1.0, "linear")}
    >>> best, score, scores = random_search(lambda p: -(p["x"] - 0.5) ** 2, space, 50,
    ...                                     np.random.default_rng(0))
    >>> len(scores), abs(best["x"] - 0.5) < 0.05
    (50, True)
    """
    n_trials = check_int("n_trials", n_trials, 1)
    best_params, best_score, scores = None, -np.inf, []
    for _ in range(n_trials):
        params = sample_space(space, rng)
        score = float(objective(params))
        scores.append(score)
        if score > best_score:
            best_params, best_score = params, score
    return best_params, best_score, scores


def grid_points(space, n_per_dim):
    """The full grid: ``n_per_dim`` evenly spaced values per dimension (log-spaced for
    ``"log"``), all combinations, the first dimension varying slowest.

    Examples
    --------
    >>> [p["lr"] for p in grid_points({"lr": (1e-3, 1e-1, "log")}, 3)]
    [0.001, 0.01, 0.1]
    """
    _check_space(space)
    n_per_dim = check_int("n_per_dim", n_per_dim, 1)
    axes = []
    for low, high, scale in space.values():
        if n_per_dim == 1:
            axes.append([float(np.sqrt(low * high)) if scale == "log" else (low + high) / 2])
        elif scale == "log":
            axes.append(np.geomspace(low, high, n_per_dim).tolist())
        else:
            axes.append(np.linspace(low, high, n_per_dim).tolist())
    return [dict(zip(space, values)) for values in itertools.product(*axes)]


def grid_search(objective, space, n_per_dim, rng=None):
    """Evaluate ``objective`` on :func:`grid_points`, in a random order if ``rng`` is given
    (so that the best-so-far curve of a grid is not an artifact of its ordering).

    Returns
    -------
    best_params : dict
    best_score : float
    scores : list of float
        In the order of evaluation; ``n_per_dim ** len(space)`` of them.

    Examples
    --------
    >>> space = {"lr": (1e-3, 1e-1, "log"), "noise": (0.0, 1.0, "linear")}
    >>> best, score, scores = grid_search(lambda p: -abs(np.log10(p["lr"]) + 2), space, 3)
    >>> best["lr"], len(scores)
    (0.01, 9)
    """
    points = grid_points(space, n_per_dim)
    if rng is not None:
        points = [points[i] for i in rng.permutation(len(points))]
    scores = [float(objective(p)) for p in points]
    i = int(np.argmax(scores))
    return points[i], scores[i], scores


def _suggest(trial, space):
    return {name: trial.suggest_float(name, low, high, log=(scale == "log"))
            for name, (low, high, scale) in space.items()}


def tpe_search(objective, space, n_trials, seed, *, n_startup_trials=10):
    """Optuna's Tree-structured Parzen Estimator (Bayesian optimization), in memory.

    Parameters
    ----------
    objective, space, n_trials
        As in :func:`random_search`.
    seed : int
        Seeds ``optuna.samplers.TPESampler``: the same seed gives the same search.
    n_startup_trials : int, default=10
        Random trials before TPE starts modelling (Optuna's default).

    Returns
    -------
    best_params : dict
    best_score : float
    scores : list of float

    References
    ----------
    .. [1] J. Bergstra, R. Bardenet, Y. Bengio, B. Kégl, "Algorithms for hyper-parameter
       optimization", *NeurIPS* 2011.
    .. [2] T. Akiba et al., "Optuna: a next-generation hyperparameter optimization
       framework", *KDD* 2019.
    """
    import optuna

    _check_space(space)
    n_trials = check_int("n_trials", n_trials, 1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=n_startup_trials)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(lambda trial: float(objective(_suggest(trial, space))), n_trials=n_trials)
    scores = [t.value for t in study.trials]
    return dict(study.best_params), float(study.best_value), scores


def best_so_far(scores):
    """The running maximum: entry k is the best score among the first k + 1 trials.

    Examples
    --------
    >>> best_so_far([0.2, 0.5, 0.3, 0.7])
    array([0.2, 0.5, 0.5, 0.7])
    """
    return np.maximum.accumulate(np.asarray(scores, dtype=float), axis=-1)


def _worker(storage_url, study_name, objective, n_trials, seed):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=study_name, storage=_storage(storage_url),
                              sampler=optuna.samplers.TPESampler(seed=seed))

    def tagged(trial):
        trial.set_user_attr("worker_pid", os.getpid())
        return objective(trial)

    study.optimize(tagged, n_trials=n_trials)


def _storage(url):
    """``"journal:/path/file.log"`` means Optuna's journal file; anything else is an RDB URL
    (``sqlite:///file.db``, ``postgresql://user:password@host:5432/db``)."""
    if url.startswith("journal:"):
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        return JournalStorage(JournalFileBackend(url[len("journal:"):]))
    return url


def run_workers(objective, storage_url, study_name, n_trials, n_workers, *, seed=0,
                direction="maximize"):
    """Run one Optuna study with ``n_workers`` processes sharing one storage.

    Each worker process loads the same study from the storage and runs
    ``n_trials // n_workers`` trials (the first ``n_trials % n_workers`` workers one more), so
    that exactly ``n_trials`` trials are run in total. Workers do not talk to each other:
    the storage hands out trial numbers and lets every sampler see every finished trial.
    On a cluster, start the same worker on each machine with a storage they all reach.

    Parameters
    ----------
    objective : callable
        ``objective(trial) -> float`` (an Optuna objective). With the ``fork`` start method
        (Linux) it may be a closure; elsewhere it must be importable.
    storage_url : str
        ``"journal:/path/to/file.log"`` (Optuna's ``JournalFileBackend``, for one machine or a
        shared file system) or an RDB URL, e.g. ``"sqlite:///search.db"``, or
        ``"postgresql://user:password@db-host:5432/optuna"`` on a cluster.
    study_name : str
        Created if it does not exist.
    n_trials, n_workers : int
    seed : int
        Worker ``i`` seeds its ``TPESampler`` with ``seed + i`` (distinct samplers, so that
        the workers do not propose the same point).
    direction : {"maximize", "minimize"}

    Returns
    -------
    study : optuna.Study
        Loaded from the storage after all workers finished.
    seconds : float
        Wall-clock time of the parallel part.

    Raises
    ------
    RuntimeError
        If a worker process fails.
    """
    import optuna

    n_trials = check_int("n_trials", n_trials, 1)
    n_workers = check_int("n_workers", n_workers, 1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.create_study(study_name=study_name, storage=_storage(storage_url),
                        direction=direction, load_if_exists=True)
    shares = [n_trials // n_workers + (i < n_trials % n_workers) for i in range(n_workers)]
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    start = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(storage_url, study_name, objective, share,
                                               seed + i))
             for i, share in enumerate(shares) if share]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    seconds = time.perf_counter() - start
    failed = [p.exitcode for p in procs if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} worker process(es) failed, exit codes {failed}")
    study = optuna.load_study(study_name=study_name, storage=_storage(storage_url))
    return study, seconds
