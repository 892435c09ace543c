"""Checks for the graded exercise of chapter 08, regularization (ridge and the Lasso)."""

from __future__ import annotations

from functools import partial

import numpy as np

from mlopt.checks._core import (
    Mistake,
    as_number,
    call_on_copies,
    check_array,
    check_intercept,
    check_scalar,
)
from mlopt.linear_model import solve_ridge_cholesky
from mlopt.losses import soft_threshold as _soft_threshold

__all__ = ["check_ridge_fit", "check_soft_threshold", "check_ista_step", "check_cd_update",
           "check_one_se_alpha"]


_call = partial(call_on_copies, fix="Compute new arrays instead: `Xc = X - X.mean(axis=0)`, "
                "`w_new = w.copy()`, never `X -= ...` or `w[j] = ...` on the input.")


def _tolerances(got, rtol=1e-6, atol=1e-9):
    """float32 answers are legitimate: loosen the tolerances to single precision for them."""
    dtype = getattr(got, "dtype", None)
    if dtype is None and isinstance(got, (tuple, list)) and got:
        dtype = getattr(got[0], "dtype", None)
    if dtype == np.float32:
        return dict(rtol=max(rtol, 2e-4), atol=max(atol, 1e-5))
    return dict(rtol=rtol, atol=atol)


def _st(z, t):
    """Soft-thresholding without input checks (a mistake may pass a negative threshold)."""
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


def make_regression(n_samples=30, n_features=4, seed=0):
    """A noisy sparse regression problem in raw units: features with nonzero means and
    different scales, a large intercept, and some true coefficients exactly zero."""
    rng = np.random.default_rng(seed)
    loc = rng.uniform(-3.0, 3.0, size=n_features)
    scale = rng.uniform(0.5, 3.0, size=n_features)
    X = loc + scale * rng.normal(size=(n_samples, n_features))
    w = rng.normal(size=n_features) * (rng.uniform(size=n_features) < 0.7)
    y = 5.0 + X @ w + 0.5 * rng.normal(size=n_samples)
    return X, y


def _shapes(X, y):
    return f"X.shape={X.shape}, y.shape={y.shape}"


# --- ridge ---------------------------------------------------------------------------------

def _ridge(X, y, alpha, shift=None):
    """Solve (XᵀX + alpha I) w = Xᵀy (or + ``shift`` instead of alpha I), any shape."""
    p = X.shape[1]
    A = X.T @ X + (alpha * np.eye(p) if shift is None else shift)
    return np.linalg.lstsq(A, X.T @ y, rcond=None)[0]


def _pair(got, name, n_features):
    """Split the learner's ``(w, b)`` answer, explaining what is wrong with its form."""
    if got is None:
        raise AssertionError(f"{name} returned None. Did you forget `return w, b`?")
    if isinstance(got, (tuple, list)) and len(got) == 2:
        w, b = got
        if np.size(w) == 1 and np.size(b) == n_features != 1:
            raise AssertionError(f"{name} returned the pair in the wrong order: return "
                                 "`w, b`, the coefficients first, then the intercept.")
        return w, b
    if np.ndim(got) == 1 and np.size(got) == n_features + 1:
        raise AssertionError(
            f"{name} returned one array of {n_features + 1} numbers; return the pair `w, b` "
            "(w of shape (n_features,), b a float). A column of ones inside the penalty would "
            "also penalize the intercept: center the data instead."
        )
    if np.ndim(got) == 1 and np.size(got) == n_features:
        raise AssertionError(f"{name} returned only w; return the pair `w, b` with the "
                             "intercept b = y.mean() - X.mean(axis=0) @ w.")
    raise AssertionError(
        f"{name} should return the pair `w, b` (w of shape (n_features,), b a float), "
        f"got {type(got).__name__}."
    )


def check_ridge_fit(ridge_fit, *, n_samples=30, n_features=4, alpha=2.0, seed=0):
    r"""Check ``ridge_fit(X, y, alpha) -> (w, b)`` minimizes
    :math:`\lVert y - Xw - b\rVert^2 + \alpha\lVert w\rVert^2` (scikit-learn's ``Ridge``)."""
    X, y = make_regression(n_samples, n_features, seed)
    n, p = X.shape
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    w_ref = solve_ridge_cholesky(Xc, yc, alpha)
    b_ref = y_mean - x_mean @ w_ref
    what = "ridge_fit(X, y, alpha)"
    context = f"{_shapes(X, y)}, alpha={alpha}"

    got = _call(ridge_fit, "ridge_fit", X, y, alpha)
    w, b = _pair(got, what, p)

    ones = np.column_stack([X, np.ones(n)])
    theta_pen = _ridge(ones, y, alpha)                      # intercept inside the penalty
    first = np.column_stack([np.ones(n), X])
    theta_first = _ridge(first, y, alpha)
    squared = " (or you squared alpha: at alpha = 2, alpha**2 = 2 * alpha)" if alpha == 2 else ""
    w_mistakes = [
        Mistake(theta_pen[:p], "the intercept was penalized: a column of ones inside "
                "X.T @ X + alpha * I shrinks b towards 0 too. Center instead, Xc = X - "
                "X.mean(axis=0), yc = y - y.mean(), solve ridge on Xc, yc, and set "
                "b = y.mean() - X.mean(axis=0) @ w"),
        Mistake(theta_first[1:], "the intercept was penalized: the column of ones is inside "
                "X.T @ X + alpha * I, which shrinks b towards 0 too. Center instead and set "
                "b = y.mean() - X.mean(axis=0) @ w"),
        Mistake(_ridge(Xc, yc, n * alpha), "you solved the per-sample form "
                "(Xc.T @ Xc / n + alpha * I) w = Xc.T @ yc / n, the minimizer of the MSE "
                "(1/n)||y - Xw - b||² + alpha ||w||². Dividing the squared error by n is a "
                "legitimate convention (chapters 02 and 07 use it), but with it alpha means n "
                "times more penalty. This task asks for scikit-learn's Ridge, without the 1/n: "
                "(Xc.T @ Xc + alpha * I) w = Xc.T @ yc"),
        Mistake(_ridge(Xc, yc, 2 * n * alpha), "you solved the 1/(2n) form, the minimizer of "
                "(1/2n)||y - Xw - b||² + alpha ||w||². Dividing by 2n is a legitimate convention "
                "(scikit-learn's Lasso and ElasticNet, D2L), but with it alpha means 2n times "
                "more penalty. This task asks for scikit-learn's Ridge, without the 1/(2n): "
                "(Xc.T @ Xc + alpha * I) w = Xc.T @ yc"),
        Mistake(_ridge(Xc, yc, alpha / n), "alpha was divided by n; scikit-learn's Ridge "
                "uses it as given: (Xc.T @ Xc + alpha * I) w = Xc.T @ yc"),
        Mistake(_ridge(Xc, yc, alpha, shift=alpha), "alpha was added to every entry of "
                "X.T @ X; ridge adds it to the diagonal only: Xc.T @ Xc + alpha * np.eye(p)"),
        Mistake(_ridge(Xc + alpha, yc, 0.0), "alpha was added to X itself; it belongs on the "
                "diagonal of the normal equations: (Xc.T @ Xc + alpha * np.eye(p)) w = Xc.T @ yc"),
        Mistake(_ridge(Xc, yc, 2 * alpha), "the penalty is twice too strong" + squared + ". "
                "The gradient of ||y - Xw||² + alpha ||w||² is -2 Xᵀ(y - Xw) + 2 alpha w: the "
                "2s cancel, leaving (Xc.T @ Xc + alpha * I) w = Xc.T @ yc"),
        Mistake(_ridge(Xc, yc, alpha**2), "the penalty uses alpha**2; it is alpha itself: "
                "(Xc.T @ Xc + alpha * I) w = Xc.T @ yc"),
        Mistake(_ridge(Xc, yc, alpha / 2), "the penalty is half as strong as it should be. "
                "The gradient of ||y - Xw||² + alpha ||w||² is -2 Xᵀ(y - Xw) + 2 alpha w: the "
                "2s cancel, leaving (Xc.T @ Xc + alpha * I) w = Xc.T @ yc"),
        Mistake(_ridge(X, y, alpha), "it is ridge without an intercept (the fit is forced "
                "through the origin). Center first, Xc = X - X.mean(axis=0) and yc = y - "
                "y.mean(), solve on Xc, yc, then b = y.mean() - X.mean(axis=0) @ w"),
        Mistake(_ridge(X, yc, alpha), "you centered y but not X; center the features too: "
                "Xc = X - X.mean(axis=0)"),
        Mistake(_ridge(Xc, yc, 0.0), "this is ordinary least squares: the penalty alpha is "
                "missing from (Xc.T @ Xc + alpha * I) w = Xc.T @ yc"),
        Mistake(_ridge(X - X.mean(axis=1, keepdims=True), yc, alpha), "X was centered with "
                "the mean of each row (axis=1); center each feature with its column mean: "
                "Xc = X - X.mean(axis=0)"),
        Mistake(_ridge(Xc / X.std(axis=0), yc, alpha), "the features were standardized "
                "(divided by their standard deviation); ridge here only centers them, "
                "Xc = X - X.mean(axis=0), so that w is in the units of X"),
    ]
    if (b is not None and np.size(b) == 1 and np.shape(w) == w_ref.shape
            and np.allclose(w, w_ref, rtol=1e-6, atol=1e-9)):
        b_global = y_mean - X.mean() * np.sum(w_ref)
        if np.isclose(float(np.asarray(b, dtype=float).reshape(())), b_global) and not \
                np.isclose(b_global, b_ref):
            raise AssertionError(f"b from {what} is wrong: X.mean() without an axis is the "
                                 "mean of all the entries; the intercept needs each feature's "
                                 "mean: b = y.mean() - X.mean(axis=0) @ w.")
    check_array(w, w_ref, "w from " + what, mistakes=w_mistakes, context=context,
                **_tolerances(w))
    if getattr(w, "dtype", None) == np.float32 or getattr(b, "dtype", None) == np.float32:
        b = float(b) if np.size(b) == 1 and np.allclose(float(b), b_ref, rtol=2e-4) else b
        b = b_ref if isinstance(b, float) else b
    check_intercept(b, b_ref, "b from " + what, x_mean=x_mean, y_mean=y_mean, w=w_ref,
                    context=context)


# --- soft-thresholding -----------------------------------------------------------------------

def make_points(size=9, t=1.0, seed=0):
    """Points on both sides of 0, some inside [-t, t] and some outside, one exactly 0, and the
    edges: exactly +-t (must give exactly 0) and just outside them."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3.0, 3.0, size=max(size - 5, 0)) * max(t, 0.5)
    fixed = np.array([0.0, 0.4, -0.6, 1.7, -2.5]) * max(t, 0.5)
    edges = np.array([t, -t, t * (1 + 1e-6) + 1e-9, -t * (1 + 1e-6) - 1e-9])
    return np.concatenate([fixed[:size], z, edges])


def _soft_threshold_mistakes(z, t):
    return [
        Mistake(z - t * np.sign(z), "entries with |z| < t changed sign: you shrank every "
                "entry by t without stopping at zero. Entries with |z| <= t must become "
                "exactly 0: np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
        Mistake(np.maximum(np.abs(z) - t, 0), "the sign is lost (negative inputs gave positive "
                "outputs): multiply by np.sign(z), np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
        Mistake(_st(z, t / 2), "the result matches soft-thresholding at t/2; it shrinks by the "
                "full t: np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
        Mistake(_st(z, 2 * t), "the result matches soft-thresholding at 2t; it shrinks by t: "
                "np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
        Mistake(np.where(np.abs(z) > t, z, 0.0), "this is hard thresholding: it zeroes the "
                "small entries but keeps the large ones unchanged. Soft thresholding also "
                "shrinks the large ones towards 0 by t"),
        Mistake(np.where(np.abs(z) >= t, z, 0.0), "this is hard thresholding: it zeroes the "
                "small entries but keeps the large ones unchanged. Soft thresholding also "
                "shrinks the large ones towards 0 by t"),
        Mistake(np.maximum(z - t, 0), "negative entries all became 0: for z < -t the result "
                "is z + t. Use np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
        Mistake(z - t, "you subtracted t from every entry; shrink towards 0 instead (subtract "
                "from positive entries, add to negative ones) and set entries with |z| <= t "
                "to 0"),
        Mistake(np.clip(z, -t, t), "np.clip(z, -t, t) is the part that soft-thresholding "
                "removes; the answer is what is left: z - np.clip(z, -t, t)"),
        Mistake(np.sign(z) * np.max(np.abs(z) - t), "np.max(a, 0) is the largest entry of a "
                "(the 0 is an axis), the same for every z; the element-wise maximum is "
                "np.maximum(np.abs(z) - t, 0)"),
        Mistake(np.where(np.abs(z) > t, z - t * np.sign(z), z), "the entries with |z| <= t "
                "were left unchanged; they must become exactly 0"),
        Mistake(np.sign(z) * np.abs(z - t), "np.abs(z - t) is not np.abs(z) - t: shrink the "
                "absolute value, np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
    ]


def _check_soft_threshold_at(soft_threshold, z, t):
    expected = _soft_threshold(z, t)
    what = f"soft_threshold(z, t={t:g})"
    try:
        got = _call(soft_threshold, "soft_threshold", z, t,
                    fix="Return a new array, e.g. `np.sign(z) * np.maximum(np.abs(z) - t, 0)`.")
    except ValueError as err:
        if "truth value of an array" not in str(err):
            raise
        raise AssertionError(
            "soft_threshold(z, t) raised 'ValueError: the truth value of an array ... is "
            "ambiguous' on an array z: Python's `max`, `if`, `and` need one True/False, not an "
            "array of them. Use NumPy's element-wise functions: "
            "np.sign(z) * np.maximum(np.abs(z) - t, 0) (or np.where for cases)."
        ) from None
    check_array(got, expected, what, mistakes=_soft_threshold_mistakes(z, t),
                context=f"z={np.array2string(z, precision=3)}", **_tolerances(got))
    # the Lasso's zeros are exact: |z| <= t (including z = +-t exactly) gives 0, not 1e-17
    inside = np.abs(z) <= t
    got_arr = np.asarray(got, dtype=float)
    if np.any(got_arr[inside] != 0):
        k = int(np.flatnonzero(inside & (got_arr != 0))[0])
        raise AssertionError(
            f"{what} should be exactly 0 where |z| <= t, but at z = {z[k]!r} it returned "
            f"{got_arr[k]!r}. Exact zeros are the point of soft-thresholding: compute "
            "np.maximum(np.abs(z) - t, 0), which is exactly 0 there (also at z = +-t)."
        )


def check_soft_threshold(soft_threshold, *, size=9, t=1.0, seed=0):
    r"""Check ``soft_threshold(z, t)`` = sign(z) max(|z| - t, 0), at ``t`` and a second ``t``
    (so that an ignored ``t`` is seen), including z = +-t exactly and just outside."""
    for t_k in (t, 0.5 * t + 0.3):
        _check_soft_threshold_at(soft_threshold, make_points(size, t_k, seed), t_k)
    # task 4 calls it on a single number z_j: it must work there too
    z = make_points(size, t, seed)
    z0 = float(z[np.argmax(np.abs(z))])
    try:
        got0 = soft_threshold(z0, t)
    except Exception as err:  # noqa: BLE001 - any failure gets the same explanation
        raise AssertionError(
            f"soft_threshold(z, t) works on arrays but fails on a single number "
            f"(soft_threshold({z0:.4f}, {t}) raised {type(err).__name__}: {err}). Task 4 calls "
            "it on one number; np.sign, np.abs and np.maximum accept both, boolean indexing "
            "such as z[mask] does not."
        ) from None
    check_scalar(got0, float(_soft_threshold(z0, t)), f"soft_threshold({z0:.4f}, {t}) on a "
                 "single number", context="task 4 calls it on one number",
                 **_tolerances(got0))


# --- ISTA ---------------------------------------------------------------------------------------

def make_lasso_problem(n_samples=20, n_features=5, seed=0):
    """Centered features of different scales, centered targets, and a nonzero start ``w``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.5, 2.0, size=n_features)
    X = X - X.mean(axis=0)
    w_true = rng.normal(size=n_features) * (rng.uniform(size=n_features) < 0.6)
    y = X @ w_true + 0.3 * rng.normal(size=n_samples)
    y = y - y.mean()
    w = rng.normal(size=n_features) * 0.5
    return X, y, w


def _lasso_grad(w, X, y):
    """Gradient of (1/2n)||y - Xw||²: -Xᵀ(y - Xw)/n."""
    return -X.T @ (y - X @ w) / X.shape[0]


def check_ista_step(ista_step, *, n_samples=20, n_features=5, alpha=0.1, seed=0):
    r"""Check ``ista_step(w, X, y, alpha, lr)`` = S_{lr·alpha}(w − lr ∇f(w)) for
    :math:`f(w) = \frac1{2n}\lVert y - Xw\rVert^2`, with a step other than 1/L and a second
    alpha, so that an answer that ignores ``lr`` or ``alpha`` is seen."""
    X, y, w = make_lasso_problem(n_samples, n_features, seed)
    n = X.shape[0]
    inv_L = float(n / np.linalg.norm(X, 2) ** 2)     # 1/L, L = σ_max² / n
    for alpha_k, lr in ((alpha, 0.7 * inv_L), (3 * alpha + 0.05, inv_L)):
        _check_ista_step_at(ista_step, X, y, w.copy(), alpha_k, lr, inv_L)


def _check_ista_step_at(ista_step, X, y, w, alpha, lr, inv_L):
    n = X.shape[0]
    w[0] = 0.3 * lr * alpha      # inside the threshold: tells prox-first from a subgradient step
    g = _lasso_grad(w, X, y)
    expected = _soft_threshold(w - lr * g, lr * alpha)
    w_prox = _st(w, lr * alpha)
    mistakes = [
        Mistake(_st(w - lr * 2 * g, lr * alpha), "the gradient is twice too large: with "
                "the 1/(2n) objective the 2 of the square cancels, ∇f(w) = -X.T @ (y - X @ w) "
                "/ n (the MSE's 2/n belongs to the 1/n objective)"),
        Mistake(_st(w - lr * n * g, lr * alpha), "the gradient is missing its 1/n: "
                "∇f(w) = -X.T @ (y - X @ w) / n"),
        Mistake(_st(w - lr * 2 * n * g, lr * alpha), "the gradient should be "
                "-X.T @ (y - X @ w) / n: you have 2 X.T @ (X @ w - y), without the 1/n and with "
                "a 2 that the 1/(2n) objective cancels"),
        Mistake(_st(w - lr * g, lr), "you thresholded at lr; the threshold is lr * alpha, the "
                "step size times the weight of the L1 penalty"),
        Mistake(_st(w - lr * g, alpha), "you thresholded at alpha; the threshold is "
                "lr * alpha, the step size times the weight of the L1 penalty"),
        Mistake(_st(w - lr * g, lr * alpha / 2), "you thresholded at lr * alpha / 2; the "
                "prox of lr * alpha * ||w||_1 is soft-thresholding at lr * alpha"),
        Mistake(_st(w + lr * g, lr * alpha), "the gradient step goes uphill: the gradient of "
                "(1/2n)||y - Xw||² is -X.T @ (y - X @ w) / n, and the step subtracts it, "
                "w - lr * grad"),
        Mistake(w_prox - lr * _lasso_grad(w_prox, X, y), "you applied the prox before the "
                "gradient step; ISTA takes the gradient step first, then soft-thresholds: "
                "soft_threshold(w - lr * grad, lr * alpha)"),
        Mistake(w_prox - lr * g, "you soft-thresholded w before the gradient step; ISTA takes "
                "the gradient step first, then soft-thresholds the result: "
                "soft_threshold(w - lr * grad, lr * alpha)"),
        Mistake(w - lr * g, "this is a plain gradient step: the soft-thresholding (the prox "
                "of the L1 penalty) is missing: soft_threshold(w - lr * grad, lr * alpha)"),
        Mistake(w - lr * (g + alpha * np.sign(w)), "this is a subgradient step, which never "
                "lands exactly on 0; ISTA soft-thresholds the gradient step instead: "
                "soft_threshold(w - lr * grad, lr * alpha)"),
        Mistake(_st(w - lr * g * n / X.shape[1], lr * alpha), "the gradient is divided by "
                "X.shape[1], the number of features; n is the number of samples, X.shape[0] "
                "(or len(y))"),
        Mistake(_st(w - lr * g, alpha / lr), "you thresholded at alpha / lr; the threshold is "
                "lr * alpha, the step size times the weight of the L1 penalty"),
    ]
    if lr != inv_L:
        mistakes.append(Mistake(_st(w - inv_L * g, inv_L * alpha), f"the step size lr={lr:.4g} "
                                "was not used: the result is the step with 1/L = "
                                f"{inv_L:.4g}. Use the lr argument as given"))
    got = _call(ista_step, "ista_step", w, X, y, alpha, lr)
    check_array(got, expected, "ista_step(w, X, y, alpha, lr)", mistakes=mistakes,
                context=f"{_shapes(X, y)}, w.shape={w.shape}, alpha={alpha:g}, lr={lr:.6g}",
                **_tolerances(got))


# --- coordinate descent ---------------------------------------------------------------------

def _cd_variant(w, j, X, y, alpha, *, own=False, divide=True, thresh=1.0, per_sample=True,
                order="threshold-first", sign=1.0, norm=False, sign_back=1.0, n_as=None,
                d_scale=None):
    """One coordinate update and its typical variants (for recognising mistakes)."""
    n = X.shape[0] if n_as is None else n_as
    xj = X[:, j]
    r = y - X @ w
    if not own:
        r = r + sign_back * xj * w[j]
    r = sign * r
    scale = n if per_sample else 1.0
    z, d = xj @ r / scale, xj @ xj / scale
    if norm:
        d = np.sqrt(xj @ xj) / scale
    if d_scale is not None:
        d = xj @ xj / d_scale
    if order == "threshold-first":
        new = _st(z, thresh * alpha) / (d if divide else 1.0)
    else:
        new = _st(z / d, thresh * alpha)
    out = np.array(w, dtype=float, copy=True)
    out[j] = new
    return out


def check_cd_update(cd_update, *, n_samples=20, n_features=4, alpha=0.1, seed=0):
    r"""Check ``cd_update(w, j, X, y, alpha)``: ``w`` with coordinate ``j`` set to its exact
    minimizer of :math:`\frac1{2n}\lVert y - Xw\rVert^2 + \alpha\lVert w\rVert_1`."""
    X, y, w = make_lasso_problem(n_samples, n_features, seed)
    # the first alpha, then one large enough that some coordinates become exactly 0
    z_all = np.abs([X[:, j] @ (y - X @ w + X[:, j] * w[j]) for j in range(n_features)]) / len(y)
    for alpha_k in (alpha, float(np.median(z_all)) * 1.01 + 1e-3):
        _check_cd_update_at(cd_update, X, y, w, alpha_k)


def _check_cd_update_at(cd_update, X, y, w, alpha):
    n, n_features = X.shape
    for j in range(n_features):
        expected = _cd_variant(w, j, X, y, alpha)
        z = X[:, j] @ (y - X @ w + X[:, j] * w[j]) / n
        mistakes = [
            Mistake(_cd_variant(w, j, X, y, alpha, own=True), "the residual still contains "
                    "coordinate j's own contribution. Use the partial residual "
                    "r_j = y - X @ w + X[:, j] * w[j] (what is left for w[j] to explain)"),
            Mistake(_cd_variant(w, j, X, y, alpha, divide=False), "the division by the "
                    "column's squared norm is missing: w[j] = S(z, alpha) / (X[:, j] @ X[:, j] "
                    "/ n) with z = X[:, j] @ r_j / n"),
            Mistake(_cd_variant(w, j, X, y, alpha, per_sample=False), "the threshold is n "
                    "times too small: you used X[:, j] @ r_j and X[:, j] @ X[:, j] without the "
                    "1/n of the 1/(2n) objective; then threshold at n * alpha, or divide both "
                    "by n: S(X[:, j] @ r_j / n, alpha) / (X[:, j] @ X[:, j] / n)"),
            Mistake(_cd_variant(w, j, X, y, alpha, order="divide-first"), "you divided by the "
                    "squared column norm before thresholding; the threshold then needs the "
                    "same division. Soft-threshold first, then divide: S(z, alpha) / d"),
            Mistake(_cd_variant(w, j, X, y, alpha, thresh=0.5), "you thresholded at alpha / 2; "
                    "for the 1/(2n) objective the threshold is alpha itself"),
            Mistake(_cd_variant(w, j, X, y, alpha, thresh=2.0), "you thresholded at 2 * alpha; "
                    "for the 1/(2n) objective the threshold is alpha itself"),
            Mistake(_cd_variant(w, j, X, y, alpha, sign=-1.0), "the sign is flipped: the "
                    "partial residual is r_j = y - X @ w + X[:, j] * w[j] (targets minus the "
                    "other features' predictions)"),
            Mistake(_cd_variant(w, j, X, y, alpha, thresh=0.0), "the soft-thresholding is "
                    "missing: that is the least-squares update, which never gives an exact 0. "
                    "w[j] = S(z, alpha) / d"),
            Mistake(expected[j], "you returned only the new w[j]; return the whole vector "
                    "(a copy of w with entry j replaced)"),
            Mistake(_soft_threshold(z, alpha) / (X[:, j] @ X[:, j] / n) * np.ones_like(w),
                    "every entry was set to the new w[j]; change entry j only, on a copy of w"),
            Mistake(_cd_variant(w, j, X, y, alpha, norm=True), "you divided by the norm of the "
                    "column, not its square: d = X[:, j] @ X[:, j] / n (np.linalg.norm(x) ** 2 "
                    "/ n)"),
            Mistake(_cd_variant(w, j, X, y, alpha, sign_back=-1.0), "the partial residual adds "
                    "coordinate j's contribution back: r_j = y - X @ w + X[:, j] * w[j] (you "
                    "subtracted it a second time)"),
            Mistake(_cd_variant(w, j, X, y, alpha, n_as=X.shape[1]), "n is the number of "
                    "samples, X.shape[0] (or len(y)), not X.shape[1]"),
            Mistake(_cd_variant(w, j, X, y, alpha, d_scale=1.0), "d is missing its 1/n: z and "
                    "d both have it, d = X[:, j] @ X[:, j] / n"),
        ]
        got = _call(cd_update, "cd_update", w, j, X, y, alpha)
        try:
            got_arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            got_arr = None                       # check_array explains what came back
        if got_arr is not None and got_arr.shape == w.shape and not np.allclose(
                np.delete(got_arr, j), np.delete(w, j)):
            if not any(np.allclose(got_arr, m.value) for m in mistakes
                       if np.shape(m.value) == w.shape):
                raise AssertionError(
                    f"cd_update(w, {j}, X, y, alpha) changed coordinates other than j={j}; "
                    "a coordinate update changes only w[j] and leaves the others as they were."
                )
        check_array(got, expected, f"cd_update(w, {j}, X, y, alpha)", mistakes=mistakes,
                    context=f"{_shapes(X, y)}, w={np.array2string(w, precision=3)}, "
                            f"alpha={alpha:.6g}", **_tolerances(got))



# --- choosing alpha: the one-standard-error rule -------------------------------------------------

def one_se_reference(alphas, fold_mse, ddof=0):
    """The largest alpha whose mean CV error is within one standard error of the best mean."""
    alphas, fold_mse = np.asarray(alphas, dtype=float), np.asarray(fold_mse, dtype=float)
    mean = fold_mse.mean(axis=1)
    se = fold_mse.std(axis=1, ddof=ddof) / np.sqrt(fold_mse.shape[1])
    best = int(np.argmin(mean))
    return float(alphas[mean <= mean[best] + se[best]].max())


# 1.031 lies inside one SE of the best for 5 and 10 folds (either ddof) but outside the band
# of sd / sqrt(11), the SE divided by the root of the number of ALPHAS instead of folds
_CV_MEAN = np.array([1.30, 1.20, 1.11, 1.04, 1.00, 1.01, 1.031, 1.06, 1.09, 1.35, 1.70])
_CV_SD = np.array([0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.30, 0.10, 0.70, 0.10])


def make_cv_table(n_folds=5, seed=0, order="decreasing"):
    """A cross-validation table (alphas and the validation MSE of each fold) built so that the
    one-standard-error rule and its typical misreadings all pick different alphas: the best
    alpha, the smallest one within one SE, the rule with the SD instead of the SE, the rule with
    each alpha's own SE, and the best single fold. ``seed`` rescales the errors and shifts the
    grid; ``order`` lists the alphas decreasing (as ``lasso_path``), increasing or shuffled."""
    rng = np.random.default_rng(seed)
    alphas = np.logspace(-3, 2, len(_CV_MEAN)) * 10 ** rng.uniform(-1, 1)
    raw = np.linspace(-1.0, 1.0, n_folds) ** 3 + 0.3 * np.linspace(0, 1, n_folds)
    e = (raw - raw.mean()) / raw.std()                     # mean 0, standard deviation 1
    fold_mse = rng.uniform(0.5, 2000.0) * (_CV_MEAN[:, None] + _CV_SD[:, None] * e[None, :])
    order_idx = {"decreasing": np.arange(len(alphas))[::-1], "increasing": np.arange(len(alphas)),
                 "shuffled": rng.permutation(len(alphas))}[order]
    return alphas[order_idx], fold_mse[order_idx]


# A table of exact binary fractions, 4 folds: the best mean is 1, its folds 1 -+ 1/4 give a
# standard deviation of exactly 1/4 (ddof=0) and a standard error of 1/8, so the mean 1.125 lies
# EXACTLY on the edge of the band ("no more than" includes it). With ddof=1 the band reaches
# 1.144 and picks the same alpha; a strict "<" picks the next smaller one.
_TIE_MEAN = np.array([1.375, 1.1875, 1.0, 1.0625, 1.125, 1.25, 1.5, 2.0])
_TIE_HALF_SPREAD = np.array([0.125, 0.125, 0.25, 0.125, 0.0625, 0.125, 0.25, 0.125])


def make_tie_table(seed=0, order="shuffled"):
    """A 4-fold table whose one-SE alpha has its mean error exactly on the edge of the band
    (binary fractions, so that the equality survives floating point). ``seed`` shifts the grid
    and scales the errors by a power of 2 (exact)."""
    rng = np.random.default_rng(seed)
    alphas = np.logspace(-3, 2, len(_TIE_MEAN)) * 10 ** rng.uniform(-1, 1)
    signs = np.array([-1.0, -1.0, 1.0, 1.0])
    fold_mse = 2.0 ** int(rng.integers(-3, 8)) * (_TIE_MEAN[:, None]
                                                   + _TIE_HALF_SPREAD[:, None] * signs[None, :])
    order_idx = {"decreasing": np.arange(len(alphas))[::-1], "increasing": np.arange(len(alphas)),
                 "shuffled": rng.permutation(len(alphas))}[order]
    return alphas[order_idx], fold_mse[order_idx]


def check_one_se_alpha(one_se_alpha, *, n_folds=5, seed=0):
    r"""Check ``one_se_alpha(alphas, fold_mse) -> alpha``: the largest alpha whose mean
    cross-validated error is at most the best mean plus the best alpha's standard error
    :math:`\mathrm{sd}/\sqrt K` over the :math:`K` folds (either ``ddof``), for alphas given in
    decreasing, increasing and shuffled order."""
    tables = [(order, *make_cv_table(n_folds, seed, order))
              for order in ("decreasing", "increasing", "shuffled")]
    tables.append(("shuffled", *make_tie_table(seed)))
    for order, alphas, fold_mse in tables:
        n_folds = fold_mse.shape[1]
        mean = fold_mse.mean(axis=1)
        sd = fold_mse.std(axis=1)
        best = int(np.argmin(mean))
        valid = {one_se_reference(alphas, fold_mse, ddof) for ddof in (0, 1)}
        what = "one_se_alpha(alphas, fold_mse)"
        context = (f"{len(alphas)} alphas in {order} order from {alphas.min():.4g} to "
                   f"{alphas.max():.4g}, {n_folds} folds")
        got = _call(one_se_alpha, "one_se_alpha", alphas, fold_mse,
                    fix="Compute new arrays (e.g. `fold_mse.mean(axis=1)`), never sort in place.")
        if got is None:
            raise AssertionError(f"{what} returned None. Did you forget `return`?")
        value = as_number(got, what, meaning=f"one alpha, a number ({context})")
        if any(np.isclose(value, v, rtol=1e-6) for v in valid):
            continue
        se_best = sd[best] / np.sqrt(n_folds)
        rng_index = np.arange(len(alphas))
        mistakes = [
            (float(alphas[mean < mean[best] + se_best].max()), "an alpha whose mean error is "
             "exactly one standard error above the best is still within the rule (\"no more "
             "than one standard error\"): compare with <=, not <; this table has one exactly on "
             "the edge"),
            (float(alphas[best]), "this is the alpha with the lowest mean error; the rule picks "
             "the LARGEST alpha whose mean error is within one standard error of that minimum "
             "(a simpler model at no measurable cost)"),
            (float(alphas[mean <= mean[best] + se_best].min()), "this is the SMALLEST alpha "
             "within one standard error of the best; the rule picks the largest one (the strongest "
             "penalty, the simplest model)"),
            (float(alphas[mean <= mean[best] + sd[best]].max()), "this is the alpha that a band "
             "of one standard deviation of the best alpha's folds picks: the band is too wide "
             "(a standard deviation not divided by sqrt(K), or one taken over the whole table). "
             "The standard error of the mean over K folds is the best row's standard deviation "
             "divided by sqrt(K): fold_mse.std(axis=1) / np.sqrt(fold_mse.shape[1])"),
            (float(alphas[mean - sd / np.sqrt(n_folds) <= mean[best]].max()), "you compared "
             "each alpha's mean minus ITS OWN standard error with the best mean; the rule uses "
             "the best alpha's standard error: mean <= mean[best] + se[best]"),
            (float(alphas[np.argmin(fold_mse.min(axis=1))]), "you took the best single fold; "
             "average over the folds first: fold_mse.mean(axis=1)"),
            (float(alphas[-1]), "this is the last alpha of the list; the alphas are not "
             "necessarily sorted (here: " + order + "), so take the largest alpha that meets "
             "the rule, e.g. alphas[mask].max()"),
            (float(alphas[0]), "this is the first alpha of the list; the alphas are not "
             "necessarily sorted (here: " + order + "), so take the largest alpha that meets "
             "the rule, e.g. alphas[mask].max()"),
            (float(alphas[mean <= mean[best] + sd[best] / np.sqrt(len(alphas))].max()),
             "you divided the standard deviation by the square root of the number of alphas; "
             "the standard error of a mean over K folds divides by sqrt(K), the number of "
             "folds: fold_mse.std(axis=1) / np.sqrt(fold_mse.shape[1])"),
            (float(best), "you returned the index of the best alpha, not an alpha"),
        ]
        for wrong, message in mistakes:
            if np.isclose(value, wrong, rtol=1e-9) and not any(np.isclose(wrong, v) for v in valid):
                raise AssertionError(f"{what} returned {value:.6g}: {message} ({context}).")
        if value in rng_index and value not in alphas:
            raise AssertionError(f"{what} returned {value:g}, which looks like an index; return "
                                 f"the alpha itself ({context}).")
        expected = sorted(valid)
        raise AssertionError(
            f"{what} returned {value:.6g}; expected {expected[0]:.6g}"
            + (f" (or {expected[1]:.6g} with ddof=1)" if len(expected) > 1 else "")
            + f" ({context}). The rule: mean = fold_mse.mean(axis=1), se = "
            "fold_mse.std(axis=1) / sqrt(n_folds), best = argmin(mean); return the largest "
            "alpha with mean <= mean[best] + se[best]."
        )
