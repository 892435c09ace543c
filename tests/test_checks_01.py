"""Chapter 01 checks accept the reference answers and reject typical mistakes by name."""

import re

import numpy as np
import pytest

from mlopt.checks import loss_functions as checks
from mlopt.gradcheck import rel_error
from tests.exercise_utils import solution_namespace

CHAPTER = "01_loss_functions_and_gradients"


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


@pytest.mark.parametrize(
    ("check", "name"),
    [(checks.check_mse, "mse"), (checks.check_mse_gradient, "mse_gradient"),
     (checks.check_mae_gradient, "mae_gradient"),
     (checks.check_central_difference, "central_difference")],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_answers_pass(solution, check, name, seed):
    check(solution[name], seed=seed)


def r(w, X, y):
    return X @ w - y


MSE_MISTAKES = {
    "summed": (lambda w, X, y: np.sum(r(w, X, y) ** 2), "divide by n"),
    "rmse": (lambda w, X, y: np.sqrt(np.mean(r(w, X, y) ** 2)), "leave out the sqrt"),
    "mae": (lambda w, X, y: np.mean(np.abs(r(w, X, y))), "square the residuals"),
    "per-sample": (lambda w, X, y: r(w, X, y) ** 2, "single number"),
    "no return": (lambda w, X, y: None, "return"),
    "halved": (lambda w, X, y: np.mean(r(w, X, y) ** 2) / 2, "divides by n"),
    "w @ X": (lambda w, X, y: np.mean((w @ X - y) ** 2), "predictions X @ w"),
}

GRAD_MISTAKES = {
    "sign": (lambda w, X, y: -2 / len(y) * X.T @ r(w, X, y), "opposite sign"),
    "no 1/n": (lambda w, X, y: 2 * X.T @ r(w, X, y), "n times too large"),
    "no 2": (lambda w, X, y: X.T @ r(w, X, y) / len(y), "half the right value"),
    "article": (lambda w, X, y: 2 * (y - X @ w)[:, None] * X, "source article"),
    "per-sample": (lambda w, X, y: 2 * r(w, X, y)[:, None] * X, "one gradient per sample"),
    "transposed X": (lambda w, X, y: (X.T @ X @ w - X.T @ y)[:, None].T * 2 / len(y), "shape"),
    "bias column": (lambda w, X, y: np.r_[2 / len(y) * X.T @ r(w, X, y), 0.0], "shape"),
    "element-wise": (lambda w, X, y: 2 / len(y) * X.T * r(w, X, y), "element by element"),
    "per-sample, no 2": (lambda w, X, y: r(w, X, y)[:, None] * X, "sum over the samples"),
    "X @ r": (lambda w, X, y: 2 / len(y) * X @ r(w, X, y), "X.T @ r"),
}

MAE_MISTAKES = {
    "sign": (lambda w, X, y: -X.T @ np.sign(r(w, X, y)) / len(y), "opposite sign"),
    "no 1/n": (lambda w, X, y: X.T @ np.sign(r(w, X, y)), "n times too large"),
    "residual": (lambda w, X, y: X.T @ r(w, X, y) / len(y), "sign(r)"),
    "mse grad": (lambda w, X, y: 2 * X.T @ r(w, X, y) / len(y), "MSE gradient"),
    "sign outside": (lambda w, X, y: np.sign(X.T @ r(w, X, y)) / len(y), "each residual"),
    "element-wise": (lambda w, X, y: X.T * np.sign(r(w, X, y)) / len(y), "element by element"),
    "X @ sign": (lambda w, X, y: X @ np.sign(r(w, X, y)) / len(y), "X.T @ np.sign(r)"),
}


def forward(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x)) / h for e in np.eye(len(x))])


def in_place(f, x, h=1e-6):
    g = np.zeros(len(x))
    for i in range(len(x)):
        x[i] += h
        fp = f(x)
        x[i] -= 2 * h
        fm = f(x)
        g[i] = (fp - fm) / (2 * h)  # x is left off by -h
    return g


DIFF_MISTAKES = {
    "forward": (forward, "forward difference"),
    "backward": (lambda f, x, h=1e-6: np.array([(f(x) - f(x - h * e)) / h for e in np.eye(len(x))]),
                 "backward difference"),
    "divide by h": (lambda f, x, h=1e-6: np.array(
        [(f(x + h * e) - f(x - h * e)) / h for e in np.eye(len(x))]), "twice too large"),
    "in place": (in_place, "modified its input"),
}


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [pytest.param(checks.check_mse, fn, msg, id=f"mse-{k}")
     for k, (fn, msg) in MSE_MISTAKES.items()]
    + [pytest.param(checks.check_mse_gradient, fn, msg, id=f"grad-{k}")
       for k, (fn, msg) in GRAD_MISTAKES.items()]
    + [pytest.param(checks.check_mae_gradient, fn, msg, id=f"mae-{k}")
       for k, (fn, msg) in MAE_MISTAKES.items()]
    + [pytest.param(checks.check_central_difference, fn, msg, id=f"diff-{k}")
       for k, (fn, msg) in DIFF_MISTAKES.items()],
)
def test_typical_mistakes_are_rejected_with_a_useful_message(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_mse, checks.check_mse_gradient, checks.check_mae_gradient,
                  checks.check_central_difference):
        with pytest.raises(NotImplementedError):
            check(stub)


# Found by testing the exercise as a learner: correct answers written unusually ...
def _cd_restore_saved(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old  # restored exactly, as in CS231n
        g[i] = (fp - fm) / (2 * h)
    return g


UNUSUAL_CORRECT = [
    (checks.check_mse, lambda w, X, y: np.linalg.norm(X @ w - y) ** 2 / X.shape[0]),
    (checks.check_mse, lambda w, X, y: [np.mean((X @ w - y) ** 2)]),
    (checks.check_mse_gradient, lambda w, X, y: 2 * np.einsum("ij,i->j", X, X @ w - y) / len(y)),
    (checks.check_mse_gradient, lambda w, X, y: -2 / len(y) * X.T.dot(y - X.dot(w))),
    (checks.check_mse_gradient, lambda w, X, y: 2 / len(y) * (X.T @ X @ w - X.T @ y)),
    (checks.check_mae_gradient, lambda w, X, y: X.T @ np.where(X @ w - y > 0, 1.0, -1.0) / len(y)),
    (checks.check_mae_gradient, lambda w, X, y: np.mean(np.sign(X @ w - y)[:, None] * X, axis=0)),
    (checks.check_central_difference, _cd_restore_saved),
    (checks.check_central_difference, lambda f, x, h=1e-6: [
        (f(x + e) - f(x - e)) / (2 * h) for e in np.eye(len(x)) * h]),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("check", "fn"), UNUSUAL_CORRECT)
def test_unusual_correct_answers_are_accepted(check, fn, seed):
    check(fn, seed=seed)


# ... and mistakes the first list missed.
MORE_MISTAKES = [
    (checks.check_mse, lambda w, X, y: np.sum(r(w, X, y) ** 2) / (len(y) - 1), "n - 1"),
    # seed 0 used to give residuals of a single sign, where these equal the right answer
    (checks.check_mae_gradient, lambda w, X, y: X.mean(axis=0) * np.sign(np.mean(r(w, X, y))),
     "sign of the mean residual"),
    (checks.check_mae_gradient, lambda w, X, y: np.mean(np.sign(r(w, X, y))) * X.mean(axis=0),
     "separately"),
    (checks.check_mae_gradient, lambda w, X, y: 2 * X.T @ np.sign(r(w, X, y)) / len(y),
     "twice too large"),
    (checks.check_mae_gradient, lambda w, X, y: X.T @ np.abs(r(w, X, y)) / len(y), "used |r|"),
    (checks.check_central_difference, lambda f, x, h=1e-6: np.array(
        [(f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6 for e in np.eye(len(x))]),
     "use the argument h"),
    (checks.check_central_difference, lambda f, x, h=1e-6: (f(x + h) - f(x - h)) / (2 * h),
     "returned a single number"),
    (checks.check_central_difference, lambda f, x, h=1e-6: np.full(
        len(x), (f(x + h) - f(x - h)) / (2 * h)), "all the coordinates at once"),
    (checks.check_central_difference, in_place, "does not give x back exactly"),
]


@pytest.mark.parametrize(("check", "fn", "message"), MORE_MISTAKES)
def test_more_mistakes_are_named(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


@pytest.mark.parametrize("seed", range(20))
def test_residuals_have_both_signs(seed):
    w, X, y = checks.make_problem(seed=seed)
    signs = np.sign(X @ w - y)
    assert (signs > 0).any() and (signs < 0).any()


# Issue 9: edge inputs (residuals of exactly 0), float32, unexpected return types.
def _mae_nan_at_zero(w, X, y):
    res = r(w, X, y)
    return X.T @ (res / np.abs(res)) / len(y)


@pytest.mark.parametrize("zeros", [1, 2])
@pytest.mark.parametrize("fn", [
    lambda w, X, y: X.T @ np.sign(X @ w - y) / len(y),
    lambda w, X, y: X.T @ np.where(X @ w - y >= 0, 1.0, -1.0) / len(y),   # +1 at 0: valid
    lambda w, X, y: X.T @ np.where(X @ w - y > 0, 1.0, -1.0) / len(y),    # -1 at 0: valid
    lambda w, X, y: X.T @ np.clip((X @ w - y) * 1e12, -1, 1) / len(y),     # 0 at 0
    lambda w, X, y: (X.T @ np.sign(X @ w - y) / len(y)).astype(np.float32),
], ids=["sign", "+1 at 0", "-1 at 0", "clip", "float32"])
def test_every_subgradient_at_zero_residuals_passes(fn, zeros):
    checks.check_mae_gradient(fn, n_samples=6, n_features=3, seed=3, zero_residuals=zeros)
    checks.check_mae_gradient(fn, n_samples=7, n_features=4, seed=33, zero_residuals=zeros)


def test_zero_residuals_are_exact_whatever_the_evaluation_order():
    w, X, y = checks.make_problem(6, 3, seed=3, zero_residuals=2)
    assert np.all((X * w).sum(axis=1)[:2] - y[:2] == 0) and np.all(X[:2] @ w - y[:2] == 0)


@pytest.mark.parametrize(("fn", "message"), [
    (_mae_nan_at_zero, "0 by 0"),
    (lambda w, X, y: X.T @ np.where(X @ w - y == 0, 2.0, np.sign(X @ w - y)) / len(y),
     "mae_gradient(w, X, y) is wrong"),
    (lambda w, X, y: -X.T @ np.sign(r(w, X, y)) / len(y), "opposite sign"),
    (lambda w, X, y: (X.T @ np.sign(r(w, X, y)) / len(y), 0.0), "should return numbers"),
])
def test_zero_residual_mistakes_are_rejected(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_mae_gradient(fn, n_samples=6, n_features=3, seed=3, zero_residuals=2)


@pytest.mark.parametrize("check, fn", [
    (checks.check_mse, lambda w, X, y: np.float32(np.mean((X @ w - y) ** 2))),
    (checks.check_mse_gradient,
     lambda w, X, y: (2 / len(y) * X.T @ (X @ w - y)).astype(np.float32)),
])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_float32_answers_pass(check, fn, seed):
    check(fn, seed=seed)


@pytest.mark.parametrize("fn", [
    lambda w, X, y: (np.mean((X @ w - y) ** 2), 2 / len(y) * X.T @ (X @ w - y)),
    lambda w, X, y: "0.5",
    lambda w, X, y: {"mse": 1.0},
])
def test_unexpected_return_types_get_a_message_not_a_crash(fn):
    with pytest.raises(AssertionError):
        checks.check_mse(fn)
    with pytest.raises(AssertionError):
        checks.check_mse_gradient(fn)


# The reasoning tasks: a gradient check's fingerprint, and the article's gradient.
def rho_of(c):
    """What rel_error reports for an analytic gradient c times the true one: measured."""
    g = np.array([0.3, -1.2, 2.5])
    return rel_error(c * g, g)


def factors_by_root_finding(rho):
    """Measuring, done right: solve rel_error(c g, g) = rho on both sides of c = 1."""
    from scipy.optimize import brentq

    if rho == 0:
        return 1.0, 1.0
    large = brentq(lambda c: rho_of(c) - rho, 1.0, 1e6, xtol=1e-14, rtol=1e-15)
    small = brentq(lambda c: rho_of(c) - rho, 1e-9, 1.0, xtol=1e-16, rtol=1e-15)
    return small, large


@pytest.mark.parametrize("fn", [
    lambda r: ((1 - r) / (1 + r), (1 + r) / (1 - r)),
    lambda r: np.array([(1 - r) / (1 + r), (1 + r) / (1 - r)]),
    lambda r: [1 / ((1 + r) / (1 - r)), (1 + r) / (1 - r)],
    lambda r: tuple(np.float32([(1 - r) / (1 + r), (1 + r) / (1 - r)])),
    factors_by_root_finding,
])
def test_factors_for_rel_error_accepts_equivalent_forms(fn, solution):
    checks.check_factors_for_rel_error(solution["factors_for_rel_error"])
    checks.check_factors_for_rel_error(fn)


def test_the_answer_inverts_the_measured_fingerprint(solution):
    """The task's answer is what rel_error really reports, measured here: both factors give
    rho back, and any negative factor gives exactly 1."""
    for rho in (0.0, 1 / 3, 0.6, 29 / 31):
        for c in solution["factors_for_rel_error"](rho):
            assert rho_of(c) == pytest.approx(rho, rel=1e-12, abs=1e-15)
    for c in (-0.01, -1.0, -30.0):
        assert rho_of(c) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize(("fn", "message"), [
    # measuring instead of solving: the forward rho(rho) = (1 - rho)/(1 + rho) is c_small
    (lambda r: rho_of(r), "It is one of the two"),
    (lambda r: ((1 + r) / (1 - r), (1 - r) / (1 + r)), "wrong order"),
    (lambda r: (1 + r) / (1 - r), "It is one of the two"),
    (lambda r: (1 - r) / (1 + r), "It is one of the two"),
    (lambda r: (-(1 + r) / (1 - r), (1 + r) / (1 - r)), "exactly 1 whatever its size"),
    (lambda r: (1 - r, (1 + r) / (1 - r)), "a factor c and of 1/c are the same"),
    (lambda r: (1 - r, 1 + r), "c_large = 1.33333 would make rel_error report 0.142857"),
    (lambda r: (1 / (1 + r), 1 / (1 - r)), "would make rel_error report"),
    (lambda r: None, "return"),
    (lambda r: "2", "pair"),
    (lambda r: (1.0, 2.0, 3.0), "two numbers"),
    # right for rho > 0, but a gradient that is exactly right (rho = 0) divides by zero
    (lambda r: (1 / ((1 + r) / (1 - r)), (1 + r) / (1 - r)) if r > 1e-3 else (r / r, 1.0),
     "raised ZeroDivisionError"),
])
def test_factors_for_rel_error_mistakes(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_factors_for_rel_error(fn)


def test_factors_for_rel_error_stub_is_rejected():
    def stub(c):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        checks.check_factors_for_rel_error(stub)
    with pytest.raises(NotImplementedError):
        checks.check_article_factor(stub)


def test_article_factor_matches_the_articles_code(solution):
    """The task's answer is what the article's code really does, measured here."""
    for n in (5, 30, 200):
        w, X, y = checks.make_problem(n, 3, seed=n)
        true = 2 / n * X.T @ (X @ w - y)
        assert np.allclose(solution["article_gradient"](w, X, y), -n * true)
    checks.check_article_factor(solution["article_factor"])
    checks.check_article_factor(lambda n: -float(n))
    checks.check_article_factor(lambda n: np.float32(-n))


@pytest.mark.parametrize(("fn", "message"), [
    (lambda n: n, "flipped sign"),
    (lambda n: -1 / n, "compare the norms"),
    (lambda n: 1 / n, "compare the norms"),
    (lambda n: -2 * n, "only the 1/n is missing"),
    (lambda n: -n / 2, "only the 1/n is missing"),
    (lambda n: -1, "without dividing by n"),
    (lambda n: -30, "depends on the number of samples"),
    (lambda n: -n - 1, "article_factor(5) is wrong"),
    (lambda n: (-n, 1), "should be a single number"),
    (lambda n: None, "return"),
])
def test_article_factor_mistakes(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_article_factor(fn)


def _five_point(f, x, h=1e-6):
    """A fourth-order stencil: more accurate, but not the formula the task defines."""
    E = np.eye(len(x)) * h
    return np.array([(-f(x + 2 * e) + 8 * f(x + e) - 8 * f(x - e) + f(x - 2 * e)) / (12 * h)
                     for e in E])


@pytest.mark.parametrize(("fn", "message"), [
    (_five_point, "two-point central difference"),
    (lambda f, x, h=1e-6: np.array([(f(x + 1e-5 * e) - f(x - 1e-5 * e)) / 2e-5
                                    for e in np.eye(len(x))]), "two-point central difference"),
    (lambda f, x, h=1e-6: np.array([(f(x + 1e-4 * e) - f(x - 1e-4 * e)) / 2e-4
                                    for e in np.eye(len(x))]), "with h=0.0001"),
])
def test_other_accurate_differences_are_told_apart(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_central_difference(fn)


ODD_RETURNS = [None, "x", {"a": 1}, (1, 2, 3), [np.zeros(2), 1.0], np.zeros((2, 2)), object(),
               True]


@pytest.mark.parametrize("value", ODD_RETURNS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("check", [checks.check_mse, checks.check_mse_gradient,
                                   checks.check_mae_gradient, checks.check_central_difference,
                                   checks.check_factors_for_rel_error,
                                   checks.check_article_factor])
def test_no_check_crashes_on_an_odd_return_value(check, value):
    with pytest.raises(AssertionError):
        check(lambda *args, **kwargs: value)


def _central(f, x, h):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


@pytest.mark.parametrize("kwargs", [{}, {"n": 1, "h": 1e-2, "seed": 41},
                                    {"n": 6, "h": 1e-4, "seed": 42}])
def test_central_difference_in_float32_passes(kwargs):
    """A central difference stored in a float32 array is right to single precision: it must
    not be told to 'use the argument h' (it does)."""
    checks.check_central_difference(
        lambda f, x, h=1e-6: _central(f, x, h).astype(np.float32), **kwargs)


@pytest.mark.parametrize("step", [1e-4, 1e-6])
def test_central_difference_in_float32_with_its_own_step_fails(step):
    with pytest.raises(AssertionError, match="use the argument h"):
        checks.check_central_difference(
            lambda f, x, h=1e-6: _central(f, x, step).astype(np.float32))


@pytest.mark.parametrize(("check", "fn"), [
    (checks.check_mse, lambda w, X, y: np.sum((X @ w - y) ** 2) / len(w)),
    (checks.check_mse_gradient, lambda w, X, y: 2 / X.shape[1] * X.T @ (X @ w - y)),
])
def test_dividing_by_the_number_of_features_is_named(check, fn):
    with pytest.raises(AssertionError, match="number of features"):
        check(fn)
