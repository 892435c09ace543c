r"""Hyper-parameter search at equal budget: random search, grid search, Optuna's TPE, and one
Optuna study shared by several worker processes.

A *search space* is a dict ``{name: (low, high, scale)}``, one entry per hyper-parameter, with
``low < high`` both included and ``scale`` one of

* ``"linear"``: a float, uniform on ``[low, high]``;
* ``"log"``: a float whose logarithm is uniform (learning rates, penalties; ``low > 0``);
* ``"int"``: an integer, every value of ``low, low + 1, ..., high`` equally likely;
* ``"log-int"``: an integer on a log scale (widths, batch sizes; ``low >= 1``): Optuna's
  ``suggest_int(name, low, high, log=True)``, see :func:`sample_space`.

An *objective* maps a dict ``{name: value}`` to a validation score, higher is better. The
*budget* is the number of objective calls (model fits): methods are compared at equal budget,
over several seeds.

Optuna (a well-kept library) does the Bayesian optimization and the shared storage; this
module only wires it to the course's conventions, and :func:`param_distributions` hands the
same space to scikit-learn's ``RandomizedSearchCV`` and ``HalvingRandomSearchCV``.
"""

from __future__ import annotations

import itertools
import multiprocessing
import numbers
import os
import time

import numpy as np

from mlopt._validation import check_int

__all__ = [
    "sample_space",
    "random_search",
    "grid_points",
    "grid_search",
    "suggest",
    "tpe_search",
    "param_distributions",
    "best_so_far",
    "run_workers",
]

SCALES = ("linear", "log", "int", "log-int")


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _check_space(space):
    if not isinstance(space, dict) or not space:
        raise ValueError("space must be a non-empty dict {name: (low, high, scale)}, got "
                         f"{space!r}")
    for name, spec in space.items():
        if not isinstance(spec, (tuple, list)) or len(spec) != 3:
            raise ValueError(f"space[{name!r}] must be (low, high, scale), got {spec!r}")
        low, high, scale = spec
        if scale not in SCALES:
            raise ValueError(f"space[{name!r}]: scale must be one of {SCALES}, got {scale!r}")
        if scale in ("int", "log-int") and not (_is_int(low) and _is_int(high)):
            raise ValueError(f"space[{name!r}]: an {scale!r} dimension needs integer bounds, "
                             f"got {low!r}, {high!r}")
        if not (isinstance(low, numbers.Real) and isinstance(high, numbers.Real)
                and np.isfinite(low) and np.isfinite(high)):
            raise ValueError(f"space[{name!r}]: bounds must be finite numbers, got {low!r}, "
                             f"{high!r}")
        if not low < high:
            raise ValueError(f"space[{name!r}]: need low < high, got {low!r}, {high!r}")
        if scale == "log" and low <= 0:
            raise ValueError(f"space[{name!r}]: a 'log' dimension needs low > 0, got {low!r}")
        if scale == "log-int" and low < 1:
            raise ValueError(f"space[{name!r}]: a 'log-int' dimension needs low >= 1, got "
                             f"{low!r}")


def _log_int_edges(low, high):
    """Natural-log bounds of a ``"log-int"`` dimension: each integer k owns
    ``[log(k - 1/2), log(k + 1/2)]`` (Optuna's convention)."""
    return np.log(low - 0.5), np.log(high + 0.5)


def sample_space(space, rng):
    r"""One random point of ``space``.

    Parameters
    ----------
    space : dict
        ``{name: (low, high, scale)}``, ``scale`` in ``{"linear", "log", "int", "log-int"}``.
    rng : numpy.random.Generator
        The only source of randomness; one draw per dimension, in the order of ``space``.

    Returns
    -------
    dict
        ``{name: value}``, a float for ``"linear"`` and ``"log"``, an ``int`` for ``"int"``
        and ``"log-int"``.

    Raises
    ------
    ValueError
        For a bad space: not a non-empty dict of ``(low, high, scale)``, an unknown scale,
        ``low >= high``, ``low <= 0`` on ``"log"``, ``low < 1`` on ``"log-int"``, or
        non-integer bounds on an integer dimension.

    Notes
    -----
    ``"linear"``: ``rng.uniform(low, high)``. ``"log"``: ``10 ** rng.uniform(log10(low),
    log10(high))``. ``"int"``: ``rng.integers(low, high + 1)``. ``"log-int"``: as Optuna's
    ``suggest_int(..., log=True)``, :math:`u` uniform on
    :math:`[\ln(\mathrm{low} - \tfrac12), \ln(\mathrm{high} + \tfrac12)]`, value
    :math:`\operatorname{round}(e^u)`, so that integer :math:`k` has probability

    .. math:: P(k) = \frac{\ln(k + \frac12) - \ln(k - \frac12)}
              {\ln(\mathrm{high} + \frac12) - \ln(\mathrm{low} - \frac12)} ,

    close to proportional to :math:`1/k`: each doubling of the value is about equally likely.

    Examples
    --------
    >>> p = sample_space({"lr": (1e-4, 1.0, "log"), "width": (4, 64, "log-int")},
    ...                  np.random.default_rng(0))
    >>> 1e-4 <= p["lr"] <= 1.0, type(p["width"]).__name__, 4 <= p["width"] <= 64
    (True, 'int', True)
    """
    _check_space(space)
    params = {}
    for name, (low, high, scale) in space.items():
        if scale == "log":
            params[name] = float(10 ** rng.uniform(np.log10(low), np.log10(high)))
        elif scale == "linear":
            params[name] = float(rng.uniform(low, high))
        elif scale == "int":
            params[name] = int(rng.integers(low, high + 1))
        else:
            value = int(round(float(np.exp(rng.uniform(*_log_int_edges(low, high))))))
            params[name] = min(max(value, int(low)), int(high))
    return params


def random_search(objective, space, n_trials, rng):
    """Evaluate ``objective`` on ``n_trials`` independent random points of ``space``.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> float``, higher is better.
    space : dict
        ``{name: (low, high, scale)}``, see :func:`sample_space`.
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

    Raises
    ------
    ValueError
        For ``n_trials < 1`` or a bad space.

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


def _grid_axis(name, low, high, scale, n):
    if n == 1:
        middle = np.sqrt(low * high) if scale in ("log", "log-int") else (low + high) / 2
        values = [float(middle)]
    elif scale in ("log", "log-int"):
        values = np.geomspace(low, high, n).tolist()
    else:
        values = np.linspace(low, high, n).tolist()
    if scale in ("int", "log-int"):
        values = [int(round(v)) for v in values]
        if len(set(values)) < n:
            raise ValueError(f"space[{name!r}]: {n} grid points round to repeated integers "
                             f"{values}; ask for fewer points or widen [{low}, {high}]")
        values = [min(max(v, low), high) for v in values]
    return values


def grid_points(space, n_per_dim):
    """The full grid: evenly spaced values per dimension (log-spaced for ``"log"`` and
    ``"log-int"``, rounded for integer dimensions), all combinations, the first dimension
    varying slowest.

    Parameters
    ----------
    space : dict
        ``{name: (low, high, scale)}``, see :func:`sample_space`.
    n_per_dim : int or dict
        Values per dimension, the same for all (int) or ``{name: int}`` for every name of
        ``space``. Each axis includes both ends; a single value is the (geometric) middle.

    Returns
    -------
    list of dict
        ``prod(n_per_dim)`` points; integer dimensions hold ``int`` values.

    Raises
    ------
    ValueError
        For a bad space, a count below 1, a dict whose names differ from the space's, or an
        integer axis whose rounded points would repeat (e.g. 5 points on ``(1, 3, "int")``).

    Examples
    --------
    >>> [p["lr"] for p in grid_points({"lr": (1e-3, 1e-1, "log")}, 3)]
    [0.001, 0.01, 0.1]
    >>> [p["width"] for p in grid_points({"width": (4, 64, "log-int")}, 3)]
    [4, 16, 64]
    >>> space = {"lr": (1e-3, 1e-1, "log"), "batch_size": (16, 128, "log-int")}
    >>> [(p["lr"], p["batch_size"]) for p in grid_points(space, {"lr": 3, "batch_size": 2})]
    [(0.001, 16), (0.001, 128), (0.01, 16), (0.01, 128), (0.1, 16), (0.1, 128)]
    """
    _check_space(space)
    if isinstance(n_per_dim, dict):
        if set(n_per_dim) != set(space):
            raise ValueError(f"n_per_dim must give a count for each of {sorted(space)}, got "
                             f"{sorted(n_per_dim)}")
        counts = {name: check_int(f"n_per_dim[{name!r}]", n_per_dim[name], 1) for name in space}
    else:
        n = check_int("n_per_dim", n_per_dim, 1)
        counts = dict.fromkeys(space, n)
    axes = [_grid_axis(name, low, high, scale, counts[name])
            for name, (low, high, scale) in space.items()]
    return [dict(zip(space, values)) for values in itertools.product(*axes)]


def grid_search(objective, space, n_per_dim, rng=None):
    """Evaluate ``objective`` on :func:`grid_points`, in a random order if ``rng`` is given
    (so that the best-so-far curve of a grid is not an artifact of its ordering).

    Parameters
    ----------
    objective : callable
        ``objective(params) -> float``, higher is better.
    space : dict
        See :func:`sample_space`.
    n_per_dim : int or dict
        See :func:`grid_points`.
    rng : numpy.random.Generator, optional
        Shuffles the order of evaluation.

    Returns
    -------
    best_params : dict
    best_score : float
    scores : list of float
        In the order of evaluation; one per grid point.

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


def suggest(trial, space):
    """Ask an Optuna trial for one point of ``space``.

    Parameters
    ----------
    trial : optuna.trial.Trial
    space : dict
        See :func:`sample_space`.

    Returns
    -------
    dict
        ``{name: value}`` from ``trial.suggest_float(name, low, high, log=...)`` for
        ``"linear"`` / ``"log"`` and ``trial.suggest_int(name, low, high, log=...)`` for
        ``"int"`` / ``"log-int"``.

    Examples
    --------
    >>> import optuna
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    >>> trial = study.ask()
    >>> p = suggest(trial, {"lr": (1e-4, 1.0, "log"), "width": (4, 64, "log-int")})
    >>> type(p["width"]).__name__, trial.distributions["width"]
    ('int', IntDistribution(high=64, log=True, low=4, step=1))
    """
    _check_space(space)
    params = {}
    for name, (low, high, scale) in space.items():
        if scale in ("int", "log-int"):
            params[name] = trial.suggest_int(name, int(low), int(high), log=(scale == "log-int"))
        else:
            params[name] = trial.suggest_float(name, low, high, log=(scale == "log"))
    return params


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

    Examples
    --------
    >>> space = {"lr": (1e-4, 1.0, "log"), "width": (1, 64, "log-int")}
    >>> def score(p):
    ...     return -(np.log10(p["lr"]) + 2) ** 2 - (np.log2(p["width"]) - 4) ** 2
    >>> best, value, scores = tpe_search(score, space, 30, seed=0)
    >>> len(scores), value == max(scores), value > -0.5
    (30, True, True)
    """
    import optuna

    _check_space(space)
    n_trials = check_int("n_trials", n_trials, 1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=n_startup_trials)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(lambda trial: float(objective(suggest(trial, space))), n_trials=n_trials)
    scores = [t.value for t in study.trials]
    return dict(study.best_params), float(study.best_value), scores


def param_distributions(space):
    r"""``space`` as scikit-learn's ``param_distributions`` (``RandomizedSearchCV``,
    ``HalvingRandomSearchCV``), with the same distributions as :func:`sample_space`.

    Parameters
    ----------
    space : dict
        See :func:`sample_space`.

    Returns
    -------
    dict
        ``{name: distribution}``, SciPy distributions with ``rvs``:
        ``scipy.stats.uniform(low, high - low)``, ``scipy.stats.loguniform(low, high)``,
        ``scipy.stats.randint(low, high + 1)``, and for ``"log-int"`` a
        ``scipy.stats.rv_discrete`` on ``low..high`` with the probabilities :math:`P(k)` of
        :func:`sample_space`'s Notes. Integer draws are NumPy integers.

    Examples
    --------
    >>> from sklearn.model_selection import ParameterSampler
    >>> space = {"alpha": (1e-5, 1.0, "log"), "batch_size": (16, 128, "log-int")}
    >>> points = list(ParameterSampler(param_distributions(space), 20, random_state=0))
    >>> all(16 <= p["batch_size"] <= 128 and 1e-5 <= p["alpha"] <= 1 for p in points)
    True
    >>> d = param_distributions({"width": (1, 3, "log-int")})["width"]
    >>> d.pmf([1, 2, 3]).round(4)  # log(1.5/0.5), log(2.5/1.5), log(3.5/2.5), over log(7)
    array([0.5646, 0.2625, 0.1729])
    """
    import scipy.stats

    _check_space(space)
    out = {}
    for name, (low, high, scale) in space.items():
        if scale == "linear":
            out[name] = scipy.stats.uniform(low, high - low)
        elif scale == "log":
            out[name] = scipy.stats.loguniform(low, high)
        elif scale == "int":
            out[name] = scipy.stats.randint(low, high + 1)
        else:
            k = np.arange(low, high + 1)
            lo, hi = _log_int_edges(low, high)
            p = (np.log(k + 0.5) - np.log(k - 0.5)) / (hi - lo)
            out[name] = scipy.stats.rv_discrete(values=(k, p / p.sum()))
    return out


def best_so_far(scores):
    """The running maximum: entry k is the best score among the first k + 1 trials.

    Examples
    --------
    >>> best_so_far([0.2, 0.5, 0.3, 0.7])
    array([0.2, 0.5, 0.5, 0.7])
    """
    return np.maximum.accumulate(np.asarray(scores, dtype=float), axis=-1)


def _worker(storage_url, study_name, objective, n_trials, seed, barrier, new_session):
    if new_session and hasattr(os, "setsid"):
        os.setsid()  # scheduled as a program of its own, as if started from its own terminal
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=study_name, storage=_storage(storage_url),
                              sampler=optuna.samplers.TPESampler(seed=seed))

    def tagged(trial):
        trial.set_user_attr("worker_pid", os.getpid())
        return objective(trial)

    barrier.wait(timeout=_BARRIER_TIMEOUT)  # all workers loaded: the trials start together
    study.optimize(tagged, n_trials=n_trials)


_BARRIER_TIMEOUT = 120.0


def _storage(url):
    """``"journal:/path/file.log"`` means Optuna's journal file; anything else is an RDB URL
    (``sqlite:///file.db``, ``postgresql://user:password@host:5432/db``)."""
    if url.startswith("journal:"):
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        return JournalStorage(JournalFileBackend(url[len("journal:"):]))
    return url


def run_workers(objective, storage_url, study_name, n_trials, n_workers, *, seed=0,
                direction="maximize", new_session=True):
    """Run one Optuna study with ``n_workers`` processes sharing one storage.

    Each worker process loads the same study from the storage and runs
    ``n_trials // n_workers`` trials (the first ``n_trials % n_workers`` workers one more), so
    that exactly ``n_trials`` trials are run in total. Workers do not talk to each other:
    the storage hands out trial numbers and lets every sampler see every finished trial.
    On a cluster, start the same worker on each machine with a storage they all reach.
    The workers wait at a barrier until all of them have loaded the study, so that their
    trials start together: the span of the trials (``datetime_start`` of the first to
    ``datetime_complete`` of the last, kept by Optuna in the storage) excludes starting the
    processes and loading the study, which ``seconds`` includes.

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
    new_session : bool, default=True
        Start each worker in a session of its own (``os.setsid``, where it exists), as a
        worker started from its own terminal or by a cluster's job scheduler would be. With
        ``False`` the workers stay in the caller's session (see Notes).

    Returns
    -------
    study : optuna.Study
        Loaded from the storage after all workers finished.
    seconds : float
        Wall-clock time from starting the worker processes to the end of the last one.

    Raises
    ------
    RuntimeError
        If a worker process fails (including one that waited more than two minutes at the
        barrier for a worker that never came).

    Notes
    -----
    With Optuna's journal file, every write (a new trial, each suggested parameter, the
    result) appends a line under a file lock and calls ``fsync``: a few milliseconds each on
    a disk, during which the other workers wait for the lock. Trials must be long compared
    with that for several workers to gain.

    Linux with *autogroup* scheduling (``/proc/sys/kernel/sched_autogroup_enabled``) shares
    the CPU fairly between sessions, not between processes: on a machine that other
    sessions keep busy, workers left in the caller's session share that one session's part,
    and two of them get no more CPU than one. In sessions of their own, each worker gets a
    part like any other program. If the caller is interrupted (``KeyboardInterrupt``), the
    workers are terminated.

    Examples
    --------
    >>> import tempfile
    >>> def objective(trial):
    ...     return -(trial.suggest_float("x", -3.0, 3.0) - 1.0) ** 2
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     study, seconds = run_workers(objective, f"journal:{tmp}/study.log", "doc", 6, 2)
    ...     trials = study.get_trials()
    >>> sorted(t.number for t in trials), len({t.user_attrs["worker_pid"] for t in trials})
    ([0, 1, 2, 3, 4, 5], 2)
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
    shares = [share for share in shares if share]
    barrier = ctx.Barrier(len(shares))
    start = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(storage_url, study_name, objective, share,
                                               seed + i, barrier, bool(new_session)))
             for i, share in enumerate(shares)]
    try:
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    except BaseException:  # KeyboardInterrupt: workers in their own sessions would go on
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join()
        raise
    seconds = time.perf_counter() - start
    failed = [p.exitcode for p in procs if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} worker process(es) failed, exit codes {failed}")
    study = optuna.load_study(study_name=study_name, storage=_storage(storage_url))
    return study, seconds
