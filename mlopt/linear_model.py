r"""Linear models as scikit-learn-compatible estimators, solved from the math.

Names, parameters and objective scaling follow scikit-learn so results compare directly.
Derived in ``notebooks/02_linear_regression_closed_form.ipynb`` and
``notebooks/03_gradient_descent.ipynb``.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
import scipy.optimize
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_X_y
from sklearn.utils.validation import check_is_fitted, validate_data

from mlopt._validation import check_classification_data, check_interval, check_positive
from mlopt.coordinate_descent import (
    _check_coef,
    _gap,
    _LeastSquares,
    alpha_grid,
    coordinate_descent,
)
from mlopt.losses import (
    _binary_cross_entropy_logits,
    _class_probabilities,
    _predicted_index,
    _softmax_cross_entropy_logits,
    _softmax_hessian,
    _weighted_gram,
    l2_penalty,
    sigmoid,
    soft_threshold,
    squared_error,
)
from mlopt.newton import newton
from mlopt.optimizers import gd
from mlopt.proximal import proximal_gradient
from mlopt.training import minimize

__all__ = ["LinearRegression", "solve_normal_equation", "solve_lstsq"]


def _check_choice(name, value, options):
    if not any(value is o or (isinstance(value, str) and value == o) for o in options):
        raise ValueError(f"{name} must be one of {options}, got {name}={value!r}")


def _check_max_iter(max_iter):
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ValueError(f"max_iter must be a positive integer, got max_iter={max_iter!r}")


def _center(X, y, fit_intercept):
    """Center ``X`` and ``y`` when fitting an intercept: the unpenalized intercept is then
    :math:`\\bar y - \\bar x^\\top w`, whatever the penalty on :math:`w`."""
    if fit_intercept:
        x_mean, y_mean = X.mean(axis=0), float(y.mean())
    else:
        x_mean, y_mean = np.zeros(X.shape[1]), 0.0
    return X - x_mean, y - y_mean, x_mean, y_mean


class _LinearPredictMixin:
    def predict(self, X):
        """Predict :math:`Xw + b`.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_


def solve_normal_equation(X, y):
    r"""Least-squares coefficients from the normal equation :math:`X^\top X w = X^\top y`.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray, shape (n_samples,)

    Returns
    -------
    w : ndarray, shape (n_features,)

    Raises
    ------
    ValueError
        If the Cholesky factorization of :math:`X^\top X` breaks down: :math:`X^\top X` is
        singular (collinear features, or fewer samples than features) and rounding made a pivot
        zero or negative. Rounding can also leave a tiny positive pivot: then an exactly
        singular :math:`X^\top X` passes, and one of the infinitely many minimizers is
        returned without a warning (lesson 02, section 5). Check ``np.linalg.matrix_rank(X)``
        or use :func:`solve_lstsq` when the rank is in doubt.

    Notes
    -----
    Setting the gradient of :math:`\lVert Xw - y\rVert^2` to zero,
    :math:`2X^\top(Xw - y) = 0`, gives :math:`X^\top X\, w = X^\top y`. :math:`X^\top X` is
    symmetric positive definite when :math:`X` has full column rank, so we solve with a
    Cholesky factorization :math:`X^\top X = R^\top R` (never an explicit inverse). Its cost is
    :math:`O(np^2 + p^3)`, but forming :math:`X^\top X` squares the condition number: with
    :math:`\kappa(X) = 10^8` the answer has no correct digits. :func:`solve_lstsq` avoids that.

    References
    ----------
    .. [1] Golub and Van Loan, *Matrix Computations*, 4th ed., §5.3.
    .. [2] ``notebooks/02_linear_regression_closed_form.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> solve_normal_equation(X, np.array([1.0, 3.0, 5.0]))
    array([1., 2.])
    """
    gram = X.T @ X
    try:
        factor = scipy.linalg.cho_factor(gram)
    except np.linalg.LinAlgError as err:
        rank = np.linalg.matrix_rank(X)
        raise ValueError(
            f"X^T X is singular: X has shape {X.shape} but rank {rank} < {X.shape[1]} "
            f"(collinear features, or n_samples={X.shape[0]} too few for "
            f"n_features={X.shape[1]}). Use solver='lstsq'."
        ) from err
    return scipy.linalg.cho_solve(factor, X.T @ y)


def solve_lstsq(X, y, rcond=None):
    r"""Minimum-norm least-squares coefficients through the SVD, :math:`w = V\Sigma^+U^\top y`.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray, shape (n_samples,)
    rcond : float, optional
        Singular values below ``rcond * max(singular values)`` count as zero. Default
        ``max(n_samples, n_features) * machine epsilon``, as in ``numpy.linalg.lstsq``.

    Returns
    -------
    w : ndarray, shape (n_features,)

    Notes
    -----
    With the thin SVD :math:`X = U\Sigma V^\top`, :math:`\lVert Xw - y\rVert^2 =
    \lVert \Sigma V^\top w - U^\top y\rVert^2 + \text{const}`, minimized by
    :math:`V^\top w = \Sigma^{-1}U^\top y` in the directions with :math:`\sigma_i > 0`; setting
    the others to 0 gives the solution of smallest norm. It works with rank-deficient
    :math:`X` and its error grows with :math:`\kappa(X)`, not :math:`\kappa(X)^2`.

    References
    ----------
    .. [1] Golub and Van Loan, *Matrix Computations*, 4th ed., §5.5.
    .. [2] ``notebooks/02_linear_regression_closed_form.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 1.0], [2.0, 2.0]])        # rank 1: infinitely many solutions
    >>> solve_lstsq(X, np.array([2.0, 4.0]))          # the one with the smallest norm
    array([1., 1.])
    """
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    if rcond is None:
        rcond = max(X.shape) * np.finfo(float).eps
    keep = s > rcond * (s[0] if s.size else 0.0)
    return Vt[keep].T @ ((U[:, keep].T @ y) / s[keep])


class LinearRegression(_LinearPredictMixin, RegressorMixin, BaseEstimator):
    r"""Ordinary least squares, by the normal equation, the SVD, or gradient descent.

    Minimizes :math:`\frac1n\lVert y - Xw - b\rVert^2` (the same minimizer as scikit-learn's
    ``LinearRegression``, which omits the :math:`1/n`).

    Parameters
    ----------
    solver : {"normal", "lstsq", "gd"}, default="lstsq"
        ``"normal"``: Cholesky on :math:`X^\top X` (:func:`solve_normal_equation`);
        ``"lstsq"``: SVD (:func:`solve_lstsq`); ``"gd"``: gradient descent
        (:func:`mlopt.optimizers.gd` in :func:`mlopt.training.minimize`).
    fit_intercept : bool, default=True
        Fit :math:`b`, by centering ``X`` and ``y`` (the intercept is then
        :math:`\bar y - \bar x^\top w`).
    lr : float or "auto", default="auto"
        Step size for ``solver="gd"``. ``"auto"`` uses :math:`1/L` with
        :math:`L = \frac2n\sigma_{\max}(X_c)^2` the gradient's Lipschitz constant.
    max_iter : int, default=10_000
        Iteration limit for ``solver="gd"``.
    tol : float, default=1e-8
        Gradient-norm tolerance for ``solver="gd"``.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
    intercept_ : float
    n_features_in_ : int
    n_iter_ : int
        Gradient steps taken for ``solver="gd"``; 1 (one solve) for the direct solvers.
    loss_history_ : ndarray, shape (n_iter_ + 1,)
        Training MSE at each iterate for ``solver="gd"``; one entry for the direct solvers.

    Notes
    -----
    With :math:`\frac1n\lVert y - Xw - b\rVert^2`, the derivative in :math:`b` vanishes at
    :math:`b = \bar y - \bar x^\top w`; substituting leaves least squares on the centered
    data :math:`X_c = X - \mathbf 1\bar x^\top`, :math:`y_c = y - \bar y`.

    References
    ----------
    .. [1] Hastie, Tibshirani, Friedman, *The Elements of Statistical Learning*, 2nd ed., §3.2.
    .. [2] ``notebooks/02_linear_regression_closed_form.ipynb``,
       ``notebooks/03_gradient_descent.ipynb``.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> model = LinearRegression(solver="normal").fit(X, [1.0, 3.0, 5.0])
    >>> model.coef_, round(model.intercept_, 6)
    (array([2.]), 1.0)
    >>> model.predict([[3.0]])
    array([7.])
    """

    _solvers = ("normal", "lstsq", "gd")

    def __init__(self, solver="lstsq", *, fit_intercept=True, lr="auto", max_iter=10_000,
                 tol=1e-8):
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.lr = lr
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        """Fit the model.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Unknown solver, bad ``lr``, mismatched shapes, NaN or infinity in the data.
        """
        _check_choice("solver", self.solver, self._solvers)
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        n_samples = X.shape[0]
        Xc, yc, x_mean, y_mean = _center(X, y, self.fit_intercept)

        if self.solver == "normal":
            coef = solve_normal_equation(Xc, yc)
            self.n_iter_ = 1
            self.loss_history_ = np.array([squared_error(coef, Xc, yc)[0]])
        elif self.solver == "lstsq":
            coef = solve_lstsq(Xc, yc)
            self.n_iter_ = 1
            self.loss_history_ = np.array([squared_error(coef, Xc, yc)[0]])
        else:
            if isinstance(self.lr, str):
                if self.lr != "auto":
                    raise ValueError(f"lr must be a positive number or 'auto', got lr={self.lr!r}")
                lipschitz = 2.0 / n_samples * np.linalg.norm(Xc, 2) ** 2
                lr = 1.0 / lipschitz if lipschitz > 0 else 1.0
            else:
                lr = self.lr
            result = minimize(
                lambda w: squared_error(w, Xc, yc),
                np.zeros(X.shape[1]),
                gd(lr=lr),
                max_iter=self.max_iter,
                tol=self.tol,
            )
            coef = result.x
            self.n_iter_ = result.nit
            self.loss_history_ = result.history.loss
        self.coef_ = coef
        self.intercept_ = float(y_mean - x_mean @ coef)
        return self



# ---------------------------------------------------------------------------------------------
# Regularized regression (chapter 08): Ridge, Lasso, ElasticNet, regularization_path
# ---------------------------------------------------------------------------------------------

__all__ += [
    "Ridge",
    "Lasso",
    "ElasticNet",
    "LogisticRegression",
    "regularization_path",
    "solve_ridge_cholesky",
    "solve_ridge_svd",
]




def solve_ridge_cholesky(X, y, alpha):
    r"""Ridge coefficients by Cholesky: :math:`(X^\top X + \alpha I)w = X^\top y`.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Centered if the model has an intercept.
    y : ndarray, shape (n_samples,)
    alpha : float
        :math:`\alpha \ge 0`, in units of squared ``y`` per squared coefficient.

    Returns
    -------
    w : ndarray, shape (n_features,)

    Raises
    ------
    ValueError
        If the system is singular (``alpha=0`` with collinear features).

    Notes
    -----
    The gradient of :math:`\lVert y - Xw\rVert^2 + \alpha\lVert w\rVert^2` is
    :math:`-2X^\top(y - Xw) + 2\alpha w`; it vanishes at
    :math:`(X^\top X + \alpha I)w = X^\top y`. For :math:`\alpha > 0` the matrix is positive
    definite whatever the rank of :math:`X`, with condition number
    :math:`(\sigma_1^2 + \alpha)/(\sigma_p^2 + \alpha)`. When :math:`n < p` the push-through
    identity :math:`(X^\top X + \alpha I)^{-1}X^\top = X^\top(XX^\top + \alpha I)^{-1}` solves
    an :math:`n\times n` system instead (the kernel form).

    References
    ----------
    .. [1] Hastie, Tibshirani, Friedman, *The Elements of Statistical Learning*, 2nd ed.,
       §3.4.1.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> solve_ridge_cholesky(X, np.array([2.0, 4.0, 0.0]), alpha=1.0)   # y_j / (1 + alpha)
    array([1., 2.])
    """
    n_samples, n_features = X.shape
    try:
        if n_samples >= n_features:
            A = X.T @ X + alpha * np.eye(n_features)
            return scipy.linalg.cho_solve(scipy.linalg.cho_factor(A), X.T @ y)
        K = X @ X.T + alpha * np.eye(n_samples)
        return X.T @ scipy.linalg.cho_solve(scipy.linalg.cho_factor(K), y)
    except np.linalg.LinAlgError as err:
        raise ValueError(
            f"X^T X + alpha I is singular for X of shape {X.shape} and alpha={alpha}: use "
            "alpha > 0 or solver='svd'."
        ) from err


def solve_ridge_svd(X, y, alpha):
    r"""Ridge coefficients through the SVD, shrinking by :math:`\sigma^2/(\sigma^2+\alpha)`.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Centered if the model has an intercept.
    y : ndarray, shape (n_samples,)
    alpha : float
        :math:`\alpha \ge 0`.

    Returns
    -------
    w : ndarray, shape (n_features,)

    Notes
    -----
    With :math:`X = U\Sigma V^\top`,

    .. math::

        w = V \,\mathrm{diag}\Bigl(\frac{\sigma_i}{\sigma_i^2 + \alpha}\Bigr) U^\top y,
        \qquad X w = \sum_i u_i \frac{\sigma_i^2}{\sigma_i^2 + \alpha} u_i^\top y .

    Least squares (:math:`\alpha = 0`) keeps every direction of :math:`y`'s projection;
    ridge shrinks the direction :math:`u_i` by :math:`\sigma_i^2/(\sigma_i^2 + \alpha)`, most
    where the data vary least. Directions with :math:`\sigma_i \approx 0` are dropped, so
    :math:`\alpha = 0` gives the minimum-norm least-squares solution.

    References
    ----------
    .. [1] Hastie, Tibshirani, Friedman, *The Elements of Statistical Learning*, 2nd ed.,
       §3.4.1, eq. (3.47).
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> solve_ridge_svd(X, np.array([2.0, 4.0, 0.0]), alpha=1.0)
    array([1., 2.])
    """
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > max(X.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0)
    d = s[keep] / (s[keep] ** 2 + alpha)
    return Vt[keep].T @ (d * (U[:, keep].T @ y))


class Ridge(_LinearPredictMixin, RegressorMixin, BaseEstimator):
    r"""Ridge regression: least squares with an L2 penalty, by Cholesky, the SVD, or GD.

    Minimizes, as ``sklearn.linear_model.Ridge``,

    .. math:: \lVert y - Xw - b\rVert_2^2 + \alpha\lVert w\rVert_2^2 .

    (No :math:`1/n`: a larger data set needs a larger :math:`\alpha` for the same
    shrinkage, unlike ``Lasso``. ``loss_history_`` of ``solver="gd"`` is this divided by
    :math:`n`.)

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty :math:`\alpha \ge 0`, in squared units of ``y`` per squared coefficient.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept :math:`b` by centering ``X`` and ``y``.
    solver : {"cholesky", "svd", "gd"}, default="cholesky"
        :func:`solve_ridge_cholesky`, :func:`solve_ridge_svd`, or gradient descent
        (:func:`mlopt.optimizers.gd` with step :math:`1/L`,
        :math:`L = 2(\sigma_{\max}^2 + \alpha)/n`).
    max_iter : int, default=10_000
        Iteration limit of ``solver="gd"``.
    tol : float, default=1e-8
        Gradient-norm tolerance of ``solver="gd"`` (on the objective divided by :math:`n`).

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
    intercept_ : float
    n_features_in_ : int
    n_iter_ : int
        Gradient steps of ``solver="gd"``; 1 (one solve) otherwise.
    loss_history_ : ndarray, shape (n_iter_ + 1,)
        Objective / n at each iterate (one entry for the direct solvers).

    Notes
    -----
    The intercept is not penalized: at any :math:`w` the best :math:`b` is
    :math:`\bar y - \bar x^\top w`, which leaves ridge on the centered data. Penalizing
    :math:`b` would pull predictions towards 0 and make the model depend on where the origin
    of :math:`y` is.

    References
    ----------
    .. [1] Hoerl and Kennard, "Ridge regression: biased estimation for nonorthogonal
       problems", *Technometrics* 12(1), 1970.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> model = Ridge(alpha=2.0).fit(X, [1.0, 3.0, 5.0])
    >>> model.coef_, model.intercept_           # 2 * 2 / (2 + 2): shrunk by half
    (array([1.]), 2.0)
    """

    _solvers = ("cholesky", "svd", "gd")

    def __init__(self, alpha=1.0, *, fit_intercept=True, solver="cholesky", max_iter=10_000,
                 tol=1e-8):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        """Fit the model.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Unknown solver, ``alpha < 0``, bad ``max_iter``/``tol``, mismatched shapes, NaN.
        """
        _check_choice("solver", self.solver, self._solvers)
        alpha = check_positive("alpha", self.alpha, allow_zero=True)
        _check_max_iter(self.max_iter)
        check_positive("tol", self.tol, allow_zero=True)
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        Xc, yc, x_mean, y_mean = _center(X, y, self.fit_intercept)
        n_samples = X.shape[0]

        def objective(w):  # (||y - Xw||^2 + alpha ||w||^2) / n
            value, grad = squared_error(w, Xc, yc)
            pen, pen_grad = l2_penalty(w)
            return value + 2 * alpha / n_samples * pen, grad + 2 * alpha / n_samples * pen_grad

        if self.solver == "gd":
            lipschitz = 2 * (np.linalg.norm(Xc, 2) ** 2 + alpha) / n_samples
            result = minimize(objective, np.zeros(X.shape[1]),
                              gd(lr=1 / lipschitz if lipschitz > 0 else 1.0),
                              max_iter=self.max_iter, tol=self.tol)
            coef, self.n_iter_, self.loss_history_ = result.x, result.nit, result.history.loss
        else:
            solve = solve_ridge_cholesky if self.solver == "cholesky" else solve_ridge_svd
            coef = solve(Xc, yc, alpha)
            self.n_iter_, self.loss_history_ = 1, np.array([objective(coef)[0]])
        self.coef_ = coef
        self.intercept_ = float(y_mean - x_mean @ coef)
        return self


def _solve_enet(X, y, alpha, l1_ratio, *, solver, coef_init, max_iter, tol, precompute):
    """The elastic net on (centered) X, y by coordinate descent, ISTA or FISTA, all stopping on
    the duality gap <= tol * ||y||^2 / n. Returns an OptimizeResult with x, gap, nit, history."""
    _check_choice("solver", solver, ("cd", "ista", "fista"))
    alpha = check_positive("alpha", alpha, allow_zero=True)
    l1_ratio = check_interval("l1_ratio", l1_ratio, 0.0, 1.0, closed="both")
    _check_choice("precompute", precompute, (True, False, "auto"))
    if solver == "cd":
        return coordinate_descent(X, y, alpha, l1_ratio, coef_init=coef_init, max_iter=max_iter,
                                  tol=tol, precompute=precompute)
    _check_max_iter(max_iter)
    tol = check_positive("tol", tol, allow_zero=True)
    n_samples, n_features = X.shape
    a, b = alpha * l1_ratio, alpha * (1 - l1_ratio)
    ls = _LeastSquares(X, y, gram=n_samples > n_features if precompute == "auto" else precompute)
    lipschitz = (np.linalg.eigvalsh(ls.G)[-1] if ls.gram else
                 np.linalg.norm(X, 2) ** 2 / n_samples) + b

    def smooth(w):  # ||y - Xw||^2 / (2n) + b/2 ||w||^2 and its gradient -X^T R / n + b w
        r2, _, q = ls.stats(w)
        return 0.5 * r2 + 0.5 * b * float(w @ w), -q + b * w

    result = proximal_gradient(
        smooth,
        lambda z, t: soft_threshold(z, t * a),
        np.zeros(n_features) if coef_init is None else _check_coef(coef_init, n_features),
        1 / lipschitz if lipschitz > 0 else 1.0,
        accelerated=solver == "fista",
        penalty=lambda w: a * float(np.sum(np.abs(w))),
        max_iter=max_iter,
        tol=tol * ls.yy,
        criterion=lambda w: _gap(w, a, b, *ls.stats(w)),
    )
    result.gap = result.criterion
    return result


class ElasticNet(_LinearPredictMixin, RegressorMixin, BaseEstimator):
    r"""Elastic net: least squares with L1 and L2 penalties, by coordinate descent, ISTA or FISTA.

    Minimizes scikit-learn's ``ElasticNet`` objective

    .. math::

        \frac{1}{2n}\lVert y - Xw - b\rVert_2^2 + \alpha\rho\lVert w\rVert_1
        + \frac{\alpha(1-\rho)}{2}\lVert w\rVert_2^2, \qquad \rho = \texttt{l1\_ratio}.

    (Same scaling as scikit-learn; :math:`\frac1{2n}` where :func:`mlopt.losses.squared_error`
    has :math:`\frac1n`.)

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength :math:`\alpha \ge 0`, in units of ``y`` squared per coefficient.
    l1_ratio : float, default=0.5
        Mixing :math:`\rho \in [0, 1]`: 1 is the Lasso, 0 ridge (with :math:`\alpha/2` per
        sample instead of ``Ridge``'s :math:`\alpha` in total).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept by centering ``X`` and ``y``.
    solver : {"cd", "ista", "fista"}, default="cd"
        :func:`mlopt.coordinate_descent.coordinate_descent`, or
        :func:`mlopt.proximal.proximal_gradient` with step :math:`1/L`,
        :math:`L = \sigma_{\max}(X)^2/n + \alpha(1-\rho)`, plain or accelerated.
    max_iter : int, default=1000
        Sweeps over the coordinates (cd) or proximal steps (ista, fista).
    tol : float, default=1e-4
        Every solver stops when the duality gap is :math:`\le` ``tol`` :math:`\cdot
        \lVert y_c\rVert^2/n` (scikit-learn's rule; :math:`y_c` the centered target).
    warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.
    precompute : bool or "auto", default="auto"
        Work with the Gram matrix :math:`X^\top X` (``"auto"``: when
        ``n_samples > n_features``). scikit-learn's default is ``False``.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
    intercept_ : float
    n_features_in_ : int
    n_iter_ : int
        Sweeps or proximal steps taken.
    dual_gap_ : float
        Duality gap at the solution, in the units of the objective.
    loss_history_ : ndarray, shape (n_iter_ + 1,)
        The objective above (without the intercept, on centered data) at each iterate.

    Notes
    -----
    The L1 term makes coefficients exactly zero, the L2 term keeps groups of correlated
    features together and makes the problem strongly convex. The three solvers reach the
    same minimizer; coordinate descent is the fastest here (:math:`O(p)` per coordinate with
    the Gram matrix), FISTA converges as :math:`O(1/k^2)` and ISTA as :math:`O(1/k)`.

    References
    ----------
    .. [1] Zou and Hastie, "Regularization and variable selection via the elastic net",
       *J. R. Statist. Soc. B* 67(2), 2005.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    >>> model = ElasticNet(alpha=0.5, l1_ratio=0.5).fit(X, [2.0, 0.1, -2.0, -0.1])
    >>> model.coef_          # S(x_j^T y / n, alpha rho) / (|x_j|^2 / n + alpha (1 - rho))
    array([1., 0.])
    """

    _solvers = ("cd", "ista", "fista")

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, solver="cd",
                 max_iter=1000, tol=1e-4, warm_start=False, precompute="auto"):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.precompute = precompute

    def _l1_ratio(self):
        return self.l1_ratio

    def fit(self, X, y):
        """Fit the model.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Unknown solver, ``alpha < 0``, ``l1_ratio`` outside [0, 1], bad ``max_iter`` or
            ``tol``, mismatched shapes, NaN or infinity.

        Warns
        -----
        sklearn.exceptions.ConvergenceWarning
            If the duality gap is above tolerance after ``max_iter`` iterations.
        """
        _check_choice("solver", self.solver, self._solvers)
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        Xc, yc, x_mean, y_mean = _center(X, y, self.fit_intercept)
        warm = self.warm_start and getattr(self, "coef_", None) is not None
        result = _solve_enet(
            Xc, yc, self.alpha, self._l1_ratio(), solver=self.solver,
            coef_init=self.coef_ if warm else None, max_iter=self.max_iter, tol=self.tol,
            precompute=self.precompute,
        )
        self.coef_ = result.x
        self.intercept_ = float(y_mean - x_mean @ result.x)
        self.n_iter_ = max(result.nit, 1)  # 0 only when the start is already optimal
        self.dual_gap_ = float(result.gap)
        self.loss_history_ = result.history
        return self


class Lasso(ElasticNet):
    r"""The Lasso: least squares with an L1 penalty, by coordinate descent, ISTA or FISTA.

    Minimizes scikit-learn's ``Lasso`` objective

    .. math:: \frac{1}{2n}\lVert y - Xw - b\rVert_2^2 + \alpha\lVert w\rVert_1 ,

    which is :class:`ElasticNet` with ``l1_ratio=1``. (:math:`\frac1{2n}`, as scikit-learn;
    :func:`mlopt.losses.squared_error` has :math:`\frac1n`.)

    Parameters
    ----------
    alpha : float, default=1.0
        :math:`\alpha \ge 0`. From :math:`\alpha_{\max} = \lVert X_c^\top y_c\rVert_\infty/n`
        on, every coefficient is 0.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept by centering ``X`` and ``y``.
    solver : {"cd", "ista", "fista"}, default="cd"
        As :class:`ElasticNet`.
    max_iter : int, default=1000
        Sweeps (cd) or proximal steps (ista, fista).
    tol : float, default=1e-4
        Stop when the duality gap is :math:`\le` ``tol`` :math:`\cdot\lVert y_c\rVert^2/n`
        (scikit-learn's rule).
    warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.
    precompute : bool or "auto", default="auto"
        Use the Gram matrix (``"auto"``: when ``n_samples > n_features``).

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
    intercept_ : float
    n_features_in_ : int
    n_iter_ : int
    dual_gap_ : float
    loss_history_ : ndarray, shape (n_iter_ + 1,)

    Notes
    -----
    Optimality (subgradient) conditions: :math:`X_j^\top(y - Xw)/n = \alpha\,
    \operatorname{sign}(w_j)` where :math:`w_j \ne 0` and :math:`|X_j^\top(y - Xw)/n| \le
    \alpha` where :math:`w_j = 0`. Each coordinate update of coordinate descent is a
    :func:`mlopt.losses.soft_threshold`; so is each ISTA step, applied to a gradient step.

    References
    ----------
    .. [1] Tibshirani, "Regression shrinkage and selection via the lasso", *J. R. Statist.
       Soc. B* 58(1), 1996.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    >>> model = Lasso(alpha=0.2).fit(X, [2.0, 0.1, -2.0, -0.1])
    >>> model.coef_           # soft_threshold(X^T y / n, alpha) / (|x_j|^2 / n)
    array([1.6, 0. ])
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, solver="cd", max_iter=1000, tol=1e-4,
                 warm_start=False, precompute="auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.precompute = precompute

    def _l1_ratio(self):
        return 1.0


def regularization_path(X, y, *, l1_ratio=1.0, alphas=None, n_alphas=100, eps=1e-3,
                        solver="cd", max_iter=1000, tol=1e-4, precompute="auto",
                        coef_init=None, return_n_iter=False):
    r"""Elastic-net (Lasso for ``l1_ratio=1``) solutions along a grid of alphas, warm-started.

    Same objective, grid and outputs as ``sklearn.linear_model.enet_path`` /
    ``lasso_path``: no intercept is fitted (center ``X`` and ``y`` first).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    l1_ratio : float, default=1.0
        :math:`\rho \in (0, 1]` (``(0, 1]`` only when ``alphas`` is None).
    alphas : array_like, shape (n_alphas,), optional
        Values of :math:`\alpha`; sorted in decreasing order. Default: :func:`alpha_grid`.
    n_alphas : int, default=100
        Length of the automatic grid.
    eps : float, default=1e-3
        :math:`\alpha_{\min}/\alpha_{\max}` of the automatic grid.
    solver : {"cd", "ista", "fista"}, default="cd"
    max_iter : int, default=1000
        Per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance per alpha, relative to :math:`\lVert y\rVert^2/n`.
    precompute : bool or "auto", default="auto"
    coef_init : array_like, shape (n_features,), optional
        Start of the first alpha.
    return_n_iter : bool, default=False
        Also return the iterations per alpha.

    Returns
    -------
    alphas : ndarray, shape (n_alphas,)
        Decreasing.
    coefs : ndarray, shape (n_features, n_alphas)
    dual_gaps : ndarray, shape (n_alphas,)
    n_iters : list of int
        Only with ``return_n_iter=True``.

    Raises
    ------
    ValueError
        Bad shapes or data, bad hyper-parameters (as :class:`ElasticNet`).

    Warns
    -----
    sklearn.exceptions.ConvergenceWarning
        For each alpha that does not converge.

    Notes
    -----
    The solution :math:`w(\alpha)` is piecewise smooth (piecewise linear for the Lasso) in
    :math:`\alpha`, so the solution at the previous, larger :math:`\alpha` is an excellent
    start for the next: on a geometric grid from :math:`\alpha_{\max}` (where
    :math:`w = 0`) down, each problem needs only a few sweeps, and a whole path often costs
    little more than the single fit at the smallest alpha.

    References
    ----------
    .. [1] Friedman, Hastie, Tibshirani, "Regularization paths for generalized linear
       models via coordinate descent", *J. Stat. Softw.* 33(1), 2010.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    >>> alphas, coefs, gaps = regularization_path(X, [2.0, 0.1, -2.0, -0.1], n_alphas=3)
    >>> alphas
    array([1.   , 0.0316, 0.001 ])
    >>> coefs.round(4)        # (x_j^T y / n - alpha)_+ / (|x_j|^2 / n)
    array([[0.    , 1.9368, 1.998 ],
           [0.    , 0.0368, 0.098 ]])
    """
    X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True)
    if alphas is None:
        alphas = alpha_grid(X, y, l1_ratio=l1_ratio, n_alphas=n_alphas, eps=eps)
    else:
        alphas = np.sort(np.asarray(alphas, dtype=float).ravel())[::-1]
    coefs = np.empty((X.shape[1], alphas.size))
    dual_gaps = np.empty(alphas.size)
    n_iters = []
    coef = None if coef_init is None else np.array(coef_init, dtype=float)
    for i, alpha in enumerate(alphas):
        result = _solve_enet(X, y, alpha, l1_ratio, solver=solver, coef_init=coef,
                             max_iter=max_iter, tol=tol, precompute=precompute)
        coef = result.x
        coefs[:, i], dual_gaps[i] = coef, result.gap
        n_iters.append(result.nit)
    if return_n_iter:
        return alphas, coefs, dual_gaps, n_iters
    return alphas, coefs, dual_gaps


# ---------------------------------------------------------------------------------------------
# Logistic regression (chapter 09)
# ---------------------------------------------------------------------------------------------


class _PenalizedCrossEntropy:
    r"""LogisticRegression's objective over :math:`\theta` = ``[[W], [b]].ravel()``.

    ``W`` has shape (n_features, m), ``b`` shape (m,), with :math:`m = 1` (binary, sigmoid)
    or :math:`m = K` (multinomial, softmax). Value :math:`\frac1n\sum_i \ell_i +
    \frac{\lambda}2\lVert W\rVert_F^2`, its gradient, and its Hessian; the intercept row is
    handled apart so that ``X`` is never copied to append a column of ones.
    """

    def __init__(self, X, y_index, n_classes, l2, fit_intercept):
        self.X, self.l2, self.fit_intercept = X, l2, fit_intercept
        self.multinomial = n_classes > 2
        m = n_classes if self.multinomial else 1
        self.shape = (X.shape[1] + int(fit_intercept), m)
        self.Y = np.eye(n_classes)[y_index] if self.multinomial else y_index.astype(float)

    def unpack(self, theta):
        T = theta.reshape(self.shape)
        n_features = self.X.shape[1]
        return T[:n_features], (T[n_features] if self.fit_intercept else np.zeros(self.shape[1]))

    def __call__(self, theta):
        W, b = self.unpack(theta)
        Z = self.X @ W + b
        if self.multinomial:
            value, dZ, _ = _softmax_cross_entropy_logits(Z, self.Y)
        else:
            value, dz = _binary_cross_entropy_logits(Z[:, 0], self.Y)
            dZ = dz[:, None]
        grad = self.X.T @ dZ + self.l2 * W
        if self.fit_intercept:
            grad = np.vstack([grad, dZ.sum(axis=0)])
        return value + 0.5 * self.l2 * float(np.sum(W * W)), grad.ravel()

    def hessian(self, theta):
        W, b = self.unpack(theta)
        Z = self.X @ W + b
        if self.multinomial:
            H = _softmax_hessian(self.X, _softmax_cross_entropy_logits(Z, self.Y)[2],
                                 self.fit_intercept)
        else:
            p = sigmoid(Z[:, 0])
            H = _weighted_gram(self.X, p * (1 - p) / Z.shape[0], self.fit_intercept)
        n_penalized = W.size  # the first rows of theta; the intercept row comes last
        H[np.arange(n_penalized), np.arange(n_penalized)] += self.l2
        return H

    def lipschitz(self):
        """:math:`\\frac14\\lVert\\tilde X\\rVert_2^2/n + \\lambda` (binary) or
        :math:`\\frac12\\lVert\\tilde X\\rVert_2^2/n + \\lambda` (softmax, Böhning's bound)."""
        X = self.X
        if self.fit_intercept:
            X = np.column_stack([X, np.ones(X.shape[0])])
        return (0.5 if self.multinomial else 0.25) * np.linalg.norm(X, 2) ** 2 / X.shape[0] \
            + self.l2

    def unpenalized_rows(self):
        """Rows of ``theta.reshape(shape)`` along which softmax is invariant to a shift."""
        if not self.multinomial:
            return np.array([], dtype=int)
        if self.l2 == 0:
            return np.arange(self.shape[0])
        return np.array([self.shape[0] - 1]) if self.fit_intercept else np.array([], dtype=int)


def _fit_lbfgs(objective, theta0, max_iter, tol):
    history = [objective(theta0)[0]]

    def record(intermediate_result):
        history.append(float(intermediate_result.fun))

    result = scipy.optimize.minimize(
        objective, theta0, method="L-BFGS-B", jac=True, callback=record,
        options={"maxiter": max_iter, "maxls": 50, "gtol": tol,
                 "ftol": 64 * np.finfo(float).eps},
    )
    if not result.success:
        warnings.warn(
            f"lbfgs did not converge in {result.nit} iterations (max_iter={max_iter}): "
            f"max|grad| {np.max(np.abs(result.jac)):.3e} > tol {tol:.3e} ({result.message}). "
            "Increase max_iter, or scale the features.",
            ConvergenceWarning, stacklevel=3,
        )
    return result.x, result.nit, np.array(history)


def _fit_newton(objective, theta0, max_iter, tol):
    # Softmax is invariant to adding a constant to one row of W over all classes, which
    # makes the Hessian singular along those rows: fix their last-class entry at 0
    # (scikit-learn's newton-cholesky does the same), then center in fit.
    free = np.ones(objective.shape, dtype=bool)
    free[objective.unpenalized_rows(), -1] = False
    free = free.ravel()

    def embed(t):
        theta = np.zeros(free.size)
        theta[free] = t
        return theta

    def fun(t):
        value, grad = objective(embed(t))
        return value, grad[free]

    def hess(t):
        return objective.hessian(embed(t))[np.ix_(free, free)]

    result = newton(fun, hess, theta0[free], max_iter=max_iter, tol=tol)
    return embed(result.x), result.nit, result.history


def _fit_gd(objective, theta0, max_iter, tol):
    result = minimize(objective, theta0, gd(lr=1.0 / objective.lipschitz()), max_iter=max_iter,
                      tol=tol)
    return result.x, result.nit, result.history.loss


class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression, binary (sigmoid) or multinomial (softmax), by L-BFGS, Newton or GD.

    Minimizes scikit-learn's objective (``sklearn.linear_model.LogisticRegression``,
    ``lbfgs``), for :math:`K` classes with scores :math:`z_{ik} = x_i^\top w_k + b_k`,

    .. math::

        C\sum_{i=1}^n \ell(z_i, y_i) + \frac12\lVert W\rVert_F^2 ,

    :math:`\ell` the binary cross-entropy (:func:`mlopt.losses.logistic`, one score per
    sample) for two classes and the softmax cross-entropy
    (:func:`mlopt.losses.softmax_cross_entropy`, one per class) for more. The solvers work on
    the same objective divided by :math:`Cn`, :math:`\frac1n\sum_i\ell_i +
    \frac{1}{2Cn}\lVert W\rVert_F^2`, as scikit-learn's; ``tol`` and ``loss_history_`` refer to
    it. The intercepts :math:`b` are not penalized.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularization strength, :math:`C > 0`; ``np.inf`` means no penalty.
    penalty : {"l2", None}, default="l2"
        ``None`` drops the penalty whatever ``C`` (scikit-learn >= 1.8 deprecates
        ``penalty`` in favour of ``C=np.inf``; mlopt keeps it to name the two models).
    fit_intercept : bool, default=True
        Fit unpenalized intercepts.
    solver : {"lbfgs", "newton", "gd"}, default="lbfgs"
        ``"lbfgs"``: ``scipy.optimize.minimize(method="L-BFGS-B")`` on our loss and gradient,
        stopping when :math:`\max_i|g_i| \le` ``tol``, as scikit-learn. ``"newton"``:
        :func:`mlopt.newton.newton` (IRLS) with the full Hessian, stopping as scikit-learn's
        ``newton-cholesky``. ``"gd"``: gradient descent with step :math:`1/L`, stopping when
        :math:`\lVert g\rVert_2 \le` ``tol``.
    max_iter : int, default=100
        Iterations of the solver.
    tol : float, default=1e-4
        Gradient tolerance (see ``solver``).

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
    coef_ : ndarray, shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray, shape (1,) or (n_classes,)
    n_features_in_ : int
    n_iter_ : int
        Iterations taken (scikit-learn stores an array of shape (1,)).
    loss_history_ : ndarray
        The scaled objective at each iteration.

    Notes
    -----
    *Binary.* With :math:`p = \sigma(Xw + b)`, the gradient of the scaled objective is
    :math:`\frac1n X^\top(p - y) + \lambda w` and the Hessian
    :math:`\frac1n X^\top S X + \lambda I`, :math:`S = \mathrm{diag}(p(1 - p))`,
    :math:`\lambda = 1/(Cn)` (intercept rows and columns without :math:`\lambda`).

    *Multinomial.* Gradient :math:`\frac1n X^\top(P - Y) + \lambda W`; the Newton solver forms
    the full :math:`(p+1)K \times (p+1)K` Hessian
    (:func:`mlopt.losses.softmax_cross_entropy_hessian`).
    Softmax is unchanged when a constant is added to all :math:`K` intercepts (or, without
    penalty, to a row of :math:`W`), so the Hessian is singular there: Newton fixes the last
    class's entry of those rows at 0, and every solver finally centers them over the classes.
    With the L2 penalty the optimal :math:`W` already has rows summing to zero. This is
    scikit-learn's symmetric parametrization, so coefficients compare directly.

    References
    ----------
    .. [1] Hastie, Tibshirani, Friedman, *The Elements of Statistical Learning*, 2nd ed.,
       §4.4.
    .. [2] Nocedal and Wright, *Numerical Optimization*, 2nd ed., §7.2 (L-BFGS).
    .. [3] ``notebooks/09_logistic_regression.ipynb``.

    Examples
    --------
    At :math:`x = 1`, 3 of 4 samples are "yes"; at :math:`x = -1`, 1 of 4. Without a penalty
    the fitted probabilities are these frequencies, so :math:`w = \log 3`, :math:`b = 0`:

    >>> X = np.array([[1.0]] * 4 + [[-1.0]] * 4)
    >>> y = ["yes", "yes", "yes", "no", "yes", "no", "no", "no"]
    >>> model = LogisticRegression(penalty=None, solver="newton", tol=1e-10).fit(X, y)
    >>> model.classes_
    array(['no', 'yes'], dtype='<U3')
    >>> model.coef_.round(6), float(np.log(3)).__round__(6), abs(model.intercept_) < 1e-8
    (array([[1.098612]]), 1.098612, array([ True]))
    >>> model.predict_proba([[1.0], [-1.0]]).round(6)
    array([[0.25, 0.75],
           [0.75, 0.25]])
    """

    _solvers = ("lbfgs", "newton", "gd")
    _fitters = {"lbfgs": _fit_lbfgs, "newton": _fit_newton, "gd": _fit_gd}

    def __init__(self, C=1.0, *, penalty="l2", fit_intercept=True, solver="lbfgs", max_iter=100,
                 tol=1e-4):
        self.C = C
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        """Fit the model.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
            Class labels (any type); at least two classes.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Unknown solver or penalty, ``C <= 0``, bad ``max_iter`` or ``tol``, a single
            class, continuous targets, mismatched shapes, NaN or infinity.

        Warns
        -----
        sklearn.exceptions.ConvergenceWarning
            If the solver stops at ``max_iter`` above tolerance.
        """
        _check_choice("solver", self.solver, self._solvers)
        _check_choice("penalty", self.penalty, ("l2", None))
        C = self.C
        if not (isinstance(C, (int, float, np.integer, np.floating)) and C > 0):
            raise ValueError(f"C must be a number > 0 (np.inf for no penalty), got C={C!r}")
        _check_max_iter(self.max_iter)
        tol = check_positive("tol", self.tol, allow_zero=True)
        X, y, self.classes_, y_index = check_classification_data(self, X, y)
        n_samples = X.shape[0]
        l2 = 0.0 if self.penalty is None or np.isinf(C) else 1.0 / (C * n_samples)
        objective = _PenalizedCrossEntropy(X, y_index, self.classes_.size, l2,
                                           self.fit_intercept)
        theta0 = np.zeros(np.prod(objective.shape))
        theta, self.n_iter_, self.loss_history_ = self._fitters[self.solver](
            objective, theta0, self.max_iter, tol
        )
        T = theta.reshape(objective.shape)
        rows = objective.unpenalized_rows()
        T[rows] -= T[rows].mean(axis=1, keepdims=True)  # symmetric parametrization
        W, b = objective.unpack(theta)
        self.coef_ = np.ascontiguousarray(W.T)
        self.intercept_ = np.array(b, dtype=float)
        return self

    def decision_function(self, X):
        """Scores :math:`Xw + b`: the log-odds of ``classes_[1]`` for two classes, else one
        column per class (log-probabilities up to a per-sample constant).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples,) for two classes, else (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities, by the sigmoid (two classes) or the stable softmax.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples, n_classes)
            Rows sum to 1; columns in the order of ``classes_``.
        """
        return _class_probabilities(self.decision_function(X))

    def predict(self, X):
        """Most probable class.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples,)
            Labels from ``classes_``.
        """
        index = _predicted_index(self.decision_function(X))  # checks that it is fitted
        return self.classes_[index]
