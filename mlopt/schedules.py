r"""Learning-rate schedules: functions ``t -> lr`` of the global step count ``t = 0, 1, 2, ...``.

Every optimizer in :mod:`mlopt.optimizers` accepts ``lr`` as a float or a schedule;
:func:`as_schedule` turns either into a schedule. Schedules count global steps (updates since
the start of training), never steps within an epoch.

Derived in ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["constant", "as_schedule"]


def constant(lr):
    r"""The same learning rate at every step.

    Parameters
    ----------
    lr : float
        Step size, > 0.

    Returns
    -------
    callable
        ``schedule(t) -> lr``.

    Raises
    ------
    ValueError
        If ``lr`` is not a positive finite number.

    Notes
    -----
    :math:`\eta_t = \eta`.

    Examples
    --------
    >>> s = constant(0.1)
    >>> s(0), s(1000)
    (0.1, 0.1)
    """
    if not (isinstance(lr, numbers.Real) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive finite number, got lr={lr!r}")
    lr = float(lr)

    def schedule(t):
        return lr

    return schedule


def as_schedule(lr):
    """Return ``lr`` as a schedule: a float becomes :func:`constant`, a callable is kept.

    Raises
    ------
    ValueError
        If ``lr`` is neither a positive finite number nor a callable.

    Examples
    --------
    >>> as_schedule(0.5)(3)
    0.5
    """
    if callable(lr):
        return lr
    return constant(lr)
