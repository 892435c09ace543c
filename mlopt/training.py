r"""The training loop: :func:`minimize` runs any optimizer and records a :class:`History`.

Derived in ``notebooks/03_gradient_descent.ipynb``.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import OptimizeResult
from sklearn.exceptions import ConvergenceWarning
from tqdm.auto import tqdm

from mlopt._validation import check_positive

__all__ = ["History", "DivergenceWarning", "minimize"]


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


def _divergence_message(k, history, lr):
    loss = history.loss
    if k == 0:
        return (
            f"The loss is not finite at the starting point (loss={loss[0]}): check x0 and the "
            "data for NaN, infinity or overflow."
        )
    return (
        f"Diverged at iteration {k}: the loss became {loss[-1]:.4g}, up from {loss[0]:.4g} at "
        f"the start (iteration {k - 1}: {loss[-2]:.4g}). "
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
            with np.errstate(over="ignore", invalid="ignore"):
                value, grad = fun(x)
            grad = np.asarray(grad, dtype=float)
            if grad.shape != x.shape:
                raise ValueError(
                    f"fun returned grad of shape {grad.shape} for x of shape {x.shape}"
                )
            gnorm = float(np.linalg.norm(grad))
            history.append(loss=value, params=x, grad_norm=gnorm)
            if k == 0:
                limit = divergence_factor * max(abs(value), 1.0) if np.isfinite(value) else 0.0
            if not (np.isfinite(value) and np.isfinite(gnorm) and abs(value) <= limit):
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
            step, state = optimizer.update(grad, state, x)
            history._set_last_lr(optimizer.lr(k))
            x = x - step
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
