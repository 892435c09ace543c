"""Checks for the graded exercise of chapter 04, stochastic gradient descent.

The shuffles a learner draws depend on how they use the generator (``rng.permutation``,
``rng.shuffle``, ``rng.choice(..., replace=False)`` all differ), so the checks of
:func:`check_minibatch_indices` and :func:`check_run_sgd` test properties (a partition of the
samples, a new order each epoch, the learning rate used at each step) instead of comparing
with one reference order.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from mlopt.checks._core import (
    Mistake,
    as_number,
    call_on_copies,
    check_array,
    check_rng_use,
    check_scalar,
)
from mlopt.linear_model import solve_lstsq
from mlopt.losses import squared_error
from mlopt.schedules import inverse_time

__all__ = [
    "check_minibatch_gradient",
    "check_minibatch_indices",
    "check_run_sgd",
    "check_sgd_converges",
    "check_predicted_variance",
    "check_batch_gradient_variance",
    "check_predicted_floor",
    "check_noise_floor",
    "exact_noise_floor",
    "first_order_floor",
    "make_regression",
]

_call = partial(call_on_copies, fix="Compute new arrays instead: `w = w - lr * g`, "
                "`X[idx]`; do not modify w0, X or y.")


def make_regression(n_samples=30, n_features=3, *, noise=0.5, seed=0):
    """A seeded least-squares problem: ``X`` with a column of ones first, ``y``, and a ``w``.

    The features are standard normal, the true coefficients of order 1, and ``w`` is a point
    away from the solution at which to evaluate gradients.
    """
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n_samples), rng.normal(size=(n_samples, n_features - 1))])
    w_true = rng.normal(size=n_features) + 1.0
    y = X @ w_true + noise * rng.normal(size=n_samples)
    w = rng.normal(size=n_features)
    return X, y, w


def check_minibatch_gradient(minibatch_gradient, *, n_samples=30, n_features=3, batch_size=7,
                             seed=0):
    """Check ``minibatch_gradient(w, X, y, idx)`` = (2/b) X_Bᵀ(X_B w − y_B), b = len(idx)."""
    X, y, w = make_regression(n_samples, n_features, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    idx = rng.choice(n_samples, size=batch_size, replace=False)
    Xb, yb = X[idx], y[idx]
    r = Xb @ w - yb
    b, n = len(idx), n_samples
    expected = squared_error(w, Xb, yb)[1]
    mistakes = [
        Mistake(2 * Xb.T @ r, f"it is {b} times too large: the gradient of a mini-batch is "
                "the MEAN of its per-sample gradients, so divide the sum by the batch size "
                "len(idx); otherwise the right learning rate would depend on the batch size"),
        Mistake(2 / n * Xb.T @ r, "you divided by the number of samples n = len(y); divide by "
                "the batch size, len(idx): the batch gradient is the mean over the batch"),
        Mistake(-expected, "the sign is flipped: use the residual X[idx] @ w - y[idx] "
                "(prediction minus target); the other order climbs the loss"),
        Mistake(expected / 2, "the factor 2 from differentiating the square is missing: "
                "(2 / b) * X_B.T @ (X_B @ w - y_B)"),
        Mistake(2 * expected, "it is twice too large: the gradient of (x·w - y)² is "
                "2 (x·w - y) x, averaged over the batch: (2 / b) * X_B.T @ r"),
        Mistake(squared_error(w, X, y)[1], "this is the full gradient over all samples; use "
                "only the rows listed in idx: X[idx] and y[idx]"),
        Mistake(squared_error(w, X[:b], y[:b])[1], "you used the first len(idx) rows; select "
                "the rows listed in idx: X[idx] and y[idx]"),
    ]
    try:
        got = _call(minibatch_gradient, "minibatch_gradient", w, X, y, idx)
    except (ValueError, IndexError) as err:
        raise AssertionError(
            f"minibatch_gradient(w, X, y, idx) raised {type(err).__name__}: {err} (inputs: "
            f"X.shape={X.shape}, y.shape={y.shape}, idx.shape={idx.shape}). Select the batch "
            f"from both arrays, Xb = X[idx] (shape ({b}, {n_features})) and yb = y[idx] (shape "
            f"({b},)): the residual Xb @ w - yb has one entry per sample of the batch, and the "
            "gradient is (2 / len(idx)) * Xb.T @ (Xb @ w - yb), shape (n_features,)."
        ) from err
    check_array(got, expected, "minibatch_gradient(w, X, y, idx)", mistakes=mistakes,
                context=f"X.shape={X.shape}, len(idx)={b}")


# --- mini-batch indices ------------------------------------------------------------------------

def _as_batches(got, what):
    """The learner's batches as a list of 1-D integer arrays, or a message."""
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget the `return` statement?")
    if isinstance(got, np.ndarray) and got.ndim == 1:
        raise AssertionError(f"{what} returned one flat array of {got.size} indices; return the "
                             "batches: a list of index arrays, e.g. "
                             "[order[i:i + batch_size] for i in range(0, n, batch_size)]")
    try:
        batches = [np.asarray(batch) for batch in got]
    except TypeError as err:
        raise AssertionError(f"{what} should return a list of index arrays, got "
                             f"{type(got).__name__}.") from err
    for batch in batches:
        if batch.ndim != 1:
            raise AssertionError(f"{what}: each batch should be a 1-D array of indices, got one "
                                 f"of shape {batch.shape}.")
        if batch.size and not np.issubdtype(batch.dtype, np.integer):
            whole = np.issubdtype(batch.dtype, np.number) and np.all(batch == np.round(batch))
            raise AssertionError(
                f"{what}: the batches must hold integer indices (to select rows with X[idx]), "
                f"got {batch[:5]} of dtype {batch.dtype}"
                + (": whole numbers stored as floats still make X[idx] fail. Shuffle "
                   "integers, rng.permutation(n), or convert with .astype(int)." if whole
                   else ".")
            )
    return [batch.astype(int) for batch in batches]


def _same_batches(a, b):
    """Same batches in the same order; a batch is a set, so the order inside one is ignored."""
    return len(a) == len(b) and all(np.array_equal(np.sort(x), np.sort(z)) for x, z in zip(a, b))


def _identical(a, b):
    return len(a) == len(b) and all(np.array_equal(x, z) for x, z in zip(a, b))


def _neighbour_pairs(batches, n):
    """How many of the pairs of neighbours (i, i + 1) share a batch."""
    where = np.full(n, -1)
    for j, batch in enumerate(batches):
        where[batch] = j
    return int(np.sum(where[:-1] == where[1:]))


def check_minibatch_indices(minibatch_indices, *, n_samples=23, batch_size=5, seed=0):
    """Check ``minibatch_indices(n, batch_size, rng)``: a reshuffled partition into batches."""
    n, b = n_samples, batch_size
    what = f"minibatch_indices({n}, {b}, rng)"
    m = math.ceil(n / b)
    expected_sizes = [b] * (n // b) + ([n % b] if n % b else [])
    rng = np.random.default_rng(seed)
    batches = _as_batches(_call(minibatch_indices, "minibatch_indices", n, b, rng), what)
    sizes = [len(batch) for batch in batches]
    flat = np.concatenate(batches) if batches else np.array([], dtype=int)

    if flat.size and (flat.min() < 0 or flat.max() >= n):
        raise AssertionError(f"{what}: indices must lie in 0, ..., n - 1 = {n - 1}; got values "
                             f"from {flat.min()} to {flat.max()}.")
    if len(np.unique(flat)) < flat.size:
        raise AssertionError(
            f"{what}: some samples appear twice in one epoch (and others never). You sampled "
            "with replacement (rng.integers, or rng.choice without replace=False), or drew each "
            "batch independently. Shuffle once, order = rng.permutation(n), then cut the order "
            "into consecutive pieces: every sample exactly once per epoch."
        )
    if n % b and sizes == [b] * (n // b):
        raise AssertionError(
            f"{what}: the last, partial batch is missing. {n} samples in batches of {b} give "
            f"{m} batches, the last with {n % b} samples: keep it, or those samples are never "
            "used in that epoch."
        )
    if not np.array_equal(np.sort(flat), np.arange(n)):
        raise AssertionError(f"{what}: the batches together must hold each index 0, ..., "
                             f"{n - 1} exactly once.")
    if m > 1 and np.array_equal(flat, np.arange(n)):   # one batch is a set: nothing to shuffle
        raise AssertionError(
            f"{what}: the indices are in their original order 0, 1, 2, ...: shuffle them first "
            "(order = rng.permutation(n)). Unshuffled batches always group the same "
            "neighbouring samples, which biases every step when the data are sorted."
        )
    if 1 < b < n and all(np.array_equal(np.sort(batch), np.arange(j * b, j * b + len(batch)))
           for j, batch in enumerate(sorted(batches, key=lambda batch: batch.min()))):
        raise AssertionError(
            f"{what}: each batch holds the same neighbouring samples as the unshuffled cut "
            f"(0-{b - 1}, {b}-{2 * b - 1}, ...), only the order of the batches or within them "
            "changed. Shuffle the indices first, order = rng.permutation(n), then cut the order "
            "into batches."
        )
    if sizes != expected_sizes:
        if len(sizes) == m and sorted(sizes) == sorted(expected_sizes):
            hint = " The smaller batch must be the last one."
        elif len(sizes) == m and max(sizes) - min(sizes) <= 1 and sizes != expected_sizes:
            hint = (" np.array_split balances the sizes; cut at multiples of batch_size "
                    "instead: order[i:i + batch_size] for i in range(0, n, batch_size).")
        else:
            hint = ""
        raise AssertionError(f"{what}: expected ⌈n/batch_size⌉ = {m} batches of sizes "
                             f"{expected_sizes}, got sizes {sizes}.{hint}")
    again = _as_batches(minibatch_indices(n, b, np.random.default_rng(seed)), what)
    if not _identical(batches, again):
        raise AssertionError(
            f"{what}: two generators with the same seed gave different batches. Draw the "
            "shuffle from the rng argument (rng.permutation(n)), not from np.random.* or a "
            "new unseeded generator, so that runs are reproducible."
        )
    if m == 1:
        return                      # one batch, the whole data set: nothing else to tell apart
    second = _as_batches(minibatch_indices(n, b, rng), what)
    if _same_batches(batches, second):
        raise AssertionError(
            f"{what}: two calls with the same generator returned the same batches, so every "
            "epoch would visit the samples in the same order. Use the rng argument as it is "
            "(rng.permutation(n)); do not create a new generator with a fixed seed inside."
        )
    other = _as_batches(minibatch_indices(n, b, np.random.default_rng(seed + 1)), what)
    if _same_batches(batches, other):
        raise AssertionError(
            f"{what}: generators with two different seeds gave the same batches: the shuffle "
            "does not come from the rng argument. Use rng as it is (rng.permutation(n))."
        )
    # A random partition puts about sum s(s-1)/n of the n - 1 neighbour pairs (i, i + 1) into a
    # common batch; a rotation or a shuffle of blocks keeps almost all of them together.
    expected_pairs = sum(size * (size - 1) for size in expected_sizes) / n
    together = _neighbour_pairs(batches, n) + _neighbour_pairs(second, n)
    if n - m - expected_pairs >= 6 and together > expected_pairs + (n - m):
        raise AssertionError(
            f"{what}: in two epochs, {together} of the {2 * (n - 1)} pairs of neighbouring "
            f"samples (i, i + 1) ended up in the same batch; a random shuffle puts about "
            f"{2 * expected_pairs:.0f} together. Your order keeps neighbours together (a "
            "rotation, np.roll, or shuffling whole blocks): shuffle the individual indices, "
            "order = rng.permutation(n)."
        )


# --- the SGD loop ------------------------------------------------------------------------------

def _check_sgd_schedule(lr0=0.05, decay=0.5):
    return inverse_time(lr0, decay=decay)


def check_run_sgd(run_sgd, *, n_samples=11, n_features=2, batch_size=4, epochs=4, seed=0,
                  lr0=0.05, decay=0.5, converged_start=False):
    """Check ``run_sgd(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng)``.

    ``converged_start=True`` starts at the exact minimizer of a noiseless problem, so that
    every batch gradient is 0: a loop that stops when the gradient vanishes is seen.

    The check's ``grad_fn(w, idx)`` records every point and batch it is called with; from these
    it reconstructs the batches of each epoch and the learning rate of each step, and compares
    them with ``schedule(t)`` at the global step count ``t = 0, 1, ...``.
    """
    X, y, w0 = make_regression(n_samples, n_features, seed=seed)
    if converged_start:
        y = X @ w0                               # w0 is the minimizer: every gradient is 0
    n, b = n_samples, batch_size
    m = math.ceil(n / b)
    T = epochs * m
    schedule = _check_sgd_schedule(lr0, decay)
    calls = []

    def grad_fn(w, idx):
        w = np.array(w, dtype=float, copy=True)
        idx = np.array(idx, copy=True).astype(int)
        g = squared_error(w, X[idx], y[idx])[1]
        if not (calls and np.array_equal(calls[-1][0], w) and np.array_equal(calls[-1][1], idx)):
            calls.append((w, idx, g))     # a repeated call at the same point is one step
        return g.copy()

    what = "run_sgd(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng)"
    rng = np.random.default_rng(seed)
    try:
        got = _call(run_sgd, "run_sgd", grad_fn, w0, n, b, epochs, schedule, rng)
    except TypeError as err:
        if "function" in str(err):
            raise AssertionError(f"{what} raised TypeError: {err}. `schedule` is a function of "
                                 "the step count: use the number schedule(t), not schedule "
                                 "itself.") from err
        raise
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget `return w`?")
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should return the final parameters, an array of shape "
                             f"{w0.shape}; got {type(got).__name__}.") from None
    if got.shape != w0.shape:
        raise AssertionError(f"{what} should return the final parameters, shape {w0.shape}; "
                             f"got shape {got.shape}.")
    if not calls:
        raise AssertionError(f"{what} never called grad_fn: compute each step's gradient with "
                             "grad_fn(w, idx) for the current batch idx.")

    steps = len(calls)
    context = f"n_samples={n}, batch_size={b}, epochs={epochs}: ⌈{n}/{b}⌉ = {m} steps per epoch"
    if steps != T:
        if converged_start and steps < T:
            msg = ("here w0 is already the minimizer and every batch gradient is 0, and your "
                   "loop stopped early. The task asks for all epochs: do not stop when the "
                   "gradient is small (chapter 07 adds early stopping, on a validation loss)")
        elif n % b and steps == epochs * (n // b):
            msg = ("the last, partial batch of every epoch is missing (check minibatch_indices: "
                   "keep the last n % batch_size samples as a smaller batch)")
        elif steps == m and epochs > 1:
            msg = ("only the first epoch took steps. Draw the batches inside the epoch loop; a "
                   "generator made once outside the loop is exhausted after one epoch")
        elif steps == T - m:
            msg = "it runs one epoch too few: for epoch in range(epochs)"
        elif steps == T + m:
            msg = "it runs one epoch too many: for epoch in range(epochs)"
        elif steps == epochs:
            msg = ("it takes one step per epoch: take one step per mini-batch, "
                   "for idx in minibatch_indices(n_samples, batch_size, rng)")
        elif steps == epochs * n:
            msg = "it takes one step per sample: use batches of batch_size samples"
        else:
            msg = "expected one step per mini-batch"
        raise AssertionError(f"{what} took {steps} steps, expected epochs · ⌈n/b⌉ = {T} "
                             f"({context}): {msg}.")

    epoch_batches = [[calls[e * m + j][1] for j in range(m)] for e in range(epochs)]
    for e, batches in enumerate(epoch_batches):
        flat = np.concatenate(batches)
        if not np.array_equal(np.sort(flat), np.arange(n)):
            raise AssertionError(
                f"{what}: the batches of epoch {e + 1} do not use every sample exactly once. "
                "In each epoch, loop over minibatch_indices(n_samples, batch_size, rng)."
            )
    if epochs > 1 and m > 1 and all(_same_batches(epoch_batches[0], other)
                                    for other in epoch_batches[1:]):
        raise AssertionError(
            f"{what}: every epoch used the same batches in the same order. Draw new batches at "
            "the start of each epoch: call minibatch_indices(n_samples, batch_size, rng) inside "
            "the epoch loop, with the same rng (a list drawn once before the loop repeats)."
        )

    if not np.allclose(calls[0][0], w0):
        raise AssertionError(f"{what}: the first gradient must be evaluated at w0, got "
                             f"w = {calls[0][0]} instead of w0 = {w0}.")
    points = [c[0] for c in calls] + [got]
    lrs = []
    for k, (w, _, g) in enumerate(calls):
        move = w - points[k + 1]
        lr = float(move @ g / (g @ g)) if g @ g > 0 else 0.0
        # rtol 1e-4: float32 parameters are within it; wrong directions are far outside
        if not np.allclose(move, lr * g, rtol=1e-4, atol=1e-6 * (1 + np.abs(w).max())):
            last = " (the returned w is not the last iterate)" if k == steps - 1 else ""
            raise AssertionError(
                f"{what}: step {k} does not move along the mini-batch gradient{last}. Each step "
                "is w = w - schedule(t) * grad_fn(w, idx), with the gradient at the current w."
            )
        lrs.append(lr)
    lrs = np.array(lrs)
    if converged_start:
        if not np.allclose(got, w0):
            raise AssertionError(f"{what}: every gradient was 0, so w must stay at w0 = {w0}; "
                                 f"got {got}.")
        return
    t = np.arange(T)
    expected = np.array([schedule(k) for k in t])
    candidates = [
        (-expected, "the steps climb the loss: subtract the gradient, w - lr * g"),
        (np.array([schedule(k % m) for k in t]), "the learning rate restarts in every epoch: "
         "the schedule counts global steps, so keep one counter t for the whole run (t = 0 "
         "before the epoch loop, t += 1 after each step), not the batch number within the epoch"),
        (np.array([schedule(k // m) for k in t]), "you passed the epoch number to the "
         "schedule; it counts steps (updates): schedule(t) with t = 0, 1, 2, ... over all "
         "epochs"),
        (np.array([schedule(k // m + 1) for k in t]), "you passed the epoch number to the "
         "schedule; it counts steps (updates): schedule(t) with t = 0, 1, 2, ... over all "
         "epochs"),
        (np.array([schedule(k + 1) for k in t]), "off by one: the first step uses schedule(0), "
         "then schedule(1), ...; increase t after the step"),
        (np.full(T, schedule(0)), "the learning rate never changes: call schedule(t) at every "
         "step, with t the number of steps taken so far"),
        (np.ones(T), "the learning rate is missing: w - schedule(t) * g"),
    ]
    if not np.allclose(lrs, expected, rtol=1e-4):
        for value, message in candidates:
            if np.allclose(lrs, value, rtol=1e-4):
                raise AssertionError(f"{what} is wrong: {message}.")
        with np.printoptions(precision=6, suppress=True, threshold=12, edgeitems=3):
            raise AssertionError(f"{what}: the learning rates of the steps were {lrs}, "
                                 f"expected schedule(t) for t = 0, 1, ...: {expected} "
                                 f"({context}).")

    def final(seed_):
        return np.asarray(run_sgd(grad_fn, w0.copy(), n, b, epochs, schedule,
                                  np.random.default_rng(seed_)), dtype=float)

    check_rng_use(final, what, seed=seed, source="the batches",
                  fix="pass rng itself to minibatch_indices in every epoch", other_seed=m > 1,
                  same=lambda a, b: np.allclose(a, b, rtol=1e-12, atol=0))


# --- capstone ----------------------------------------------------------------------------------

def check_sgd_converges(run_sgd, minibatch_gradient, *, n_samples=500, n_features=4, batch_size=10,
                        epochs=20, seed=0):
    """Run the learner's SGD on a seeded regression; it must reach the least-squares fit.

    Returns the printed summary: the excess loss with a decaying and a constant rate.
    """
    X, y, _ = make_regression(n_samples, n_features, seed=seed)
    w_ls = solve_lstsq(X, y)
    f_star = squared_error(w_ls, X, y)[0]

    def grad_fn(w, idx):
        return minibatch_gradient(w, X, y, idx)

    runs = {}
    for name, schedule in [("inverse_time(0.1, decay=0.01)", inverse_time(0.1, decay=0.01)),
                           ("constant 0.1", lambda t: 0.1)]:
        try:
            w = run_sgd(grad_fn, np.zeros(n_features), n_samples, batch_size, epochs, schedule,
                    np.random.default_rng(seed))
        except TypeError as err:
            probe = grad_fn(np.zeros(n_features), np.arange(batch_size))
            if isinstance(probe, np.ndarray):
                raise
            kind = type(probe).__name__
            raise AssertionError(
                f"run_sgd raised TypeError: {err}. minibatch_gradient returns a {kind}, not a "
                "NumPy array: its values can be right, but a step such as w - schedule(t) * g "
                f"needs an array (a float times a {kind} fails). Return the array itself, e.g. "
                "(2 / len(idx)) * Xb.T @ (Xb @ w - yb), without converting it."
            ) from err
        try:
            w = np.asarray(w, dtype=float)
        except (TypeError, ValueError):
            raise AssertionError(f"run_sgd with {name} returned {type(w).__name__}; expected "
                                 f"the final parameters, an array of shape {w_ls.shape}."
                                 ) from None
        if w.shape != w_ls.shape or not np.all(np.isfinite(w)):
            raise AssertionError(f"run_sgd with {name} returned {w}; expected finite "
                                 f"parameters of shape {w_ls.shape}. Do the tests above pass?")
        runs[name] = squared_error(w, X, y)[0] - f_star, np.linalg.norm(w - w_ls)
    excess, dist = runs["inverse_time(0.1, decay=0.01)"]
    limit = 1e-3
    if excess > limit:
        raise AssertionError(
            f"After {epochs} epochs with a decaying rate, your SGD is {excess:.2e} above the "
            f"least-squares loss (distance {dist:.3f}); expected below {limit:.0e}. Do "
            "minibatch_gradient and run_sgd pass their tests above?"
        )
    lines = [f"least-squares loss f* = {f_star:.4f}"]
    for name, (gap, d) in runs.items():
        lines.append(f"{name:30s}: loss - f* = {gap:.2e}, ‖w - w_lstsq‖ = {d:.4f}")
    return "\n".join(lines)


# --- the variance of a mini-batch gradient -----------------------------------------------------

def _per_sample(w, X, y):
    return 2 * (X @ w - y)[:, None] * X


def _sigma2(w, X, y):
    grads = _per_sample(w, X, y)
    return float(np.mean(np.sum((grads - grads.mean(axis=0)) ** 2, axis=1)))


def check_predicted_variance(predicted_variance, *, n_samples=30, n_features=3, batch_size=7,
                             seed=0):
    """Check ``predicted_variance(w, X, y, batch_size)`` = σ²/b · (n − b)/(n − 1)."""
    X, y, w = make_regression(n_samples, n_features, seed=seed)
    n, b = n_samples, batch_size
    grads = _per_sample(w, X, y)
    sigma2 = _sigma2(w, X, y)
    expected = sigma2 / b * (n - b) / (n - 1)
    raw = float(np.mean(np.sum(grads**2, axis=1)))
    mistakes = [
        Mistake(sigma2 / b, "this is σ²/b, the variance WITH replacement; batches drawn without "
                "replacement vary less: multiply by the finite-population correction "
                "(n - b)/(n - 1)"),
        Mistake(sigma2 / b * (n - b) / n, "the correction is (n - b)/(n - 1), not (n - b)/n"),
        Mistake(sigma2 / b**2 * (n - b) / (n - 1), "divide σ² by b once: σ²/b · (n - b)/(n - 1)"),
        Mistake(sigma2 * (n - b) / (n - 1), "divide by the batch size b: σ²/b · (n - b)/(n - 1)"),
        Mistake(raw / b * (n - b) / (n - 1), "σ² is the spread of the per-sample gradients "
                "around their mean ∇f(w): (1/n) Σ ‖∇ℓ_i - ∇f‖², not (1/n) Σ ‖∇ℓ_i‖²"),
        Mistake(sigma2 * n / (n - 1) / b * (n - b) / (n - 1), "σ² is a mean over the n "
                "samples, (1/n) Σ ‖∇ℓ_i - ∇f‖², not divided by n - 1"),
        Mistake(float(np.sum(np.var(grads, axis=1))) / b * (n - b) / (n - 1), "take the "
                "variance over the samples (axis=0) and sum it over the coordinates"),
    ]
    factor_2 = ("the per-sample gradient of the squared error is 2 (x_i·w - y_i) x_i; without "
                "the factor 2 its spread σ² is a quarter")
    per_coordinate = ("σ² is the mean over the samples of the SQUARED NORM ‖∇ℓ_i - ∇f‖² (a sum "
                      "over the coordinates), not a mean over the coordinates: "
                      "np.var(grads, axis=0).sum()")
    p = X.shape[1]
    if p == 4:                       # both slips give a quarter: name both
        mistakes.append(Mistake(expected / 4, f"it is 4 times too small: either {factor_2}, or "
                                f"{per_coordinate}"))
    else:
        mistakes.append(Mistake(expected / 4, f"it is 4 times too small: {factor_2}"))
        if p > 1:
            mistakes.append(Mistake(expected / p, f"it is {p} times too small: {per_coordinate}"))
    if b > 1:
        mistakes.append(Mistake(np.sqrt(expected), "return the variance itself, not its square "
                                "root (the standard deviation)"))
    got = _call(predicted_variance, "predicted_variance", w, X, y, b)
    check_scalar(got, expected, "predicted_variance(w, X, y, batch_size)", mistakes=mistakes,
                 rtol=1e-5, atol=1e-9 * (1 + sigma2),
                 context=f"X.shape={X.shape}, batch_size={b}; σ² = {sigma2:.6g}")


def _monte_carlo_reference(grads, b, n_draws, seed):
    """Reference draws of ‖g_B - ∇f‖² without replacement, for the statistical tolerance."""
    rng = np.random.default_rng(seed)
    full = grads.mean(axis=0)
    n = len(grads)
    batches = rng.permuted(np.tile(np.arange(n), (n_draws, 1)), axis=1)[:, :b]
    d = grads[batches].mean(axis=1) - full
    return np.sum(d**2, axis=1)


def check_batch_gradient_variance(batch_gradient_variance, *, n_samples=20, n_features=2,
                                  batch_size=10, n_draws=4000, seed=0):
    """Check ``batch_gradient_variance(w, X, y, batch_size, n_draws, rng)`` statistically.

    The Monte Carlo estimate of E‖g_B − ∇f(w)‖² must agree with σ²/b·(n − b)/(n − 1) within
    five standard errors; at b = n it must be exactly 0; the generator must be used and the
    result reproducible; ``n_draws`` must be used (two draws scatter, thousands do not).
    """
    X, y, w = make_regression(n_samples, n_features, seed=seed)
    n, b = n_samples, batch_size
    grads = _per_sample(w, X, y)
    sigma2 = _sigma2(w, X, y)
    expected = sigma2 / b * (n - b) / (n - 1)
    what = "batch_gradient_variance(w, X, y, batch_size, n_draws, rng)"
    samples = _monte_carlo_reference(grads, b, n_draws, seed + 100)
    stderr = float(samples.std() / np.sqrt(n_draws))
    tol = max(5 * stderr, 0.02 * expected)
    context = (f"X.shape={X.shape}, batch_size={b}, n_draws={n_draws}; σ² = {sigma2:.6g}, "
               f"σ²/b·(n-b)/(n-1) = {expected:.6g}, Monte Carlo standard error about "
               f"{stderr:.2g}")

    def call(b_, draws, seed_):
        got = _call(batch_gradient_variance, "batch_gradient_variance", w, X, y, b_, draws,
                    np.random.default_rng(seed_))
        return as_number(got, what, meaning="one number, the mean of ‖g_B - ∇f‖² over the "
                         "draws (sum the squares over the coordinates)")

    got = call(b, n_draws, seed)
    if not np.isfinite(got):
        raise AssertionError(f"{what} returned {got!r} ({context}).")
    if abs(got - expected) > tol:
        raw = float(np.mean(np.sum(grads**2, axis=1)))
        full_sq = float(grads.mean(axis=0) @ grads.mean(axis=0))
        guesses = [
            (sigma2 / b, "it matches σ²/b, the variance of batches drawn WITH replacement: "
             "draw each batch without replacement, rng.choice(n, size=batch_size, "
             "replace=False) or rng.permutation(n)[:batch_size]"),
            (expected + full_sq, "it matches E‖g_B‖²: subtract the full gradient ∇f(w) from "
             "each batch gradient before squaring"),
            (np.sqrt(expected), "it matches the square root: return the mean of the squared "
             "distances, not a standard deviation"),
            (expected * b, "it is b times too large: the batch gradient is the MEAN over the "
             "batch"),
            (raw / b * (n - b) / (n - 1) + full_sq, "subtract the full gradient ∇f(w)"),
        ]
        for value, message in guesses:
            if abs(got - value) <= max(5 * stderr * value / expected, 0.02 * value) and \
                    abs(value - expected) > 2 * tol:
                raise AssertionError(f"{what} returned {got:.6g}, expected about "
                                     f"{expected:.6g}: {message} ({context}).")
        raise AssertionError(f"{what} returned {got:.6g}; expected about {expected:.6g}, within "
                             f"{tol:.2g} ({context}).")
    whole = call(n, 10, seed)
    if abs(whole) > 1e-12 * (1 + sigma2):
        raise AssertionError(
            f"{what} with batch_size = n = {n} returned {whole:.6g}; a batch of all n samples "
            "drawn without replacement is the whole data set, so its gradient is ∇f(w) and the "
            "variance is exactly 0. Draw the batch without replacement.")
    check_rng_use(lambda seed_: call(b, 50, seed_), what, seed=seed + 1, source="the batches",
                  fix="rng.choice(n, batch_size, replace=False)")
    few = np.array([call(b, 2, 200 + k) for k in range(20)])
    if few.std() < 0.1 * expected:
        raise AssertionError(
            f"{what} with n_draws=2 gave nearly the same value for 20 seeds (relative spread "
            f"{few.std() / expected:.2g}): an average of 2 draws should scatter widely. Use "
            "n_draws batches, no more, no fewer.")


# --- the noise floor of constant-rate SGD ------------------------------------------------------

def _floor_setup(X, y):
    """The least-squares solution, the per-sample gradients there and the Hessian of the MSE."""
    n = X.shape[0]
    w_star = solve_lstsq(X, y)
    return w_star, _per_sample(w_star, X, y), 2 / n * X.T @ X


def first_order_floor(X, y, lr, batch_size):
    r"""The lesson's first-order noise floor for batches, :math:`\frac\eta4\,\mathbb E\lVert
    g_B(w^\star)\rVert^2`.

    With batches of ``b`` drawn without replacement, independently at every step, the noise of
    a step at :math:`w^\star` has trace :math:`\frac{\sigma_\star^2}{b}\frac{n-b}{n-1}` (task 4 at
    :math:`w^\star`, where :math:`\nabla f = 0`), which replaces :math:`\mathrm{tr}\,\Sigma` in
    :math:`\frac\eta4\mathrm{tr}\,\Sigma`.
    """
    n = X.shape[0]
    _, s, _ = _floor_setup(X, y)
    sigma2 = float(np.mean(np.sum(s**2, axis=1)))
    return lr / 4 * sigma2 / batch_size * (n - batch_size) / (n - 1)


def exact_noise_floor(X, y, lr, batch_size, *, replace=False):
    r"""The stationary :math:`\mathbb E f(w_t) - f^\star` of constant-rate SGD on the MSE, exactly.

    Each step draws a new batch of ``batch_size`` rows, without replacement inside the batch
    (``replace=True``: with replacement), independently of the other steps. For least squares
    :math:`g_B(w) = H_B(w - w^\star) + g_B(w^\star)` exactly, with :math:`H_B` the mean of the
    per-sample Hessians :math:`A_i = 2x_ix_i^\top` over the batch, so :math:`e_t = w_t - w^\star`
    has a stationary covariance :math:`C` solving the linear system

    .. math:: \eta(HC + CH) - \eta^2\,\mathbb E[H_BCH_B] = \eta^2\,\mathbb E[g_B g_B^\top],

    and the floor is :math:`\frac12\mathrm{tr}(HC)` (lesson 04, section 6, for ``b = 1``).
    Without replacement :math:`\mathbb E[H_BCH_B] = c\,\frac1n\sum_iA_iCA_i +
    \frac{b-1}{b}\frac{n}{n-1}HCH` and :math:`\mathbb E[g_Bg_B^\top] = c\,\Sigma`, with
    :math:`c = \frac{n-b}{b(n-1)}`; with replacement :math:`c = 1/b` and the factor
    :math:`\frac{n}{n-1}` is 1.

    Examples
    --------
    >>> X, y, _ = make_regression(40, 3, seed=0)
    >>> round(exact_noise_floor(X, y, 1e-4, 4) / first_order_floor(X, y, 1e-4, 4), 3)
    1.0
    >>> exact_noise_floor(X, y, 0.05, 40) < 1e-15       # a batch of all the data: descent
    True
    """
    n, p = X.shape
    b = batch_size
    _, s, H = _floor_setup(X, y)
    Sigma = s.T @ s / n
    A = 2 * X[:, :, None] * X[:, None, :]
    mean_AxA = np.einsum("nij,nkl->ikjl", A, A).reshape(p * p, p * p) / n
    if replace:
        c, pair = 1 / b, (b - 1) / b
    else:
        c, pair = (n - b) / (b * (n - 1)), (b - 1) / b * n / (n - 1)
    eye = np.eye(p)
    system = np.kron(H, eye) + np.kron(eye, H) - lr * (c * mean_AxA + pair * np.kron(H, H))
    C = np.linalg.solve(system, lr * c * Sigma.ravel()).reshape(p, p)
    return float(0.5 * np.trace(H @ C))


def _simulated_floor(X, y, lr, batch_size, n_chains, n_steps, rng, *, burn=None):
    """Reference measurement: the chains' mean excess loss after ``burn`` steps (default half),
    and each chain's own time average (independent across chains: their spread gives the
    standard error)."""
    n, p = X.shape
    w_star, _, H = _floor_setup(X, y)
    burn = n_steps // 2 if burn is None else burn
    W = np.zeros((n_chains, p))
    per_chain = np.zeros(n_chains)
    for t in range(n_steps):
        idx = rng.permuted(np.tile(np.arange(n), (n_chains, 1)), axis=1)[:, :batch_size]
        Xb = X[idx]
        r = np.einsum("cbp,cp->cb", Xb, W) - y[idx]
        W = W - lr * 2 / batch_size * np.einsum("cb,cbp->cp", r, Xb)
        if t >= burn:
            E = W - w_star
            per_chain += 0.5 * np.einsum("cp,pq,cq->c", E, H, E)
    per_chain /= n_steps - burn
    return float(per_chain.mean()), per_chain


def check_predicted_floor(predicted_floor, *, n_samples=40, n_features=3, batch_size=5, lr=0.05,
                          seed=0):
    r"""Check ``predicted_floor(X, y, lr, batch_size)`` = η/4 · σ²*/b · (n − b)/(n − 1).

    σ²* is the mean squared norm of the per-sample gradients at the least-squares solution w*
    (their mean is 0 there): the lesson's first-order floor η tr Σ / 4 with the noise of one
    batch, task 4's variance at w*, in place of tr Σ.
    """
    X, y, w = make_regression(n_samples, n_features, seed=seed)
    n, b = n_samples, batch_size
    expected = first_order_floor(X, y, lr, b)
    _, s, _ = _floor_setup(X, y)
    sigma2 = float(np.mean(np.sum(s**2, axis=1)))
    correction = (n - b) / (n - 1)
    at_zero = _sigma2(np.zeros(n_features), X, y)
    at_w = _sigma2(w, X, y)
    mistakes = [
        Mistake(2 * expected, "it is twice too large: the excess loss of a quadratic is "
                "f(w) - f* = ½ eᵀHe, so E f - f* = ½ tr(HC), and the stationary covariance gives "
                "2 tr(HC) ≈ η tr Σ: the floor is η/4 times the noise, not η/2"),
        Mistake(expected / 2, "it is half the first-order floor: η/4 times the trace of the "
                "noise covariance of one step, E‖g_B(w*)‖²"),
        Mistake(lr / 4 * sigma2 * correction, "you left out the batch size: a step averages b "
                "per-sample gradients, which divides the noise by about b (task 4)"),
        Mistake(lr / 4 * sigma2 / b**2 * correction, "the noise of a batch is divided by b, not "
                "by b² (task 4: σ²/b · (n - b)/(n - 1))"),
        Mistake(lr / 4 * at_zero / b * correction, "you measured the noise at w = 0; the floor "
                "lives at the minimizer w* (the least-squares solution), where the full gradient "
                "is 0 and only the noise of the batches remains"),
        Mistake(lr / 4 * at_w / b * correction, "evaluate the noise at the least-squares "
                "solution w*, np.linalg.lstsq(X, y), where the floor lives"),
        Mistake(sigma2 / 4 / b * correction, "the learning rate is missing: the floor is "
                "proportional to η"),
        Mistake(lr * sigma2 / b * correction, "the floor is η/4 times the noise, not η times it"),
    ]
    if b > 1:
        mistakes.append(Mistake(lr / 4 * sigma2 / b, "this is the floor for batches drawn WITH "
                                "replacement (σ²/b); the batches of this exercise are drawn "
                                "without replacement, so the noise of one step is task 4's "
                                "σ²/b · (n - b)/(n - 1) at w*"))
    got = _call(predicted_floor, "predicted_floor", X, y, lr, b)
    check_scalar(got, expected, "predicted_floor(X, y, lr, batch_size)", mistakes=mistakes,
                 rtol=1e-5, atol=1e-12 * (1 + lr * sigma2),
                 context=f"X.shape={X.shape}, lr={lr:g}, batch_size={b}")


def check_noise_floor(noise_floor, *, n_samples=40, n_features=3, batch_size=8, lr=0.05,
                      n_chains=100, n_steps=400, seed=0):
    r"""Check ``noise_floor(X, y, lr, batch_size, n_chains, n_steps, rng)`` against the exact
    stationary floor (:func:`exact_noise_floor`).

    The chains start at w = 0, far from w*, so that an average that includes the first steps
    (the transient) is too high. The tolerance is five standard errors of a correct estimate
    (measured by a reference simulation, the spread of its chains' time averages), at least
    2 % (the reference keeps the second half of the steps; a learner who keeps a quarter has
    a standard error about 1.4 times larger and still passes). Ten runs with other seeds
    (40 chains, 400 steps at a quarter of 1/L) must scatter less than 2.5 times as much as a
    correct average that keeps the second half of the steps (one chain scatters about 6 times
    more, the last step of each chain 4.5 to 7 times; keeping only the last quarter, 1.4
    times), and ``rng`` must be used.
    """
    X, y, _ = make_regression(n_samples, n_features, seed=seed)
    b = batch_size
    what = "noise_floor(X, y, lr, batch_size, n_chains, n_steps, rng)"
    exact = exact_noise_floor(X, y, lr, b)
    first = first_order_floor(X, y, lr, b)
    _, per_chain = _simulated_floor(X, y, lr, b, n_chains, n_steps,
                                    np.random.default_rng(seed + 500))
    stderr = float(per_chain.std() / np.sqrt(n_chains))
    w_star, _, H = _floor_setup(X, y)
    f_star = float(np.mean((X @ w_star - y) ** 2))
    tol = max(5 * stderr, 0.02 * exact, 1e-9 * (1 + f_star))
    mu = float(np.linalg.eigvalsh(H).min())
    context = (f"X.shape={X.shape}, lr={lr:g}, batch_size={b}, n_chains={n_chains}, "
               f"n_steps={n_steps}; exact stationary floor {exact:.6g}, first-order prediction "
               f"{first:.6g}, standard error of a correct measurement about {stderr:.2g}")

    def call(chains, steps, seed_, lr_=lr):
        got = _call(noise_floor, "noise_floor", X, y, lr_, b, chains, steps,
                    np.random.default_rng(seed_))
        return as_number(got, what, meaning="one number, the mean excess loss over the chains "
                         "and the stationary steps")

    def scatter():
        # a rate of a quarter of 1/L mixes fast: the chains forget their start in a few dozen
        # steps, and the steps after that are nearly independent, which separates an average
        # over them from the last step alone
        fast_lr = float(0.25 / np.linalg.eigvalsh(H).max())
        chains, steps, n_runs = 40, 400, 10
        ref_mean, ref_chain = _simulated_floor(X, y, fast_lr, b, 200, steps,
                                               np.random.default_rng(seed + 700))
        if ref_mean <= 0:                 # batches of all the data: no noise, nothing to scatter
            return
        expected_sd = float(ref_chain.std() / np.sqrt(chains))
        runs = np.array([call(chains, steps, seed + 800 + k, fast_lr) for k in range(n_runs)])
        # relative spreads: an estimate of another (wrong) level scatters in proportion to it
        expected_sd *= max(abs(runs.mean()) / ref_mean, 1.0)
        if runs.std(ddof=1) > 2.5 * expected_sd:
            raise AssertionError(
                f"{what} scatters too much from seed to seed: ten runs with lr={fast_lr:g}, "
                f"n_chains={chains}, n_steps={steps} gave "
                f"{np.array2string(runs, precision=5, max_line_width=200)} (spread "
                f"{runs.std(ddof=1):.2g}), while an average over all {chains} chains and their "
                f"stationary steps scatters by about {expected_sd:.2g}; average f(w) - f* over "
                "ALL n_chains chains AND over every step after the transient, not one chain or "
                "the last step.")

    got = call(n_chains, n_steps, seed)
    if not np.isfinite(got):
        raise AssertionError(f"{what} returned {got!r} ({context}). With lr = {lr:g} SGD is "
                             "stable here: look for a sum instead of a mean over the batch.")
    if abs(got - exact) > tol:
        scatter()               # a noisy estimate can land anywhere: say so before guessing
        transient, _ = _simulated_floor(X, y, lr, b, 20, n_steps,
                                        np.random.default_rng(seed + 600), burn=0)
        guesses = [
            (transient, 0.15, "it matches the average over ALL the steps: the first steps are "
             "still coming down from w = 0 (the transient), far above the floor. Leave them "
             f"out: the start is forgotten like (1 - lr·μ)^(2t), with μ = {mu:.4g} the smallest "
             "eigenvalue of H = (2/n) XᵀX here, so drop the first few multiples of "
             f"1/(2·lr·μ) = {1 / (2 * lr * mu):.0f} steps and average the rest"),
            (exact_noise_floor(X, y, lr, 1), 0.05, "it matches the floor of batches of ONE "
             "sample: use batch_size samples in every step (the floor falls about b-fold)"),
            (exact_noise_floor(X, y, lr, b, replace=True), 0.03, "it matches the floor of "
             "batches drawn WITH replacement: draw each batch without replacement, e.g. "
             "rng.permuted(np.tile(np.arange(n), (n_chains, 1)), axis=1)[:, :batch_size]"),
            (2 * exact, 0.05, "it is twice the floor: the excess loss is f(w) - f* with f the "
             "MSE, (1/n)‖Xw - y‖² - f* = ½ (w - w*)ᵀH(w - w*), not (w - w*)ᵀH(w - w*)"),
            (exact / 2, 0.05, "it is half the floor: the excess loss is f(w) - f* with f the MSE "
             "(1/n)‖Xw - y‖², not half of it"),
            (exact + f_star, 0.05, f"it matches the loss itself: subtract f* = {f_star:.6g}, "
             "the least-squares loss (np.linalg.lstsq), to get the EXCESS loss"),
        ]
        for value, rel, message in guesses:
            if abs(got - value) <= max(tol, rel * value) and abs(got - value) < abs(got - exact):
                raise AssertionError(f"{what} returned {got:.6g}, expected about {exact:.6g}: "
                                     f"{message} ({context}).")
        side = "above" if got > exact else "below"
        off = f"{abs(got / exact - 1):.1%} {side}" if exact > 0 else f"{side}"
        raise AssertionError(
            f"{what} returned {got:.6g}, {off} the stationary floor "
            f"{exact:.6g}; a correct measurement lands within {tol:.2g} ({context}). Average "
            "f(w) - f* over all chains and over the steps after the transient only.")
    # reproducible and drawn from rng; then: an average, not one run
    short = dict(chains=5, steps=60)
    check_rng_use(lambda s: call(short["chains"], short["steps"], s, 0.05), what,
                  seed=seed + 1, source="the batches",
                  fix="rng.permuted(...) or rng.choice(n, batch_size, replace=False)",
                  outcome="floor")
    scatter()
