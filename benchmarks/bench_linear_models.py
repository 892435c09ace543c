"""Regularized linear models on a 20,000 × 200 problem: time to the same solution quality.

Each row fits mlopt's estimator and scikit-learn's on the same data with the same stopping
rule — Ridge (direct Cholesky solve), Lasso and ElasticNet stopping when the duality gap is
≤ ``tol · ||y||²/n`` (scikit-learn's rule), LogisticRegression stopping on ``max|grad| ≤ tol``
(lbfgs: scipy's L-BFGS-B with scikit-learn's options; newton against ``newton-cholesky``) —
and reports the best time of several fits, their ratio (goal ≤ 1.5), the iterations, and the
reached quality measured the same way for both fits (duality gap, or the max-norm of the
gradient of the objective). Both sides run with one BLAS/OpenMP thread, so that the ratio
compares algorithms, not thread scheduling on a shared machine.
"""

from __future__ import annotations

import warnings

import numpy as np
import sklearn.linear_model as sk
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from benchmarks._timing import best_time
from mlopt import linear_model as ml
from mlopt.coordinate_descent import alpha_grid, enet_duality_gap
from mlopt.linear_model import _PenalizedCrossEntropy

TITLE = "Linear models, 20,000 × 200: mlopt / scikit-learn, time to the same solution quality"


def _regression(n, p):
    X, y = make_regression(n_samples=n, n_features=p, n_informative=p // 10, noise=10.0,
                           random_state=0)
    return X, y


def _classification(n, p):
    X, y = make_classification(n_samples=n, n_features=p, n_informative=p // 10,
                               random_state=0)
    return (X - X.mean(0)) / X.std(0), y


def _gap(model, X, y, l1_ratio):
    Xc, yc = X - X.mean(0), y - y.mean()
    return enet_duality_gap(model.coef_, Xc, yc, model.alpha, l1_ratio)


def _max_grad(model, X, y):
    """max|grad| of the objective mlopt and scikit-learn both minimize, at a fitted model."""
    classes = np.unique(y)
    objective = _PenalizedCrossEntropy(X, np.searchsorted(classes, y), classes.size,
                                       1.0 / (model.C * X.shape[0]), True)
    theta = np.vstack([model.coef_.T, model.intercept_]).ravel()
    return float(np.max(np.abs(objective(theta)[1])))


def _row(case, ours, ref, X, y, *, repeat, quality, measure):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t_ours = best_time(lambda: ours.fit(X, y), repeat=repeat, number=1)
        t_ref = best_time(lambda: ref.fit(X, y), repeat=repeat, number=1)
    n_iter = lambda m: int(np.max(getattr(m, "n_iter_", None) or 1))  # noqa: E731
    return {
        "case": case,
        "mlopt_ms": 1e3 * t_ours,
        "sklearn_ms": 1e3 * t_ref,
        "ratio": t_ours / t_ref,
        "mlopt_iter": n_iter(ours),
        "sklearn_iter": n_iter(ref),
        "measure": measure,
        "mlopt_quality": quality(ours),
        "sklearn_quality": quality(ref),
    }


def run(quick=False):
    n, p = (2_000, 20) if quick else (20_000, 200)
    repeat = 1 if quick else 5
    X, y = _regression(n, p)
    Xc, yc = X - X.mean(0), y - y.mean()
    alpha = float(alpha_grid(Xc, yc, n_alphas=1)[0]) / 20  # a sparse but not trivial Lasso
    Xb, yb = _classification(n, p)
    rows = []
    with threadpool_limits(1):
        rel_to_ref = lambda ref: lambda m: float(  # noqa: E731
            np.max(np.abs(m.coef_ - ref.coef_)) / np.max(np.abs(ref.coef_)))
        ridge_ref = sk.Ridge(alpha=1.0, solver="cholesky").fit(X, y)
        rows.append(_row("Ridge, cholesky", ml.Ridge(alpha=1.0), sk.Ridge(alpha=1.0,
                         solver="cholesky"), X, y, repeat=repeat,
                         quality=rel_to_ref(ridge_ref), measure="rel. coef diff"))
        for tol in (1e-4, 1e-8):
            rows.append(_row(
                f"Lasso, cd, tol={tol:g}", ml.Lasso(alpha=alpha, tol=tol),
                sk.Lasso(alpha=alpha, tol=tol), X, y, repeat=repeat,
                quality=lambda m: _gap(m, X, y, 1.0), measure="duality gap"))
        rows.append(_row(
            "Lasso, cd without Gram, tol=1e-08",
            ml.Lasso(alpha=alpha, tol=1e-8, precompute=False), sk.Lasso(alpha=alpha, tol=1e-8),
            X, y, repeat=repeat, quality=lambda m: _gap(m, X, y, 1.0), measure="duality gap"))
        rows.append(_row(
            "ElasticNet l1_ratio=0.5, cd, tol=1e-08",
            ml.ElasticNet(alpha=alpha, tol=1e-8), sk.ElasticNet(alpha=alpha, tol=1e-8),
            X, y, repeat=repeat, quality=lambda m: _gap(m, X, y, 0.5), measure="duality gap"))
        for tol in (1e-4, 1e-8):
            for ours, ref in (("lbfgs", "lbfgs"), ("newton", "newton-cholesky")):
                rows.append(_row(
                    f"LogisticRegression, {ours}, tol={tol:g}",
                    ml.LogisticRegression(solver=ours, tol=tol, max_iter=1000),
                    sk.LogisticRegression(solver=ref, tol=tol, max_iter=1000),
                    Xb, yb, repeat=repeat, quality=lambda m: _max_grad(m, Xb, yb),
                    measure="max|grad|"))
    return rows
