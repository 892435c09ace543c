"""Checks for the graded exercise of chapter 01, loss functions and gradients."""

from __future__ import annotations

from functools import partial

import numpy as np

from mlopt.checks._core import Mistake, call_on_copies, check_array, check_scalar
from mlopt.gradcheck import numerical_gradient
from mlopt.losses import absolute_error, squared_error

__all__ = ["check_mse", "check_mse_gradient", "check_mae_gradient", "check_central_difference",
           "check_factors_for_rel_error", "check_article_factor"]


def make_problem(n_samples=5, n_features=3, seed=0, zero_residuals=0):
    """A small linear-regression problem ``(w, X, y)`` with well-separated residuals.

    With ``zero_residuals=k`` the first ``k`` residuals are exactly 0 however ``X @ w`` is
    evaluated: ``X`` and ``w`` then hold small integers, so every product and sum is exact.
    """
    rng = np.random.default_rng(seed)
    if zero_residuals:
        X = rng.integers(-3, 4, size=(n_samples, n_features)).astype(float)
        w = rng.integers(-3, 4, size=n_features).astype(float)
        r = rng.choice([-1.5, -0.5, 0.5, 1.5, 2.5], size=n_samples)
        r[:zero_residuals] = 0.0
        return w, X, X @ w - r
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


def _check_number(got, expected, what, **kwargs):
    """:func:`check_scalar` that explains, instead of crashing on, a return value of no number."""
    try:
        np.asarray(got, dtype=float)
    except (TypeError, ValueError) as err:
        raise AssertionError(
            f"{what} should return one number, got {type(got).__name__} {str(got)[:60]}."
        ) from err
    check_scalar(got, expected, what, **kwargs)


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
        try:
            got_shape = np.shape(got)
        except ValueError:          # e.g. a tuple of an array and a number
            got_shape = None
        if got_shape in per_sample and "has shape" in str(err):
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
        Mistake(np.sum(r**2) / (2 * n), "it is half the MSE: you divided by 2n. That is a "
                "common convention (scikit-learn's Lasso and D2L minimize (1/2n) Σ r², whose "
                "gradient has no factor 2), not a bug in itself, but the MSE asked for here "
                "divides by n"),
        Mistake(np.sum(r**2) / (n - 1) if n > 1 else np.nan,
                "you divided by n - 1; the MSE is a plain mean, divide by n (np.mean)"),
        Mistake(np.sum(r**2) / X.shape[1],
                f"you divided by the number of features ({X.shape[1]}, len(w) or X.shape[1]); "
                f"the mean is over the samples: divide by n = len(y) = {n}"),
    ]
    got = _call_linear(mse, "mse", w, X, y, "the MSE is np.mean(r**2), a single number")
    _check_number(got, expected, "mse(w, X, y)", mistakes=mistakes, context=_context(w, X, y))


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
        Mistake(expected / 2, "it is half the right value: (1/n) X.T @ r is the gradient of "
                "(1/2n) Σ r², a common convention, but the MSE here divides by n, and the "
                "derivative of r² is 2r"),
        Mistake(2 * r[:, None] * X, "you returned one gradient per sample, shape (n, p); "
                "average them over the samples: (2/n) X.T @ r"),
        Mistake(-2 * r[:, None] * X, "you returned one gradient per sample with the wrong sign "
                "(the source article's `2 * (y - y_pred) * X`); use (2/n) X.T @ (X @ w - y)"),
        Mistake(2 / X.shape[1] * X.T @ r, f"you divided by the number of features "
                f"({X.shape[1]}, len(w) or X.shape[1]); the mean is over the samples: "
                f"(2/n) X.T @ r with n = len(y) = {n}"),
        Mistake(2 / n * X.T * r, "you multiplied element by element (X.T * r), which keeps "
                "one column per sample, shape (n_features, n_samples); the matrix product "
                "X.T @ r multiplies and sums over the samples: (2/n) X.T @ r"),
    ]
    got = _call_linear(mse_gradient, "mse_gradient", w, X, y, _SUM_OVER_SAMPLES)
    _check_gradient(got, expected, "mse_gradient(w, X, y)", mistakes, w, X, y)


def check_mae_gradient(mae_gradient, *, n_samples=5, n_features=3, seed=0, zero_residuals=0):
    """Check ``mae_gradient(w, X, y)`` = (1/n) Xᵀ sign(Xw − y).

    With ``zero_residuals=k`` the first ``k`` residuals are exactly 0; there any value in
    [-1, 1] is a valid subgradient of ``|r|``, so every answer
    (1/n) Xᵀ s with sᵢ = sign(rᵢ) where rᵢ ≠ 0 and sᵢ ∈ [-1, 1] where rᵢ = 0 passes.
    """
    w, X, y = make_problem(n_samples, n_features, seed, zero_residuals)
    r = X @ w - y
    n = len(y)
    expected = absolute_error(w, X, y)[1]
    if zero_residuals:
        got = _call_linear(mae_gradient, "mae_gradient", w, X, y,
                           _SUM_OVER_SAMPLES.replace("X.T @ r", "X.T @ np.sign(r)"))
        if _is_subgradient(got, X, r):
            return
        try:
            has_nan = np.isnan(np.asarray(got, dtype=float)).any()
        except (TypeError, ValueError):
            has_nan = False
        if has_nan:
            raise AssertionError(
                f"mae_gradient(w, X, y) contains NaN when {zero_residuals} of the {n} residuals "
                "are exactly 0 (inputs: " + _context(w, X, y) + "). Something like r / |r| "
                "divides 0 by 0 there; np.sign(r) gives 0, and any value in [-1, 1] is a valid "
                "subgradient of |r| at r = 0."
            )
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
    if not zero_residuals:
        got = _call_linear(mae_gradient, "mae_gradient", w, X, y,
                           _SUM_OVER_SAMPLES.replace("X.T @ r", "X.T @ np.sign(r)"))
    _check_gradient(got, expected, "mae_gradient(w, X, y)", mistakes, w, X, y)


def _is_subgradient(got, X, r, tol=1e-9):
    """Whether ``got`` = (1/n) Xᵀ s with s = sign(r) off the zeros of r and s in [-1, 1] on them."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    n, p = X.shape
    if got.shape != (p,) or not np.all(np.isfinite(got)):
        return False
    zero = r == 0
    rest = got - X[~zero].T @ np.sign(r[~zero]) / n
    A = X[zero].T / n
    s = np.linalg.lstsq(A, rest, rcond=None)[0]
    scale = max(1.0, float(np.abs(X).sum() / n))
    return bool(np.allclose(A @ s, rest, rtol=0, atol=1e-6 * scale)
                and np.all(np.abs(s) <= 1 + 1e-6))


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
    got_dtype = getattr(got, "dtype", None)
    if (got_arr is not None and got_arr.shape == expected.shape and got_dtype is not None
            and np.issubdtype(got_dtype, np.floating) and np.finfo(got_dtype).bits < 64):
        # Single precision is legitimate: the central difference rounded to float32 is off by
        # at most half an ulp. Two ulps of tolerance still tell the h it was given from a step
        # ten times smaller (their O(h^2) terms differ by about 1e-6 relative here).
        if np.allclose(got_arr, expected, rtol=2 * np.finfo(got_dtype).eps, atol=0):
            return
    if (got_arr is not None and got_arr.shape == expected.shape
            and not np.allclose(got_arr, expected, rtol=1e-8, atol=1e-9)
            and np.allclose(got_arr, exact, rtol=1e-5)):
        for step in (1e-2, 1e-3, 1e-4):
            other = numerical_gradient(f, x, h=step)
            if step != h and (np.abs(got_arr - other).max()
                              < 0.1 * np.abs(other - exact).max()):
                raise AssertionError(
                    f"central_difference(f, x, h) is the central difference with h={step:g}, "
                    f"not with the h it was given (h={h}): use the argument h, not a fixed "
                    "step of your own (the default h=1e-6 only applies when the caller passes "
                    "no h)."
                )
        raise AssertionError(
            f"central_difference(f, x, h) is close to the exact gradient but is not the "
            f"two-point central difference (f(x + h e_i) - f(x - h e_i)) / (2h) with the h it "
            f"was given (h={h}): use the argument h, not a step of your own, in that formula "
            "(the test compares with it to 8 digits: its O(h^2) error is part of the answer)."
        )
    # The exact gradient differs from the central difference by O(h^2) = 1e-6 here,
    # the forward difference by O(h) = 1e-3: rtol=1e-8 separates them.
    check_array(got, expected, "central_difference(f, x, h)", mistakes=mistakes, rtol=1e-8,
                context=f"x={np.round(x, 4).tolist()}, h={h}")


def _rel_error_of_factor(c):
    return abs(c - 1) / (abs(c) + 1)


def _pair(got, what):
    """The learner's answer as two floats, or a message saying what it was."""
    if isinstance(got, (str, bytes, dict)) or got is None:
        raise AssertionError(
            f"{what} should return the two factors as a pair (c_small, c_large); got "
            + ("None. Did you forget the `return` statement?" if got is None
               else f"{type(got).__name__} {str(got)[:40]!r}.")
        )
    try:
        values = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should return two numbers (c_small, c_large), got "
                             f"{type(got).__name__} {str(got)[:60]}.") from None
    return values


def check_factors_for_rel_error(factors_for_rel_error):
    r"""Check ``factors_for_rel_error(rho)`` = ``((1 - rho)/(1 + rho), (1 + rho)/(1 - rho))``.

    An analytic gradient ``c`` times the true one makes :func:`mlopt.gradcheck.rel_error`
    report :math:`\rho(c) = |c - 1| / (|c| + 1)` (every coordinate gives
    :math:`|cg - g| / (|cg| + |g|)`). For :math:`0 \le \rho < 1` two positive factors give
    :math:`\rho`, a factor and its reciprocal; every negative factor gives exactly 1. Measuring
    with ``rel_error`` cannot answer this directly: the factors must be solved for (by algebra,
    or by a root finder that knows there are two roots). Each returned factor is judged by the
    relative error it produces, so the message says which one is off and by how much.
    """
    from mlopt.gradcheck import rel_error

    g = np.array([0.7, -2.0, 3.5])
    for rho in (1 / 3, 29 / 31, 0.0, 0.6, 0.999, 1e-4):
        small, large = (1 - rho) / (1 + rho), (1 + rho) / (1 - rho)
        assert np.isclose(rel_error(large * g, g), rho) and np.isclose(rel_error(small * g, g), rho)
        what = f"factors_for_rel_error({rho:.6g})"
        try:
            got = factors_for_rel_error(rho)
        except NotImplementedError:
            raise
        except Exception as err:  # noqa: BLE001  (the learner's error, shown as a message)
            raise AssertionError(
                f"{what} raised {type(err).__name__}: {err}. rho can be any number in [0, 1), "
                "0 included (a gradient that is exactly right)."
            ) from err
        values = _pair(got, what)
        if values.size == 1:
            one = float(values.reshape(-1)[0])
            hint = ""
            if np.isclose(one, large, rtol=1e-6) or np.isclose(one, small, rtol=1e-6):
                hint = (" It is one of the two: a factor c and its reciprocal 1/c give the same "
                        "relative error (try rel_error(c * g, g) and rel_error(g / c, g)).")
            raise AssertionError(f"{what} returned one number, {one:.6g}; return both factors "
                                 f"that produce rho, as a pair (c_small, c_large).{hint}")
        if values.shape != (2,):
            raise AssertionError(f"{what} should return two numbers (c_small, c_large), got "
                                 f"{values.size} in shape {values.shape}.")
        rtol = 1e-6 if getattr(np.asarray(got), "dtype", np.float64) != np.float32 else 1e-5
        c_small, c_large = (float(v) for v in values)
        if not np.all(np.isfinite(values)):
            raise AssertionError(f"{what} returned ({c_small:.6g}, {c_large:.6g}); expected "
                                 "finite factors (rho < 1 here).")
        if np.allclose(values, [large, small], rtol=rtol) and rho > 0:
            raise AssertionError(f"{what} returned ({c_small:.6g}, {c_large:.6g}): the right "
                                 "factors in the wrong order; the smaller one first, "
                                 "(c_small, c_large).")
        if np.allclose(values, [small, large], rtol=rtol):
            continue
        if min(values) < 0:
            raise AssertionError(
                f"{what} returned ({c_small:.6g}, {c_large:.6g}): a negative factor makes "
                f"rel_error report exactly 1 whatever its size (try it), never {rho:.6g} < 1. "
                "Both factors that give rho < 1 are positive."
            )
        wrong = []
        for name, value, right in (("c_small", c_small, small), ("c_large", c_large, large)):
            if not np.isclose(value, right, rtol=rtol):
                wrong.append(f"{name} = {value:.6g} would make rel_error report "
                             f"{_rel_error_of_factor(value):.6g}, not {rho:.6g}")
        reciprocal = ""
        if np.isclose(c_large, large, rtol=rtol) and not np.isclose(c_small, small, rtol=rtol):
            reciprocal = (" The relative error of a factor c and of 1/c are the same "
                          "(try rel_error(c * g, g) and rel_error(g / c, g)).")
        raise AssertionError(f"{what} returned ({c_small:.6g}, {c_large:.6g}): "
                             + "; ".join(wrong) + "." + reciprocal)


def check_article_factor(article_factor):
    """Check ``article_factor(n)`` = −n: the article's ``2 Σᵢ (yᵢ − ŷᵢ) xᵢ`` is −n ∇MSE."""
    for n in (5, 30, 200):
        mistakes = [
            Mistake(n, "a gradient check of exactly 1 is the fingerprint of a flipped sign: "
                    "the factor is negative"),
            Mistake(-1 / n, "(n - 1)/(n + 1) is the fingerprint of both c = n and c = 1/n; the "
                    "article's gradient is the larger of the two (compare the norms of the "
                    "two gradients)"),
            Mistake(1 / n, "a gradient check of exactly 1 means a flipped sign, and "
                    "(n - 1)/(n + 1) fits both |c| = n and |c| = 1/n: compare the norms"),
            Mistake(-2 * n, "the factor 2 of the article is also in the true gradient "
                    "(2/n) X.T @ (X @ w - y); only the 1/n is missing"),
            Mistake(-n / 2, "the factor 2 of the article is also in the true gradient "
                    "(2/n) X.T @ (X @ w - y); only the 1/n is missing"),
            Mistake(-1.0, "the sign is right to be negative, but the article also sums over the "
                    "samples without dividing by n"),
        ]
        try:
            got = article_factor(n)
        except NotImplementedError:
            raise
        except Exception as err:  # noqa: BLE001
            raise AssertionError(
                f"article_factor({n}) raised {type(err).__name__}: {err}."
            ) from err
        try:
            constant = n != 30 and np.isclose(float(got), -30.0)
        except (TypeError, ValueError):
            constant = False
        if constant:
            raise AssertionError(
                f"article_factor({n}) returned -30: the factor depends on the number of "
                "samples; return it as a function of n."
            )
        _check_number(got, -float(n), f"article_factor({n})", mistakes=mistakes,
                     context=f"n = {n} samples")
