"""Checks for the graded exercise of chapter 03, gradient descent."""

from __future__ import annotations

from functools import partial

import numpy as np
from sklearn.preprocessing import StandardScaler

from mlopt.checks._core import Mistake, call_on_copies, check_array, check_scalar
from mlopt.optimizers import gd

__all__ = ["check_gd_step", "check_gradient_descent", "check_max_stable_lr", "check_standardize"]


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


def check_gradient_descent(gradient_descent, *, n_params=2, n_steps=5, lr=0.1, seed=0):
    """Check ``gradient_descent(grad_fn, w0, lr, n_steps)`` returns every iterate, w0 first."""
    grad_fn, w0 = make_quadratic(n_params, seed)
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
    check_array(got, expected, "gradient_descent(grad_fn, w0, lr, n_steps)", mistakes=mistakes,
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
    if got is not None and np.size(got) > 1:
        raise AssertionError(
            f"max_stable_lr(X) should be a single number, got an array of shape "
            f"{np.shape(got)}: L uses only the largest singular value, s.max()."
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
    check_array(train_s, train_ref, "X_train_s from " + what, mistakes=train_mistakes,
                context=context)
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
                context=context)
