r"""Two-dimensional test functions with their gradients, for pictures and rate experiments.

A :class:`Surface` is called like an objective, ``surface(p) -> (value, grad)``, so it can be
handed straight to :func:`mlopt.training.minimize`. The formulas broadcast: ``p`` may have
shape ``(2,)`` or ``(2, ...)`` (a grid from ``np.meshgrid``), which is how
:mod:`mlopt.plotting` draws contours.

Used from ``notebooks/03_gradient_descent.ipynb`` on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Surface", "quadratic", "rosenbrock"]


@dataclass(frozen=True)
class Surface:
    """A 2-D objective with what is needed to draw and study it.

    Attributes
    ----------
    name : str
        Title for plots.
    fun : callable
        ``fun(p) -> (value, grad)`` with ``p`` of shape ``(2, ...)``.
    minimizer : ndarray, shape (2,)
        A global minimizer (a stationary point for surfaces with none).
    xlim, ylim : tuple of float
        A plotting window that shows the interesting part.
    hessian : ndarray of shape (2, 2) or None
        The constant Hessian of a quadratic, else None.
    """

    name: str
    fun: object = field(repr=False)
    minimizer: np.ndarray = field(repr=False)
    xlim: tuple = (-2.0, 2.0)
    ylim: tuple = (-2.0, 2.0)
    hessian: np.ndarray | None = field(default=None, repr=False)

    def __call__(self, p):
        p = np.asarray(p, dtype=float)
        if p.shape[:1] != (2,):
            raise ValueError(f"a 2-D surface takes p of shape (2,) or (2, ...), got {p.shape}")
        return self.fun(p)

    def value(self, p):
        """The function value alone (for contours)."""
        return self(p)[0]


def quadratic(condition_number=10.0, *, mu=1.0, angle=0.0):
    r"""Convex quadratic :math:`f(p) = \tfrac12 p^\top A p` with a chosen condition number.

    Parameters
    ----------
    condition_number : float, default=10.0
        :math:`\kappa = L/\mu \ge 1`, ratio of the largest to the smallest eigenvalue of
        :math:`A`.
    mu : float, default=1.0
        Smallest eigenvalue (strong-convexity constant); :math:`L = \kappa\mu`.
    angle : float, default=0.0
        Rotation of the eigenvectors in radians; 0 aligns the valley with the axes.

    Returns
    -------
    Surface
        With ``hessian`` :math:`A = R\,\mathrm{diag}(\mu, L)\,R^\top` and minimizer 0.

    Raises
    ------
    ValueError
        If ``condition_number < 1`` or ``mu <= 0``.

    Notes
    -----
    :math:`\nabla f = A p`. Gradient descent with step :math:`\eta` multiplies the error along
    eigenvector :math:`i` by :math:`1 - \eta\lambda_i` each step, so it converges iff
    :math:`\eta < 2/L`, and the best fixed step :math:`\eta = 2/(L+\mu)` gives the rate
    :math:`(\kappa-1)/(\kappa+1)`.

    References
    ----------
    .. [1] Nesterov, *Lectures on Convex Optimization*, 2nd ed., §2.1.5.
    .. [2] ``notebooks/03_gradient_descent.ipynb``.

    Examples
    --------
    >>> f = quadratic(condition_number=4.0)
    >>> value, grad = f(np.array([1.0, 1.0]))
    >>> float(value), grad
    (2.5, array([1., 4.]))
    >>> np.linalg.cond(f.hessian)
    np.float64(4.0)
    """
    if not (np.isfinite(condition_number) and condition_number >= 1):
        raise ValueError(f"condition_number must be >= 1, got {condition_number=}")
    if not (np.isfinite(mu) and mu > 0):
        raise ValueError(f"mu must be > 0, got {mu=}")
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([mu, condition_number * mu]) @ R.T

    def fun(p):
        Ap = np.einsum("ij,j...->i...", A, p)
        return 0.5 * np.sum(p * Ap, axis=0), Ap

    return Surface(
        name=f"quadratic, κ = {condition_number:g}",
        fun=fun,
        minimizer=np.zeros(2),
        xlim=(-2.0, 2.0),
        ylim=(-2.0, 2.0),
        hessian=A,
    )


def rosenbrock(a=1.0, b=100.0):
    r"""Rosenbrock's banana valley :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`.

    Parameters
    ----------
    a, b : float, default=1.0, 100.0
        Shape parameters; the minimum is at :math:`(a, a^2)` with value 0.

    Returns
    -------
    Surface

    Notes
    -----
    .. math::

        \frac{\partial f}{\partial x} = -2(a - x) - 4 b x (y - x^2), \qquad
        \frac{\partial f}{\partial y} = 2 b (y - x^2).

    The valley floor :math:`y = x^2` is easy to reach and slow to follow: the Hessian at the
    minimum has condition number about 2500 for :math:`b = 100`.

    References
    ----------
    .. [1] Rosenbrock, "An automatic method for finding the greatest or least value of a
       function", *The Computer Journal* 3(3), 1960.

    Examples
    --------
    >>> f = rosenbrock()
    >>> value, grad = f(np.array([1.0, 1.0]))
    >>> float(value), grad
    (0.0, array([0., 0.]))
    """

    def fun(p):
        x, y = p[0], p[1]
        value = (a - x) ** 2 + b * (y - x**2) ** 2
        grad = np.stack([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)])
        return value, grad

    return Surface(
        name="Rosenbrock",
        fun=fun,
        minimizer=np.array([a, a**2]),
        xlim=(-2.0, 2.0),
        ylim=(-1.0, 3.0),
    )
