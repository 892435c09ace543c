r"""The training loop: :func:`minimize` runs any optimizer and records a :class:`History`.

Derived in ``notebooks/03_gradient_descent.ipynb``.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import OptimizeResult
from sklearn.exceptions import ConvergenceWarning
from tqdm.auto import tqdm

from mlopt._validation import check_int, check_positive

__all__ = [
    "History",
    "EpochHistory",
    "DivergenceWarning",
    "minimize",
    "minibatches",
    "minimize_stochastic",
]


class DivergenceWarning(RuntimeWarning):
    """The loss became infinite, NaN, or astronomically large: the optimizer diverged."""


class History:
    """What happened at each iteration of a run.

    Row ``k`` describes the iterate :math:`\\theta_k` (row 0 is the starting point): its
    loss, the parameters themselves, the norm of the gradient there, and the learning rate of
    the step taken from it (NaN for the last row, from which no step was taken).

    Attributes
    ----------
    loss : ndarray, shape (n_rows,)
    params : ndarray, shape (n_rows, n_params)
    grad_norm : ndarray, shape (n_rows,)
    lr : ndarray, shape (n_rows,)

    Examples
    --------
    >>> h = History()
    >>> h.append(loss=1.0, params=np.zeros(2), grad_norm=2.0, lr=0.1)
    >>> len(h), h.loss
    (1, array([1.]))
    """

    _fields = ("loss", "params", "grad_norm", "lr")

    def __init__(self):
        self._rows = {name: [] for name in self._fields}

    def append(self, *, loss, params, grad_norm, lr=np.nan):
        """Record one iterate (``params`` is copied)."""
        self._rows["loss"].append(float(loss))
        self._rows["params"].append(np.array(params, dtype=float, copy=True))
        self._rows["grad_norm"].append(float(grad_norm))
        self._rows["lr"].append(float(lr))

    def _set_last_lr(self, lr):
        self._rows["lr"][-1] = float(lr)

    def __len__(self):
        return len(self._rows["loss"])

    def __repr__(self):
        if not len(self):
            return "History(empty)"
        return (
            f"History({len(self)} rows, loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g})"
        )

    @property
    def loss(self):
        return np.array(self._rows["loss"])

    @property
    def params(self):
        return np.array(self._rows["params"])

    @property
    def grad_norm(self):
        return np.array(self._rows["grad_norm"])

    @property
    def lr(self):
        return np.array(self._rows["lr"])


class EpochHistory(History):
    """What happened at each epoch of a stochastic run (see :func:`minimize_stochastic`).

    Row ``e`` describes the parameters after ``e`` epochs (row 0 is the starting point): the
    loss and gradient norm on the full training data, the validation loss (NaN without
    validation data), the global step count, and the learning rate of the next step taken
    from there (NaN for the last row).

    Attributes
    ----------
    loss, val_loss, grad_norm, lr : ndarray, shape (n_epochs + 1,)
    params : ndarray, shape (n_epochs + 1, n_params)
    step : ndarray of int, shape (n_epochs + 1,)
        Updates taken before this row: ``plt.plot(h.step, h.loss)`` puts the epoch curve on
        the axis of the per-step history.

    Examples
    --------
    >>> h = EpochHistory()
    >>> h.append(loss=1.0, params=np.zeros(2), grad_norm=2.0, val_loss=1.5, step=0)
    >>> h.append(loss=0.5, params=np.ones(2), grad_norm=1.0, val_loss=0.9, step=10)
    >>> h.val_loss, h.step
    (array([1.5, 0.9]), array([ 0, 10]))
    """

    _fields = History._fields + ("val_loss", "step")

    def append(self, *, loss, params, grad_norm, lr=np.nan, val_loss=np.nan, step=0):
        """Record one epoch's end (``params`` is copied)."""
        super().append(loss=loss, params=params, grad_norm=grad_norm, lr=lr)
        self._rows["val_loss"].append(float(val_loss))
        self._rows["step"].append(int(step))

    @property
    def val_loss(self):
        return np.array(self._rows["val_loss"])

    @property
    def step(self):
        return np.array(self._rows["step"], dtype=int)


def _divergence_limit(value0, divergence_factor):
    """The loss beyond which a run counts as diverged: factor times the starting scale."""
    return divergence_factor * max(abs(value0), 1.0) if np.isfinite(value0) else 0.0


def _diverged(value, gnorm, limit):
    return not (np.isfinite(value) and np.isfinite(gnorm) and abs(value) <= limit)


def _evaluate(fun, x, *data):
    """``fun(x, *data)`` with overflow left to the divergence check: value, grad, its norm."""
    with np.errstate(over="ignore", invalid="ignore"):
        value, grad = fun(x, *data)
    grad = np.asarray(grad, dtype=float)
    if grad.shape != x.shape:
        raise ValueError(f"fun returned grad of shape {grad.shape} for x of shape {x.shape}")
    return value, grad, float(np.linalg.norm(grad))


def _take_step(optimizer, grad, state, x, k, history):
    """One update from iterate ``k``; records its learning rate in the iterate's row."""
    step, state = optimizer.update(grad, state, x)
    history._set_last_lr(optimizer.lr(k))
    return x - step, state


def _divergence_message(k, history, lr, unit="iteration"):
    loss = history.loss
    if k == 0:
        return (
            f"The loss is not finite at the starting point (loss={loss[0]}): check x0 and the "
            "data for NaN, infinity or overflow."
        )
    return (
        f"Diverged at {unit} {k}: the loss became {loss[-1]:.4g}, up from {loss[0]:.4g} at "
        f"the start ({unit} {k - 1}: {loss[-2]:.4g}). "
        f"The step is too large for this problem (lr={lr:.4g}): try a smaller learning rate "
        "(below 2/L, L the largest curvature) or scale the features (standardize X) so that "
        "the curvature is smaller."
    )


def minimize(fun, x0, optimizer, *, max_iter=1000, tol=1e-6, callback=None, progress=False,
             divergence_factor=1e10):
    r"""Minimize ``fun`` with a first-order optimizer, recording every iterate.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)``: the objective and its gradient, ``grad`` shaped like ``x``.
        Use ``functools.partial(loss, X=X, y=y)`` or a lambda for the losses in
        :mod:`mlopt.losses`.
    x0 : array_like, shape (n_params,)
        Starting point; not modified.
    optimizer : Optimizer
        From :mod:`mlopt.optimizers`.
    max_iter : int, default=1000
        Maximum number of updates.
    tol : float, default=1e-6
        Stop when the gradient norm :math:`\lVert\nabla f(x_k)\rVert_2 \le` ``tol``.
    callback : callable, optional
        ``callback(k, x, value, grad)`` after each evaluation; return True to stop early.
    progress : bool, default=False
        Show a tqdm progress bar.
    divergence_factor : float, default=1e10
        Declare divergence when :math:`|f(x_k)| > \text{divergence\_factor}\cdot
        \max(|f(x_0)|, 1)`, or at the first non-finite loss or gradient, whichever comes first.
        A descent method never ends ten orders of magnitude above where it started.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x`` final parameters, ``fun`` its loss, ``jac`` its gradient, ``nit`` updates taken,
        ``success``, ``status`` (0 converged, 1 ``max_iter`` reached, 2 diverged, 3 stopped by
        the callback), ``message``, and ``history`` (:class:`History`, ``nit + 1`` rows).

    Raises
    ------
    ValueError
        If ``max_iter`` is not a positive integer, ``tol`` is negative, or ``x0`` is not finite.

    Warns
    -----
    DivergenceWarning
        At the first non-finite loss or gradient, or a loss beyond ``divergence_factor``
        times its starting scale. The run stops there and the history keeps
        every iterate up to and including the non-finite one (the blow-up is instructive).
    sklearn.exceptions.ConvergenceWarning
        If ``max_iter`` updates did not bring the gradient norm below ``tol``.

    Notes
    -----
    The loop, for :math:`k = 0, 1, \dots`:

    .. math::

        (f_k, g_k) = \text{fun}(x_k);\quad \text{stop if } \lVert g_k\rVert \le \text{tol};
        \quad (s_k, \text{state}) = \text{update}(g_k, \text{state}, x_k);
        \quad x_{k+1} = x_k - s_k .

    Floating-point overflow inside ``fun`` is expected on a diverging run and is not
    reported twice: it is caught here and explained once.

    References
    ----------
    .. [1] Nocedal and Wright, *Numerical Optimization*, 2nd ed., ch. 3.
    .. [2] ``notebooks/03_gradient_descent.ipynb``.

    Examples
    --------
    >>> from mlopt.optimizers import gd
    >>> from mlopt.surfaces import quadratic
    >>> res = minimize(quadratic(4.0), [1.0, 1.0], gd(lr=0.4), tol=1e-8)
    >>> res.success, res.nit, len(res.history)
    (True, 39, 40)
    >>> res = minimize(quadratic(4.0), [1.0, 1.0], gd(lr=0.6))  # doctest: +SKIP
    DivergenceWarning: Diverged at iteration 35: ...
    """
    divergence_factor = check_positive("divergence_factor", divergence_factor)
    if not (isinstance(max_iter, (int, np.integer)) and max_iter > 0):
        raise ValueError(f"max_iter must be a positive integer, got {max_iter=}")
    tol = check_positive("tol", tol, allow_zero=True)
    x = np.array(x0, dtype=float, copy=True)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got x0={x}")
    state = optimizer.init(x)
    history = History()
    status, message = 1, None

    bar = tqdm(total=max_iter, disable=not progress, desc="minimize", leave=False)
    with bar:
        for k in range(max_iter + 1):
            value, grad, gnorm = _evaluate(fun, x)
            history.append(loss=value, params=x, grad_norm=gnorm)
            if k == 0:
                limit = _divergence_limit(value, divergence_factor)
            if _diverged(value, gnorm, limit):
                status = 2
                message = _divergence_message(k, history, optimizer.lr(max(k - 1, 0)))
                warnings.warn(message, DivergenceWarning, stacklevel=2)
                break
            if gnorm <= tol:
                status, message = 0, f"Converged: gradient norm {gnorm:.3e} <= tol {tol:.3e}."
                break
            if callback is not None and callback(k, x, value, grad):
                status, message = 3, f"Stopped by the callback at iteration {k}."
                break
            if k == max_iter:
                break
            x, state = _take_step(optimizer, grad, state, x, k, history)
            bar.update(1)
            if progress:
                bar.set_postfix(loss=f"{value:.4g}", refresh=False)

    if status == 1:
        message = (
            f"Did not converge in max_iter={max_iter} iterations: gradient norm {gnorm:.3e} > "
            f"tol {tol:.3e}. Increase max_iter or lr, or scale the features."
        )
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return OptimizeResult(
        x=x,
        fun=float(value),
        jac=grad,
        nit=len(history) - 1,
        success=status == 0,
        status=status,
        message=message,
        history=history,
    )


def _check_samples(X, y, names=("X", "y")):
    """``X, y`` as arrays with the same, positive number of samples along the first axis."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(
            f"{names[0]} and {names[1]} must hold the same number (> 0) of samples along the "
            f"first axis, got {names[0]}.shape={X.shape}, {names[1]}.shape={y.shape}"
        )
    return X, y


def minibatches(X, y, batch_size, rng=None, *, shuffle=True):
    r"""One epoch of mini-batches: the samples in a new random order, cut into batches.

    Parameters
    ----------
    X : array_like, shape (n_samples, ...)
        Inputs, samples along the first axis (e.g. ``(n_samples, n_features)``).
    y : array_like, shape (n_samples, ...)
        Targets.
    batch_size : int
        Samples per batch, >= 1. The last batch holds the remaining
        ``n_samples % batch_size`` samples when that is not 0 (it is kept, not dropped);
        ``batch_size >= n_samples`` gives one batch, the whole (shuffled) data set.
    rng : numpy.random.Generator, int or None, default=None
        Source of the shuffle. Pass the same Generator every epoch to get a new order each
        time; an int seed gives the same order at every call (reproducible, but then every
        epoch visits the samples in the same order).
    shuffle : bool, default=True
        False keeps the samples in their order (``rng`` is then not used): scikit-learn's
        ``shuffle=False``, to compare runs step by step.

    Returns
    -------
    iterator of (X_batch, y_batch)
        ``ceil(n_samples / batch_size)`` pairs of arrays (copies), ``X_batch`` of shape
        ``(batch_size, ...)``. The order is drawn when ``minibatches`` is called.

    Raises
    ------
    ValueError
        If ``batch_size`` is not an integer >= 1, or ``X`` and ``y`` have different numbers
        of samples (the message shows both shapes).

    Notes
    -----
    Sampling *without* replacement: every sample is used exactly once per epoch. For a loss
    that is a mean over samples, :math:`f(w) = \frac1n \sum_i \ell_i(w)`, the batch gradient
    :math:`g_B = \frac1{|B|}\sum_{i\in B}\nabla\ell_i(w)` is an unbiased estimate of
    :math:`\nabla f(w)` (each sample is equally likely to be in :math:`B`), and its variance
    shrinks like :math:`\frac1{|B|}\,\frac{n - |B|}{n - 1}`. Exactly: when ``batch_size``
    divides ``n_samples``, the batches of one epoch partition the data, so the mean of their
    gradients at a fixed :math:`w` *is* the full gradient.

    References
    ----------
    .. [1] Bottou, Curtis, Nocedal, "Optimization methods for large-scale machine learning",
       *SIAM Review* 60(2), 2018, §4.
    .. [2] ``notebooks/04_stochastic_gradient_descent.ipynb``.

    Examples
    --------
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0)
    >>> rng = np.random.default_rng(0)
    >>> batches = list(minibatches(X, y, batch_size=2, rng=rng))
    >>> [Xb.shape for Xb, _ in batches]            # the last, partial batch is kept
    [(2, 2), (2, 2), (1, 2)]
    >>> sorted(np.concatenate([yb for _, yb in batches]).tolist())   # each sample once
    [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    batch_size = check_int("batch_size", batch_size, 1)
    X, y = _check_samples(X, y)
    order = np.random.default_rng(rng).permutation(len(y)) if shuffle else np.arange(len(y))
    return (
        (X[idx], y[idx])
        for idx in (order[i:i + batch_size] for i in range(0, len(order), batch_size))
    )


def minimize_stochastic(fun, x0, X, y, optimizer, *, batch_size=32, epochs=10, rng=0,
                        validation=None, patience=None, restore_best=True, callback=None,
                        progress=False, divergence_factor=1e10):
    r"""Train on mini-batches for a number of epochs, with optional early stopping.

    Parameters
    ----------
    fun : callable
        ``fun(w, X_batch, y_batch) -> (value, grad)``, a loss averaged over the batch, such as
        :func:`mlopt.losses.squared_error`; ``grad`` shaped like ``w``.
    x0 : array_like, shape (n_params,)
        Starting parameters; not modified.
    X : array_like, shape (n_samples, n_features)
        Training inputs.
    y : array_like, shape (n_samples,)
        Training targets.
    optimizer : Optimizer
        From :mod:`mlopt.optimizers`. A schedule in it sees the global step count, which keeps
        counting across epochs.
    batch_size : int, default=32
        Samples per step (see :func:`minibatches`; the last batch of an epoch may be smaller).
        1 is per-sample SGD; ``n_samples`` is full-batch gradient descent.
    epochs : int, default=10
        Maximum number of passes over the data.
    rng : numpy.random.Generator, int or None, default=0
        Seed or generator of the shuffles (a new order each epoch).
    validation : tuple (X_val, y_val), optional
        Held-out data: its loss is recorded every epoch and monitored for early stopping.
    patience : int, optional
        Stop when the monitored loss (validation loss if given, else the training loss on the
        full data) has not improved on its best for ``patience`` consecutive epochs. None
        (default) runs all epochs.
    restore_best : bool, default=True
        With ``patience``: return the parameters of the best epoch, not the last.
    callback : callable, optional
        ``callback(epoch, x, epoch_history)`` after each epoch; return True to stop.
    progress : bool, default=False
        Show a tqdm progress bar over the epochs (loss and validation loss as postfix).
    divergence_factor : float, default=1e10
        As in :func:`minimize`: a batch loss beyond ``divergence_factor`` times
        :math:`\max(|f(x_0)|, 1)` (full training loss), or a non-finite one, stops the run.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x`` the parameters (the best epoch's when restored), ``fun`` and ``jac`` the full
        training loss and gradient there, ``nit`` updates taken, ``nepoch`` epochs
        completed, ``best_epoch`` the row of ``epoch_history`` with the lowest monitored loss
        (0 = the start), ``success``, ``status`` (0 all epochs run, 1 stopped early, 2
        diverged, 3 stopped by the callback), ``message``, ``history`` (:class:`History`, one
        row per step: the iterate, its *mini-batch* loss and gradient norm, the step's lr) and
        ``epoch_history`` (:class:`EpochHistory`, ``nepoch + 1`` rows on the full data).

    Raises
    ------
    ValueError
        If ``batch_size``, ``epochs`` or ``patience`` is not a positive integer, the data's
        shapes disagree, or ``x0`` is not finite.

    Warns
    -----
    DivergenceWarning
        With :func:`minimize`'s message, at the first step whose loss is non-finite or beyond
        the divergence limit; the histories keep the run up to there.

    Notes
    -----
    For epoch :math:`e = 1, \dots, E`, the data are reshuffled and cut into batches
    :math:`B_1, \dots, B_m`; each batch gives one step at global count :math:`k`:

    .. math::

        g_k = \frac1{|B_j|}\sum_{i \in B_j} \nabla\ell_i(x_k),\qquad
        (s_k, \text{state}) = \text{update}(g_k, \text{state}, x_k),\qquad
        x_{k+1} = x_k - s_k .

    After each epoch the loss on all training data (and the validation loss) is recorded.
    Early stopping keeps the best monitored loss :math:`L^* = \min_{e' \le e} L_{e'}` and
    stops at the first epoch :math:`e` with :math:`L_{e'} \ge L^*` for all of
    :math:`e' = e - p + 1, \dots, e`. Keeping the best parameters is what makes it a
    regularizer: training longer would fit the noise in the training set. Copy them out of
    the run (``res.x``): scikit-learn's ``clone()`` and a new ``fit`` start from scratch.

    References
    ----------
    .. [1] Robbins and Monro, "A stochastic approximation method", *Ann. Math. Statist.*
       22(3), 1951.
    .. [2] Goodfellow, Bengio, Courville, *Deep Learning*, §7.8 (early stopping) and §8.3.1.
    .. [3] ``notebooks/04_stochastic_gradient_descent.ipynb``,
       ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.

    Examples
    --------
    >>> from mlopt.losses import squared_error
    >>> from mlopt.optimizers import sgd
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(200), rng.normal(size=200)])
    >>> y = X @ np.array([1.0, 2.0]) + 0.1 * rng.normal(size=200)
    >>> res = minimize_stochastic(squared_error, np.zeros(2), X, y, sgd(lr=0.05),
    ...                           batch_size=20, epochs=20)
    >>> res.nit, len(res.history), len(res.epoch_history)
    (200, 200, 21)
    >>> np.round(res.x, 1)
    array([1., 2.])

    Early stopping on held-out data:

    >>> res = minimize_stochastic(squared_error, np.zeros(2), X[:150], y[:150], sgd(lr=0.05),
    ...                           validation=(X[150:], y[150:]), patience=3, epochs=200)
    >>> res.status, res.nepoch < 200
    (1, True)
    >>> bool(np.all(res.x == res.epoch_history.params[res.best_epoch]))
    True
    """
    batch_size = check_int("batch_size", batch_size, 1)
    epochs = check_int("epochs", epochs, 1)
    if patience is not None:
        patience = check_int("patience", patience, 1)
    divergence_factor = check_positive("divergence_factor", divergence_factor)
    X, y = _check_samples(X, y)
    if validation is not None:
        if len(validation) != 2:
            raise ValueError("validation must be a pair (X_val, y_val)")
        X_val, y_val = _check_samples(*validation, names=("X_val", "y_val"))
    x = np.array(x0, dtype=float, copy=True)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got x0={x}")
    rng = np.random.default_rng(rng)
    state = optimizer.init(x)
    history, epoch_history = History(), EpochHistory()
    monitored = "validation loss" if validation is not None else "training loss"
    k = 0

    def evaluate():
        """Record the row of the current epoch on the full data; return what it needs."""
        value, grad, gnorm = _evaluate(fun, x, X, y)
        val = _evaluate(fun, x, X_val, y_val)[0] if validation is not None else np.nan
        epoch_history.append(loss=value, params=x, grad_norm=gnorm, val_loss=val, step=k)
        return value, grad, gnorm, (val if validation is not None else value)

    value, grad, gnorm, best = evaluate()
    limit = _divergence_limit(value, divergence_factor)
    best_epoch, wait, status, message = 0, 0, 0, None
    if _diverged(value, gnorm, limit):
        status, message = 2, _divergence_message(0, epoch_history, optimizer.lr(0))

    bar = tqdm(total=epochs, disable=not progress, desc="epochs", unit="epoch", leave=False)
    with bar:
        for epoch in range(1, epochs + 1):
            if status:
                break
            epoch_history._set_last_lr(optimizer.lr(k))
            for X_batch, y_batch in minibatches(X, y, batch_size, rng):
                value, grad, gnorm = _evaluate(fun, x, X_batch, y_batch)
                history.append(loss=value, params=x, grad_norm=gnorm)
                if _diverged(value, gnorm, limit):
                    lr = optimizer.lr(max(k - 1, 0))
                    status, message = 2, _divergence_message(k, history, lr, unit="step")
                    break
                x, state = _take_step(optimizer, grad, state, x, k, history)
                k += 1
            if status:
                break
            value, grad, gnorm, current = evaluate()
            if _diverged(value, gnorm, limit):
                lr = optimizer.lr(max(k - 1, 0))
                status, message = 2, _divergence_message(epoch, epoch_history, lr, unit="epoch")
                break
            if current < best:
                best, best_epoch, wait = current, epoch, 0
            else:
                wait += 1
            bar.update(1)
            if progress:
                bar.set_postfix({"loss": f"{value:.4g}", monitored: f"{current:.4g}"},
                                refresh=False)
            if patience is not None and wait >= patience:
                status = 1
                message = (
                    f"Stopped early after epoch {epoch}: the {monitored} has not improved for "
                    f"{patience} epochs (best {best:.4g} at epoch {best_epoch})."
                )
            elif callback is not None and callback(epoch, x, epoch_history):
                status, message = 3, f"Stopped by the callback after epoch {epoch}."

    if status == 2:
        warnings.warn(message, DivergenceWarning, stacklevel=2)
    else:
        message = message or f"Completed {epochs} epochs ({k} steps)."
        if restore_best and patience is not None and best_epoch != len(epoch_history) - 1:
            x = epoch_history.params[best_epoch]
            value, grad = fun(x, X, y)
            message += f" Restored the parameters of epoch {best_epoch}."
    return OptimizeResult(
        x=x,
        fun=float(value),
        jac=np.asarray(grad, dtype=float),
        nit=k,
        nepoch=len(epoch_history) - 1,
        best_epoch=best_epoch,
        success=status != 2,
        status=status,
        message=message,
        history=history,
        epoch_history=epoch_history,
    )
