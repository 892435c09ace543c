r"""Newton's method with a backtracking line search (IRLS for logistic regression).

Derived in ``notebooks/09_logistic_regression.ipynb``.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
from scipy.optimize import OptimizeResult
from sklearn.exceptions import ConvergenceWarning

from mlopt._validation import check_positive

__all__ = ["newton"]


def _newton_direction(H, g):
    """Solve :math:`H d = -g` by Cholesky; least squares if ``H`` is not positive definite."""
    try:
        return scipy.linalg.solve(H, -g, assume_a="pos")
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning):
        return scipy.linalg.lstsq(H, -g)[0]


def _rounding_level_progress(value, new_value, grad, new_grad):
    """Near the minimizer the decrease of f drowns in rounding (|f| eps) while the gradient
    still shrinks: accept the step on the gradient then, as scikit-learn's Newton solver."""
    tiny = 16 * np.finfo(float).eps * max(abs(value), 1.0)
    return abs(new_value - value) <= tiny and np.max(np.abs(new_grad)) < np.max(np.abs(grad))


def newton(fun, hess, x0, *, max_iter=100, tol=1e-6, c=1e-4, max_halvings=50):
    r"""Minimize a smooth convex function by damped Newton steps.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)``.
    hess : callable
        ``hess(x) -> H``, the Hessian, shape (n_params, n_params).
    x0 : array_like, shape (n_params,)
        Starting point; not modified.
    max_iter : int, default=100
        Maximum number of Newton steps.
    tol : float, default=1e-6
        Stop when :math:`\max_i|g_i| \le` ``tol`` and half the squared Newton decrement
        :math:`\frac12 g^\top H^{-1} g \le` ``tol`` (scikit-learn's ``newton-cholesky``
        criteria).
    c : float, default=1e-4
        Armijo constant of the sufficient-decrease test, in (0, 1/2).
    max_halvings : int, default=50
        Most step halvings per line search.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x``, ``fun``, ``jac``, ``nit`` Newton steps, ``success``, ``message``,
        ``history`` (objective at each iterate, ``nit + 1`` entries) and ``step_sizes``.

    Raises
    ------
    ValueError
        Bad ``max_iter``, ``tol``, ``c``, or ``x0`` not finite.

    Warns
    -----
    sklearn.exceptions.ConvergenceWarning
        If the criteria are not met within ``max_iter`` steps.

    Notes
    -----
    Minimizing the second-order model :math:`f(x) + g^\top d + \frac12 d^\top H d` gives
    the Newton direction; a backtracking line search makes it globally convergent:

    .. math::

        \begin{array}{l}
        \textbf{for } k = 0, 1, \dots: \\
        \quad g = \nabla f(x_k),\ H = \nabla^2 f(x_k),\ \text{solve } H d = -g
              \text{ (Cholesky)} \\
        \quad \textbf{stop if } \lVert g\rVert_\infty \le \text{tol and }
              \tfrac12\lambda^2 = -\tfrac12 g^\top d \le \text{tol} \\
        \quad t = 1;\ \textbf{while } f(x_k + t d) > f(x_k) + c\,t\,g^\top d:\ t = t/2 \\
        \quad x_{k+1} = x_k + t d
        \end{array}

    When :math:`f` can no longer resolve the decrease (below :math:`16\,\epsilon|f|`), a step
    that reduces :math:`\lVert g\rVert_\infty` is accepted instead, as in scikit-learn's
    Newton solver. Near the minimizer the full step :math:`t = 1` is accepted and convergence is
    quadratic: the number of correct digits doubles per step. For logistic regression,
    :math:`H = X^\top S X/n` and the step is a weighted least-squares solve with weights
    :math:`S = \mathrm{diag}(p(1-p))` recomputed each time: iteratively reweighted least
    squares (IRLS). Each step costs :math:`O(np^2 + p^3)`, against :math:`O(np)` for a
    gradient step. If :math:`H` is singular, the least-squares (minimum-norm) direction is
    used.

    References
    ----------
    .. [1] Nocedal and Wright, *Numerical Optimization*, 2nd ed., §3.1 and §3.3.
    .. [2] Boyd and Vandenberghe, *Convex Optimization*, §9.5.
    .. [3] ``notebooks/09_logistic_regression.ipynb``.

    Examples
    --------
    A quadratic is minimized in one step:

    >>> A, b = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, 1.0])
    >>> res = newton(lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b), lambda x: A, np.zeros(2))
    >>> res.x, res.nit
    (array([0.2, 0.4]), 1)
    """
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ValueError(f"max_iter must be a positive integer, got {max_iter=}")
    tol = check_positive("tol", tol, allow_zero=True)
    if not 0 < c < 0.5:
        raise ValueError(f"c must be in (0, 0.5), got {c=}")
    x = np.array(x0, dtype=float, copy=True)
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite")
    value, grad = fun(x)
    history, step_sizes = [float(value)], []
    converged = stalled = False
    for _ in range(max_iter + 1):
        d = _newton_direction(hess(x), grad)
        slope = float(grad @ d)  # -(Newton decrement)^2
        grad_max = float(np.max(np.abs(grad), initial=0.0))
        if grad_max <= tol and -0.5 * slope <= tol:
            converged = True
            break
        if len(step_sizes) == max_iter:
            break
        t = 1.0
        for _ in range(max_halvings):
            new_value, new_grad = fun(x + t * d)
            if new_value <= value + c * t * slope or _rounding_level_progress(
                    value, new_value, grad, new_grad):
                break
            t /= 2
        else:  # no decrease left at machine precision: stop where we are
            stalled = True
            break
        x, value, grad = x + t * d, new_value, new_grad
        history.append(float(value))
        step_sizes.append(t)
    nit = len(step_sizes)
    if converged:
        message = (f"Converged: max|grad| {grad_max:.3e} and half the squared Newton decrement "
                   f"{-0.5 * slope:.3e} <= tol {tol:.3e} after {nit} steps.")
    else:
        message = (
            f"Did not converge in {nit} Newton steps "
            f"({'line search stalled' if stalled else f'max_iter={max_iter}'}): "
            f"max|grad| {grad_max:.3e}, "
            f"half the squared Newton decrement {-0.5 * slope:.3e}, tol {tol:.3e}. Increase "
            "max_iter, or regularize more (smaller C)."
        )
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return OptimizeResult(x=x, fun=float(value), jac=grad, nit=nit, success=converged,
                          message=message, history=np.array(history),
                          step_sizes=np.array(step_sizes))
