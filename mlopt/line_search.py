r"""Choosing a step size: the smoothness constant by power iteration, and Armijo backtracking.

Gradient descent is stable for :math:`\eta < 2/L`, with :math:`L` the largest curvature of the
loss. Two ways to get a safe step when no formula gives :math:`L`:

* :func:`power_iteration` estimates :math:`L = \lambda_{\max}(\nabla^2 f)` from
  Hessian-vector products alone (for least squares, two products with ``X``);
* :func:`backtracking` needs no :math:`L` at all: it shrinks a trial step until the
  **Armijo** (sufficient-decrease) condition holds.

Derived and compared with :math:`2/L` in ``notebooks/03_gradient_descent.ipynb``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["PowerIterationResult", "power_iteration", "BacktrackingResult", "armijo",
           "backtracking"]


class PowerIterationResult(NamedTuple):
    """What :func:`power_iteration` found.

    Attributes
    ----------
    eigenvalue : float
        The Rayleigh quotient :math:`v^\top A v` of the last unit vector: the estimate of the
        eigenvalue of largest modulus.
    eigenvector : ndarray, shape (n,)
        The last unit vector :math:`v`.
    n_iter : int
        Number of products with ``A``.
    converged : bool
        Whether the relative change of the estimate fell below ``tol``.
    """

    eigenvalue: float
    eigenvector: np.ndarray
    n_iter: int
    converged: bool


def power_iteration(A, n=None, *, tol=1e-10, max_iter=1000, rng=None):
    r"""The dominant eigenvalue of a symmetric matrix, from matrix-vector products only.

    Parameters
    ----------
    A : ndarray of shape (n, n), or callable
        The symmetric matrix, or a function ``v -> A @ v`` (e.g. a Hessian-vector product
        ``v -> 2 / n_samples * X.T @ (X @ v)``, which never forms :math:`X^\top X`).
    n : int, optional
        Dimension; required when ``A`` is a callable.
    tol : float, default=1e-10
        Stop when the estimate changes by less than ``tol`` relative to its size.
    max_iter : int, default=1000
        Largest number of products with ``A``.
    rng : int or numpy.random.Generator, optional
        Seeds the random starting vector (a random start has a component along the top
        eigenvector with probability 1).

    Returns
    -------
    PowerIterationResult
        ``(eigenvalue, eigenvector, n_iter, converged)``; unpacks as a tuple.

    Raises
    ------
    ValueError
        If ``A`` is an array that is not square, if ``n`` is missing for a callable, if the
        product has the wrong shape, or if ``tol``/``max_iter`` are not positive.

    Notes
    -----
    Start from a random unit vector :math:`v_0` and repeat

    .. math:: w = A v_k, \qquad \hat\lambda_k = v_k^\top w, \qquad v_{k+1} = w / \lVert w\rVert .

    Write :math:`v_0 = \sum_i c_i u_i` in the orthonormal eigenvectors of :math:`A`, with
    :math:`|\lambda_1| > |\lambda_2| \ge \dots`. Then
    :math:`A^k v_0 = \lambda_1^k\big(c_1 u_1 + \sum_{i>1} c_i (\lambda_i/\lambda_1)^k u_i\big)`:
    the direction converges to :math:`\pm u_1` with error :math:`O(|\lambda_2/\lambda_1|^k)`,
    and the Rayleigh quotient, being quadratic in that error, converges as
    :math:`O(|\lambda_2/\lambda_1|^{2k})`. For a positive semi-definite :math:`A` (a Hessian of
    a convex loss) every Rayleigh quotient lies below :math:`\lambda_{\max}`: the estimate
    approaches :math:`L` **from below**, so leave a margin (use :math:`1/\hat L`, not
    :math:`2/\hat L`). If :math:`c_1 = 0` the iteration finds the next eigenvalue instead; a
    random start avoids that with probability 1.

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed. (2013), §7.3.1
       (the power method) and §8.2.1 (symmetric case, Rayleigh quotient).
    .. [2] ``notebooks/03_gradient_descent.ipynb``, section 9.

    Examples
    --------
    >>> A = np.diag([1.0, 3.0, 10.0])
    >>> res = power_iteration(A, rng=0)
    >>> round(res.eigenvalue, 8), res.converged
    (10.0, True)
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> L = power_iteration(lambda v: 2 / 50 * X.T @ (X @ v), n=3, rng=0).eigenvalue
    >>> bool(np.isclose(L, np.linalg.eigvalsh(2 / 50 * X.T @ X)[-1]))
    True
    """
    if callable(A):
        if n is None:
            raise ValueError("n (the dimension) is required when A is a function v -> A @ v")
        matvec = A
    else:
        A = np.asarray(A, dtype=float)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be a square matrix, got shape {A.shape}")
        n = A.shape[0]
        matvec = A.__matmul__
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n must be a positive integer, got {n=}")
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol=}")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ValueError(f"max_iter must be a positive integer, got {max_iter=}")
    gen = np.random.default_rng(rng)
    v = gen.normal(size=n)
    v /= np.linalg.norm(v)
    estimate = np.nan
    for k in range(1, max_iter + 1):
        w = np.asarray(matvec(v), dtype=float)
        if w.shape != (n,):
            raise ValueError(f"A @ v must have shape ({n},), got {w.shape}")
        new = float(v @ w)
        norm = np.linalg.norm(w)
        if norm == 0.0:                      # v is in the null space: A is 0 along it
            return PowerIterationResult(new, v, k, True)
        converged = abs(new - estimate) <= tol * abs(new)
        estimate, v = new, w / norm
        if converged:
            return PowerIterationResult(estimate, v, k, True)
    return PowerIterationResult(estimate, v, max_iter, False)


def armijo(f_new, f_old, slope, lr, *, c=1e-4):
    r"""Whether a step of length ``lr`` satisfies the Armijo sufficient-decrease condition.

    Parameters
    ----------
    f_new : float
        :math:`f(x + \eta d)`, the loss after the step.
    f_old : float
        :math:`f(x)`.
    slope : float
        The directional derivative :math:`\nabla f(x)^\top d`; negative for a descent direction
        (for :math:`d = -\nabla f(x)` it is :math:`-\lVert\nabla f(x)\rVert^2`).
    lr : float
        The step length :math:`\eta > 0`.
    c : float, default=1e-4
        The fraction of the first-order decrease that must be achieved, in (0, 1).

    Returns
    -------
    bool
        :math:`f(x + \eta d) \le f(x) + c\,\eta\,\nabla f(x)^\top d`.

    References
    ----------
    .. [1] J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed. (2006), §3.1, (3.4).

    Examples
    --------
    >>> armijo(f_new=0.5, f_old=1.0, slope=-1.0, lr=0.1)
    True
    >>> armijo(f_new=1.0, f_old=1.0, slope=-1.0, lr=0.1)
    False
    """
    return bool(f_new <= f_old + c * lr * slope)


class BacktrackingResult(NamedTuple):
    """What :func:`backtracking` accepted.

    Attributes
    ----------
    lr : float
        The accepted step length.
    value : float
        The loss at the accepted point.
    n_shrinks : int
        How many times the trial step was multiplied by ``shrink`` (0: ``lr0`` was accepted).
    """

    lr: float
    value: float
    n_shrinks: int


def backtracking(fun, x, *, lr0=1.0, shrink=0.5, c=1e-4, direction=None, max_shrinks=60):
    r"""Armijo backtracking line search: shrink a trial step until it decreases enough.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)``, the course's objective convention (see
        :mod:`mlopt.losses`, :mod:`mlopt.surfaces`).
    x : array_like, shape (n,)
        Current point. Not modified.
    lr0 : float, default=1.0
        First trial step.
    shrink : float, default=0.5
        Factor applied to the step after each rejection, in (0, 1).
    c : float, default=1e-4
        Armijo constant, in (0, 1): the step must achieve at least the fraction ``c`` of the
        decrease the linear model predicts.
    direction : array_like, shape (n,), optional
        Search direction :math:`d`; the steepest-descent direction :math:`-\nabla f(x)` by
        default. Must be a descent direction, :math:`\nabla f(x)^\top d < 0`.
    max_shrinks : int, default=60
        Give up after this many rejections.

    Returns
    -------
    BacktrackingResult
        ``(lr, value, n_shrinks)``; unpacks as a tuple. The new point is ``x + lr * d``.

    Raises
    ------
    ValueError
        If a parameter is out of range, if ``direction`` has the wrong shape or is not a
        descent direction, or if no step passed within ``max_shrinks`` (the gradient is then
        probably wrong: check it with :func:`mlopt.gradcheck.check_grad`).

    Notes
    -----
    Try :math:`\eta = \eta_0, \rho\eta_0, \rho^2\eta_0, \dots` and accept the first with

    .. math:: f(x + \eta d) \le f(x) + c\,\eta\,\nabla f(x)^\top d \qquad \text{(Armijo)}.

    With :math:`d = -g` and an :math:`L`-smooth :math:`f`, the descent lemma gives
    :math:`f(x - \eta g) \le f(x) - \eta(1 - L\eta/2)\lVert g\rVert^2`, so every
    :math:`\eta \le 2(1 - c)/L` passes. The accepted step is therefore at least
    :math:`\min(\eta_0,\ 2\rho(1 - c)/L)` (about :math:`1/L` for :math:`\rho = 1/2`), and it
    never needs :math:`L`. Each trial costs one evaluation of ``fun``. A step accepted here
    always decreases :math:`f`, even when it is longer than :math:`2/L`: the curvature along
    :math:`d` may be smaller than :math:`L`.

    References
    ----------
    .. [1] J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed. (2006), §3.1,
       Algorithm 3.1 (backtracking line search).
    .. [2] S. Boyd and L. Vandenberghe, *Convex Optimization* (2004), §9.2 (backtracking).
    .. [3] ``notebooks/03_gradient_descent.ipynb``, section 9.

    Examples
    --------
    On :math:`f(x) = 5x^2` (:math:`L = 10`) a step passes when :math:`\eta \le 2(1-c)/L
    \approx 0.2`: from 1, three halvings reach 0.125.

    >>> fun = lambda x: (5.0 * float(x @ x), 10.0 * x)
    >>> backtracking(fun, np.array([1.0]))
    BacktrackingResult(lr=0.125, value=0.3125, n_shrinks=3)
    """
    if not lr0 > 0:
        raise ValueError(f"lr0 must be positive, got {lr0=}")
    if not 0 < shrink < 1:
        raise ValueError(f"shrink must be in (0, 1), got {shrink=}")
    if not 0 < c < 1:
        raise ValueError(f"c must be in (0, 1), got {c=}")
    x = np.asarray(x, dtype=float)
    value, grad = fun(x)
    grad = np.asarray(grad, dtype=float)
    d = -grad if direction is None else np.asarray(direction, dtype=float)
    if d.shape != x.shape:
        raise ValueError(f"direction must have the shape of x, {x.shape}, got {d.shape}")
    slope = float(grad @ d)
    if not slope < 0:
        raise ValueError(f"direction is not a descent direction: grad @ direction = {slope:.3e} "
                         "must be negative")
    lr = float(lr0)
    for k in range(max_shrinks + 1):
        new = float(fun(x + lr * d)[0])
        if armijo(new, float(value), slope, lr, c=c):
            return BacktrackingResult(lr, new, k)
        lr *= shrink
    raise ValueError(f"no step satisfied the Armijo condition after {max_shrinks} shrinks "
                     f"(last lr={lr / shrink:.3e}): is the gradient right? Check it with "
                     "mlopt.gradcheck.check_grad.")
