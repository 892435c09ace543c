"""Checks for the graded exercise of chapter 03, gradient descent."""

from __future__ import annotations

from functools import partial

import numpy as np
from sklearn.preprocessing import StandardScaler

from mlopt.checks._core import (
    Mistake,
    _as_numbers,
    as_number,
    call_on_copies,
    check_array,
    check_rng_use,
    check_scalar,
)
from mlopt.optimizers import gd

__all__ = ["check_gd_step", "check_gradient_descent", "check_max_stable_lr", "check_standardize",
           "check_largest_curvature", "check_choose_lr"]


_FIX_STEP = "Create a new array instead: `w = w - lr * grad`, or start from `w0.copy()`."


_call = partial(call_on_copies, fix=_FIX_STEP)


def make_quadratic(n_params=2, seed=0):
    r"""A convex quadratic :math:`f(w) = \frac12 w^\top A w - b^\top w`: its gradient and ``w0``.

    ``A`` is symmetric with eigenvalues in [1, 5] and not diagonal, so the coordinates interact.
    """
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n_params, n_params)))
    A = Q @ np.diag(np.linspace(1.0, 5.0, n_params)) @ Q.T
    b = rng.normal(size=n_params)
    w0 = rng.normal(size=n_params) * 2.0

    def grad_fn(w):
        return A @ w - b

    return grad_fn, w0


def reference_path(grad_fn, w0, lr, n_steps, sign=1.0):
    """The iterates of :func:`mlopt.optimizers.gd`, ``w0`` first, shape (n_steps + 1, n_params).

    ``sign=-1`` climbs (the sign error), to recognise it.
    """
    opt = gd(lr=lr)
    state = opt.init(w0)
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(n_steps):
        step, state = opt.update(grad_fn(w), state, w)
        w = w - sign * step
        path.append(w)
    return np.array(path)


def check_gd_step(gd_step, *, n_params=3, lr=0.3, seed=0):
    """Check ``gd_step(w, grad, lr)`` = w − lr · grad."""
    rng = np.random.default_rng(seed)
    w, grad = rng.normal(size=n_params), rng.normal(size=n_params)
    opt = gd(lr=lr)
    step, _ = opt.update(grad, opt.init(w), w)
    expected = w - step
    mistakes = [
        Mistake(w + lr * grad, "you stepped uphill: the gradient points towards increasing "
                "loss, so gradient descent subtracts it, w - lr * grad"),
        Mistake(lr * grad, "you returned the step lr * grad; return the new point "
                "w - lr * grad"),
        Mistake(-lr * grad, "you returned the change -lr * grad; add it to w: "
                "w - lr * grad"),
        Mistake(w - grad, "the learning rate is missing: w - lr * grad"),
        Mistake(w - grad / lr, "multiply the gradient by the learning rate, do not divide: "
                "w - lr * grad"),
    ]
    got = _call(gd_step, "gd_step", w, grad, lr)
    if isinstance(got, tuple):
        raise AssertionError(
            f"gd_step(w, grad, lr) returned a tuple of {len(got)} item(s), not an array: is "
            "there a comma after the return value (`return w - lr * grad,`)? Return the new "
            "point alone: `return w - lr * grad`."
        )
    check_array(got, expected, "gd_step(w, grad, lr)", mistakes=mistakes,
                context=f"w.shape={w.shape}, grad.shape={grad.shape}, lr={lr}")


def make_one_step_quadratic(n_params=2, seed=0, lr=1.0):
    """The quadratic ``|w|² / (2 lr) - b·w``: one step of size ``lr`` lands on the minimizer.

    Every later gradient is 0: a problem that converges early.
    """
    rng = np.random.default_rng(seed)
    b = rng.normal(size=n_params)
    w0 = rng.normal(size=n_params) * 2.0

    def grad_fn(w):
        return np.asarray(w, dtype=float) / lr - b

    return grad_fn, w0


def check_gradient_descent(gradient_descent, *, n_params=2, n_steps=5, lr=0.1, seed=0,
                           converge_at=None):
    """Check ``gradient_descent(grad_fn, w0, lr, n_steps)`` returns every iterate, w0 first.

    ``converge_at=1`` uses a problem on which the first step lands on the minimizer, so that
    a loop that stops when the gradient vanishes returns too few rows.
    """
    if converge_at is None:
        grad_fn, w0 = make_quadratic(n_params, seed)
    else:
        grad_fn, w0 = make_one_step_quadratic(n_params, seed, lr)
    expected = reference_path(grad_fn, w0, lr, n_steps)
    longer = reference_path(grad_fn, w0, lr, n_steps + 1)
    final = expected[-1]
    shape = f"({n_steps + 1}, {n_params}) = (n_steps + 1, n_params)"
    mistakes = [
        Mistake(expected[1:], f"the first row must be w0 itself: start the list with w0, then "
                f"append each new iterate, shape {shape}"),
        Mistake(expected[:-1], f"it stops one step too early: n_steps steps give n_steps + 1 "
                f"iterates, w0 first, shape {shape}"),
        Mistake(longer, f"it takes one step too many: n_steps steps give n_steps + 1 iterates, "
                f"w0 first, shape {shape}"),
        Mistake(longer[1:], "the first row must be w0 itself, followed by the n_steps "
                "iterates after it"),
        Mistake(final, f"you returned only the last iterate; return them all, stacked as rows, "
                f"shape {shape}: collect them in a list and finish with np.array(path)"),
        Mistake(np.tile(final, (n_steps + 1, 1)), "every row equals the last iterate: you "
                "appended the same array again and again while updating it in place "
                "(w -= ...). Write w = w - lr * grad_fn(w), which makes a new array"),
        Mistake(np.vstack([w0, np.tile(final, (n_steps, 1))]), "every row after the first "
                "equals the last iterate: you appended the same array again and again while "
                "updating it in place (w -= ...). Write w = w - lr * grad_fn(w)"),
        Mistake(reference_path(grad_fn, w0, lr, n_steps, sign=-1.0), "the iterates climb "
                "the loss: each step is w - lr * grad_fn(w), with a minus"),
        Mistake(w0 - lr * np.arange(n_steps + 1)[:, None] * grad_fn(w0), "you used the "
                "gradient at w0 for every step; evaluate grad_fn at the current iterate"),
        Mistake(np.vstack([w0, expected[:-1]]), "w0 appears twice and the last iterate is "
                "missing: you appended w before updating it. Start the list with w0, then "
                "append each new iterate after computing it"),
    ]
    got = _call(gradient_descent, "gradient_descent", grad_fn, w0, lr, n_steps)
    what = "gradient_descent(grad_fn, w0, lr, n_steps)"
    if isinstance(got, tuple) and len(got) != n_steps + 1:
        raise AssertionError(f"{what} returned a tuple of {len(got)} item(s); return one array "
                             f"of all iterates, shape {shape}.")
    try:
        rows = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        rows = None
    if (rows is not None and rows.ndim == 2 and rows.shape[1] == n_params
            and 1 <= len(rows) < n_steps + 1
            and np.allclose(rows, expected[:len(rows)], rtol=1e-6, atol=1e-9)
            and np.linalg.norm(grad_fn(rows[-1])) < 1e-6):
        raise AssertionError(
            f"{what} returned {len(rows)} rows, the iterates up to the point where the gradient "
            f"vanished; the task asks for all n_steps + 1 = {n_steps + 1} of them, shape "
            f"{shape}, even when the later ones repeat (here the first step lands on the "
            "minimizer). Do not stop early.")
    check_array(got, expected, what, mistakes=mistakes,
                context=f"w0.shape={w0.shape}, lr={lr}, n_steps={n_steps}")


def make_design(n_samples=20, n_features=3, seed=0):
    """A design matrix with well-separated singular values."""
    rng = np.random.default_rng(seed)
    scales = np.geomspace(3.0, 0.5, n_features)
    return rng.normal(size=(n_samples, n_features)) * scales


def check_max_stable_lr(max_stable_lr, *, n_samples=20, n_features=3, seed=0):
    """Check ``max_stable_lr(X)`` = 2/L with L = (2/n) σ_max(X)², the Lipschitz constant."""
    X = make_design(n_samples, n_features, seed)
    n = n_samples
    hessian = 2.0 / n * X.T @ X  # Hessian of the MSE, constant: L is its largest eigenvalue
    expected = 2.0 / np.linalg.eigvalsh(hessian).max()
    s = np.linalg.svd(X, compute_uv=False)
    s_max, s_min = s.max(), s.min()
    mistakes = [
        Mistake(2.0 / (s_max**2 / n), "it is twice too large: L = (2/n) σ_max², the 2 comes "
                "from differentiating the square in the MSE"),
        Mistake(2.0 / (2.0 * s_max**2), "it is n times too small: the MSE is a mean, so "
                "L = (2/n) σ_max² with n = X.shape[0]"),
        Mistake(2.0 / (2.0 / X.shape[1] * s_max**2), "n is the number of samples, "
                "X.shape[0], not the number of features X.shape[1]"),
        Mistake(2.0 / (2.0 / n * s_max), "square the largest singular value: "
                "L = (2/n) σ_max(X)², the largest eigenvalue of (2/n) X.T @ X"),
        Mistake(2.0 / (2.0 / n * s_max**4), "σ_max² is already the largest eigenvalue of "
                "X.T @ X; do not square that again"),
        Mistake(2.0 / (2.0 / n * s_min**2), "you used the smallest singular value; the "
                "step must be stable along the steepest direction, so use the largest"),
        Mistake(1.0 / (2.0 / n * s_max**2), "this is 1/L, a safe step but not the limit: "
                "gradient descent converges for every lr < 2/L"),
        Mistake(2.0 / (2.0 / n * np.sum(s**2)), "np.linalg.norm(X) is the Frobenius norm "
                "(all singular values together); use np.linalg.norm(X, 2), the largest "
                "singular value"),
        Mistake(2.0 / s_max**2, "you took L = σ_max² = λ_max(X.T @ X) and left out the "
                "factor 2/n: the Hessian of the MSE is (2/n) X.T @ X, so L = (2/n) σ_max²"),
        Mistake(2.0 / n * s_max**2, "this is L itself; return the learning rate 2 / L"),
    ]
    got = _call(max_stable_lr, "max_stable_lr", X, fix="Leave X as it is.")
    if got is not None:
        _as_numbers(got, "max_stable_lr(X)", "; it should be one number")  # names a tuple, a str
    if got is not None and np.size(got) > 1:
        hint = (" If it holds one value per singular value: L uses only the largest singular "
                "value, s.max()."
                if np.shape(got) == (min(X.shape),) else "")
        raise AssertionError(
            f"max_stable_lr(X) should be a single number, got an array of shape "
            f"{np.shape(got)}.{hint}"
        )
    check_scalar(got, expected, "max_stable_lr(X)", mistakes=mistakes,
                 context=f"X.shape={X.shape}")


def make_split(n_train=12, n_test=5, n_features=3, seed=0):
    """Training and test features in raw units; the test set is shifted (another season)."""
    rng = np.random.default_rng(seed)
    loc = rng.uniform(-5.0, 5.0, size=n_features)
    scale = rng.uniform(0.5, 4.0, size=n_features)
    X_train = loc + scale * rng.normal(size=(n_train, n_features))
    X_test = loc + 1.0 + 1.5 * scale * rng.normal(size=(n_test, n_features))
    return X_train, X_test


def check_standardize(standardize, *, n_train=12, n_test=5, n_features=3, seed=0):
    """Check ``standardize(X_train, X_test)`` scales both with the training mean and std."""
    X_train, X_test = make_split(n_train, n_test, n_features, seed)
    scaler = StandardScaler().fit(X_train)
    train_ref, test_ref = scaler.transform(X_train), scaler.transform(X_test)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    both = np.vstack([X_train, X_test])
    what = "standardize(X_train, X_test)"
    context = f"X_train.shape={X_train.shape}, X_test.shape={X_test.shape}"

    got = _call(standardize, "standardize", X_train, X_test,
                fix="Compute new arrays instead: `(X_train - mean) / std`.")
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget `return X_train_s, X_test_s`?")
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise AssertionError(
            f"{what} should return the pair `X_train_s, X_test_s`, got {type(got).__name__}."
        )
    train_s, test_s = got
    if (np.shape(train_s), np.shape(test_s)) == (X_test.shape, X_train.shape) != (
            X_train.shape, X_test.shape):
        raise AssertionError(f"{what} returned the pair in the wrong order: return "
                             "`X_train_s, X_test_s`, the training set first.")

    def scaled(X, center, spread):
        with np.errstate(divide="ignore", invalid="ignore"):  # a mistake may divide by 0
            return (X - center) / spread

    train_mistakes = [
        Mistake(scaled(X_train, mean, std**2), "you divided by the variance; divide by the "
                "standard deviation, X_train.std(axis=0)"),
        Mistake(X_train / std, "you did not subtract the mean: (X - mean) / std"),
        Mistake(X_train - mean, "you did not divide by the standard deviation: "
                "(X - mean) / std"),
        Mistake(X_train - mean / std, "X - mean / std divides only the mean (division comes "
                "before subtraction); add the parentheses: (X - mean) / std"),
        Mistake(scaled(X_train, mean, X_train.std(axis=0, ddof=1)), "use the standard "
                "deviation with 1/n, np.std's default (ddof=0), as scikit-learn's "
                "StandardScaler does"),
        Mistake(scaled(X_train, X_train.mean(), X_train.std()), "take the mean and the "
                "standard deviation of each feature (column): axis=0"),
        Mistake(scaled(X_train, X_train.mean(axis=1, keepdims=True),
                       X_train.std(axis=1, keepdims=True)),
                "the statistics are per feature, over the samples: axis=0, not axis=1"),
        Mistake(scaled(X_train, X_train.min(axis=0), np.ptp(X_train, axis=0)), "this is "
                "min-max scaling; standardize with the mean and the standard deviation"),
        Mistake(scaled(X_train, both.mean(axis=0), both.std(axis=0)), "you computed the mean "
                "and std on the training and test sets together; that leaks information "
                "from the test set. Use the training set's statistics only"),
    ]
    tol = dict(rtol=1e-5, atol=1e-5)             # float32 answers are within this
    check_array(train_s, train_ref, "X_train_s from " + what, mistakes=train_mistakes,
                context=context, **tol)
    test_mistakes = [
        Mistake(scaled(X_test, X_test.mean(axis=0), X_test.std(axis=0)), "the test set was "
                "scaled with its own mean and std. Use the training statistics for both: the "
                "model learned its weights on features scaled that way, and the test set "
                "stands for new data, which you see one sample at a time"),
        Mistake(scaled(X_test, both.mean(axis=0), both.std(axis=0)), "you computed the mean "
                "and std on the training and test sets together; that leaks information "
                "from the test set. Use the training set's statistics only"),
        Mistake(X_test, "the test set was not scaled: apply (X_test - mean) / std with the "
                "training mean and std"),
    ]
    check_array(test_s, test_ref, "X_test_s from " + what, mistakes=test_mistakes,
                context=context, **tol)


# --- power iteration ---------------------------------------------------------------------------

def make_curvature_problem(n_params=4, seed=0, top=10.0, second=5.0):
    """A symmetric positive definite ``A`` whose top eigenvector is orthogonal to ``ones``.

    Returns ``A`` and its eigenvalues (ascending). A power iteration started from ``np.ones``
    then never sees the top eigenvalue (until rounding errors grow), and finds ``second``.
    """
    rng = np.random.default_rng(seed)
    first = rng.normal(size=n_params)
    first -= first.mean()                       # orthogonal to the ones vector
    basis = np.column_stack([first, rng.normal(size=(n_params, n_params - 1))])
    Q, _ = np.linalg.qr(basis)                  # Q[:, 0] is parallel to `first`
    others = np.linspace(1.0, second, n_params - 1) if n_params > 1 else np.array([])
    eigenvalues = np.r_[top, others]
    A = Q @ np.diag(eigenvalues) @ Q.T
    return (A + A.T) / 2, np.sort(eigenvalues)


def _as_number(got, what):
    return as_number(got, what)


def check_largest_curvature(largest_curvature, *, n_params=4, seed=0, top=10.0, second=5.0):
    """Check ``largest_curvature(hvp, n_params, n_iter, rng)``: power iteration for L.

    The problem's top eigenvector is orthogonal to ``np.ones``, so a fixed start fails; the
    call count must equal ``n_iter`` (``n_iter + 1`` is accepted); the generator must be used
    (two seeds give two estimates after one product) and reproducible.
    """
    A, eigenvalues = make_curvature_problem(n_params, seed, top, second)
    calls = []

    def hvp(v):
        v = np.asarray(v, dtype=float)
        if v.shape != (n_params,):
            raise AssertionError(f"hvp(v) expects a vector of shape ({n_params},), got "
                                 f"shape {v.shape}.")
        calls.append(v.copy())
        return A @ v

    what = "largest_curvature(hvp, n_params, n_iter, rng)"
    context = (f"a {n_params}×{n_params} Hessian with eigenvalues "
               f"{', '.join(f'{e:g}' for e in eigenvalues)}")
    n_iter = 40
    got = _as_number(largest_curvature(hvp, n_params, n_iter, np.random.default_rng(seed)),
                     what)
    if not calls:
        raise AssertionError(f"{what} never called hvp: power iteration needs the products "
                             "H @ v, which hvp(v) computes.")
    if not n_iter <= len(calls) <= n_iter + 1:
        raise AssertionError(
            f"{what} with n_iter={n_iter} called hvp {len(calls)} times; it should use n_iter "
            "products (one per iteration: w = hvp(v), estimate v @ w, v = w / norm(w)).")
    if not np.isfinite(got):
        raise AssertionError(f"{what} returned {got!r} ({context}). Normalize v at every "
                             "iteration, v = w / np.linalg.norm(w), so that it cannot overflow.")
    start = calls[0]
    if np.allclose(start, start[0]) and abs(got - eigenvalues[-2]) < 1e-3 * eigenvalues[-1]:
        raise AssertionError(
            f"{what} returned {got:.6g}, the second largest eigenvalue, not L = {top:g} "
            f"({context}). Your start vector is constant (like np.ones), and here it has no "
            "component along the top eigenvector, so the iteration never finds it. Start from "
            "a random vector drawn with rng, e.g. rng.normal(size=n_params).")
    if got > top * (1 + 1e-6):
        raise AssertionError(
            f"{what} returned {got:.6g}, above the largest eigenvalue L = {top:g} ({context}). "
            "The Rayleigh quotient v @ H @ v is an eigenvalue estimate only for a unit vector: "
            "normalize v = w / np.linalg.norm(w) at every iteration (and use that v in the "
            "estimate).")
    if not abs(got - top) <= 1e-6 * top:
        raise AssertionError(
            f"{what} returned {got:.8g} after {n_iter} products; expected L = {top:g} to 6 "
            f"digits ({context}; the error shrinks like (λ₂/λ₁)^(2k) = "
            f"{(second / top) ** 2:g}^k).")

    def one(seed_, k=1):
        calls.clear()
        return _as_number(largest_curvature(hvp, n_params, k, np.random.default_rng(seed_)),
                          what)

    check_rng_use(one, f"{what} after one product", seed=seed + 1, outcome="estimate",
                  source="the start vector", fix="rng.normal(size=n_params)")


# --- choosing a learning rate ------------------------------------------------------------------

#: (feature scales, seed) of the least-squares problems on which a chosen rate is tried; their
#: curvatures L differ by a factor of about 10⁴.
LR_PROBLEMS = ((np.array([3.0, 1.0, 0.3]), 0), (np.array([300.0, 40.0, 1.0]), 1))


def make_lr_problem(scales, seed):
    """Least squares ``fun(w) -> (MSE, gradient)``, its L, and a start ``w0``.

    ``w0 - w*`` lies mostly along the flattest direction, so that the gradient at ``w0`` has
    little curvature along it: a single line-search step there is longer than 2/L.
    """
    rng = np.random.default_rng(seed)
    n = 60
    X = rng.normal(size=(n, len(scales))) * scales
    y = X @ rng.normal(size=len(scales)) + 0.1 * rng.normal(size=n)
    H = 2.0 / n * X.T @ X
    eigenvalues, V = np.linalg.eigh(H)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    w0 = w_star + 10.0 * V[:, 0] / np.sqrt(eigenvalues[0]) + 0.01 * V[:, -1]

    def fun(w):
        r = X @ w - y
        return float(r @ r / n), 2.0 / n * X.T @ r

    return fun, eigenvalues[-1], w0, w_star


def check_choose_lr(choose_lr, problems=LR_PROBLEMS, *, seed=0, timid=0.2):
    """Check ``choose_lr(fun, w0, rng) -> lr`` by gradient descent with the rate it picks.

    On each problem the pick must be below 2/L (gradient descent converges from every start),
    at least ``timid``/L (it makes progress), reproducible for a seed, and the problems, whose
    curvatures differ by about 10⁴, must get different rates.
    """
    what = "choose_lr(fun, w0, rng)"
    picks = []
    for scales, pseed in problems:
        fun, L, w0, w_star = make_lr_problem(scales, pseed)
        got = _as_number(_call(choose_lr, "choose_lr", fun, w0.copy(),
                               np.random.default_rng(seed)), what)
        context = f"on a least-squares problem with L = {L:.4g}, so 2/L = {2 / L:.4g}"
        if not (np.isfinite(got) and got > 0):
            raise AssertionError(f"{what} returned {got!r}; a learning rate is a positive "
                                 f"number ({context}).")
        picks.append(got)
        if len(picks) > 1 and np.isclose(picks[-1], picks[0], rtol=1e-6):
            raise AssertionError(
                f"{what} returned {got:.6g} for two problems whose curvatures L differ by a "
                "factor of about 10⁴: the rate must come from the problem it is given (power "
                "iteration or backtracking on fun), not be a fixed number.")
        if got * L >= 1.99:
            raise AssertionError(
                f"{what} returned {got:.6g} = {got * L:.4g}/L ({context}): gradient descent "
                "with this fixed rate diverges along the steepest direction (or, within 0.5 % "
                "of 2/L, crawls there with a factor near -1: no margin; an estimate L̂ from below "
                "makes 2/L̂ too long). If it is one "
                "backtracking step at w0: an Armijo step can be longer than 2/L when the "
                "gradient at w0 points along a flat direction, but a fixed rate must be safe in "
                "every direction. Estimate L (power iteration with Hessian-vector products "
                "from gradient differences) and return 1/L, or take the smallest of many "
                "backtracking steps along a run.")
        if got < timid / L:
            raise AssertionError(
                f"{what} returned {got:.6g} = {got * L:.3g}/L ({context}): safe, but so "
                f"small that gradient descent would need more than {1 / (got * L):.0f} times "
                "the steps of η = 1/L. Estimate L itself and use 1/L.")
        again = _as_number(_call(choose_lr, "choose_lr", fun, w0.copy(),
                                 np.random.default_rng(seed)), what)
        if again != got:
            raise AssertionError(
                f"{what}: two generators with the same seed gave different rates ({got:.8g} "
                f"and {again:.8g}). Draw any random vector from the rng argument, not from "
                "np.random.*, so that the choice is reproducible.")
        w = w0.copy()
        for _ in range(300):
            w = w - got * fun(w)[1]
        if not np.linalg.norm(w - w_star) < np.linalg.norm(w0 - w_star):
            raise AssertionError(f"{what} returned {got:.6g} ({context}); 300 steps of "
                                 "gradient descent with it did not get closer to the "
                                 "minimizer.")
    return picks
