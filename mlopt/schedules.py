r"""Learning-rate schedules: functions ``t -> lr`` of the global step count ``t = 0, 1, 2, ...``.

Every optimizer in :mod:`mlopt.optimizers` accepts ``lr`` as a float or a schedule;
:func:`as_schedule` turns either into a schedule. Schedules count global steps (updates since
the start of training), never steps within an epoch: with 50 mini-batches per epoch, the first
step of epoch 3 is ``t = 100``. The optimizer calls its schedule with ``state.count``, the
number of updates taken before the current one, so the first update uses ``schedule(0)``.

Where torch has the same schedule (``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR``,
``OneCycleLR``, ``LinearLR`` warmup), the values are equal at every step:
``tests/test_schedules.py`` compares them with values recorded from torch.

Derived in ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from mlopt._validation import check_int, check_interval, check_positive

__all__ = [
    "constant",
    "as_schedule",
    "step",
    "exponential",
    "inverse_time",
    "cosine",
    "warmup",
    "one_cycle",
]


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

    Every optimizer factory in :mod:`mlopt.optimizers` calls this, which is why ``lr`` may be
    either a number or a schedule everywhere.

    Parameters
    ----------
    lr : float or callable
        A positive step size, or a schedule ``t -> lr`` over global steps ``t = 0, 1, ...``.

    Returns
    -------
    callable
        ``schedule(t) -> float``.

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


def step(lr, step_size, gamma=0.1):
    r"""Step decay: multiply the learning rate by ``gamma`` every ``step_size`` steps.

    Same values as ``torch.optim.lr_scheduler.StepLR`` stepped once per update.

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    step_size : int
        Number of steps :math:`k \ge 1` between two decays (e.g. the steps of one epoch
        times the number of epochs per decay).
    gamma : float, default=0.1
        Decay factor :math:`\gamma \in (0, 1]`.

    Returns
    -------
    callable
        ``schedule(t) -> float``.

    Raises
    ------
    ValueError
        If an argument is out of range.

    Notes
    -----
    .. math:: \eta_t = \eta_0\, \gamma^{\lfloor t / k \rfloor}

    References
    ----------
    .. [1] Goodfellow, Bengio, Courville, *Deep Learning*, §8.3.1.
    .. [2] ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.

    Examples
    --------
    >>> s = step(1.0, step_size=2, gamma=0.5)
    >>> [s(t) for t in range(6)]
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    lr = check_positive("lr", lr)
    step_size = check_int("step_size", step_size, 1)
    gamma = check_interval("gamma", gamma, 0.0, 1.0, closed="right")

    def schedule(t):
        return lr * gamma ** (t // step_size)

    return schedule


def exponential(lr, gamma):
    r"""Exponential decay (or growth): multiply the learning rate by ``gamma`` every step.

    Same values as ``torch.optim.lr_scheduler.ExponentialLR`` stepped once per update.

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    gamma : float
        Factor :math:`\gamma > 0` per step: below 1 it decays; above 1 it grows, which is what
        a learning-rate range test needs.

    Returns
    -------
    callable
        ``schedule(t) -> float``.

    Raises
    ------
    ValueError
        If ``lr`` or ``gamma`` is not a positive finite number.

    Notes
    -----
    .. math:: \eta_t = \eta_0\, \gamma^t

    The learning rate halves every :math:`\ln 2 / (-\ln\gamma)` steps. A range test sweeps
    :math:`\eta` from :math:`\eta_0` to :math:`\eta_1` in :math:`T` steps with
    :math:`\gamma = (\eta_1/\eta_0)^{1/T}`.

    References
    ----------
    .. [1] Smith, "Cyclical learning rates for training neural networks", WACV 2017, §3.3
       (the range test).
    .. [2] ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.

    Examples
    --------
    >>> s = exponential(0.1, gamma=0.5)
    >>> [s(t) for t in range(4)]
    [0.1, 0.05, 0.025, 0.0125]
    """
    lr = check_positive("lr", lr)
    gamma = check_positive("gamma", gamma)

    def schedule(t):
        return lr * gamma**t

    return schedule


def inverse_time(lr, decay, power=1.0):
    r"""Inverse-time decay :math:`\eta_0 / (1 + \text{decay}\cdot t)^{\text{power}}`.

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    decay : float
        :math:`d \ge 0`; the rate has fallen by the factor :math:`2^{p}` at :math:`t = 1/d`.
    power : float, default=1.0
        Exponent :math:`p \in (0, 1]`.

    Returns
    -------
    callable
        ``schedule(t) -> float``.

    Raises
    ------
    ValueError
        If an argument is out of range.

    Notes
    -----
    .. math:: \eta_t = \frac{\eta_0}{(1 + d\,t)^{p}}

    For SGD on a convex problem the Robbins–Monro conditions
    :math:`\sum_t \eta_t = \infty` (the iterates can travel any distance) and
    :math:`\sum_t \eta_t^2 < \infty` (the gradient noise they accumulate stays finite) hold for
    :math:`1/2 < p \le 1`; :math:`p = 1` gives the :math:`O(1/t)` rate on strongly convex
    problems. :math:`d = 1` gives scikit-learn's ``learning_rate="invscaling"``,
    :math:`\eta_0 / (t+1)^{p}` with ``power_t = p`` (sklearn counts from 1), and :math:`p = 1`
    is AdaGrad's ``lr_decay`` in torch.

    References
    ----------
    .. [1] Robbins and Monro, "A stochastic approximation method", *Ann. Math. Statist.*
       22(3), 1951.
    .. [2] Bottou, Curtis, Nocedal, "Optimization methods for large-scale machine learning",
       *SIAM Review* 60(2), 2018, §4.3.
    .. [3] ``notebooks/04_stochastic_gradient_descent.ipynb``,
       ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.

    Examples
    --------
    >>> s = inverse_time(1.0, decay=0.5)
    >>> [s(t) for t in range(4)]
    [1.0, 0.666..., 0.5, 0.4]
    """
    lr = check_positive("lr", lr)
    decay = check_positive("decay", decay, allow_zero=True)
    power = check_interval("power", power, 0.0, 1.0, closed="right")

    def schedule(t):
        return lr / (1.0 + decay * t) ** power

    return schedule


def cosine(lr, total_steps, warmup_steps=0, min_lr=0.0):
    r"""Cosine annealing from ``lr`` to ``min_lr`` over ``total_steps``, after a linear warmup.

    Without warmup, the same values as ``torch.optim.lr_scheduler.CosineAnnealingLR(
    T_max=total_steps, eta_min=min_lr)`` for :math:`t \le T`; torch's rises again after
    :math:`T`, this one stays at ``min_lr``. With warmup, the same as torch's
    ``SequentialLR`` of ``LinearLR(start_factor=1/W, total_iters=W-1)`` and
    ``CosineAnnealingLR(T_max=T-W)`` with milestone :math:`W`.

    Parameters
    ----------
    lr : float
        Peak learning rate :math:`\eta > 0`.
    total_steps : int
        :math:`T`, the step at which ``min_lr`` is reached, warmup included.
    warmup_steps : int, default=0
        :math:`W`, with :math:`0 \le W < T`: length of the linear warmup (see :func:`warmup`).
    min_lr : float, default=0
        :math:`\eta_{\min} \in [0, \eta]`, the final learning rate.

    Returns
    -------
    callable
        ``schedule(t) -> float``.

    Raises
    ------
    ValueError
        If an argument is out of range.

    Notes
    -----
    .. math::

        \eta_t = \begin{cases}
          \eta\,\dfrac{t+1}{W} & t < W \\[1ex]
          \eta_{\min} + \tfrac12(\eta - \eta_{\min})
          \Bigl(1 + \cos\dfrac{\pi\,(t - W)}{T - W}\Bigr) & W \le t \le T \\[1ex]
          \eta_{\min} & t > T
        \end{cases}

    The cosine keeps the rate near its peak for long, then lowers it quickly, then
    lingers near :math:`\eta_{\min}`: the final steps average out the gradient noise. The
    warmup lets adaptive methods collect gradient statistics before taking full steps.

    References
    ----------
    .. [1] Loshchilov and Hutter, "SGDR: stochastic gradient descent with warm restarts",
       ICLR 2017, eq. (5).
    .. [2] Goyal et al., "Accurate, large minibatch SGD: training ImageNet in 1 hour",
       arXiv:1706.02677, §2.2 (warmup).
    .. [3] ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.

    Examples
    --------
    >>> s = cosine(1.0, total_steps=6, warmup_steps=2)
    >>> [round(s(t), 4) for t in range(8)]
    [0.5, 1.0, 1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """
    lr = check_positive("lr", lr)
    total_steps = check_int("total_steps", total_steps, 1)
    warmup_steps = check_int("warmup_steps", warmup_steps, 0)
    if warmup_steps >= total_steps:
        raise ValueError(
            f"warmup_steps must be < total_steps, got {warmup_steps=}, {total_steps=}"
        )
    min_lr = check_interval("min_lr", min_lr, 0.0, lr, closed="both")
    n = total_steps - warmup_steps

    def anneal(t):
        return min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(math.pi * min(t, n) / n))

    return warmup(anneal, warmup_steps)


def warmup(schedule, warmup_steps):
    r"""Put a linear warmup of ``warmup_steps`` steps in front of any schedule.

    Parameters
    ----------
    schedule : float or callable
        The schedule that follows the warmup (a float means a constant rate); it starts at its
        own step 0 when the warmup ends.
    warmup_steps : int
        :math:`W \ge 0`; 0 returns the schedule unchanged.

    Returns
    -------
    callable
        ``schedule(t) -> float``.

    Raises
    ------
    ValueError
        If ``warmup_steps`` is not an integer >= 0, or ``schedule`` is neither a positive
        number nor a callable.

    Notes
    -----
    With :math:`s` the schedule that follows,

    .. math::

        \eta_t = \begin{cases} s(0)\,\dfrac{t+1}{W} & t < W \\[1ex]
                               s(t - W) & t \ge W \end{cases}

    The rate climbs in equal steps from :math:`s(0)/W` and reaches :math:`s(0)` at
    :math:`t = W - 1` (no step is wasted at rate 0). The same as torch's
    ``LinearLR(start_factor=1/W, end_factor=1, total_iters=W-1)``, whose factor is
    :math:`\frac1W + (1 - \frac1W)\frac{t}{W-1} = \frac{t+1}{W}`.

    References
    ----------
    .. [1] Goyal et al., "Accurate, large minibatch SGD: training ImageNet in 1 hour",
       arXiv:1706.02677, §2.2.
    .. [2] ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.

    Examples
    --------
    >>> s = warmup(step(1.0, step_size=2, gamma=0.5), warmup_steps=4)
    >>> [s(t) for t in range(8)]
    [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 0.5, 0.5]
    """
    schedule = as_schedule(schedule)
    warmup_steps = check_int("warmup_steps", warmup_steps, 0)
    if warmup_steps == 0:
        return schedule
    peak = schedule(0)

    def warmed_up(t):
        return peak * (t + 1) / warmup_steps if t < warmup_steps else schedule(t - warmup_steps)

    return warmed_up


def one_cycle(max_lr, total_steps, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    r"""The 1cycle policy: cosine up to ``max_lr``, then cosine down far below the start.

    Same values as ``torch.optim.lr_scheduler.OneCycleLR`` with ``anneal_strategy="cos"``,
    ``three_phase=False`` for :math:`t < T` (torch also cycles the momentum; here that is
    left to the optimizer).

    Parameters
    ----------
    max_lr : float
        Peak learning rate :math:`\eta_{\max} > 0`.
    total_steps : int
        :math:`T`, the number of steps of the cycle.
    pct_start : float, default=0.3
        Fraction of the cycle spent increasing; the peak is at :math:`t_1 = p\,T - 1`, which
        must lie in :math:`(0, T - 1)`.
    div_factor : float, default=25
        Start at :math:`\eta_0 = \eta_{\max} / \text{div\_factor}`.
    final_div_factor : float, default=1e4
        End at :math:`\eta_{\min} = \eta_0 / \text{final\_div\_factor}`.

    Returns
    -------
    callable
        ``schedule(t) -> float``; :math:`\eta_{\min}` from :math:`t = T - 1` on.

    Raises
    ------
    ValueError
        If an argument is out of range.

    Notes
    -----
    With :math:`\operatorname{c}(a, b, x) = b + \tfrac12 (a - b)(1 + \cos \pi x)`, the cosine
    path from :math:`a` (at :math:`x = 0`) to :math:`b` (at :math:`x = 1`), and
    :math:`t_1 = p\,T - 1`:

    .. math::

        \eta_t = \begin{cases}
          \operatorname{c}\bigl(\eta_0, \eta_{\max}, t / t_1\bigr) & t \le t_1 \\[1ex]
          \operatorname{c}\bigl(\eta_{\max}, \eta_{\min}, (t - t_1)/(T - 1 - t_1)\bigr)
          & t_1 < t \le T - 1
        \end{cases}

    Smith's argument: the large rates in the middle act as a regularizer and cross flat
    regions fast; the long final descent to :math:`\eta_{\min} \ll \eta_0` settles the
    iterate. Pick :math:`\eta_{\max}` with a learning-rate range test.

    References
    ----------
    .. [1] Smith and Topin, "Super-convergence: very fast training of neural networks using
       large learning rates", arXiv:1708.07120, §3.
    .. [2] ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.

    Examples
    --------
    Start, half-way up (:math:`0.1 + 0.9/2`), peak at :math:`t_1 = 0.5 \cdot 10 - 1 = 4`, end:

    >>> s = one_cycle(1.0, total_steps=10, pct_start=0.5, div_factor=10, final_div_factor=10)
    >>> [round(s(t), 4) for t in (0, 2, 4, 9)]
    [0.1, 0.55, 1.0, 0.01]
    """
    max_lr = check_positive("max_lr", max_lr)
    total_steps = check_int("total_steps", total_steps, 2)
    pct_start = check_interval("pct_start", pct_start, 0.0, 1.0, closed="neither")
    div_factor = check_positive("div_factor", div_factor)
    final_div_factor = check_positive("final_div_factor", final_div_factor)
    peak = pct_start * total_steps - 1.0
    last = total_steps - 1.0
    if not 0 < peak < last:
        raise ValueError(
            "pct_start * total_steps - 1 (the peak's step) must lie strictly between 0 and "
            f"total_steps - 1, got {pct_start=}, {total_steps=}"
        )
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor

    def anneal(start, end, x):
        return end + 0.5 * (start - end) * (1.0 + math.cos(math.pi * x))

    def schedule(t):
        if t <= peak:
            return anneal(initial_lr, max_lr, t / peak)
        return anneal(max_lr, min_lr, min(t - peak, last - peak) / (last - peak))

    return schedule
