"""The training loops' own cost: minimize's overhead per iteration, and an epoch of SGD.

1. ``minimize`` with ``gd`` against a bare loop ``value, grad = fun(x); x = x - lr * grad``
   calling the same ``fun`` the same number of times (tol=0, so both run every iteration).
   ``overhead_us`` is (minimize − bare loop) / iterations: what the history, divergence checks
   and the optimizer interface add per step (goal ≤ 20 µs).
2. One epoch over the same standardized regression data (``n`` samples, 10 features, no
   intercept): mlopt's ``minimize_stochastic(squared_error, ..., sgd(lr), batch_size=1,
   epochs=1)`` against scikit-learn's ``SGDRegressor(loss="squared_error", penalty=None,
   learning_rate="constant", eta0=2 * lr, fit_intercept=False, max_iter=1, tol=None,
   shuffle=True)``. Same update rule (scikit-learn's per-sample loss is ½ r², mlopt's is
   r², hence eta0 = 2 lr), different shuffles. scikit-learn runs the epoch in Cython;
   mlopt runs a Python loop that validates every batch, records every step and evaluates the
   full training loss before and after the epoch. ``coef_gap`` is max |w_mlopt − w_sklearn|
   after the epoch (orders differ, so it is small, not zero). A mini-batch row (batch 32) shows
   the same epoch with 32× fewer Python steps. ``us_per_step`` is mlopt's time per step.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDRegressor

from mlopt.losses import squared_error
from mlopt.optimizers import gd, sgd
from mlopt.surfaces import quadratic
from mlopt.training import minimize, minimize_stochastic

TITLE = "Training loops: minimize's overhead per iteration; one epoch of SGD vs scikit-learn"


def _best(fn, rounds):
    best = math.inf
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _interleaved(fns, rounds):
    """Best seconds of each ``fn()``, timed in alternation (same disturbances for all)."""
    best = [math.inf] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], _best(fn, 1))
    return best


def _overhead_row(case, fun, x0, n_iter, rounds, lr=0.01):
    def bare():
        x = x0
        for _ in range(n_iter + 1):  # minimize evaluates n_iter + 1 times
            value, grad = fun(x)
            x = x - lr * grad

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            minimize(fun, x0, gd(lr=lr), max_iter=n_iter, tol=0.0)

    t_bare, t_ours = _interleaved([bare, ours], rounds)
    return {"case": case, "iterations": n_iter, "mlopt_s": t_ours, "reference_s": t_bare,
            "us_per_step": 1e6 * t_ours / n_iter,
            "overhead_us": 1e6 * (t_ours - t_bare) / n_iter, "coef_gap": "",
            "ratio": t_ours / t_bare}


def _overhead_rows(n_iter, rounds):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 10)), rng.normal(size=200)
    return [
        _overhead_row("minimize, 2-D quadratic", quadratic(10.0), np.ones(2), n_iter, rounds),
        _overhead_row("minimize, squared_error 200x10", lambda w: squared_error(w, X, y),
                      np.zeros(10), n_iter, rounds),
    ]


def _epoch_rows(n, rounds):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 10))
    y = X @ rng.normal(size=10) + 0.5 * rng.normal(size=n)
    lr = 0.005
    w = {}

    def sklearn_epoch():
        model = SGDRegressor(loss="squared_error", penalty=None, learning_rate="constant",
                             eta0=2 * lr, fit_intercept=False, max_iter=1, tol=None,
                             shuffle=True, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            w["sklearn"] = model.fit(X, y).coef_

    def mlopt_epoch(batch_size):
        def fn():
            res = minimize_stochastic(squared_error, np.zeros(10), X, y, sgd(lr=lr),
                                      batch_size=batch_size, epochs=1, rng=0)
            w[batch_size] = res.x
        return fn

    t_sk, t_one, t_32 = _interleaved([sklearn_epoch, mlopt_epoch(1), mlopt_epoch(32)], rounds)
    rows = []
    for case, t, key, steps in [("epoch, per-sample SGD (batch 1)", t_one, 1, n),
                                ("epoch, mini-batch SGD (batch 32)", t_32, 32, -(-n // 32))]:
        rows.append({"case": f"{case} vs SGDRegressor, n={n}", "iterations": steps,
                     "mlopt_s": t, "reference_s": t_sk, "us_per_step": 1e6 * t / steps,
                     "overhead_us": "",
                     "coef_gap": float(np.abs(w[key] - w["sklearn"]).max()),
                     "ratio": t / t_sk})
    return rows


def run(quick=False):
    if quick:
        return _overhead_rows(n_iter=300, rounds=2) + _epoch_rows(n=500, rounds=2)
    return _overhead_rows(n_iter=5000, rounds=7) + _epoch_rows(n=20_000, rounds=5)
