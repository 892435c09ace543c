"""ISTA, FISTA and FISTA with adaptive restart (O'Donoghue and Candès 2015)."""

import math
import warnings

import numpy as np
import pytest
import sklearn.linear_model as sk
from sklearn.exceptions import ConvergenceWarning

from mlopt.coordinate_descent import enet_duality_gap
from mlopt.datasets import load_diabetes
from mlopt.losses import soft_threshold
from mlopt.proximal import proximal_gradient


def lasso_problem(X, y, alpha):
    """Centered data; the pieces proximal_gradient needs and the duality-gap criterion."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    n = len(yc)

    def smooth(w):
        r = yc - Xc @ w
        return r @ r / (2 * n), -Xc.T @ r / n

    kwargs = dict(
        prox=lambda z, t: soft_threshold(z, t * alpha),
        x0=np.zeros(Xc.shape[1]),
        lr=n / np.linalg.norm(Xc, 2) ** 2,
        penalty=lambda w: alpha * np.abs(w).sum(),
        criterion=lambda w: enet_duality_gap(w, Xc, yc, alpha),
    )
    return smooth, kwargs, Xc, yc


def sparse_wide(seed=0, n=60, p=150):
    """More features than samples, correlated columns, a sparse truth (as in lesson 08)."""
    rng = np.random.default_rng(seed)
    C = 0.7 ** np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    X = rng.normal(size=(n, p)) @ np.linalg.cholesky(C).T
    w = np.zeros(p)
    w[rng.choice(p, 8, replace=False)] = rng.normal(scale=2.0, size=8)
    y = X @ w + 0.5 * rng.normal(size=n)
    alpha = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / n / 20
    return X, y, alpha


def problems():
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes alpha=0.5", X, y, 0.5
    yield "diabetes alpha=0.1", X, y, 0.1
    yield "diabetes alpha=0.01", X, y, 0.01
    for seed in (0, 1):
        X, y, alpha = sparse_wide(seed)
        yield f"wide seed={seed}", X, y, alpha


@pytest.mark.parametrize("case", list(problems()), ids=lambda c: c[0])
@pytest.mark.parametrize("restart", ["gradient", "function"])
def test_restart_is_never_slower_than_plain_fista_and_finds_the_same_solution(case, restart):
    _, X, y, alpha = case
    smooth, kw, Xc, yc = lasso_problem(X, y, alpha)
    tol = 1e-10 * (yc @ yc) / len(yc)
    plain = proximal_gradient(smooth, accelerated=True, tol=tol, max_iter=100_000, **kw)
    fast = proximal_gradient(smooth, accelerated=True, restart=restart, tol=tol,
                             max_iter=100_000, **kw)
    assert plain.success and fast.success
    assert fast.nit <= plain.nit
    assert fast.n_restarts >= 1 and plain.n_restarts == 0
    ref = sk.Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000, fit_intercept=False).fit(Xc, yc)
    scale = np.max(np.abs(ref.coef_))
    np.testing.assert_allclose(fast.x, ref.coef_, atol=1e-5 * scale)
    np.testing.assert_allclose(fast.x, plain.x, atol=1e-5 * scale)
    # the stopping certificate holds at the returned point
    assert enet_duality_gap(fast.x, Xc, yc, alpha) <= tol


def test_restart_is_much_faster_where_plain_fista_loses_to_ista():
    # lesson 08: on diabetes at alpha = 0.5 plain FISTA needs more steps than ISTA
    X, y = load_diabetes(return_X_y=True)
    smooth, kw, Xc, yc = lasso_problem(X, y, 0.5)
    tol = 1e-10 * (yc @ yc) / len(yc)
    ista = proximal_gradient(smooth, tol=tol, max_iter=100_000, **kw)
    fista = proximal_gradient(smooth, accelerated=True, tol=tol, max_iter=100_000, **kw)
    fast = proximal_gradient(smooth, accelerated=True, restart="gradient", tol=tol,
                             max_iter=100_000, **kw)
    assert fista.nit > ista.nit
    assert 2 * fast.nit < ista.nit


def reference_restarted_fista(grad, prox, x0, lr, n_steps, scheme, F=None):
    """O'Donoghue and Candès, algorithm of §3.2, written independently: theta_k form."""
    x_prev = x = np.array(x0, dtype=float)
    y = x.copy()
    theta = 1.0
    xs = [x.copy()]
    for _ in range(n_steps):
        x_new = prox(y - lr * grad(y), lr)
        if scheme == "gradient":
            restart = np.dot(y - x_new, x_new - x) > 0
        else:
            restart = F(x_new) > F(x)
        if restart:
            theta = 1.0
        theta_new = (1 + math.sqrt(1 + 4 * theta**2)) / 2
        y = x_new + (theta - 1) / theta_new * (x_new - x)
        x_prev, x, theta = x, x_new, theta_new
        xs.append(x.copy())
    del x_prev
    return np.array(xs)


@pytest.mark.parametrize("scheme", ["gradient", "function"])
def test_restarted_iterates_match_an_independent_loop(scheme):
    X, y, alpha = sparse_wide(seed=3, n=30, p=40)
    smooth, kw, Xc, yc = lasso_problem(X, y, alpha)
    n_steps = 200
    F = lambda w: smooth(w)[0] + kw["penalty"](w)  # noqa: E731
    expected = reference_restarted_fista(lambda w: smooth(w)[1], kw["prox"], kw["x0"], kw["lr"],
                                         n_steps, scheme, F)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = proximal_gradient(smooth, kw["prox"], kw["x0"], kw["lr"], accelerated=True,
                                restart=scheme, penalty=kw["penalty"], tol=0.0,
                                max_iter=n_steps)
    np.testing.assert_allclose(res.x, expected[-1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.history, [F(w) for w in expected], rtol=1e-10)
    assert res.n_restarts >= 1


def test_function_restart_never_lets_the_objective_rise_twice_in_a_row():
    # after a rise the momentum is reset, so the next step is a plain ISTA step, which
    # cannot increase F (step 1/L)
    X, y, alpha = sparse_wide(seed=2)
    smooth, kw, *_ = lasso_problem(X, y, alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = proximal_gradient(smooth, accelerated=True, restart="function", tol=0.0,
                                max_iter=500, **kw)
    rises = np.diff(res.history) > 1e-12 * np.abs(res.history[1:])
    assert not np.any(rises[1:] & rises[:-1])
    assert res.n_restarts == int(np.sum(np.diff(res.history) > 0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(restart="always", accelerated=True), r"restart must be None, 'gradient' or "
                                                   r"'function', got restart='always'"),
        (dict(restart="gradient"), r"needs accelerated=True"),
        (dict(restart="function", accelerated=True), r"pass penalty="),
    ],
)
def test_bad_restart_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        proximal_gradient(lambda x: (0.5 * x @ x, x), lambda z, t: z, np.ones(2), 1.0, **kwargs)
