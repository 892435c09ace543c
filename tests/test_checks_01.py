"""Chapter 01 checks accept the reference answers and reject typical mistakes by name."""

import re

import numpy as np
import pytest

from mlopt.checks import loss_functions as checks
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
