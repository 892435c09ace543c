r"""Proximal gradient descent: ISTA and its accelerated form FISTA.

For :math:`F(x) = f(x) + g(x)` with :math:`f` smooth (gradient :math:`L`-Lipschitz) and
:math:`g` convex with a cheap proximal operator (the L1 norm: :func:`mlopt.losses.soft_threshold`).

Derived in ``notebooks/08_regularization.ipynb``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.optimize import OptimizeResult
from sklearn.exceptions import ConvergenceWarning

from mlopt._validation import check_positive

__all__ = ["proximal_gradient"]


def proximal_gradient(fun, prox, x0, lr, *, accelerated=False, restart=None, penalty=None,
                      max_iter=1000, tol=1e-6, criterion=None):
    r"""Minimize :math:`f + g` by proximal gradient steps (ISTA), or FISTA if ``accelerated``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)``: the smooth part :math:`f` and its gradient.
    prox : callable
        ``prox(z, t)``: :math:`\arg\min_x \frac12\lVert x - z\rVert^2 + t\,g(x)`, e.g.
        ``lambda z, t: soft_threshold(z, t * alpha)`` for :math:`g = \alpha\lVert\cdot\rVert_1`.
    x0 : array_like, shape (n_params,)
        Starting point; not modified.
    lr : float
        Step size :math:`\eta`, at most :math:`1/L` for the guarantees below.
    accelerated : bool, default=False
        Nesterov/Beck–Teboulle momentum (FISTA).
    restart : {None, "gradient", "function"}, default=None
        Adaptive restart of FISTA's momentum (O'Donoghue and Candès [3]_): reset
        :math:`t_k = 1` (no extrapolation) whenever the step goes against the gradient
        mapping, :math:`(y_{k} - x_{k+1})^\top(x_{k+1} - x_k) > 0` (``"gradient"``), or when
        the objective rises, :math:`F(x_{k+1}) > F(x_k)` (``"function"``, needs ``penalty``).
        Only with ``accelerated=True``.
    penalty : callable, optional
        ``penalty(x) -> float``, the value of :math:`g`, so that ``history`` records
        :math:`F = f + g`; without it ``history`` records :math:`f`.
    max_iter : int, default=1000
        Maximum number of proximal steps.
    tol : float, default=1e-6
        Stop when the criterion is :math:`\le` ``tol``.
    criterion : callable, optional
        ``criterion(x) -> float``, a measure of suboptimality evaluated at every iterate
        :math:`x_k` including :math:`x_0`, e.g. a duality gap. By default the norm of the
        gradient mapping :math:`\lVert x_{k+1} - y_k\rVert/\eta`, which is 0 exactly at a
        minimizer.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x``, ``fun`` (:math:`F(x)` or :math:`f(x)`), ``nit`` steps taken, ``success``,
        ``criterion`` (its last value), ``message``, ``history`` (objective at
        :math:`x_0, \dots, x_{nit}`; each entry costs one more evaluation of ``fun``) and
        ``n_restarts`` (how often the momentum was reset; 0 without ``restart``).

    Raises
    ------
    ValueError
        If ``lr`` is not positive, ``max_iter`` not a positive integer, ``tol < 0``, or
        ``restart`` is not None, "gradient" or "function", is given without
        ``accelerated=True``, or is "function" without ``penalty``.

    Warns
    -----
    sklearn.exceptions.ConvergenceWarning
        If the stopping rule is not met within ``max_iter`` steps.

    Notes
    -----
    The proximal step minimizes the quadratic upper bound of :math:`f` around the current
    point plus :math:`g` itself:

    .. math::

        x_{k+1} = \arg\min_x f(y_k) + \nabla f(y_k)^\top(x - y_k)
                  + \frac1{2\eta}\lVert x - y_k\rVert^2 + g(x)
                = \operatorname{prox}_{\eta g}\bigl(y_k - \eta\nabla f(y_k)\bigr).

    ISTA takes :math:`y_k = x_k` and reaches :math:`F(x_k) - F^* \le
    \frac{\lVert x_0 - x^*\rVert^2}{2\eta k}`, :math:`O(1/k)`. FISTA extrapolates,

    .. math::

        t_{k+1} = \frac{1 + \sqrt{1 + 4t_k^2}}{2}, \qquad
        y_{k+1} = x_{k+1} + \frac{t_k - 1}{t_{k+1}}(x_{k+1} - x_k), \qquad t_1 = 1,

    and reaches :math:`\frac{2\lVert x_0 - x^*\rVert^2}{\eta (k+1)^2}`, :math:`O(1/k^2)`, the
    optimal rate of first-order methods. FISTA is not monotone: its objective can rise for a
    few steps.

    Without restarts the momentum weight :math:`(t_k - 1)/t_{k+1}` tends to 1, so once the
    iterates are close to a minimizer where the problem is locally strongly convex (for the
    Lasso: on the final set of nonzero coefficients) FISTA overshoots and oscillates, and can
    take more steps than ISTA, which is already linearly convergent there. Restarting the
    momentum when it points uphill keeps the :math:`O(1/k^2)` behaviour far from the solution
    and recovers a linear rate close to it, without knowing the strong-convexity constant [3]_.
    The gradient scheme tests the sign of the gradient mapping :math:`G = (y_k - x_{k+1})/\eta`
    (the proximal analogue of :math:`\nabla f`) against the step; it costs no extra
    evaluation.

    References
    ----------
    .. [1] Beck and Teboulle, "A fast iterative shrinkage-thresholding algorithm for linear
       inverse problems", *SIAM J. Imaging Sci.* 2(1), 2009.
    .. [2] Parikh and Boyd, "Proximal Algorithms", *Found. Trends Optim.* 1(3), 2014, §4.
    .. [3] O'Donoghue and Candès, "Adaptive restart for accelerated gradient schemes",
       *Found. Comput. Math.* 15(3), 2015, §3.2 (function and gradient schemes).
    .. [4] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    The Lasso :math:`\frac12\lVert x - b\rVert^2 + \lVert x\rVert_1` is solved by one step:

    >>> from mlopt.losses import soft_threshold
    >>> b = np.array([3.0, 0.5, -2.0])
    >>> res = proximal_gradient(lambda x: (0.5 * np.sum((x - b) ** 2), x - b),
    ...                         soft_threshold, np.zeros(3), lr=1.0)
    >>> res.x, res.nit
    (array([ 2.,  0., -1.]), 2)

    FISTA with gradient restarts on an ill-conditioned quadratic plus an L1 penalty:

    >>> A = np.diag([1.0, 0.01])
    >>> fun = lambda x: (0.5 * x @ A @ x - x.sum(), A @ x - 1.0)
    >>> plain = proximal_gradient(fun, lambda z, t: soft_threshold(z, 0.5 * t), np.zeros(2),
    ...                           lr=1.0, accelerated=True, tol=1e-8, max_iter=10_000)
    >>> fast = proximal_gradient(fun, lambda z, t: soft_threshold(z, 0.5 * t), np.zeros(2),
    ...                          lr=1.0, accelerated=True, restart="gradient", tol=1e-8,
    ...                          max_iter=10_000)
    >>> bool(np.allclose(fast.x, [0.5, 50.0])), fast.nit < plain.nit
    (True, True)
    """
    lr = check_positive("lr", lr)
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ValueError(f"max_iter must be a positive integer, got {max_iter=}")
    tol = check_positive("tol", tol, allow_zero=True)
    if restart not in (None, "gradient", "function"):
        raise ValueError(f"restart must be None, 'gradient' or 'function', got {restart=}")
    if restart is not None and not accelerated:
        raise ValueError(f"restart={restart!r} resets FISTA's momentum: it needs "
                         "accelerated=True")
    if restart == "function" and penalty is None:
        raise ValueError("restart='function' compares F = f + g between steps: pass penalty=")
    x = np.array(x0, dtype=float, copy=True)

    def objective(x):
        return float(fun(x)[0]) + (penalty(x) if penalty is not None else 0.0)

    y, t = x, 1.0
    history = [objective(x)]
    crit = criterion(x) if criterion is not None else np.inf
    nit = n_restarts = 0
    while crit > tol and nit < max_iter:
        x_new = prox(y - lr * fun(y)[1], lr)
        nit += 1
        crit = criterion(x_new) if criterion is not None else np.linalg.norm(x_new - y) / lr
        value = objective(x_new)
        if restart == "gradient":
            reset = float((y - x_new) @ (x_new - x)) > 0
        elif restart == "function":
            reset = value > history[-1]
        else:
            reset = False
        if reset:
            n_restarts += 1
            t = 1.0
        if accelerated:
            t_new = (1 + math.sqrt(1 + 4 * t * t)) / 2
            y = x_new + (t - 1) / t_new * (x_new - x)
            t = t_new
        else:
            y = x_new
        x = x_new
        history.append(value)
    success = bool(crit <= tol)
    if success:
        message = f"Converged: criterion {crit:.3e} <= tol {tol:.3e} after {nit} steps."
    else:
        message = (
            f"Did not converge in max_iter={max_iter} proximal steps: criterion {crit:.3e} > "
            f"tol {tol:.3e}. Increase max_iter, use accelerated=True (FISTA), or coordinate "
            "descent."
        )
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return OptimizeResult(x=x, fun=history[-1], nit=nit, success=success, criterion=float(crit),
                          message=message, history=np.array(history), n_restarts=n_restarts)
