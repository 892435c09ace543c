"""Checks for the graded exercise of chapter 01, loss functions and gradients."""

from __future__ import annotations

from functools import partial

import numpy as np

from mlopt.checks._core import Mistake, call_on_copies, check_array, check_scalar
from mlopt.gradcheck import numerical_gradient
from mlopt.losses import absolute_error, squared_error

__all__ = ["check_mse", "check_mse_gradient", "check_mae_gradient", "check_central_difference"]


def make_problem(n_samples=5, n_features=3, seed=0):
    """A small linear-regression problem ``(w, X, y)`` with well-separated residuals."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    w = rng.normal(size=n_features)
    # residuals at least 0.2 away from 0, so sign(r) is unambiguous
    signs = rng.choice([-1.0, 1.0], size=n_samples)
    if n_samples > 1 and abs(signs.sum()) == n_samples:
        # residuals of one sign would let X.T @ sign(r) / n pass as sign(mean(r)) * X.mean(0)
        signs[0] = -signs[0]
    r = signs * rng.uniform(0.2, 2.0, size=n_samples)
    y = X @ w - r
    return w, X, y


_call = partial(
    call_on_copies, fix="Work on a copy: `x = x.copy()`, or `x + h * e` instead of `x += ...` "
    "(adding h and subtracting it again does not give x back exactly: rounding)."
)


def _context(w, X, y):
    return f"w.shape={w.shape}, X.shape={X.shape}, y.shape={y.shape}"


_SHAPES = (
    "With X of shape (n_samples, n_features) and w of shape (n_features,), the predictions "
    "X @ w and the residuals r = X @ w - y have shape (n_samples,)"
)
_SUM_OVER_SAMPLES = (
    "X.T @ r, shape (n_features,), multiplies each residual by its row of X and sums over the "
    "samples in one matrix product (X @ r does not fit: X has n_features columns, r has "
    "n_samples entries)"
)


def _call_linear(fn, name, w, X, y, hint):
    """Call the learner's ``fn(w, X, y)``; turn a NumPy shape error into advice on the shapes."""
    try:
        return _call(fn, name, w, X, y)
    except ValueError as err:
        raise AssertionError(
            f"{name}(w, X, y) raised ValueError: {err} (inputs: {_context(w, X, y)}). "
            f"{_SHAPES}; {hint}."
        ) from err


def _check_gradient(got, expected, what, mistakes, w, X, y):
    """:func:`check_array`, with a hint when the answer has one entry per sample and feature."""
    try:
        check_array(got, expected, what, mistakes=mistakes, context=_context(w, X, y))
    except AssertionError as err:
        per_sample = {X.shape, X.shape[::-1]} - {expected.shape}
        if np.shape(got) in per_sample and "has shape" in str(err):
            raise AssertionError(
                f"{err} One entry per sample and feature means the sum over the samples is "
                f"missing: {_SUM_OVER_SAMPLES}."
            ) from None
        raise


def check_mse(mse, *, n_samples=5, n_features=3, seed=0):
    """Check ``mse(w, X, y)`` = (1/n) Σ (xᵢᵀw − yᵢ)²."""
    w, X, y = make_problem(n_samples, n_features, seed)
    r = X @ w - y
    n = len(y)
    expected = squared_error(w, X, y)[0]
    mistakes = [
        Mistake(np.sum(r**2), "you summed the squared residuals; divide by n (use np.mean)"),
        Mistake(np.sqrt(np.mean(r**2)), "this is the root mean squared error; leave out the sqrt"),
        Mistake(np.mean(np.abs(r)), "this is the mean absolute error; square the residuals"),
        Mistake(np.mean(r) ** 2, "you squared the mean residual; average the squares instead"),
        Mistake(np.sum(r**2) / (2 * n), "you divided by 2n; the MSE divides by n"),
        Mistake(np.sum(r**2) / (n - 1) if n > 1 else np.nan,
                "you divided by n - 1; the MSE is a plain mean, divide by n (np.mean)"),
    ]
    got = _call_linear(mse, "mse", w, X, y, "the MSE is np.mean(r**2), a single number")
    check_scalar(got, expected, "mse(w, X, y)", mistakes=mistakes, context=_context(w, X, y))


def check_mse_gradient(mse_gradient, *, n_samples=5, n_features=3, seed=0):
    """Check ``mse_gradient(w, X, y)`` = (2/n) Xᵀ(Xw − y)."""
    w, X, y = make_problem(n_samples, n_features, seed)
    r = X @ w - y
    n = len(y)
    expected = squared_error(w, X, y)[1]
    mistakes = [
        Mistake(-expected, "it has the opposite sign. With r = Xw - y (prediction minus "
                "target) the gradient is +(2/n) X.T @ r; a gradient that points downhill makes "
                "gradient descent climb the loss"),
        Mistake(n * expected, "it is n times too large: divide the sum by n (the loss is a mean)"),
        Mistake(-n * expected, "it has the opposite sign and misses the 1/n"),
        Mistake(expected / 2, "it is half the right value: the derivative of r² is 2r"),
        Mistake(2 * r[:, None] * X, "you returned one gradient per sample, shape (n, p); "
                "average them over the samples: (2/n) X.T @ r"),
        Mistake(-2 * r[:, None] * X, "you returned one gradient per sample with the wrong sign "
                "(the source article's `2 * (y - y_pred) * X`); use (2/n) X.T @ (X @ w - y)"),
        Mistake(2 / n * X.T * r, "you multiplied element by element (X.T * r), which keeps "
                "one column per sample, shape (n_features, n_samples); the matrix product "
                "X.T @ r multiplies and sums over the samples: (2/n) X.T @ r"),
    ]
    got = _call_linear(mse_gradient, "mse_gradient", w, X, y, _SUM_OVER_SAMPLES)
    _check_gradient(got, expected, "mse_gradient(w, X, y)", mistakes, w, X, y)


def check_mae_gradient(mae_gradient, *, n_samples=5, n_features=3, seed=0):
    """Check ``mae_gradient(w, X, y)`` = (1/n) Xᵀ sign(Xw − y)."""
    w, X, y = make_problem(n_samples, n_features, seed)
    r = X @ w - y
    n = len(y)
    expected = absolute_error(w, X, y)[1]
    mistakes = [
        Mistake(-expected, "it has the opposite sign: d|r|/dr = sign(r) with r = Xw - y"),
        Mistake(n * expected, "it is n times too large: divide by n (the loss is a mean)"),
        Mistake(X.T @ r / n, "you used the residual r itself; the derivative of |r| is sign(r)"),
        Mistake(2 * X.T @ r / n, "this is the MSE gradient; the derivative of |r| is sign(r)"),
        Mistake(2 * expected, "it is twice too large: the derivative of |r| is sign(r), with no "
                "factor 2 (that factor belongs to the MSE)"),
        Mistake(X.T @ np.abs(r) / n, "you used |r|; the derivative of |r| is sign(r): "
                "X.T @ np.sign(r) / n"),
        Mistake(np.sign(np.mean(r)) * X.mean(axis=0), "you took the sign of the mean residual; "
                "take the sign of each residual: X.T @ np.sign(r) / n"),
        Mistake(np.mean(np.sign(r)) * X.mean(axis=0), "you averaged the signs and the rows of X "
                "separately; the mean of the products is X.T @ np.sign(r) / n"),
        Mistake(np.sign(X.T @ r) / n, "take the sign of each residual before multiplying by "
                "X.T, not the sign of the result"),
        Mistake(X.T * np.sign(r) / n, "you multiplied element by element (X.T * sign(r)), "
                "which keeps one column per sample, shape (n_features, n_samples); the matrix "
                "product X.T @ np.sign(r) multiplies and sums over the samples"),
    ]
    got = _call_linear(mae_gradient, "mae_gradient", w, X, y,
                       _SUM_OVER_SAMPLES.replace("X.T @ r", "X.T @ np.sign(r)"))
    _check_gradient(got, expected, "mae_gradient(w, X, y)", mistakes, w, X, y)


def check_central_difference(central_difference, *, n=3, h=1e-3, seed=0):
    """Check ``central_difference(f, x, h)`` = ((f(x + h eᵢ) − f(x − h eᵢ)) / 2h)ᵢ.

    The test function is :math:`f(x) = \\sum x_i^3 + x_0 x_1`, whose third derivative is not
    zero, so a forward difference is off by about :math:`3 x_i h` while a central difference
    is off by only :math:`h^2`.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.0, size=n)

    def f(z):
        return float(np.sum(z**3) + z[0] * z[-1])

    expected = numerical_gradient(f, x, h=h)
    forward = np.array([(f(x + h * e) - f(x)) / h for e in np.eye(n)])
    backward = np.array([(f(x) - f(x - h * e)) / h for e in np.eye(n)])
    mistakes = [
        Mistake(forward, "this is the forward difference (f(x+h) - f(x)) / h, accurate to O(h) "
                "only; use (f(x + h e_i) - f(x - h e_i)) / (2h)"),
        Mistake(backward, "this is the backward difference (f(x) - f(x-h)) / h; use the "
                "central difference (f(x + h e_i) - f(x - h e_i)) / (2h)"),
        Mistake(2 * expected, "it is twice too large: the two points are 2h apart, divide by 2h"),
        Mistake(expected / 2, "it is half the right value: divide by 2h, not 4h"),
        Mistake(np.full(n, (f(x + h) - f(x - h)) / (2 * h)), "every entry is the same: you "
                "shifted all the coordinates at once (x + h); shift one at a time, x + h * e_i "
                "with e_i the i-th unit vector (np.eye(len(x))[i])"),
    ]
    got = _call(central_difference, "central_difference", f, x, h)
    exact = 3 * x**2 + np.eye(n)[0] * x[-1] + np.eye(n)[-1] * x[0]
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        got_arr = None
    if got_arr is not None and got_arr.ndim == 0:
        raise AssertionError(
            f"central_difference(f, x, h) returned a single number; return one partial "
            f"derivative per coordinate, an array of shape x.shape = {x.shape}: shift one "
            "coordinate at a time, x + h * e_i with e_i the i-th unit vector."
        )
    if (got_arr is not None and got_arr.shape == expected.shape
            and not np.allclose(got_arr, expected, rtol=1e-8, atol=1e-9)
            and np.allclose(got_arr, exact, rtol=1e-5)):
        raise AssertionError(
            f"central_difference(f, x, h) is close to the true gradient but is not the central "
            f"difference with the h it was given (h={h}): use the argument h, not a fixed step "
            "of your own (the default h=1e-6 only applies when the caller passes no h)."
        )
    # The exact gradient differs from the central difference by O(h^2) = 1e-6 here,
    # the forward difference by O(h) = 1e-3: rtol=1e-8 separates them.
    check_array(got, expected, "central_difference(f, x, h)", mistakes=mistakes, rtol=1e-8,
                context=f"x={np.round(x, 4).tolist()}, h={h}")
