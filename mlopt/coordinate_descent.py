r"""The elastic-net problem: its objective, duality gap, alpha grid, and coordinate descent.

Everything here uses scikit-learn's per-sample scaling of ``ElasticNet`` and ``Lasso``:

.. math::

    P(w) = \frac{1}{2n}\lVert y - Xw\rVert_2^2 + \alpha\rho\lVert w\rVert_1
           + \frac{\alpha(1-\rho)}{2}\lVert w\rVert_2^2,

``alpha`` :math:`=\alpha`, ``l1_ratio`` :math:`=\rho` (:math:`\rho = 1` is the Lasso). ``X`` and
``y`` are used as given: center them first to fit an intercept (the estimators in
:mod:`mlopt.linear_model` do).

Derived in ``notebooks/08_regularization.ipynb``.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import OptimizeResult
from sklearn.exceptions import ConvergenceWarning

from mlopt._validation import check_interval, check_positive

__all__ = ["enet_objective", "enet_duality_gap", "alpha_grid", "coordinate_descent"]


class _LeastSquares:
    r"""The data of :math:`\frac1{2n}\lVert y - Xw\rVert^2`, with or without the Gram matrix.

    ``stats(w)`` returns the three numbers every solver and the duality gap need,
    :math:`r_2 = \lVert R\rVert^2/n`, :math:`r_y = R^\top y/n` and :math:`q = X^\top R/n`
    with :math:`R = y - Xw`. With ``gram=True`` they cost :math:`O(p^2)` from
    :math:`G = X^\top X/n`, :math:`c = X^\top y/n` (computed once, :math:`O(np^2)`):
    :math:`q = c - Gw`, :math:`r_y = \lVert y\rVert^2/n - w^\top c`, :math:`r_2 = r_y - w^\top q`.
    Otherwise :math:`O(np)` from the residual.

    For coordinate descent, ``start(w)`` sets up the running state (:math:`q` with the Gram
    matrix, :math:`R` without), ``corr(j)`` returns :math:`q_j` and ``move(j, delta)`` updates
    the state after :math:`w_j \mathrel{+}= \delta`, in :math:`O(p)` or :math:`O(n)`.
    """

    def __init__(self, X, y, *, gram):
        n = X.shape[0]
        self.X, self.y, self.n, self.gram = X, y, n, gram
        self.yy = float(y @ y) / n
        if gram:
            self.G = X.T @ X / n
            self.c = X.T @ y / n
            self.col_norms2 = np.diag(self.G).copy()
        else:
            self.X = np.asfortranarray(X)  # contiguous columns for the coordinate updates
            self.col_norms2 = np.einsum("ij,ij->j", X, X) / n

    def stats(self, w):
        if self.gram:
            q = self.c - self.G @ w
            ry = self.yy - float(w @ self.c)
            return ry - float(w @ q), ry, q
        R = self.y - self.X @ w
        return float(R @ R) / self.n, float(R @ self.y) / self.n, self.X.T @ R / self.n

    def start(self, w):
        if self.gram:
            self.q = self.c - self.G @ w
        else:
            self.R = self.y - self.X @ w

    def corr(self, j):
        if self.gram:
            return self.q[j]
        return self.X[:, j] @ self.R / self.n

    def move(self, j, delta):
        if self.gram:
            self.q -= delta * self.G[:, j]
        else:
            self.R -= delta * self.X[:, j]

    def running_r2(self, w):
        if self.gram:
            return self.yy - float(w @ self.c) - float(w @ self.q)
        return float(self.R @ self.R) / self.n


def _objective(w, a, b, r2):
    return 0.5 * r2 + a * float(np.sum(np.abs(w))) + 0.5 * b * float(w @ w)


def _gap(w, a, b, r2, ry, q):
    r"""Duality gap from the residual statistics (see :func:`enet_duality_gap`)."""
    if a > 0:  # formulation A: rescale the residual into the dual feasible set
        xta = q - b * w
        dual_norm = float(np.max(np.abs(xta))) if xta.size else 0.0
        s = min(1.0, a / dual_norm) if dual_norm > 0 else 1.0
        wl2 = float(w @ w)
        dual = -0.5 * s**2 * (r2 + b * wl2) + s * ry
        return _objective(w, a, b, r2) - dual
    if b > 0:  # formulation B (ridge): every residual is dual feasible
        return r2 + 0.5 * b * float(w @ w) - ry + float(q @ q) / (2 * b)
    return float(q @ q)  # least squares: no dual bound, the squared gradient norm


def _check_problem(X, y, alpha, l1_ratio):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(
            "X must have shape (n_samples, n_features) and y shape (n_samples,), got "
            f"X.shape={X.shape}, y.shape={y.shape}"
        )
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X or y contains NaN or infinity")
    alpha = check_positive("alpha", alpha, allow_zero=True)
    l1_ratio = check_interval("l1_ratio", l1_ratio, 0.0, 1.0, closed="both")
    return X, y, alpha * l1_ratio, alpha * (1.0 - l1_ratio)


def _check_coef(w, n_features):
    w = np.asarray(w, dtype=float)
    if w.shape != (n_features,):
        raise ValueError(f"w must have shape ({n_features},), got w.shape={w.shape}")
    return w


def enet_objective(w, X, y, alpha, l1_ratio=1.0):
    r"""The elastic-net objective :math:`P(w)` in scikit-learn's scaling.

    Parameters
    ----------
    w : array_like, shape (n_features,)
        Coefficients.
    X : array_like, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    alpha : float
        Regularization strength :math:`\alpha \ge 0`.
    l1_ratio : float, default=1.0
        Mixing :math:`\rho \in [0, 1]`; 1 is the Lasso, 0 ridge.

    Returns
    -------
    float
        :math:`\frac{1}{2n}\lVert y - Xw\rVert^2 + \alpha\rho\lVert w\rVert_1 +
        \frac{\alpha(1-\rho)}2\lVert w\rVert^2`.

    Raises
    ------
    ValueError
        Shapes that disagree, non-finite data, ``alpha < 0`` or ``l1_ratio`` outside [0, 1].

    Notes
    -----
    The :math:`\frac1{2n}` matches ``sklearn.linear_model.Lasso``;
    :func:`mlopt.losses.squared_error` uses :math:`\frac1n`, so
    ``enet_objective(w, X, y, 0.0)`` is half of it.

    References
    ----------
    .. [1] Zou and Hastie, "Regularization and variable selection via the elastic net",
       *J. R. Statist. Soc. B* 67(2), 2005.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> X, y = np.eye(2), np.array([1.0, -2.0])
    >>> enet_objective(np.zeros(2), X, y, alpha=0.5)       # |y|^2 / (2 n)
    1.25
    """
    X, y, a, b = _check_problem(X, y, alpha, l1_ratio)
    w = _check_coef(w, X.shape[1])
    R = y - X @ w
    return _objective(w, a, b, float(R @ R) / X.shape[0])


def enet_duality_gap(w, X, y, alpha, l1_ratio=1.0):
    r"""Duality gap of the elastic net at ``w``: a computable bound on :math:`P(w) - P(w^*)`.

    Parameters
    ----------
    w : array_like, shape (n_features,)
        Any coefficients (the bound holds everywhere).
    X : array_like, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    alpha : float
        :math:`\alpha \ge 0`.
    l1_ratio : float, default=1.0
        :math:`\rho \in [0, 1]`.

    Returns
    -------
    float
        :math:`G(w) = P(w) - D(\theta(w)) \ge P(w) - P(w^*) \ge 0`, in the units of
        :math:`P` (scikit-learn's ``dual_gap_``).

    Raises
    ------
    ValueError
        As :func:`enet_objective`.

    Notes
    -----
    With :math:`a = \alpha\rho`, :math:`b = \alpha(1-\rho)` and the residual
    :math:`R = y - Xw`, the Lasso's Fenchel dual is
    :math:`D(\theta) = \frac1n\bigl(\theta^\top y - \tfrac12\lVert\theta\rVert^2\bigr)` over
    :math:`\lVert X^\top\theta/n\rVert_\infty \le a`. At the optimum :math:`\theta^* = R^*`,
    so the residual, scaled into the feasible set, is a dual point (formulation A of
    scikit-learn's ``_cd_fast.pyx``; the L2 term enters through the augmented data
    :math:`[X; \sqrt{nb}\,I]`, :math:`[y; 0]`):

    .. math::

        s = \min\Bigl(1, \frac{a}{\lVert X^\top R/n - b w\rVert_\infty}\Bigr),\quad
        G = P(w) + \frac{s^2}{2}\Bigl(\frac{\lVert R\rVert^2}{n} + b\lVert w\rVert^2\Bigr)
            - s\frac{R^\top y}{n} .

    Weak duality :math:`D \le P(w^*)` makes :math:`G` an upper bound on the suboptimality,
    and strong duality drives it to 0: a stopping test that needs no knowledge of
    :math:`w^*`. For :math:`a = 0 < b` (ridge) the dual of formulation B is used, for
    :math:`a = b = 0` the squared gradient :math:`\lVert X^\top R\rVert^2/n`, as scikit-learn.

    References
    ----------
    .. [1] Fercoq, Gramfort, Salmon, "Mind the duality gap: safer rules for the Lasso",
       ICML 2015.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> X, y = np.eye(2), np.array([1.0, -2.0])
    >>> enet_duality_gap([0.0, -1.0], X, y, alpha=0.5)   # the Lasso solution, 2 S(y/2, 1/2)
    0.0
    >>> enet_duality_gap([0.0, 0.0], X, y, alpha=0.5) > 0
    True
    """
    X, y, a, b = _check_problem(X, y, alpha, l1_ratio)
    w = _check_coef(w, X.shape[1])
    return _gap(w, a, b, *_LeastSquares(X, y, gram=False).stats(w))


def alpha_grid(X, y, *, l1_ratio=1.0, n_alphas=100, eps=1e-3):
    r"""scikit-learn's grid of alphas for a regularization path, from :math:`\alpha_{\max}` down.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Centered if the model has an intercept.
    y : array_like, shape (n_samples,)
        Centered likewise.
    l1_ratio : float, default=1.0
        :math:`\rho \in (0, 1]`.
    n_alphas : int, default=100
        Number of values, >= 1.
    eps : float, default=1e-3
        :math:`\alpha_{\min}/\alpha_{\max}`, in (0, 1].

    Returns
    -------
    ndarray, shape (n_alphas,)
        Geometrically spaced, decreasing from :math:`\alpha_{\max}`.

    Raises
    ------
    ValueError
        ``l1_ratio`` not in (0, 1], ``n_alphas < 1``, ``eps`` not in (0, 1].

    Notes
    -----
    :math:`w = 0` is optimal iff :math:`0 \in -X^\top y/n + \alpha\rho[-1, 1]^p`, i.e.

    .. math:: \alpha \ge \alpha_{\max} = \frac{\lVert X^\top y\rVert_\infty}{n\rho},

    so the path starts at the smallest alpha whose solution is all zeros.

    References
    ----------
    .. [1] Friedman, Hastie, Tibshirani, "Regularization paths for generalized linear
       models via coordinate descent", *J. Stat. Softw.* 33(1), 2010, §2.5.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> alpha_grid(np.eye(2), np.array([1.0, -2.0]), n_alphas=3, eps=0.01)
    array([1.  , 0.1 , 0.01])
    """
    X, y, _, _ = _check_problem(X, y, 1.0, l1_ratio)
    if l1_ratio == 0:
        raise ValueError("l1_ratio must be > 0 for an automatic alpha grid, got l1_ratio=0")
    if not (isinstance(n_alphas, (int, np.integer)) and n_alphas >= 1):
        raise ValueError(f"n_alphas must be a positive integer, got {n_alphas=}")
    eps = check_interval("eps", eps, 0.0, 1.0, closed="right")
    alpha_max = float(np.max(np.abs(X.T @ y), initial=0.0)) / (X.shape[0] * l1_ratio)
    resolution = np.finfo(float).resolution
    if alpha_max <= resolution:
        return np.full(n_alphas, resolution)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def coordinate_descent(X, y, alpha, l1_ratio=1.0, *, coef_init=None, max_iter=1000, tol=1e-4,
                       precompute="auto"):
    r"""Cyclic coordinate descent for the elastic net, stopping on the duality gap.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Centered if the model has an intercept.
    y : array_like, shape (n_samples,)
    alpha : float
        :math:`\alpha \ge 0`.
    l1_ratio : float, default=1.0
        :math:`\rho \in [0, 1]`.
    coef_init : array_like, shape (n_features,), optional
        Starting point (warm start); zeros by default.
    max_iter : int, default=1000
        Maximum number of sweeps over all coordinates.
    tol : float, default=1e-4
        Stop when the duality gap is :math:`\le` ``tol`` :math:`\cdot\lVert y\rVert^2/n`, as
        scikit-learn.
    precompute : bool or "auto", default="auto"
        Use the Gram matrix :math:`X^\top X` (``True``), the residual (``False``), or the Gram
        matrix when ``n_samples > n_features`` (``"auto"``).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x`` coefficients, ``fun`` objective :math:`P`, ``gap`` duality gap, ``tol`` the gap
        tolerance ``tol * ||y||^2 / n``, ``nit`` sweeps, ``success``, ``message``, ``history``
        (objective after each sweep, ``nit + 1`` entries starting at ``coef_init``).

    Raises
    ------
    ValueError
        Bad shapes or data, ``alpha < 0``, ``l1_ratio`` outside [0, 1], bad ``max_iter``,
        ``tol < 0``, bad ``precompute``.

    Warns
    -----
    sklearn.exceptions.ConvergenceWarning
        If the gap is still above tolerance after ``max_iter`` sweeps.

    Notes
    -----
    Minimizing :math:`P` in :math:`w_j` alone, the others fixed: with
    :math:`d_j = \lVert X_j\rVert^2/n` and the partial residual correlation
    :math:`z_j = X_j^\top(R + X_j w_j)/n = q_j + d_j w_j`, the one-dimensional problem
    :math:`\frac{d_j}{2}w_j^2 - z_j w_j + a|w_j| + \frac b2 w_j^2` is solved by
    soft-thresholding:

    .. math::

        \begin{array}{l}
        \textbf{repeat for } k = 1, 2, \dots \\
        \quad \textbf{for } j = 1..p: \quad z_j \leftarrow q_j + d_j w_j,\quad
              w_j^{new} \leftarrow S_a(z_j)/(d_j + b) \\
        \quad\quad q \leftarrow q - (w_j^{new} - w_j)\, G_{:j} \text{ (Gram) or }
              R \leftarrow R - (w_j^{new} - w_j) X_j \\
        \quad \textbf{if } \max_j|\Delta w_j| \le \text{tol}\max_j|w_j|
              \textbf{ and } G(w) \le \text{tol}\,\lVert y\rVert^2/n: \textbf{ stop}
        \end{array}

    With the Gram matrix a coordinate costs :math:`O(p)` instead of :math:`O(n)` — the
    gain when :math:`n \gg p`, as scikit-learn's ``precompute``. The gap is only checked
    when the coefficients stop moving, as in scikit-learn (see :func:`enet_duality_gap`).
    No gap-safe screening here: a sweep skips a zero coordinate with :math:`|q_j| \le a` in
    :math:`O(1)` anyway.

    References
    ----------
    .. [1] Friedman, Hastie, Tibshirani, "Regularization paths for generalized linear
       models via coordinate descent", *J. Stat. Softw.* 33(1), 2010.
    .. [2] scikit-learn, ``sklearn/linear_model/_cd_fast.pyx``, ``enet_coordinate_descent``.
    .. [3] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> X, y = np.eye(2), np.array([1.0, -2.0])
    >>> res = coordinate_descent(X, y, alpha=0.5)
    >>> res.x, res.nit, res.success
    (array([ 0., -1.]), 2, True)
    """
    X, y, a, b = _check_problem(X, y, alpha, l1_ratio)
    n_samples, n_features = X.shape
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ValueError(f"max_iter must be a positive integer, got {max_iter=}")
    tol = check_positive("tol", tol, allow_zero=True)
    if precompute not in (True, False, "auto"):
        raise ValueError(f"precompute must be True, False or 'auto', got {precompute=}")
    gram = n_samples > n_features if precompute == "auto" else bool(precompute)
    w = np.zeros(n_features) if coef_init is None else _check_coef(coef_init, n_features).copy()

    ls = _LeastSquares(X, y, gram=gram)
    gap_tol = tol * ls.yy
    r2, ry, q = ls.stats(w)
    history = [_objective(w, a, b, r2)]
    gap = _gap(w, a, b, r2, ry, q)
    nit = 0
    if gap > gap_tol:
        ls.start(w)
        for nit in range(1, max_iter + 1):
            dw_max, w_max = _sweep(w, ls, a, b)
            history.append(_objective(w, a, b, ls.running_r2(w)))
            if w_max == 0.0 or dw_max <= tol * w_max or nit == max_iter:
                ls.start(w)  # fresh state: no drift from the running updates
                gap = _gap(w, a, b, *ls.stats(w))
                if gap <= gap_tol:
                    break
    success = gap <= gap_tol
    if success:
        message = f"Converged: duality gap {gap:.3e} <= tol {gap_tol:.3e} after {nit} sweeps."
    else:
        message = (
            f"Did not converge in max_iter={max_iter} sweeps: duality gap {gap:.3e} > "
            f"tol {gap_tol:.3e} (= tol * ||y||^2 / n). Increase max_iter, or alpha, or scale "
            "the features."
        )
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return OptimizeResult(x=w, fun=history[-1], gap=gap, tol=gap_tol, nit=nit,
                          success=success, message=message, history=np.array(history))


def _sweep(w, ls, a, b):
    """One cyclic pass of exact coordinate minimization, ``w`` updated in place."""
    d = ls.col_norms2
    dw_max = w_max = 0.0
    for j in range(w.shape[0]):
        if d[j] == 0.0:
            continue
        w_j = w[j]
        z = ls.corr(j) + d[j] * w_j
        new = (z - a if z > a else z + a if z < -a else 0.0) / (d[j] + b)  # S_a(z) / (d + b)
        if new != w_j:
            ls.move(j, new - w_j)
            w[j] = new
            dw_max = max(dw_max, abs(new - w_j))
        w_max = max(w_max, abs(new))
    return dw_max, w_max
