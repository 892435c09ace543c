"""Checks for the graded exercise of chapter 08, regularization (ridge and the Lasso)."""

from __future__ import annotations

from functools import partial

import numpy as np

from mlopt.checks._core import (
    Mistake,
    call_on_copies,
    check_array,
    check_intercept,
    check_scalar,
)
from mlopt.linear_model import solve_ridge_cholesky
from mlopt.losses import soft_threshold as _soft_threshold

__all__ = ["check_ridge_fit", "check_soft_threshold", "check_ista_step", "check_cd_update"]


_call = partial(call_on_copies, fix="Compute new arrays instead: `Xc = X - X.mean(axis=0)`, "
                "`w_new = w.copy()`, never `X -= ...` or `w[j] = ...` on the input.")


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
        Mistake(_ridge(Xc, yc, n * alpha), "you used the 1/n (per-sample) scaling, "
                "(X.T @ X / n + alpha * I) w = X.T @ y / n, which is ridge with n times "
                "alpha. scikit-learn's Ridge has no 1/n: (Xc.T @ Xc + alpha * I) w = Xc.T @ yc"),
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
    if b is not None and np.size(b) == 1 and np.allclose(w, w_ref, rtol=1e-6, atol=1e-9):
        b_global = y_mean - X.mean() * np.sum(w_ref)
        if np.isclose(float(np.asarray(b, dtype=float).reshape(())), b_global) and not \
                np.isclose(b_global, b_ref):
            raise AssertionError(f"b from {what} is wrong: X.mean() without an axis is the "
                                 "mean of all the entries; the intercept needs each feature's "
                                 "mean: b = y.mean() - X.mean(axis=0) @ w.")
    check_array(w, w_ref, "w from " + what, mistakes=w_mistakes, context=context)
    check_intercept(b, b_ref, "b from " + what, x_mean=x_mean, y_mean=y_mean, w=w_ref,
                    context=context)


# --- soft-thresholding -----------------------------------------------------------------------

def make_points(size=9, t=1.0, seed=0):
    """Points on both sides of 0, some inside [-t, t] and some outside, one exactly 0."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3.0, 3.0, size=max(size - 5, 0)) * max(t, 0.5)
    fixed = np.array([0.0, 0.4, -0.6, 1.7, -2.5]) * max(t, 0.5)
    return np.concatenate([fixed[:size], z])


def check_soft_threshold(soft_threshold, *, size=9, t=1.0, seed=0):
    r"""Check ``soft_threshold(z, t)`` = sign(z) max(|z| - t, 0)."""
    z = make_points(size, t, seed)
    expected = _soft_threshold(z, t)
    mistakes = [
        Mistake(z - t * np.sign(z), "entries with |z| < t changed sign: you shrank every "
                "entry by t without stopping at zero. Entries with |z| <= t must become "
                "exactly 0: np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
        Mistake(np.maximum(np.abs(z) - t, 0), "the sign is lost (negative inputs gave positive "
                "outputs): multiply by np.sign(z), np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
        Mistake(_st(z, t / 2), "you thresholded at t/2; soft-thresholding shrinks by the full "
                "t: np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
        Mistake(_st(z, 2 * t), "you thresholded at 2t; soft-thresholding shrinks by t: "
                "np.sign(z) * np.maximum(np.abs(z) - t, 0)"),
        Mistake(np.where(np.abs(z) > t, z, 0.0), "this is hard thresholding: it zeroes the "
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
    check_array(got, expected, "soft_threshold(z, t)", mistakes=mistakes,
                context=f"z={np.array2string(z, precision=3)}, t={t}")
    # task 4 calls it on a single number z_j: it must work there too
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
                 "single number", context="task 4 calls it on one number")


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
    :math:`f(w) = \frac1{2n}\lVert y - Xw\rVert^2`."""
    X, y, w = make_lasso_problem(n_samples, n_features, seed)
    n = X.shape[0]
    lr = float(n / np.linalg.norm(X, 2) ** 2)        # 1/L, L = σ_max² / n
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
    got = _call(ista_step, "ista_step", w, X, y, alpha, lr)
    check_array(got, expected, "ista_step(w, X, y, alpha, lr)", mistakes=mistakes,
                context=f"{_shapes(X, y)}, w.shape={w.shape}, alpha={alpha}, lr={lr:.4f}")


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
    n = X.shape[0]
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
        if got is not None and np.shape(got) == w.shape and not np.allclose(
                np.delete(np.asarray(got, dtype=float), j), np.delete(w, j)):
            if not any(np.allclose(got, m.value) for m in mistakes):
                raise AssertionError(
                    f"cd_update(w, {j}, X, y, alpha) changed coordinates other than j={j}; "
                    "a coordinate update changes only w[j] and leaves the others as they were."
                )
        check_array(got, expected, f"cd_update(w, {j}, X, y, alpha)", mistakes=mistakes,
                    context=f"{_shapes(X, y)}, w={np.array2string(w, precision=3)}, "
                            f"alpha={alpha}")

