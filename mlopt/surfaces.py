r"""Two-dimensional test functions with their gradients, for pictures and rate experiments.

A :class:`Surface` is called like an objective, ``surface(p) -> (value, grad)``, so it can be
handed straight to :func:`mlopt.training.minimize`. The formulas broadcast: ``p`` may have
shape ``(2,)`` or ``(2, ...)`` (a grid from ``np.meshgrid``), which is how
:mod:`mlopt.plotting` draws contours.

Used from ``notebooks/03_gradient_descent.ipynb`` on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

__all__ = ["Surface", "quadratic", "rosenbrock", "beale", "himmelblau", "saddle", "noisy"]


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


def beale():
    r"""Beale's function, a flat valley floor between steep walls.

    .. math::

        f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2

    Returns
    -------
    Surface
        Minimum 0 at :math:`(3, 0.5)`; window :math:`[-4.5, 4.5]^2`.

    Notes
    -----
    With :math:`a_k = c_k - x + x y^k` (:math:`c = 1.5, 2.25, 2.625`),

    .. math::

        \frac{\partial f}{\partial x} = 2\sum_{k=1}^3 a_k\,(y^k - 1), \qquad
        \frac{\partial f}{\partial y} = 2\sum_{k=1}^3 a_k\, k\, x\, y^{k-1}.

    The gradient spans many orders of magnitude (about :math:`2\cdot 10^5` at
    :math:`(4.5, 4.5)`, tiny along the flat valley floor), so one learning rate does not suit
    the whole surface: the classic picture for adaptive methods, which rescale each coordinate.

    References
    ----------
    .. [1] Beale, "On an iterative method for finding a local minimum of a function of more
       than one variable", Tech. Rep. 25, Statistical Techniques Research Group, Princeton,
       1958.
    .. [2] ``notebooks/06_adaptive_methods.ipynb``.

    Examples
    --------
    >>> f = beale()
    >>> value, grad = f(np.array([3.0, 0.5]))
    >>> float(value), grad
    (0.0, array([0., 0.]))
    """

    def fun(p):
        x, y = p[0], p[1]
        terms = [(c - x + x * y**k, k) for k, c in ((1, 1.5), (2, 2.25), (3, 2.625))]
        value = sum(a**2 for a, _ in terms)
        grad = np.stack([
            sum(2 * a * (y**k - 1) for a, k in terms),
            sum(2 * a * k * x * y ** (k - 1) for a, k in terms),
        ])
        return value, grad

    return Surface(name="Beale", fun=fun, minimizer=np.array([3.0, 0.5]),
                   xlim=(-4.5, 4.5), ylim=(-4.5, 4.5))


def himmelblau():
    r"""Himmelblau's function, four global minima: where a run ends depends on where it starts.

    .. math:: f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2

    Returns
    -------
    Surface
        ``minimizer`` is :math:`(3, 2)`; the other three minima (value 0 too) are near
        :math:`(-2.8051, 3.1313)`, :math:`(-3.7793, -3.2832)` and :math:`(3.5844, -1.8481)`.
        Window :math:`[-5, 5]^2`.

    Notes
    -----
    .. math::

        \frac{\partial f}{\partial x} = 4x\,(x^2 + y - 11) + 2\,(x + y^2 - 7), \qquad
        \frac{\partial f}{\partial y} = 2\,(x^2 + y - 11) + 4y\,(x + y^2 - 7).

    A local maximum near :math:`(-0.2708, -0.9230)` and four saddle points separate the basins.

    References
    ----------
    .. [1] Himmelblau, *Applied Nonlinear Programming*, McGraw-Hill, 1972.
    .. [2] ``notebooks/06_adaptive_methods.ipynb``.

    Examples
    --------
    >>> f = himmelblau()
    >>> value, grad = f(np.array([3.0, 2.0]))
    >>> float(value), grad
    (0.0, array([0., 0.]))
    """

    def fun(p):
        x, y = p[0], p[1]
        a, b = x**2 + y - 11, x + y**2 - 7
        return a**2 + b**2, np.stack([4 * x * a + 2 * b, 2 * a + 4 * y * b])

    return Surface(name="Himmelblau", fun=fun, minimizer=np.array([3.0, 2.0]),
                   xlim=(-5.0, 5.0), ylim=(-5.0, 5.0))


def saddle():
    r"""A strict saddle at the origin between two minima: :math:`f = \tfrac12 x^2 - \tfrac12
    y^2 + \tfrac14 y^4`.

    Near the origin this is the textbook saddle :math:`\tfrac12(x^2 - y^2)` (Hessian
    :math:`\mathrm{diag}(1, -1)`); the quartic term bounds it below, so runs that escape the
    saddle settle in a minimum instead of diverging.

    Returns
    -------
    Surface
        ``minimizer`` is :math:`(0, 1)`, value :math:`-\tfrac14`; :math:`(0, -1)` is the other
        minimum and :math:`(0, 0)` the saddle point. Window :math:`[-2, 2]^2`.

    Notes
    -----
    .. math::

        \nabla f = \begin{pmatrix} x \\ y^3 - y \end{pmatrix}, \qquad
        \nabla^2 f = \begin{pmatrix} 1 & 0 \\ 0 & 3y^2 - 1 \end{pmatrix}.

    Gradient descent with step :math:`\eta` maps :math:`y \mapsto (1 + \eta)\,y` near the
    saddle: started exactly on the line :math:`y = 0` it converges to the saddle point; any
    perturbation :math:`y_0 \ne 0` grows geometrically, so escaping takes about
    :math:`\log(1/|y_0|)/\log(1+\eta)` steps. Gradient noise (SGD) and momentum shorten the
    escape.

    References
    ----------
    .. [1] Ge, Huang, Jin, Yuan, "Escaping from saddle points — online stochastic gradient for
       tensor decomposition", COLT 2015, §2 (strict saddles).
    .. [2] Jin, Ge, Netrapalli, Kakade, Jordan, "How to escape saddle points efficiently",
       ICML 2017.

    Examples
    --------
    >>> f = saddle()
    >>> value, grad = f(np.array([0.0, 0.0]))          # a stationary point...
    >>> float(value), grad
    (0.0, array([0., 0.]))
    >>> float(f.value(np.array([0.0, 1.0])))          # ...but not a minimum
    -0.25
    """

    def fun(p):
        x, y = p[0], p[1]
        return 0.5 * x**2 - 0.5 * y**2 + 0.25 * y**4, np.stack([x, y**3 - y])

    return Surface(name="saddle", fun=fun, minimizer=np.array([0.0, 1.0]),
                   xlim=(-2.0, 2.0), ylim=(-2.0, 2.0))


def noisy(surface, scale, rng=None):
    r"""The same surface with Gaussian noise added to each gradient: SGD without data.

    Parameters
    ----------
    surface : Surface
    scale : float
        Standard deviation :math:`\sigma \ge 0` of the noise, per coordinate, in gradient
        units.
    rng : numpy.random.Generator, int or None, default=None
        Source of the noise.

    Returns
    -------
    Surface
        Same name (with ``", noisy"``), minimizer and window; values are exact, gradients are
        :math:`\nabla f(p) + \sigma\,\xi`, :math:`\xi \sim \mathcal N(0, I)` drawn afresh at
        every call.

    Raises
    ------
    ValueError
        If ``scale`` is negative or not finite.

    Notes
    -----
    The noise has mean zero, so the noisy gradient is an unbiased estimate of the true one,
    like a mini-batch gradient whose variance :math:`\sigma^2` per coordinate stands for
    :math:`\sigma_\ell^2/|B|`. With a constant step the iterates do not converge but wander in
    a region around the minimum whose size grows with :math:`\eta\sigma^2`.

    References
    ----------
    .. [1] Bottou, Curtis, Nocedal, "Optimization methods for large-scale machine learning",
       *SIAM Review* 60(2), 2018, §4.
    .. [2] ``notebooks/04_stochastic_gradient_descent.ipynb``.

    Examples
    --------
    >>> f = noisy(quadratic(4.0), scale=0.1, rng=0)
    >>> value, grad = f(np.array([1.0, 1.0]))
    >>> float(value), grad.shape
    (2.5, (2,))
    """
    if not (np.isfinite(scale) and scale >= 0):
        raise ValueError(f"scale must be a finite number >= 0, got {scale=}")
    rng = np.random.default_rng(rng)
    exact = surface.fun

    def fun(p):
        value, grad = exact(p)
        return value, grad + scale * rng.standard_normal(np.shape(grad))

    return replace(surface, name=f"{surface.name}, noisy", fun=fun)
