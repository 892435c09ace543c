r"""First-order optimizers as pairs of pure functions over NumPy arrays.

An :class:`Optimizer` is ``(init, update, lr)``::

    state = opt.init(params)
    step, state = opt.update(grad, state, params)
    params = params - step          # the step already holds the learning rate

``lr`` is the optimizer's schedule, ``t -> learning rate`` at global step ``t`` (see
:mod:`mlopt.schedules`); every factory accepts a float or a schedule. States are immutable
NamedTuples, so a :class:`~mlopt.training.History` can keep them and a widget can replay a
run. Hyper-parameters are checked when the optimizer is made, not at the first step.

Each method is derived in a lesson: ``gd`` in ``03_gradient_descent``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from mlopt.schedules import as_schedule

__all__ = ["Optimizer", "GDState", "gd"]


class Optimizer(NamedTuple):
    """An optimizer as pure functions.

    Attributes
    ----------
    init : callable
        ``init(params) -> state``.
    update : callable
        ``update(grad, state, params) -> (step, new_state)``; apply as ``params - step``.
    lr : callable
        ``lr(t) -> float``, the learning rate used at global step ``t`` (0-based).
    """

    init: Callable
    update: Callable
    lr: Callable


class GDState(NamedTuple):
    """State of :func:`gd`: the number of updates taken so far."""

    count: int


def _check_grad_shape(grad, params):
    grad = np.asarray(grad, dtype=float)
    if params is not None and np.shape(params) != grad.shape:
        raise ValueError(
            f"grad has shape {grad.shape} but params have shape {np.shape(params)}"
        )
    return grad


def gd(lr=0.1):
    r"""Plain gradient descent.

    Parameters
    ----------
    lr : float or callable, default=0.1
        Step size :math:`\eta > 0`, or a schedule ``t -> lr`` (:mod:`mlopt.schedules`).

    Returns
    -------
    Optimizer

    Raises
    ------
    ValueError
        If ``lr`` is a number that is not positive and finite.

    Notes
    -----
    .. math:: \theta_{t+1} = \theta_t - \eta_t\, \nabla f(\theta_t)

    The first-order Taylor expansion :math:`f(\theta - \eta g) \approx f(\theta) - \eta
    \lVert g\rVert^2` shows that a small step along :math:`-g` decreases :math:`f`. If
    :math:`\nabla f` is :math:`L`-Lipschitz, the descent lemma
    :math:`f(\theta - \eta g) \le f(\theta) - \eta(1 - \tfrac{L\eta}{2})\lVert g\rVert^2`
    guarantees decrease for every :math:`\eta < 2/L`. Same as ``torch.optim.SGD`` with
    ``momentum=0``.

    References
    ----------
    .. [1] Nesterov, *Lectures on Convex Optimization*, 2nd ed., §1.2.3.
    .. [2] ``notebooks/03_gradient_descent.ipynb``.

    Examples
    --------
    >>> opt = gd(lr=0.1)
    >>> params = np.array([1.0, -2.0])
    >>> state = opt.init(params)
    >>> step, state = opt.update(2 * params, state, params)   # gradient of |params|^2
    >>> params - step
    array([ 0.8, -1.6])
    >>> state.count
    1
    """
    schedule = as_schedule(lr)

    def init(params):
        return GDState(count=0)

    def update(grad, state, params=None):
        grad = _check_grad_shape(grad, params)
        step = schedule(state.count) * grad
        return step, GDState(count=state.count + 1)

    return Optimizer(init, update, schedule)
