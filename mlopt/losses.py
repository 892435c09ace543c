r"""Loss functions with their gradients, written side by side.

Every objective has the signature ``fun(w, X, y) -> (value, grad)``: ``w`` the parameters,
shape ``(n_features,)``; ``X`` the design matrix, shape ``(n_samples, n_features)``; ``y`` the
targets, shape ``(n_samples,)``. The value is a float averaged over the samples, ``grad`` has
the shape of ``w``. A model with an intercept puts a column of ones in ``X``.

Derived in ``notebooks/01_loss_functions_and_gradients.ipynb``.
"""

from __future__ import annotations

import numpy as np

from mlopt._validation import check_Xy

__all__ = ["squared_error", "absolute_error"]


def squared_error(w, X, y):
    r"""Mean squared error of a linear model and its gradient.

    Parameters
    ----------
    w : array_like, shape (n_features,)
        Coefficients.
    X : array_like, shape (n_samples, n_features)
        Design matrix (add a column of ones for an intercept).
    y : array_like, shape (n_samples,)
        Targets.

    Returns
    -------
    value : float
        :math:`\frac1n\lVert Xw-y\rVert^2`, in squared units of ``y``.
    grad : ndarray, shape (n_features,)
        :math:`\frac2n X^\top(Xw-y)`.

    Raises
    ------
    ValueError
        If the shapes of ``w``, ``X`` and ``y`` do not agree, or an entry is not finite.

    Notes
    -----
    With residuals :math:`r = Xw - y`,

    .. math::

        L(w) = \frac1n \sum_{i=1}^n r_i^2, \qquad
        \frac{\partial L}{\partial w_j} = \frac1n \sum_i 2 r_i \frac{\partial r_i}{\partial w_j}
        = \frac2n \sum_i r_i X_{ij}, \qquad \nabla L = \frac2n X^\top r .

    The sign follows from differentiating :math:`r_i = x_i^\top w - y_i` (prediction minus
    target); a tutorial that writes :math:`2(y - \hat y)x` has the sign flipped and climbs the
    loss. scikit-learn's ``Lasso`` and ``ElasticNet`` use :math:`\frac1{2n}` instead of
    :math:`\frac1n`, which halves the gradient and changes nothing else.

    References
    ----------
    .. [1] Hastie, Tibshirani, Friedman, *The Elements of Statistical Learning*, 2nd ed., §3.2.
    .. [2] ``notebooks/01_loss_functions_and_gradients.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [1.0, 3.0]])
    >>> y = np.array([1.0, 2.0])
    >>> value, grad = squared_error(np.zeros(2), X, y)
    >>> float(value)
    2.5
    >>> grad
    array([-3., -8.])
    """
    w, X, y = check_Xy(w, X, y)
    n = X.shape[0]
    r = X @ w - y
    value = r @ r / n
    grad = 2.0 / n * (X.T @ r)
    return float(value), grad


def absolute_error(w, X, y):
    r"""Mean absolute error of a linear model and a subgradient.

    Parameters
    ----------
    w : array_like, shape (n_features,)
        Coefficients.
    X : array_like, shape (n_samples, n_features)
        Design matrix.
    y : array_like, shape (n_samples,)
        Targets.

    Returns
    -------
    value : float
        :math:`\frac1n\sum_i |x_i^\top w - y_i|`, in units of ``y``.
    grad : ndarray, shape (n_features,)
        The subgradient :math:`\frac1n X^\top \operatorname{sign}(Xw-y)` (``sign(0) = 0``).

    Raises
    ------
    ValueError
        If the shapes of ``w``, ``X`` and ``y`` do not agree, or an entry is not finite.

    Notes
    -----
    :math:`|r|` is not differentiable at :math:`r=0`; any value in :math:`[-1, 1]` is a valid
    subgradient there and we take 0. Away from the kinks,

    .. math:: \nabla L = \frac1n \sum_i \operatorname{sign}(r_i)\, x_i .

    Every sample pulls with the same force whatever its residual, which is why MAE is robust
    to outliers and why gradient descent on it needs a decaying step size to settle.

    References
    ----------
    .. [1] Boyd and Vandenberghe, *Convex Optimization*, §6.1 (penalty functions).
    .. [2] ``notebooks/01_loss_functions_and_gradients.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [1.0, 3.0]])
    >>> y = np.array([1.0, 2.0])
    >>> value, grad = absolute_error(np.zeros(2), X, y)
    >>> float(value)
    1.5
    >>> grad
    array([-1. , -2.5])
    """
    w, X, y = check_Xy(w, X, y)
    n = X.shape[0]
    r = X @ w - y
    value = np.abs(r).sum() / n
    grad = X.T @ np.sign(r) / n
    return float(value), grad
