"""Power iteration against numpy's eigensolver; Armijo backtracking against the descent lemma."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlopt.datasets import load_diabetes
from mlopt.line_search import armijo, backtracking, power_iteration
from mlopt.losses import squared_error
from mlopt.surfaces import quadratic


def random_spd(n, seed, low=0.1, high=10.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return Q @ np.diag(np.linspace(low, high, n)) @ Q.T


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 12), seed=st.integers(0, 10_000))
def test_power_iteration_matches_eigvalsh(n, seed):
    A = random_spd(n, seed)
    res = power_iteration(A, rng=seed)
    top = np.linalg.eigvalsh(A)[-1]
    assert res.converged
    assert res.eigenvalue == pytest.approx(top, rel=1e-8)
    # the vector is the top eigenvector, up to sign
    assert abs(res.eigenvector @ np.linalg.eigh(A)[1][:, -1]) == pytest.approx(1.0, abs=1e-4)


def test_power_iteration_approaches_from_below_on_psd():
    A = random_spd(6, 1)
    top = np.linalg.eigvalsh(A)[-1]
    estimates = [power_iteration(A, max_iter=k, tol=1e-300, rng=3).eigenvalue
                 for k in range(1, 30)]
    assert all(e <= top * (1 + 1e-12) for e in estimates)
    assert estimates[-1] == pytest.approx(top, rel=1e-6)


def test_power_iteration_with_a_hessian_vector_product_on_diabetes():
    X, _ = load_diabetes(return_X_y=True)
    Xc = X - X.mean(axis=0)
    n = len(Xc)
    res = power_iteration(lambda v: 2 / n * Xc.T @ (Xc @ v), n=Xc.shape[1], rng=0)
    L = 2 / n * np.linalg.norm(Xc, 2) ** 2
    assert res.eigenvalue == pytest.approx(L, rel=1e-9)
    assert res.n_iter < 100


def test_power_iteration_rate_follows_the_eigenvalue_ratio():
    # error of the Rayleigh quotient shrinks like (λ2/λ1)^(2k)
    A = np.diag([1.0, 5.0, 10.0])
    errors = np.array([10.0 - power_iteration(A, max_iter=k, tol=1e-300, rng=0).eigenvalue
                       for k in (5, 10)])
    assert errors[1] / errors[0] == pytest.approx(0.5 ** 10, rel=0.05)


def test_power_iteration_finds_the_largest_modulus():
    res = power_iteration(np.diag([-7.0, 2.0]), rng=0)
    assert res.eigenvalue == pytest.approx(-7.0)


def test_power_iteration_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        power_iteration(np.ones((2, 3)))
    with pytest.raises(ValueError, match="n .the dimension"):
        power_iteration(lambda v: v)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        power_iteration(lambda v: np.ones(2), n=3)
    with pytest.raises(ValueError, match="tol"):
        power_iteration(np.eye(2), tol=0)


def test_power_iteration_is_reproducible():
    A = random_spd(5, 0)
    a = power_iteration(A, max_iter=3, rng=1)
    b = power_iteration(A, max_iter=3, rng=1)
    c = power_iteration(A, max_iter=3, rng=2)
    assert a.eigenvalue == b.eigenvalue and a.eigenvalue != c.eigenvalue


def test_armijo_condition():
    assert armijo(0.9999, 1.0, slope=-1.0, lr=1.0, c=1e-4)
    assert not armijo(0.99995, 1.0, slope=-1.0, lr=1.0, c=1e-4)
    assert not armijo(np.nan, 1.0, slope=-1.0, lr=1.0)


@pytest.mark.parametrize(("L", "lr0", "halvings"), [(10.0, 1.0, 3), (1.0, 1.0, 0),
                                                     (3.0, 1.0, 1), (100.0, 1.0, 6)])
def test_backtracking_halving_count_on_a_parabola(L, lr0, halvings):
    # f = L/2 x²: the step t passes iff 1 - L t / 2 >= c, i.e. t <= 2 (1 - c) / L
    fun = lambda x: (0.5 * L * float(x @ x), L * x)
    res = backtracking(fun, np.array([2.0]), lr0=lr0)
    expected = int(np.ceil(np.log2(lr0 / (2 * (1 - 1e-4) / L)))) if lr0 > 2 * (1 - 1e-4) / L else 0
    assert res.n_shrinks == halvings == expected
    assert res.lr == lr0 / 2**halvings


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), kappa=st.floats(1.0, 200.0),
       shrink=st.sampled_from([0.3, 0.5, 0.8]), c=st.sampled_from([1e-4, 0.1, 0.4]))
def test_backtracking_satisfies_armijo_and_is_not_too_short(seed, kappa, shrink, c):
    f = quadratic(kappa, angle=0.4)
    L = np.linalg.eigvalsh(f.hessian)[-1]
    x = np.random.default_rng(seed).normal(size=2) * 3
    value, g = f(x)
    res = backtracking(f, x, lr0=1.0, shrink=shrink, c=c)
    new = f(x - res.lr * g)[0]
    assert new == pytest.approx(res.value)
    assert new <= value - c * res.lr * g @ g + 1e-12          # Armijo
    assert res.lr >= min(1.0, shrink * 2 * (1 - c) / L) * (1 - 1e-12)   # descent-lemma bound
    if res.n_shrinks:     # the step before the accepted one failed the condition
        longer = res.lr / shrink
        assert f(x - longer * g)[0] > value - c * longer * g @ g


def test_backtracking_with_a_direction_and_on_least_squares():
    X, y = load_diabetes(return_X_y=True)
    fun = lambda w: squared_error(w, X, y)
    w = np.zeros(X.shape[1])
    L = 2 / len(y) * np.linalg.norm(X, 2) ** 2
    res = backtracking(fun, w, lr0=10 / L)
    assert res.value < fun(w)[0]
    d = -fun(w)[1] / np.linalg.norm(fun(w)[1])
    res_d = backtracking(fun, w, direction=d, lr0=1000.0)
    assert res_d.value < fun(w)[0]


def test_backtracking_skips_overflow_and_rejects_bad_input():
    fun = lambda x: (float(np.exp(x @ x)), 2 * x * np.exp(x @ x))
    with np.errstate(over="ignore"):
        res = backtracking(fun, np.array([1.0]), lr0=1e3)
    assert np.isfinite(res.value) and res.value < np.e
    quad = lambda x: (float(x @ x), 2 * x)
    with pytest.raises(ValueError, match="not a descent direction"):
        backtracking(quad, np.array([1.0]), direction=np.array([1.0]))
    with pytest.raises(ValueError, match="shape"):
        backtracking(quad, np.array([1.0]), direction=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="shrink"):
        backtracking(quad, np.array([1.0]), shrink=1.0)
    wrong_gradient = lambda x: (float(x @ x), -2 * x)
    with pytest.raises(ValueError, match="check_grad"):
        backtracking(wrong_gradient, np.array([1.0]), max_shrinks=20)
