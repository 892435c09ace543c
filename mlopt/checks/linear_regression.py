"""Checks for the graded exercise of chapter 02, linear regression in closed form."""

from __future__ import annotations

from functools import partial

import numpy as np
from sklearn.metrics import r2_score as sklearn_r2_score

from mlopt.checks._core import (
    Mistake,
    call_on_copies,
    check_array,
    check_intercept,
    check_scalar,
)
from mlopt.linear_model import LinearRegression, solve_lstsq, solve_normal_equation

__all__ = [
    "check_normal_equation",
    "check_fit_with_intercept",
    "check_lstsq_svd",
    "check_lstsq_svd_rank_deficient",
    "check_r2_score",
    "check_choose_solver",
]


def make_regression(n_samples=8, n_features=3, seed=0, *, offset=0.0):
    """A small noisy regression problem ``(X, y)``; ``offset`` shifts the features' means."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) + offset * rng.uniform(1.0, 3.0, size=n_features)
    w = rng.normal(size=n_features)
    y = X @ w + 0.3 * rng.normal(size=n_samples)
    return X, y


def make_rank_deficient(n_samples=8, n_features=4, rank=2, seed=0, *, scale=1.0):
    """``X = scale * A @ B`` of exact rank ``rank`` (collinear columns), and targets ``y``."""
    rng = np.random.default_rng(seed)
    X = scale * (rng.normal(size=(n_samples, rank)) @ rng.normal(size=(rank, n_features)))
    y = rng.normal(size=n_samples)
    return X, y


_call = partial(
    call_on_copies, fix="(`X -= ...` does that.) Compute new arrays: `Xc = X - X.mean(axis=0)`."
)


def _try(fn, name, *args):
    """Like :func:`_call`, but return the error a learner's shape mistake raised, if any."""
    try:
        return _call(fn, name, *args), None
    except (ValueError, np.linalg.LinAlgError) as err:
        return None, err


def _raised(name, err, context):
    return f"{name} raised {type(err).__name__}: {err} (inputs: {context})."


def _shapes(X, y):
    return f"X.shape={X.shape}, y.shape={y.shape}"


def _not_a_tuple(got, what):
    """Reject a tuple or list of arrays (``np.linalg.lstsq``'s four outputs) with advice."""
    if isinstance(got, (tuple, list)) and any(np.ndim(part) > 0 for part in got):
        raise AssertionError(
            f"{what} returned a {type(got).__name__} of {len(got)} items; return only the "
            "array w. (np.linalg.lstsq returns the tuple (w, residuals, rank, singular "
            "values): take its first item, np.linalg.lstsq(...)[0].)"
        )


def _pair(got, name, n_features):
    """Split the learner's ``(w, b)`` answer, explaining what is wrong with its form."""
    if got is None:
        raise AssertionError(f"{name} returned None. Did you forget `return w, b`?")
    if isinstance(got, (tuple, list)) and len(got) == 2:
        if np.ndim(got[0]) == 0 and np.shape(got[1]) == (n_features,):
            raise AssertionError(
                f"{name} returned (b, w), the intercept first; return the pair in the order "
                "`w, b`."
            )
        return got
    if np.ndim(got) == 1 and np.size(got) == n_features + 1:
        raise AssertionError(
            f"{name} returned one array of {n_features + 1} numbers; return the pair "
            "`w, b` instead (w of shape (n_features,), b a float), e.g. `return w[1:], w[0]` "
            "if you solved with a column of ones first."
        )
    raise AssertionError(
        f"{name} should return the pair `w, b` (w of shape (n_features,), b a float), "
        f"got {type(got).__name__}."
    )


def check_normal_equation(normal_equation, *, n_samples=8, n_features=3, seed=0):
    """Check ``normal_equation(X, y)`` solves Xᵀ X w = Xᵀ y."""
    X, y = make_regression(n_samples, n_features, seed)
    expected = solve_normal_equation(X, y)
    gram, rhs = X.T @ X, X.T @ y
    name, what = "normal_equation", "normal_equation(X, y)"
    got, err = _try(normal_equation, name, X, y)
    _not_a_tuple(got, what)
    if err is not None:
        raise AssertionError(
            _raised(what, err, _shapes(X, y)) + " " + _diagnose_normal_equation(normal_equation)
        )
    if got is not None and np.shape(got) == (n_samples,) != (n_features,):
        raise AssertionError(
            f"{what} has shape {np.shape(got)}, one entry per sample; w has one per feature, "
            f"{(n_features,)} (inputs: {_shapes(X, y)}). "
            + _diagnose_normal_equation(normal_equation)
        )
    mistakes = [
        Mistake(rhs / gram, "you divided by the matrix X.T @ X entry by entry; a matrix "
                "equation is solved, not divided: np.linalg.solve(X.T @ X, X.T @ y)"),
        Mistake(rhs / np.sum(X**2, axis=0), "you solved each feature on its own (X.T @ y "
                "divided by each column's sum of squares), which ignores how the features "
                "correlate; solve the whole system np.linalg.solve(X.T @ X, X.T @ y)"),
        Mistake(gram @ rhs, "you multiplied X.T @ y by X.T @ X; you need its inverse: "
                "np.linalg.solve(X.T @ X, X.T @ y)"),
        Mistake(-expected, "it has the opposite sign; the normal equation is "
                "X.T @ X w = X.T @ y, solve it as written"),
    ]
    # float32 arithmetic is legitimate: rounding of about 1e-7 times kappa(X^T X) is accepted
    check_array(got, expected, what, mistakes=mistakes, rtol=1e-5,
                atol=1e-6 * np.abs(expected).max(), context=_shapes(X, y))


def _diagnose_normal_equation(normal_equation):
    """Find which shape mistake raised, by trying the learner's code on a square X."""
    p = 3
    X, y = make_regression(p, p, seed=99)
    got, _ = _try(normal_equation, "normal_equation", X, y)
    specific = [
        (np.linalg.solve(X @ X.T, X.T @ y), "You wrote X @ X.T, shape (n_samples, n_samples); "
         "the normal equation uses X.T @ X, shape (n_features, n_features)."),
        (np.linalg.solve(X.T @ X, y), "The right-hand side must be X.T @ y (shape "
         "(n_features,)), not y (shape (n_samples,))."),
        (np.linalg.solve(X @ X.T, y), "Use X.T @ X (not X @ X.T) on the left and X.T @ y "
         "(not y) on the right."),
    ]
    if got is not None:
        for value, message in specific:
            if np.shape(got) == value.shape and np.allclose(got, value, rtol=1e-6):
                return message
    return (
        "With X of shape (n_samples, n_features), np.linalg.solve(A, b) needs the square "
        "matrix A = X.T @ X, shape (n_features, n_features) (not X @ X.T), and b = X.T @ y, "
        "shape (n_features,) (not y). np.linalg.solve(X, y) fails because X is not square."
    )


def check_fit_with_intercept(fit_with_intercept, *, n_samples=10, n_features=3, seed=0):
    """Check ``fit_with_intercept(X, y) -> (w, b)``: least squares for y ≈ Xw + b."""
    X, y = make_regression(n_samples, n_features, seed, offset=1.0)
    y = y + 2.0 + seed % 3
    model = LinearRegression(solver="lstsq").fit(X, y)
    w_ref, b_ref = model.coef_, model.intercept_
    x_mean, y_mean = X.mean(axis=0), y.mean()
    context = _shapes(X, y)
    got = _call(fit_with_intercept, "fit_with_intercept", X, y)
    w, b = _pair(got, "fit_with_intercept(X, y)", n_features)
    w_mistakes = [
        Mistake(np.linalg.lstsq(X, y, rcond=None)[0], "it is the fit without an intercept "
                "(the plane is forced through the origin). Center first, Xc = X - "
                "X.mean(axis=0) and yc = y - y.mean(), and solve the normal equation on Xc, yc"),
        Mistake(np.linalg.lstsq(X, y - y_mean, rcond=None)[0], "you centered y but not X; "
                "center the features too: Xc = X - X.mean(axis=0)"),
        Mistake(w_ref * X.std(axis=0), "it is in standardized units: you divided X by its "
                "standard deviation. Only subtract the mean, so that w applies to X itself"),
        Mistake(np.r_[b_ref, w_ref[:-1]], "it starts with the intercept: with the column of "
                "ones first, the coefficients are c[1:] and the intercept c[0]"),
    ]
    check_array(w, w_ref, "w from fit_with_intercept(X, y)", mistakes=w_mistakes,
                context=context)
    check_intercept(b, b_ref, "b from fit_with_intercept(X, y)", x_mean=x_mean, y_mean=y_mean,
                    w=w_ref, context=context)


def _lstsq_hint(err, X, y):
    k = min(X.shape)
    hint = (
        _raised("lstsq_svd(X, y, rcond)", err, _shapes(X, y))
        + f" With U, s, Vt = np.linalg.svd(X, full_matrices=False), U has shape "
        f"{(X.shape[0], k)}, s {(k,)} and Vt {(k, X.shape[1])}; then "
        "w = Vt.T @ ((U.T @ y) / s) over the kept singular values."
    )
    if isinstance(err, np.linalg.LinAlgError) and "ingular" in str(err):
        hint += (" If you used np.linalg.solve or inv on X.T @ X: it is singular when X has "
                 "collinear columns, which is why this task uses the SVD.")
    return hint


def _lstsq_value(lstsq_svd, X, y, rcond):
    try:
        got, err = _try(lstsq_svd, "lstsq_svd", X, y, rcond)
    except IndexError as index_err:
        k = min(X.shape)
        raise AssertionError(
            _raised("lstsq_svd(X, y, rcond)", index_err, _shapes(X, y))
            + f" A boolean mask like keep = s > rcond * s.max() has len(s) = {k} entries, so it "
            f"can only select among {k} rows of Vt or columns of U. np.linalg.svd(X) with the "
            f"default full_matrices=True returns U of shape {(X.shape[0], X.shape[0])} and Vt "
            f"of shape {(X.shape[1], X.shape[1])}; use np.linalg.svd(X, full_matrices=False) "
            f"(U {(X.shape[0], k)}, Vt {(k, X.shape[1])})."
        ) from None
    if err is not None:
        raise AssertionError(_lstsq_hint(err, X, y))
    _not_a_tuple(got, "lstsq_svd(X, y, rcond)")
    if got is not None and np.shape(got) == (X.shape[0],) != (X.shape[1],):
        raise AssertionError(
            f"lstsq_svd(X, y, rcond) has shape {np.shape(got)}, one entry per sample; w has "
            f"one per feature, {(X.shape[1],)}. Products that start with U have length "
            "n_samples: did you swap U and V, or return the predictions X @ w? "
            "w = Vt.T @ ((U.T @ y) / s)."
        )
    return got


def check_lstsq_svd(lstsq_svd, *, n_samples=8, n_features=3, rcond=1e-10, seed=0):
    """Check ``lstsq_svd(X, y, rcond)`` on a full-rank tall X."""
    X, y = make_regression(n_samples, n_features, seed)
    expected = solve_lstsq(X, y, rcond=rcond)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    uty = U.T @ y
    got = _lstsq_value(lstsq_svd, X, y, rcond)
    mistakes = [
        Mistake(Vt @ (uty / s), "np.linalg.svd returns Vt = Vᵀ, not V: w = Vt.T @ ((U.T @ y) / s)"),
        Mistake(Vt.T @ (uty * s), "multiply by 1/s (the pseudo-inverse of Σ), not by s: "
                "w = Vt.T @ ((U.T @ y) / s)"),
        Mistake(Vt.T @ (uty / s**2), "divide by s, not s²: w = Vt.T @ ((U.T @ y) / s)"),
    ]
    check_array(got, expected, "lstsq_svd(X, y, rcond)", mistakes=mistakes,
                context=_shapes(X, y))
    _check_full_rank_ill_conditioned(lstsq_svd, rcond, seed)


def _with_singular_values(rng, n_samples, s):
    """A random ``(n_samples, len(s))`` matrix whose singular values are exactly ``s``."""
    U, _ = np.linalg.qr(rng.normal(size=(n_samples, len(s))))
    V, _ = np.linalg.qr(rng.normal(size=(len(s), len(s))))
    return U @ np.diag(s) @ V.T


def _check_full_rank_ill_conditioned(lstsq_svd, rcond, seed, kappa=1e7, scale=1e-6):
    """A full-rank X with singular values from ``scale`` down to ``scale / kappa``, exact fit.

    All singular values are above ``rcond * s.max()`` and must be kept. The SVD recovers the
    exact coefficients to about kappa·eps = 2e-9; the normal equation, which squares the
    condition number, only to about kappa²·eps = 2e-2. The small ``scale`` also catches an
    absolute threshold ``s > rcond``, which here would drop every singular value.
    """
    rng = np.random.default_rng(seed + 3000)
    U, _ = np.linalg.qr(rng.normal(size=(8, 3)))
    V, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    s = scale * np.array([1.0, 1 / np.sqrt(kappa), 1 / kappa])
    X = U @ np.diag(s) @ V.T
    w_true = np.array([1.0, -2.0, 0.5])
    y = X @ w_true
    expected = solve_lstsq(X, y, rcond=rcond)
    got = _lstsq_value(lstsq_svd, X, y, rcond)
    what = f"lstsq_svd(X, y, rcond={rcond:g})"
    facts = (f"X.shape={X.shape}, full rank, singular values {s[0]:.0e}, {s[1]:.1e}, "
             f"{s[2]:.0e} (kappa(X) = {kappa:.0e}), y = X @ {w_true.tolist()} exactly")
    try:
        normal = np.linalg.solve(X.T @ X, X.T @ y)
    except np.linalg.LinAlgError:
        normal = np.full(3, np.nan)
    mistakes = [
        Mistake(np.zeros(3), f"it is all zeros: every singular value is below {rcond:g} in "
                "absolute terms, but all are above rcond * s.max(); the threshold is relative "
                "to the largest singular value"),
    ]
    keep_abs = s > rcond
    if keep_abs.any() and not keep_abs.all():
        absolute = V[:, keep_abs] @ ((U[:, keep_abs].T @ y) / s[keep_abs])
        mistakes.append(Mistake(absolute, f"you dropped the singular values below {rcond:g} "
                                "itself; the threshold is relative, rcond * s.max() = "
                                f"{rcond * s[0]:.0e} here, and all three are above it"))
    if np.all(np.isfinite(normal)) and not np.allclose(normal, expected, rtol=1e-4):
        mistakes.append(Mistake(normal, "this is what the normal equation gives, with a "
                                "relative error near kappa(X)**2 * eps; the SVD does not form "
                                "X.T @ X and keeps about kappa(X) * eps = 2e-9: "
                                "w = Vt.T @ ((U.T @ y) / s)"))
    check_array(got, expected, what, mistakes=mistakes, rtol=1e-6, context=facts)


def check_lstsq_svd_rank_deficient(lstsq_svd, *, n_samples=8, n_features=4, rank=2,
                                   rcond=1e-10, scale=1.0, seed=0):
    """Check ``lstsq_svd(X, y, rcond)`` returns the minimum-norm solution for a rank-deficient X.

    ``n_samples < n_features`` gives a wide X (more unknowns than equations).
    """
    X, y = make_rank_deficient(n_samples, n_features, rank, seed, scale=scale)
    expected = solve_lstsq(X, y, rcond=rcond)
    s = np.linalg.svd(X, compute_uv=False)
    context = f"{_shapes(X, y)}, rank(X)={rank}, rcond={rcond}"
    got = _lstsq_value(lstsq_svd, X, y, rcond)
    what = "lstsq_svd(X, y, rcond)"
    advice = (
        f"X has rank {rank} < {n_features}: its smallest singular values are rounding noise "
        f"(s.min() / s.max() = {s.min() / s.max():.0e}), and dividing by them blows the "
        "noise up. Keep only s_i > rcond * s.max() (relative to the largest singular value) "
        "and give the other directions weight 0"
    )
    if got is not None and np.shape(got) == expected.shape:
        got_arr = np.asarray(got, dtype=float)
        if not np.all(np.isfinite(got_arr)):
            raise AssertionError(f"{what} contains NaN or infinity ({context}). {advice}.")
        if np.linalg.norm(got_arr) > 1e3 * max(np.linalg.norm(expected), 1e-12):
            raise AssertionError(
                f"{what} is huge, norm {np.linalg.norm(got_arr):.1e} where the minimum-norm "
                f"solution has norm {np.linalg.norm(expected):.2f} ({context}). {advice}."
            )
    mistakes = [
        Mistake(np.zeros(n_features), "it is all zeros: you dropped every singular value. "
                "The threshold is relative, keep s_i > rcond * s.max()"),
    ]
    check_array(got, expected, what, mistakes=mistakes, rtol=1e-6,
                atol=1e-9 * max(np.abs(expected).max(), 1.0), context=context)
    _check_threshold_is_relative(lstsq_svd, X, y, rcond, context)
    _check_rcond_is_used(lstsq_svd, seed)
    _check_small_singular_values_are_kept(lstsq_svd, seed)


def _check_threshold_is_relative(lstsq_svd, X, y, rcond, context):
    """Run on ``1e8 * X``: an absolute threshold ``s > rcond`` then keeps the noise."""
    factor = 1e8
    expected = solve_lstsq(factor * X, y, rcond=rcond)
    got = _lstsq_value(lstsq_svd, factor * X, y, rcond)
    what = f"lstsq_svd({factor:.0e} * X, y, rcond)"
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        got_arr = None
    if got_arr is not None and got_arr.shape == expected.shape and (
            not np.all(np.isfinite(got_arr))
            or np.linalg.norm(got_arr) > 1e3 * max(np.linalg.norm(expected), 1e-300)):
        raise AssertionError(
            f"{what} is wrong: your function passes on X ({context}) but not on the same X "
            f"times {factor:.0e}, where it returns norm {np.linalg.norm(got_arr):.1e} instead "
            f"of {np.linalg.norm(expected):.1e}. The rounding noise in the singular values "
            "grows with the scale of X, so an absolute threshold (s > rcond) keeps it: compare "
            "with rcond * s.max(), relative to the largest singular value."
        )
    check_array(got, expected, what, rtol=1e-6, atol=1e-9 * np.abs(expected).max(),
                context=f"the X above times {factor:.0e}")


def _check_rcond_is_used(lstsq_svd, seed):
    """A full-rank X with singular values (3, 1, 1e-3) and ``rcond=1e-2``: drop the last one."""
    rng = np.random.default_rng(seed + 1000)
    s = np.array([3.0, 1.0, 1e-3])
    X = _with_singular_values(rng, 6, s)
    y = rng.normal(size=6)
    rcond = 1e-2
    expected = solve_lstsq(X, y, rcond=rcond)
    got = _lstsq_value(lstsq_svd, X, y, rcond)
    what = f"lstsq_svd(X, y, rcond={rcond})"
    mistakes = [
        Mistake(solve_lstsq(X, y, rcond=1e-12), f"with singular values s = {s.tolist()} and "
                f"rcond={rcond}, the last one is below rcond * s.max() = {rcond * s[0]:g} and "
                "must be dropped, but you kept it: use the argument rcond, not a threshold of "
                "your own"),
    ]
    check_array(got, expected, what, mistakes=mistakes, rtol=1e-6,
                context=f"X.shape={X.shape}, singular values {s.tolist()}")


def _check_small_singular_values_are_kept(lstsq_svd, seed):
    """Singular values between rcond·s_max and √rcond·s_max are kept.

    Comparing the eigenvalues of XᵀX (that is, s²) with rcond·s_max² drops them: it is a
    threshold of √rcond on s. So does a threshold of one's own in between.
    """
    rng = np.random.default_rng(seed + 2000)
    s = np.array([3.0, 1.0, 1e-4])
    X = _with_singular_values(rng, 7, s)
    y = rng.normal(size=7)
    rcond = 1e-6
    expected = solve_lstsq(X, y, rcond=rcond)
    got = _lstsq_value(lstsq_svd, X, y, rcond)
    what = f"lstsq_svd(X, y, rcond={rcond:g})"
    keep = f"s = {s.tolist()}: 1e-4 is above rcond * s.max() = {rcond * s[0]:g} and must be kept"
    mistakes = [
        Mistake(solve_lstsq(X, y, rcond=np.sqrt(rcond)), f"it dropped a singular value it must "
                f"keep: {keep}. Your threshold acts like sqrt(rcond) * s.max() = "
                f"{np.sqrt(rcond) * s[0]:g}, which is what comparing the eigenvalues of X.T @ X "
                "(the squares s**2) with rcond does; compare the singular values themselves"),
    ]
    check_array(got, expected, what, mistakes=mistakes, rtol=1e-6,
                context=f"X.shape={X.shape}, singular values {s.tolist()}, rcond={rcond:g}")


def _designed(kappa, scale, seed, n_samples=60, n_features=4):
    """An X with condition number ``kappa`` and largest singular value ``scale``, and w, y."""
    rng = np.random.default_rng(seed)
    s = scale * np.logspace(0, -np.log10(kappa), n_features)
    X = _with_singular_values(rng, n_samples, s)
    w = rng.normal(size=n_features)
    return X, w, X @ w


SOLVER_CASES = (
    # (kappa, tol, scale): the normal equation's error is about kappa² eps; each case is
    # outside the band tol/100 < kappa² eps < 100 tol, where either answer is accepted.
    (10.0, 1e-8, 1.0),
    (10.0, 1e-8, 1e-6),        # tiny singular values, yet well conditioned
    (1e6, 1e-8, 1.0),          # kappa eps is small enough, kappa² eps is not
    (1e3, 1e-4, 1e4),
    (1e5, 1e-12, 1.0),
    (1e5, 1e-2, 1.0),          # the same kappa, a loose tol: a rule that ignores tol fails
)


def _solver_name(got, what):
    if not isinstance(got, str):
        raise AssertionError(f"{what} should return the string 'normal' or 'svd', got "
                             f"{type(got).__name__} {str(got)[:40]!r}.")
    name = got.strip().lower()
    aliases = {"normal": "normal", "cholesky": "normal", "normal equation": "normal",
               "svd": "svd", "lstsq": "svd"}
    if name not in aliases:
        raise AssertionError(f"{what} returned {got!r}; return 'normal' or 'svd'.")
    return aliases[name]


def check_choose_solver(choose_solver, cases=SOLVER_CASES):
    """Check ``choose_solver(X, tol) -> 'normal' | 'svd'``.

    The faster normal equation when its relative error, about κ(X)²·ε, is below ``tol``; the
    SVD otherwise. The verdict is judged against the *measured* error of the normal equation,
    so any rule that predicts it (κ² ε, the condition number of XᵀX, the digits lost) passes:
    only answers on the wrong side of the threshold by more than a factor 100 fail.
    """
    eps = np.finfo(float).eps
    for k, (kappa, tol, scale) in enumerate(cases):
        X, w, y = _designed(kappa, scale, seed=k)
        what = f"choose_solver(X, tol={tol:g})"
        got = _solver_name(_call(choose_solver, "choose_solver", X, tol), what)
        try:
            w_normal = np.linalg.solve(X.T @ X, X.T @ y)
            err_normal = float(np.linalg.norm(w_normal - w) / np.linalg.norm(w))
        except np.linalg.LinAlgError:
            err_normal = np.inf
        err_svd = float(np.linalg.norm(solve_lstsq(X, y) - w) / np.linalg.norm(w))
        s = np.linalg.svd(X, compute_uv=False)
        kappa_x = s[0] / s[-1]
        facts = (f"X.shape={X.shape}, singular values from {s[0]:.3g} to {s[-1]:.3g}, "
                 f"kappa(X) = {kappa_x:.3g}, kappa(X)**2 * eps = {kappa_x ** 2 * eps:.2g}; "
                 f"measured relative errors: normal equation {err_normal:.2g}, "
                 f"SVD {err_svd:.2g}")
        if got == "normal" and err_normal > tol:
            raise AssertionError(
                f"{what} chose the normal equation, but its error exceeds tol ({facts}). "
                "Forming X.T @ X squares the condition number: its error grows like "
                "kappa(X)**2 * eps.")
        if got == "svd" and kappa_x ** 2 * eps < tol / 100:
            hint = ""
            if scale < 1e-3:
                hint = (" Small singular values alone do not make X ill-conditioned: what "
                        "matters is their ratio, kappa(X) = s.max() / s.min().")
            raise AssertionError(
                f"{what} chose the SVD, but the normal equation is accurate enough here and "
                f"several times faster ({facts}).{hint}")


def check_r2_score(r2_score, *, n_samples=20, seed=0):
    """Check ``r2_score(y, y_pred)`` = 1 − Σ(yᵢ − ŷᵢ)² / Σ(yᵢ − ȳ)²."""
    rng = np.random.default_rng(seed)
    y = 3.0 + rng.normal(size=n_samples)
    y_pred = 0.8 * y + 0.9 + 0.5 * rng.normal(size=n_samples)  # biased, imperfect predictions
    expected = sklearn_r2_score(y, y_pred)
    ss_res = np.sum((y - y_pred) ** 2)
    ss_tot = np.sum((y - y.mean()) ** 2)
    mistakes = [
        Mistake(1 - ss_res / np.sum(y**2), "the denominator is the spread of y around its "
                "mean, np.sum((y - y.mean())**2), not np.sum(y**2)"),
        Mistake(ss_res / ss_tot, "this is the fraction of variance left unexplained; "
                "R² is 1 minus it"),
        Mistake(1 - np.mean((y - y_pred) ** 2) / ss_tot, "the numerator is a mean and the "
                "denominator a sum; use sums for both (or means for both)"),
        Mistake(1 - ss_res / np.sum((y_pred - y_pred.mean()) ** 2), "the denominator uses the "
                "spread of the predictions; use the spread of the true targets y"),
        Mistake(1 - np.var(y - y_pred) / np.var(y), "np.var(y - y_pred) subtracts the mean "
                "residual, which hides a biased model; the numerator is "
                "np.sum((y - y_pred)**2)"),
        Mistake(np.corrcoef(y, y_pred)[0, 1] ** 2, "the squared correlation equals R² only "
                "for a least-squares fit with an intercept on its own training data; "
                "compute 1 - SS_res / SS_tot"),
        Mistake(1 - np.sqrt(ss_res / ss_tot), "leave out the square root: "
                "R² = 1 - SS_res / SS_tot"),
        Mistake(np.sum((y_pred - y.mean()) ** 2) / ss_tot, "this is the explained sum of "
                "squares over SS_tot, which equals R² only for a least-squares fit with an "
                "intercept on its own training data; compute 1 - SS_res / SS_tot"),
    ]
    got = _call(r2_score, "r2_score", y, y_pred)
    check_scalar(got, expected, "r2_score(y, y_pred)", mistakes=mistakes,
                 context=f"y.shape={y.shape}, y_pred.shape={y_pred.shape}")
