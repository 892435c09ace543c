r"""Gradient checking by central finite differences.

Derived in ``notebooks/01_loss_functions_and_gradients.ipynb``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["numerical_gradient", "rel_error", "check_grad"]


def numerical_gradient(f, x, h=1e-6):
    r"""Central finite-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. If it returns a tuple (as the objectives in :mod:`mlopt.losses` do),
        its first entry is used.
    x : array_like, shape (n,) or any shape
        Point at which to differentiate. Not modified.
    h : float, default=1e-6
        Step, in the units of ``x``.

    Returns
    -------
    grad : ndarray, same shape as ``x``

    Raises
    ------
    ValueError
        If ``h`` is not a positive finite number.

    Notes
    -----
    .. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    By Taylor's theorem the error is :math:`\frac{h^2}{6} f'''(\xi)`, :math:`O(h^2)`, against
    :math:`O(h)` for the one-sided difference. Rounding adds about
    :math:`\epsilon_{\text{mach}} |f| / h`. The sum is smallest at
    :math:`h = (3\epsilon_{\text{mach}} |f| / |f^{(3)}|)^{1/3}`, about
    :math:`\epsilon_{\text{mach}}^{1/3} \approx 6 \times 10^{-6}` when :math:`f` and
    :math:`f^{(3)}` have similar sizes. The error curve is flat around that minimum, and the
    default :math:`h = 10^{-6}` sits near its bottom (lesson 01 measures both). It costs
    :math:`2n` evaluations of ``f``: a check, never a way to train.

    References
    ----------
    .. [1] Nocedal and Wright, *Numerical Optimization*, 2nd ed., §8.1.
    .. [2] ``notebooks/01_loss_functions_and_gradients.ipynb``.

    Examples
    --------
    >>> g = numerical_gradient(lambda x: float(np.sum(x**3)), np.array([1.0, 2.0]))
    >>> np.round(g, 6)
    array([ 3., 12.])
    """
    if not (np.isscalar(h) and np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive finite number, got {h=}")
    x = np.array(x, dtype=float)  # a copy: x is perturbed in place below

    def value(z):
        out = f(z)
        return float(out[0] if isinstance(out, tuple) else out)

    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        f_plus = value(x)
        flat_x[i] = old - h
        f_minus = value(x)
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a, b, eps=1e-12):
    r"""Largest element-wise relative error between two arrays.

    Parameters
    ----------
    a, b : array_like, same shape
    eps : float, default=1e-12
        Floor on the denominator so that two zeros compare as equal.

    Returns
    -------
    float
        :math:`\max_i |a_i - b_i| / \max(|a_i| + |b_i|, \epsilon)`, between 0 and 1.

    Raises
    ------
    ValueError
        If the shapes differ.

    Notes
    -----
    Dividing by :math:`|a_i| + |b_i|` makes the error scale-free. Rules of thumb for a
    gradient check in double precision: below :math:`10^{-7}` is right, around
    :math:`10^{-4}` suspicious (or a kink), above :math:`10^{-2}` wrong.

    References
    ----------
    .. [1] Karpathy, CS231n notes, "Gradient checks".

    Examples
    --------
    >>> float(rel_error([1.0, 2.0], [1.0, 2.0]))
    0.0
    >>> round(float(rel_error([1.0], [1.1])), 4)
    0.0476
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: a.shape={a.shape}, b.shape={b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def check_grad(fun, x, *args, h=1e-6):
    r"""Relative error between an analytic gradient and central differences.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> (value, grad)``, e.g. ``mlopt.losses.squared_error`` with
        ``args=(X, y)``.
    x : array_like
        Point at which to compare.
    *args
        Extra arguments passed to ``fun``.
    h : float, default=1e-6
        Finite-difference step.

    Returns
    -------
    float
        ``rel_error(grad, numerical_gradient(...))``; below about ``1e-7`` means the analytic
        gradient is right.

    Raises
    ------
    ValueError
        If the gradient's shape differs from the shape of ``x``.

    Notes
    -----
    Unlike :func:`scipy.optimize.check_grad`, which returns the absolute norm of the
    difference, this returns a scale-free relative error (see :func:`rel_error`).

    References
    ----------
    .. [1] Nocedal and Wright, *Numerical Optimization*, 2nd ed., §8.1.
    .. [2] ``notebooks/01_loss_functions_and_gradients.ipynb``.

    Examples
    --------
    >>> from mlopt.losses import squared_error
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    >>> bool(check_grad(squared_error, rng.normal(size=3), X, y) < 1e-7)
    True
    """
    x = np.asarray(x, dtype=float)
    _, grad = fun(x, *args)
    grad = np.asarray(grad, dtype=float)
    if grad.shape != x.shape:
        raise ValueError(f"gradient has shape {grad.shape} but x has shape {x.shape}")
    return rel_error(grad, numerical_gradient(lambda z: fun(z, *args), x, h=h))
