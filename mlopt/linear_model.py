r"""Linear models as scikit-learn-compatible estimators, solved from the math.

Names, parameters and objective scaling follow scikit-learn so results compare directly.
Derived in ``notebooks/02_linear_regression_closed_form.ipynb`` and
``notebooks/03_gradient_descent.ipynb``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from mlopt.losses import squared_error
from mlopt.optimizers import gd
from mlopt.training import minimize

__all__ = ["LinearRegression", "solve_normal_equation", "solve_lstsq"]


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
        If :math:`X^\top X` is singular (collinear features, or fewer samples than features).

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


class LinearRegression(RegressorMixin, BaseEstimator):
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
        if self.solver not in self._solvers:
            raise ValueError(f"solver must be one of {self._solvers}, got solver={self.solver!r}")
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        n_samples = X.shape[0]
        if self.fit_intercept:
            x_mean, y_mean = X.mean(axis=0), y.mean()
        else:
            x_mean, y_mean = np.zeros(X.shape[1]), 0.0
        Xc, yc = X - x_mean, y - y_mean

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
