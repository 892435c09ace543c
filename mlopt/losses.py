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


# ---------------------------------------------------------------------------------------------
# Classification losses and penalties (chapters 08-09)
# ---------------------------------------------------------------------------------------------

__all__ += [
    "sigmoid",
    "log_sum_exp",
    "logistic",
    "logistic_hessian",
    "softmax_cross_entropy",
    "softmax_cross_entropy_hessian",
    "l1_penalty",
    "l2_penalty",
    "soft_threshold",
]


def sigmoid(z):
    r"""The logistic function :math:`\sigma(z) = 1/(1 + e^{-z})`, without overflow.

    Parameters
    ----------
    z : array_like
        Logits (log-odds), any shape.

    Returns
    -------
    ndarray, same shape as ``z``
        Probabilities in :math:`[0, 1]`.

    Notes
    -----
    Written naively, :math:`e^{-z}` overflows for :math:`z < -709` (``exp(1000)`` is ``inf``
    in double precision, with a RuntimeWarning). Both forms below are equal, and each only
    exponentiates a non-positive number, so nothing overflows:

    .. math::

        \sigma(z) = \frac{1}{1 + e^{-z}} \quad (z \ge 0), \qquad
        \sigma(z) = \frac{e^{z}}{1 + e^{z}} \quad (z < 0).

    With :math:`e = e^{-|z|} \in (0, 1]` that is ``1 / (1 + e)`` or ``e / (1 + e)``. Same
    values as :func:`scipy.special.expit`.

    References
    ----------
    .. [1] Bishop, *Pattern Recognition and Machine Learning*, §4.3.2.
    .. [2] ``notebooks/09_logistic_regression.ipynb``.

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sum_exp(Z, axis=-1):
    r"""Stable :math:`\log\sum_k e^{Z_k}` along an axis (subtract the maximum first).

    Parameters
    ----------
    Z : array_like
        Scores, e.g. logits of shape (n_samples, n_classes).
    axis : int, default=-1
        Axis to reduce.

    Returns
    -------
    ndarray
        ``Z`` with ``axis`` removed.

    Notes
    -----
    ``np.log(np.sum(np.exp(Z)))`` overflows to ``inf`` as soon as one score exceeds about
    709, and returns ``-inf`` when all are below about -745. Factoring out
    :math:`m = \max_k Z_k`,

    .. math:: \log\sum_k e^{Z_k} = m + \log\sum_k e^{Z_k - m},

    every exponent is :math:`\le 0` and the largest term is :math:`e^0 = 1`, so the sum lies
    in :math:`[1, K]`: no overflow, no :math:`\log 0`. Rows whose maximum is infinite are left
    to IEEE arithmetic. Same values as :func:`scipy.special.logsumexp`.

    References
    ----------
    .. [1] Blanchard, Higham, Higham, "Accurately computing the log-sum-exp and softmax
       functions", *IMA J. Numer. Anal.* 41(4), 2021.
    .. [2] ``notebooks/09_logistic_regression.ipynb``.

    Examples
    --------
    >>> log_sum_exp(np.array([[1000.0, 1000.0], [0.0, 0.0]]))
    array([1000.6931,    0.6931])
    """
    Z = np.asarray(Z, dtype=float)
    m = np.max(Z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(Z - m), axis=axis))


def _softplus(z):
    """:math:`\\log(1 + e^z) = \\max(z, 0) + \\log(1 + e^{-|z|})`, stable for any ``z``."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _binary_cross_entropy_logits(z, y):
    """Mean binary cross-entropy of logits ``z`` against labels ``y`` in {0, 1}, and its
    derivative in ``z`` (already divided by n). Unchecked: the estimators call it in loops."""
    n = z.shape[0]
    return float(np.sum(_softplus(z) - y * z) / n), (sigmoid(z) - y) / n


def _softmax_cross_entropy_logits(Z, Y):
    """Mean softmax cross-entropy of logits ``Z`` (n, K) against one-hot ``Y`` (n, K), the
    derivative in ``Z`` (divided by n) and the probabilities. Unchecked, as above."""
    n = Z.shape[0]
    lse = log_sum_exp(Z, axis=1)
    P = np.exp(Z - lse[:, None])
    return float(np.sum(lse - np.sum(Y * Z, axis=1)) / n), (P - Y) / n, P


def _class_probabilities(scores):
    """Probabilities from a classifier's scores: shape (n,) are the log-odds of the second of
    two classes (sigmoid), shape (n, K) one logit per class (stable softmax)."""
    if scores.ndim == 1:
        p = sigmoid(scores)
        return np.column_stack([1 - p, p])
    return np.exp(scores - log_sum_exp(scores, axis=1)[:, None])


def _predicted_index(scores):
    """Index of the most probable class for the scores of :func:`_class_probabilities`."""
    return (scores > 0).astype(int) if scores.ndim == 1 else np.argmax(scores, axis=1)


def _check_binary_labels(y):
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(
            f"y must hold labels 0 and 1, got values {np.unique(y)[:10]} "
            "(encode the positive class as 1 and the negative as 0)"
        )


def _one_hot(y, n_classes):
    if not np.all((y == np.round(y)) & (y >= 0) & (y < n_classes)):
        raise ValueError(
            f"y must hold integer class labels in [0, {n_classes}) for W of shape "
            f"(n_features, {n_classes}), got values {np.unique(y)[:10]}"
        )
    return np.eye(n_classes)[y.astype(int)]


def logistic(w, X, y):
    r"""Binary cross-entropy (logistic loss) of a linear model and its gradient.

    Parameters
    ----------
    w : array_like, shape (n_features,)
        Coefficients (add a column of ones to ``X`` for an intercept).
    X : array_like, shape (n_samples, n_features)
        Design matrix.
    y : array_like, shape (n_samples,)
        Labels in {0, 1}.

    Returns
    -------
    value : float
        :math:`\frac1n\sum_i \bigl[\log(1 + e^{z_i}) - y_i z_i\bigr]`, :math:`z = Xw`, in
        nats per sample.
    grad : ndarray, shape (n_features,)
        :math:`\frac1n X^\top(\sigma(Xw) - y)`.

    Raises
    ------
    ValueError
        If the shapes disagree, an entry is not finite, or a label is not 0 or 1.

    Notes
    -----
    With :math:`p_i = \sigma(z_i)`, the negative log-likelihood of a Bernoulli sample is
    :math:`-y_i\log p_i - (1-y_i)\log(1-p_i)`. Since :math:`\log p = z - \log(1+e^z)` and
    :math:`\log(1-p) = -\log(1+e^z)`, it simplifies to

    .. math:: \ell(z, y) = \log(1 + e^{z}) - y z, \qquad \frac{d\ell}{dz} = \sigma(z) - y .

    Computing :math:`\log p` from :math:`p` fails for :math:`|z| > 37` (:math:`p` rounds to 1
    and :math:`\log(1-p) = -\infty`); the softplus
    :math:`\log(1+e^z) = \max(z, 0) + \log(1 + e^{-|z|})` never overflows, so the loss
    and gradient are finite and exact for logits of :math:`\pm 1000`. By the chain rule
    :math:`\nabla L = \frac1n X^\top(p - y)`. scikit-learn's ``log_loss`` on the
    probabilities gives the same value.

    References
    ----------
    .. [1] Bishop, *Pattern Recognition and Machine Learning*, §4.3.2.
    .. [2] ``notebooks/09_logistic_regression.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [1.0, -1.0]])
    >>> value, grad = logistic(np.zeros(2), X, np.array([1.0, 0.0]))
    >>> round(value, 4)                                     # log 2
    0.6931
    >>> grad
    array([ 0.  , -0.75])
    """
    w, X, y = check_Xy(w, X, y)
    _check_binary_labels(y)
    value, dz = _binary_cross_entropy_logits(X @ w, y)
    return value, X.T @ dz


def logistic_hessian(w, X, y):
    r"""Hessian of :func:`logistic`: :math:`\frac1n X^\top S X`, :math:`S = \mathrm{diag}(p(1-p))`.

    Parameters
    ----------
    w : array_like, shape (n_features,)
    X : array_like, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
        Labels in {0, 1} (the Hessian does not depend on them; they are checked for shape).

    Returns
    -------
    ndarray, shape (n_features, n_features)
        Symmetric positive semi-definite.

    Raises
    ------
    ValueError
        As :func:`logistic`.

    Notes
    -----
    Differentiating :math:`\nabla L = \frac1n\sum_i (\sigma(x_i^\top w) - y_i)\,x_i` once
    more, with :math:`\sigma' = \sigma(1-\sigma)`:

    .. math:: \nabla^2 L = \frac1n \sum_i p_i(1 - p_i)\, x_i x_i^\top = \frac1n X^\top S X.

    The weights :math:`p_i(1-p_i) \le 1/4` make :math:`\frac{1}{4n}\lVert X\rVert_2^2` a
    Lipschitz constant of the gradient. Newton's step with this Hessian is iteratively
    reweighted least squares (IRLS).

    References
    ----------
    .. [1] Hastie, Tibshirani, Friedman, *The Elements of Statistical Learning*, 2nd ed.,
       §4.4.1.
    .. [2] ``notebooks/09_logistic_regression.ipynb``.

    Examples
    --------
    >>> logistic_hessian(np.zeros(1), np.array([[1.0], [2.0]]), np.array([0.0, 1.0]))
    array([[0.625]])
    """
    w, X, y = check_Xy(w, X, y)
    _check_binary_labels(y)
    p = sigmoid(X @ w)
    return _weighted_gram(X, p * (1 - p) / X.shape[0])


def _weighted_gram(X, s, fit_intercept=False):
    r""":math:`\tilde X^\top \mathrm{diag}(s) \tilde X` with :math:`\tilde X = [X, 1]` if
    ``fit_intercept`` else :math:`X`, without forming :math:`\tilde X` (no copy of X)."""
    Xs = X * s[:, None]
    gram = X.T @ Xs
    if not fit_intercept:
        return gram
    col = Xs.sum(axis=0)
    return np.block([[gram, col[:, None]], [col[None, :], np.array([[s.sum()]])]])


def softmax_cross_entropy(W, X, y):
    r"""Softmax (multinomial) cross-entropy of a linear model and its gradient.

    Parameters
    ----------
    W : array_like, shape (n_features, n_classes)
        One column of coefficients per class.
    X : array_like, shape (n_samples, n_features)
        Design matrix (add a column of ones for intercepts).
    y : array_like of int, shape (n_samples,)
        Class labels in ``0, ..., n_classes - 1``.

    Returns
    -------
    value : float
        :math:`\frac1n\sum_i\bigl[\log\sum_k e^{Z_{ik}} - Z_{i y_i}\bigr]`, :math:`Z = XW`,
        in nats per sample.
    grad : ndarray, shape (n_features, n_classes)
        :math:`\frac1n X^\top(P - Y)`, :math:`P` the softmax probabilities and :math:`Y` the
        one-hot labels.

    Raises
    ------
    ValueError
        If the shapes disagree, an entry is not finite, or a label is not an integer in
        ``[0, n_classes)``.

    Notes
    -----
    The model is :math:`P_{ik} = e^{Z_{ik}} / \sum_l e^{Z_{il}}`; the negative
    log-likelihood of sample :math:`i` is
    :math:`-\log P_{iy_i} = \operatorname{lse}(Z_i) - Z_{iy_i}`, computed with the stable
    :func:`log_sum_exp`. Since :math:`\partial\operatorname{lse}/\partial Z_{ik} = P_{ik}`,

    .. math:: \frac{\partial \ell_i}{\partial Z_{ik}} = P_{ik} - Y_{ik}, \qquad
              \nabla_W L = \frac1n X^\top (P - Y).

    With two classes it equals :func:`logistic` on the logit difference
    :math:`Z_{i1} - Z_{i0}`.

    References
    ----------
    .. [1] Bishop, *Pattern Recognition and Machine Learning*, §4.3.4.
    .. [2] ``notebooks/09_logistic_regression.ipynb``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> value, grad = softmax_cross_entropy(np.zeros((2, 3)), X, np.array([0, 2]))
    >>> round(value, 4)                                     # log 3
    1.0986
    >>> grad.round(4)
    array([[-0.3333,  0.1667,  0.1667],
           [ 0.1667,  0.1667, -0.3333]])
    """
    W, X, y = check_Xy(W, X, y, w_ndim=2)
    value, dZ, _ = _softmax_cross_entropy_logits(X @ W, _one_hot(y, W.shape[1]))
    return value, X.T @ dZ


def softmax_cross_entropy_hessian(W, X, y):
    r"""Hessian of :func:`softmax_cross_entropy` in ``W`` flattened in C order.

    Parameters
    ----------
    W : array_like, shape (n_features, n_classes)
    X : array_like, shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
        Class labels (checked; the Hessian does not depend on them).

    Returns
    -------
    ndarray, shape (n_features * n_classes, n_features * n_classes)
        Entry ``[j * K + k, i * K + l]`` is :math:`\partial^2 L / \partial W_{jk}\partial
        W_{il}`, matching ``W.ravel()``.

    Raises
    ------
    ValueError
        As :func:`softmax_cross_entropy`.

    Notes
    -----
    Differentiating :math:`\nabla_{W_{:k}} L = \frac1n\sum_i (P_{ik} - Y_{ik}) x_i` in
    :math:`W_{:l}`, with :math:`\partial P_{ik}/\partial Z_{il} = P_{ik}(\delta_{kl} -
    P_{il})`:

    .. math:: \frac{\partial^2 L}{\partial W_{:k}\,\partial W_{:l}^\top}
              = \frac1n X^\top \mathrm{diag}\bigl(P_{:k}(\delta_{kl} - P_{:l})\bigr) X .

    It is singular: adding the same vector to every column of :math:`W` leaves the
    probabilities unchanged, so :math:`\mathbf 1_K \otimes v` is in its null space. Newton's
    method needs a penalty, or one class fixed at zero.

    References
    ----------
    .. [1] Böhning, "Multinomial logistic regression algorithm", *Ann. Inst. Statist. Math.*
       44(1), 1992.
    .. [2] ``notebooks/09_logistic_regression.ipynb``.

    Examples
    --------
    >>> H = softmax_cross_entropy_hessian(np.zeros((1, 2)), np.ones((1, 1)), np.array([0]))
    >>> H
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    W, X, y = check_Xy(W, X, y, w_ndim=2)
    n_features, n_classes = W.shape
    _one_hot(y, n_classes)
    _, _, P = _softmax_cross_entropy_logits(X @ W, np.zeros((X.shape[0], n_classes)))
    return _softmax_hessian(X, P)


def _softmax_hessian(X, P, fit_intercept=False):
    """:math:`\\frac1n \\tilde X^\\top \\mathrm{diag}(P_k(\\delta_{kl} - P_l)) \\tilde X` blocks
    laid out in the C order of ``W`` (features major, classes minor), :math:`\\tilde X` as in
    :func:`_weighted_gram`. Used by the Newton solver; symmetry halves the work."""
    n, n_classes = P.shape
    n_rows = X.shape[1] + int(fit_intercept)
    blocks = np.empty((n_rows, n_classes, n_rows, n_classes))
    for k in range(n_classes):
        for m in range(k, n_classes):
            s = P[:, k] * ((k == m) - P[:, m]) / n
            blocks[:, k, :, m] = _weighted_gram(X, s, fit_intercept)
            blocks[:, m, :, k] = blocks[:, k, :, m]
    return blocks.reshape(n_rows * n_classes, n_rows * n_classes)


def l1_penalty(w):
    r"""The L1 norm :math:`\lVert w\rVert_1` and a subgradient.

    Parameters
    ----------
    w : array_like, shape (n_features,) or any shape
        Coefficients (never the intercept).

    Returns
    -------
    value : float
        :math:`\sum_j |w_j|`.
    grad : ndarray, same shape as ``w``
        The subgradient :math:`\operatorname{sign}(w)` (0 at :math:`w_j = 0`).

    Raises
    ------
    ValueError
        If ``w`` contains NaN or infinity.

    Notes
    -----
    No factor: the estimators multiply by :math:`\alpha` (Lasso) or :math:`\alpha\rho`
    (ElasticNet). At :math:`w_j = 0` every :math:`g \in [-1, 1]` is a subgradient; that set,
    not the 0 returned here, is what makes exact zeros optimal:
    :math:`0 \in \nabla f(w) + \alpha\,\partial\lVert w\rVert_1`. Subgradient descent therefore
    hovers around zero instead of landing on it; :func:`soft_threshold` lands on it.

    References
    ----------
    .. [1] Hastie, Tibshirani, Wainwright, *Statistical Learning with Sparsity*, §5.2.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> l1_penalty(np.array([1.5, 0.0, -2.0]))
    (3.5, array([ 1.,  0., -1.]))
    """
    w = _check_finite("w", w)
    return float(np.sum(np.abs(w))), np.sign(w)


def l2_penalty(w):
    r"""Half the squared L2 norm, :math:`\tfrac12\lVert w\rVert_2^2`, and its gradient :math:`w`.

    Parameters
    ----------
    w : array_like, shape (n_features,) or any shape
        Coefficients (never the intercept).

    Returns
    -------
    value : float
        :math:`\tfrac12\sum_j w_j^2`.
    grad : ndarray, same shape as ``w``
        :math:`w`.

    Raises
    ------
    ValueError
        If ``w`` contains NaN or infinity.

    Notes
    -----
    The :math:`\tfrac12` makes the gradient exactly :math:`w`, as in ElasticNet's
    :math:`\tfrac12\alpha(1-\rho)\lVert w\rVert^2` and LogisticRegression's
    :math:`\tfrac12\lVert w\rVert^2`. scikit-learn's ``Ridge`` writes
    :math:`\alpha\lVert w\rVert^2` without the half: that is ``2 * alpha * l2_penalty(w)``.

    References
    ----------
    .. [1] Hoerl and Kennard, "Ridge regression", *Technometrics* 12(1), 1970.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> l2_penalty(np.array([3.0, -4.0]))
    (12.5, array([ 3., -4.]))
    """
    w = _check_finite("w", w)
    return float(0.5 * np.sum(w * w)), w.copy()


def soft_threshold(z, t):
    r"""Soft-thresholding :math:`S_t(z) = \operatorname{sign}(z)\max(|z| - t, 0)`, the prox of
    :math:`t\lVert\cdot\rVert_1`.

    Parameters
    ----------
    z : array_like
        Points, any shape.
    t : float or array_like broadcastable to ``z``
        Threshold :math:`t \ge 0` (for ISTA: step size times the L1 weight).

    Returns
    -------
    ndarray, shape of ``z``

    Raises
    ------
    ValueError
        If ``t`` is negative or not finite.

    Notes
    -----
    The proximal operator :math:`\operatorname{prox}_{t|\cdot|}(z) = \arg\min_x
    \tfrac12(x - z)^2 + t|x|` separates over coordinates. For :math:`x \ne 0` the optimality
    condition :math:`x - z + t\operatorname{sign}(x) = 0` gives :math:`x = z - t\,
    \operatorname{sign}(z)`, consistent only when :math:`|z| > t`; otherwise
    :math:`0 \in -z + t[-1, 1]` and :math:`x = 0`:

    .. math:: S_t(z) = \begin{cases} z - t & z > t \\ 0 & |z| \le t \\ z + t & z < -t
              \end{cases}

    It shrinks every coordinate towards 0 by :math:`t` and sets small ones exactly to zero,
    which is where the Lasso's sparsity comes from.

    References
    ----------
    .. [1] Parikh and Boyd, "Proximal Algorithms", *Foundations and Trends in Optimization*
       1(3), 2014, §6.5.2.
    .. [2] ``notebooks/08_regularization.ipynb``.

    Examples
    --------
    >>> soft_threshold(np.array([-3.0, -0.5, 0.0, 0.5, 3.0]), 1.0)
    array([-2.,  0.,  0.,  0.,  2.])
    """
    z = np.asarray(z, dtype=float)
    t = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(t) & (t >= 0)):
        raise ValueError(f"t must be finite and >= 0, got t={t}")
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


def _check_finite(name, a):
    a = np.asarray(a, dtype=float)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")
    return a
