r"""First-order optimizers as pairs of pure functions over NumPy arrays.

An :class:`Optimizer` is ``(init, update, lr)``::

    state = opt.init(params)
    step, state = opt.update(grad, state, params)
    params = params - step          # the step already holds the learning rate

``lr`` is the optimizer's schedule, ``t -> learning rate`` at global step ``t`` (see
:mod:`mlopt.schedules`); every factory accepts a float or a schedule, and the schedule is called
with ``state.count``, the number of updates taken before this one. States are immutable
NamedTuples (``update`` never modifies its arguments), so a :class:`~mlopt.training.History`
can keep them and a widget can replay a run. Hyper-parameters are checked when the optimizer is
made, not at the first step.

With equal hyper-parameters, defaults included, every update equals the one of its
``torch.optim`` namesake (``SGD``, ``Adagrad``, ``RMSprop``, ``Adadelta``, ``Adam``, ``AdamW``);
``tests/data/make_torch_reference.py`` records torch's trajectories and ``tests/test_optimizers.py``
compares. Weight decay, where present, is part of the returned step.

Each method is derived in a lesson: ``gd`` in ``03_gradient_descent``, ``sgd`` in
``04_stochastic_gradient_descent`` and ``05_momentum_and_nesterov``, the others in
``06_adaptive_methods``.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

from mlopt._validation import check_interval, check_positive
from mlopt.schedules import as_schedule

__all__ = [
    "momentum_rate",
    "Optimizer",
    "GDState",
    "gd",
    "SGDState",
    "sgd",
    "AdagradState",
    "adagrad",
    "RMSpropState",
    "rmsprop",
    "AdadeltaState",
    "adadelta",
    "AdamState",
    "adam",
    "adamw",
]


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


class SGDState(NamedTuple):
    """State of :func:`sgd`.

    Attributes
    ----------
    count : int
        Updates taken so far.
    momentum_buffer : ndarray or None
        The velocity :math:`b_t`, shape of the parameters; None before the first update and
        when ``momentum=0``.
    """

    count: int
    momentum_buffer: np.ndarray | None


class AdagradState(NamedTuple):
    """State of :func:`adagrad`.

    Attributes
    ----------
    count : int
        Updates taken so far.
    sum : ndarray
        :math:`G_t`, the running sum of squared gradients (torch's ``state["sum"]``).
    """

    count: int
    sum: np.ndarray


class RMSpropState(NamedTuple):
    """State of :func:`rmsprop`.

    Attributes
    ----------
    count : int
        Updates taken so far.
    square_avg : ndarray
        :math:`v_t`, moving average of squared gradients.
    grad_avg : ndarray or None
        :math:`\\bar g_t`, moving average of gradients (``centered=True`` only).
    momentum_buffer : ndarray or None
        :math:`b_t` (``momentum > 0`` only).
    """

    count: int
    square_avg: np.ndarray
    grad_avg: np.ndarray | None
    momentum_buffer: np.ndarray | None


class AdadeltaState(NamedTuple):
    """State of :func:`adadelta`.

    Attributes
    ----------
    count : int
        Updates taken so far.
    square_avg : ndarray
        :math:`v_t`, moving average of squared gradients.
    acc_delta : ndarray
        :math:`u_t`, moving average of squared updates.
    """

    count: int
    square_avg: np.ndarray
    acc_delta: np.ndarray


class AdamState(NamedTuple):
    """State of :func:`adam` and :func:`adamw`.

    Attributes
    ----------
    count : int
        Updates taken so far, :math:`t - 1`.
    exp_avg : ndarray
        :math:`m_t`, first moment (moving average of gradients), not bias-corrected.
    exp_avg_sq : ndarray
        :math:`v_t`, second moment (moving average of squared gradients), not bias-corrected.
    max_exp_avg_sq : ndarray or None
        :math:`v_t^{\\max}`, running maximum of :math:`v_t` (``amsgrad=True`` only).
    """

    count: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    max_exp_avg_sq: np.ndarray | None


def _check_grad_shape(grad, params):
    grad = np.asarray(grad, dtype=float)
    if params is not None and np.shape(params) != grad.shape:
        raise ValueError(
            f"grad has shape {grad.shape} but params have shape {np.shape(params)}"
        )
    return grad


def _gradient(grad, params, weight_decay):
    r"""The gradient as an array of ``params``' shape, plus the L2 term :math:`\lambda\theta`."""
    grad = _check_grad_shape(grad, params)
    if weight_decay == 0:
        return grad
    return grad + weight_decay * _params_for_decay(params)


def _params_for_decay(params):
    if params is None:
        raise ValueError("weight_decay needs the parameters: call update(grad, state, params)")
    return np.asarray(params, dtype=float)


def _ema(beta, average, x):
    r"""Exponential moving average :math:`\beta a + (1 - \beta) x`, as one new array.

    Computed as :math:`a + (1 - \beta)(x - a)` (torch's ``lerp``), in place in the new array.
    """
    out = x - average
    out *= 1.0 - beta
    out += average
    return out


def _check_beta(name, value):
    return check_interval(name, value, 0.0, 1.0)


def _check_nonneg(name, value):
    return check_positive(name, value, allow_zero=True)


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


def sgd(lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    r"""Stochastic gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    Parameters
    ----------
    lr : float or callable, default=1e-3
        Step size :math:`\eta > 0`, or a schedule ``t -> lr``.
    momentum : float, default=0
        :math:`\beta \in [0, 1)` (written β in the lessons, because :math:`\mu` is the
        smallest curvature); 0 is plain (stochastic) gradient descent.
    dampening : float, default=0
        :math:`\tau \in [0, 1)`: the new gradient enters the buffer with weight
        :math:`1 - \tau`.
    nesterov : bool, default=False
        Nesterov's accelerated gradient in torch's form (needs ``momentum > 0`` and
        ``dampening = 0``).
    weight_decay : float, default=0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda\theta`.

    Returns
    -------
    Optimizer
        With state :class:`SGDState`.

    Raises
    ------
    ValueError
        If a hyper-parameter is out of range, or ``nesterov=True`` without momentum or with
        dampening.

    Notes
    -----
    For :math:`t = 1, 2, \dots` with gradient :math:`g_t = \nabla f_t(\theta_{t-1})` and
    :math:`\eta_{t-1}` the schedule's value at ``state.count`` :math:`= t - 1` (the same
    convention in every optimizer here):

    .. math::

        \begin{aligned}
        & g_t \leftarrow g_t + \lambda\,\theta_{t-1} \\
        & b_t \leftarrow \begin{cases} g_t & t = 1 \\
                          \beta\, b_{t-1} + (1 - \tau)\, g_t & t > 1 \end{cases} \\
        & d_t \leftarrow \begin{cases} g_t + \beta\, b_t & \text{nesterov} \\
                          b_t & \text{otherwise} \end{cases} \\
        & \theta_t \leftarrow \theta_{t-1} - \eta_{t-1}\, d_t
        \end{aligned}

    With :math:`\beta = 0` this is gradient descent on the (mini-batch) gradient. Unrolling the
    buffer (:math:`\tau = 0`) gives :math:`b_t = \sum_{s \le t} \beta^{t-s} g_s`: a sum of past
    gradients whose weights decay geometrically, so along a direction where gradients agree
    the step grows towards :math:`\eta\, g / (1 - \beta)`, and where they alternate in sign they
    cancel. The buffer starts at :math:`b_1 = g_1` (torch's choice), not at
    :math:`(1 - \tau) g_1`.

    *Textbook forms.* Polyak's heavy ball (1964) is the two-step form
    :math:`\theta_t = \theta_{t-1} - \eta g_t + \beta(\theta_{t-1} - \theta_{t-2})`
    (:math:`\theta_{-1} = \theta_0`); the velocity form of Sutskever et al. and cs231n,
    :math:`v_t = \beta v_{t-1} - \eta g_t,\ \theta_t = \theta_{t-1} + v_t` (:math:`v_0 = 0`),
    is the same recursion written with :math:`v_t = \theta_t - \theta_{t-1}`. Both equal this
    update with :math:`v_t = -\eta b_t` when :math:`\eta` is constant and :math:`\tau = 0` (with
    a schedule, torch's form applies the new :math:`\eta_t` to the whole buffer, while the
    velocity keeps the old rates). Sutskever et al.'s Nesterov momentum,

    .. math:: v_t = \beta v_{t-1} - \eta \nabla f(\theta_{t-1} + \beta v_{t-1}),\qquad
              \theta_t = \theta_{t-1} + v_t ,

    evaluates the gradient at the look-ahead point. Substituting
    :math:`\phi_t = \theta_t + \beta v_t` (store the look-ahead point instead) gives
    :math:`\phi_t = \phi_{t-1} - \eta\,(g_t + \beta b_t)` with :math:`b_t = \beta b_{t-1} + g_t`
    and :math:`g_t = \nabla f(\phi_{t-1})` — torch's form above, which needs the gradient only
    at the stored parameters. The two coincide for constant :math:`\eta`, up to this change of
    variables (they produce the same sequence of look-ahead points).

    References
    ----------
    .. [1] Polyak, "Some methods of speeding up the convergence of iteration methods",
       *USSR Comput. Math. and Math. Phys.* 4(5), 1964.
    .. [2] Sutskever, Martens, Dahl, Hinton, "On the importance of initialization and momentum
       in deep learning", ICML 2013, §2.
    .. [3] Goodfellow, Bengio, Courville, *Deep Learning*, §8.3.1–8.3.3.
    .. [4] ``notebooks/04_stochastic_gradient_descent.ipynb``,
       ``notebooks/05_momentum_and_nesterov.ipynb``.

    Examples
    --------
    Two steps of heavy-ball momentum on :math:`f(\theta) = \lVert\theta\rVert^2`:

    >>> opt = sgd(lr=0.1, momentum=0.9)
    >>> params = np.array([1.0, -2.0])
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     step, state = opt.update(2 * params, state, params)
    ...     params = params - step
    >>> params                      # b_1 = g_1 = (2, -4); b_2 = 0.9 b_1 + (1.6, -3.2)
    array([ 0.46, -0.92])
    """
    schedule = as_schedule(lr)
    momentum = _check_beta("momentum", momentum)
    dampening = _check_beta("dampening", dampening)
    weight_decay = _check_nonneg("weight_decay", weight_decay)
    if nesterov and (momentum == 0 or dampening != 0):
        raise ValueError(
            "nesterov=True needs momentum > 0 and dampening = 0, got "
            f"{momentum=}, {dampening=}"
        )

    def init(params):
        return SGDState(count=0, momentum_buffer=None)

    def update(grad, state, params=None):
        g = _gradient(grad, params, weight_decay)
        buf = state.momentum_buffer
        if momentum:
            if buf is None:
                buf = g.copy()
            else:
                buf = momentum * buf  # a new array: the old state is left as it was
                buf += (1.0 - dampening) * g if dampening else g
            if nesterov:  # g + momentum * buf, with one new array
                look_ahead = momentum * buf
                look_ahead += g
                g = look_ahead
            else:
                g = buf
        return schedule(state.count) * g, SGDState(state.count + 1, buf)

    return Optimizer(init, update, schedule)


def adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
            eps=1e-10):
    r"""AdaGrad: per-coordinate steps scaled by the root of the summed squared gradients.

    Same as ``torch.optim.Adagrad`` with equal hyper-parameters.

    Parameters
    ----------
    lr : float or callable, default=1e-2
        Step size :math:`\eta > 0`, or a schedule ``t -> lr``.
    lr_decay : float, default=0
        :math:`\delta \ge 0`: the step size at global step :math:`t` (0-based) is
        :math:`\eta_t / (1 + t\,\delta)`. The returned ``Optimizer.lr`` includes this factor.
    weight_decay : float, default=0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient.
    initial_accumulator_value : float, default=0
        :math:`G_0 \ge 0`, the starting value of every coordinate's sum.
    eps : float, default=1e-10
        :math:`\epsilon \ge 0`, added outside the square root.

    Returns
    -------
    Optimizer
        With state :class:`AdagradState`.

    Raises
    ------
    ValueError
        If a hyper-parameter is out of range.

    Notes
    -----
    .. math::

        \begin{aligned}
        & g_t \leftarrow g_t + \lambda\,\theta_{t-1} \\
        & G_t \leftarrow G_{t-1} + g_t^2 \\
        & \theta_t \leftarrow \theta_{t-1}
          - \frac{\eta_{t-1}}{1 + (t-1)\,\delta}\, \frac{g_t}{\sqrt{G_t} + \epsilon}
        \end{aligned}

    (squares, roots and divisions element-wise). A coordinate that has seen large gradients
    takes small steps and a rarely-active one keeps large steps: the step of coordinate
    :math:`i` is :math:`\eta\, g_{t,i} / \lVert g_{1:t,i}\rVert_2`, at most :math:`\eta` in
    size. Because :math:`G_t` only grows, the effective step decays like :math:`1/\sqrt t` even
    with constant gradients: good for convex problems and sparse features, too aggressive for
    long non-convex runs (RMSprop replaces the sum by a moving average).

    Duchi et al. write :math:`\sqrt{\epsilon + G_t}` (eps inside the root); torch and mlopt add
    it outside. Both are :math:`\approx g/\sqrt{G}` wherever :math:`G_t \gg \epsilon^2`
    (respectively :math:`\gg \epsilon`); they differ only for coordinates whose gradients have
    been (almost) zero, where eps caps the step.

    References
    ----------
    .. [1] Duchi, Hazan, Singer, "Adaptive subgradient methods for online learning and
       stochastic optimization", *JMLR* 12, 2011.
    .. [2] Goodfellow, Bengio, Courville, *Deep Learning*, §8.5.1.
    .. [3] ``notebooks/06_adaptive_methods.ipynb``.

    Examples
    --------
    The first step has length ``lr`` in every coordinate, whatever the gradient's scale:

    >>> opt = adagrad(lr=0.1)
    >>> params = np.array([1.0, -2.0])
    >>> step, state = opt.update(np.array([100.0, -0.01]), opt.init(params), params)
    >>> step
    array([ 0.1, -0.1])
    >>> state.sum
    array([1.e+04, 1.e-04])
    """
    base = as_schedule(lr)
    lr_decay = _check_nonneg("lr_decay", lr_decay)
    weight_decay = _check_nonneg("weight_decay", weight_decay)
    initial_accumulator_value = _check_nonneg("initial_accumulator_value",
                                              initial_accumulator_value)
    eps = _check_nonneg("eps", eps)
    schedule = base if lr_decay == 0 else (lambda t: base(t) / (1.0 + t * lr_decay))

    def init(params):
        return AdagradState(count=0, sum=np.full(np.shape(params), initial_accumulator_value))

    def update(grad, state, params=None):
        g = _gradient(grad, params, weight_decay)
        G = state.sum + g * g
        step = schedule(state.count) * g / (np.sqrt(G) + eps)
        return step, AdagradState(state.count + 1, G)

    return Optimizer(init, update, schedule)


def rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    r"""RMSprop: steps scaled by a moving root-mean-square of the gradients.

    Same as ``torch.optim.RMSprop`` with equal hyper-parameters.

    Parameters
    ----------
    lr : float or callable, default=1e-2
        Step size :math:`\eta > 0`, or a schedule ``t -> lr``.
    alpha : float, default=0.99
        Smoothing constant :math:`\alpha \in [0, 1)` of the moving averages (often called
        :math:`\rho` or :math:`\beta_2`); memory of about :math:`1/(1-\alpha)` steps.
    eps : float, default=1e-8
        :math:`\epsilon \ge 0`, added outside the square root.
    weight_decay : float, default=0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient.
    momentum : float, default=0
        :math:`\beta \in [0, 1)`, momentum applied to the scaled gradient.
    centered : bool, default=False
        Divide by an estimate of the gradient's standard deviation instead of its root mean
        square.

    Returns
    -------
    Optimizer
        With state :class:`RMSpropState`.

    Raises
    ------
    ValueError
        If a hyper-parameter is out of range.

    Notes
    -----
    With :math:`v_0 = \bar g_0 = b_0 = 0`:

    .. math::

        \begin{aligned}
        & g_t \leftarrow g_t + \lambda\,\theta_{t-1} \\
        & v_t \leftarrow \alpha v_{t-1} + (1-\alpha)\, g_t^2 \\
        & \text{centered:}\ \ \bar g_t \leftarrow \alpha \bar g_{t-1} + (1-\alpha)\, g_t,
          \quad \tilde v_t = v_t - \bar g_t^2; \quad \text{else}\ \ \tilde v_t = v_t \\
        & d_t \leftarrow g_t / (\sqrt{\tilde v_t} + \epsilon) \\
        & \text{momentum:}\ \ b_t \leftarrow \beta b_{t-1} + d_t, \quad
          \theta_t \leftarrow \theta_{t-1} - \eta_{t-1} b_t;
          \quad \text{else}\ \ \theta_t \leftarrow \theta_{t-1} - \eta_{t-1} d_t
        \end{aligned}

    AdaGrad divides by the root of a sum that never forgets; RMSprop replaces the sum by an
    exponential moving average, so the scale adapts to the recent gradients: a coordinate
    whose gradients are consistently of size :math:`s` moves by about :math:`\eta` per step,
    whatever :math:`s`. Unlike :func:`sgd`, the momentum buffer starts at zero
    (:math:`b_1 = d_1`), as in torch. No bias correction: the first steps are larger than
    :math:`\eta`, by :math:`1/\sqrt{1 - \alpha}` at :math:`t = 1` (:func:`adam` corrects this).

    Hinton's lecture and TensorFlow 1 put eps inside the root, :math:`g/\sqrt{v + \epsilon}`;
    torch and mlopt add it outside. Both are :math:`\approx g/\sqrt v` wherever
    :math:`v \gg \epsilon^2` (resp. :math:`\gg \epsilon`), so they differ only for coordinates
    with (almost) vanishing gradients.

    References
    ----------
    .. [1] Hinton, Srivastava, Swersky, *Neural Networks for Machine Learning*, lecture 6e,
       2012.
    .. [2] Graves, "Generating sequences with recurrent neural networks", arXiv:1308.0850,
       eq. (38)–(41) (the centered form).
    .. [3] ``notebooks/06_adaptive_methods.ipynb``.

    Examples
    --------
    >>> opt = rmsprop(lr=0.01, alpha=0.75)
    >>> params = np.array([1.0, -2.0])
    >>> step, state = opt.update(np.array([3.0, -0.5]), opt.init(params), params)
    >>> step                        # eta / sqrt(1 - alpha) = 0.02 in each coordinate
    array([ 0.02, -0.02])
    """
    schedule = as_schedule(lr)
    alpha = _check_beta("alpha", alpha)
    eps = _check_nonneg("eps", eps)
    weight_decay = _check_nonneg("weight_decay", weight_decay)
    momentum = _check_beta("momentum", momentum)

    def init(params):
        zeros = np.zeros(np.shape(params))
        return RMSpropState(count=0, square_avg=zeros,
                            grad_avg=zeros if centered else None,
                            momentum_buffer=zeros if momentum else None)

    def update(grad, state, params=None):
        g = _gradient(grad, params, weight_decay)
        v = _ema(alpha, state.square_avg, g * g)
        g_avg = _ema(alpha, state.grad_avg, g) if centered else None
        v_tilde = v - g_avg * g_avg if centered else v
        d = g / (np.sqrt(v_tilde) + eps)
        buf = momentum * state.momentum_buffer + d if momentum else None
        step = schedule(state.count) * (buf if momentum else d)
        return step, RMSpropState(state.count + 1, v, g_avg, buf)

    return Optimizer(init, update, schedule)


def adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    r"""Adadelta: RMSprop with the units fixed by a moving average of past updates.

    Same as ``torch.optim.Adadelta`` with equal hyper-parameters (``lr=1.0`` is Zeiler's
    method, which has no learning rate).

    Parameters
    ----------
    lr : float or callable, default=1.0
        Factor :math:`\eta > 0` applied to the update, or a schedule ``t -> lr``.
    rho : float, default=0.9
        Decay :math:`\rho \in [0, 1)` of both moving averages.
    eps : float, default=1e-6
        :math:`\epsilon > 0`, added *inside* both square roots (Zeiler's and torch's form). It
        sets the size of the first steps: with :math:`\epsilon = 0` the parameters never move.
    weight_decay : float, default=0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient.

    Returns
    -------
    Optimizer
        With state :class:`AdadeltaState`.

    Raises
    ------
    ValueError
        If a hyper-parameter is out of range.

    Notes
    -----
    With :math:`v_0 = u_0 = 0`:

    .. math::

        \begin{aligned}
        & g_t \leftarrow g_t + \lambda\,\theta_{t-1} \\
        & v_t \leftarrow \rho\, v_{t-1} + (1-\rho)\, g_t^2 \\
        & \Delta_t \leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        & u_t \leftarrow \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2 \\
        & \theta_t \leftarrow \theta_{t-1} - \eta_{t-1}\, \Delta_t
        \end{aligned}

    Zeiler's argument: in :math:`\theta \leftarrow \theta - \eta\, g/\mathrm{RMS}(g)` the step
    has no units of :math:`\theta`; Newton's step :math:`H^{-1}g` has, and
    :math:`H^{-1} \approx \Delta\theta / \Delta g`. Replacing :math:`\eta` by
    :math:`\mathrm{RMS}(\Delta\theta)` gives a step with the right units and no learning rate.
    Here eps is inside the roots, as in the paper; it is what gets the iteration started
    (:math:`u_0 = 0`), so it is not the negligible safeguard it is in :func:`adam`.

    References
    ----------
    .. [1] Zeiler, "ADADELTA: an adaptive learning rate method", arXiv:1212.5701, Algorithm 1.
    .. [2] ``notebooks/06_adaptive_methods.ipynb``.

    Examples
    --------
    >>> opt = adadelta(rho=0.5, eps=1e-2)
    >>> params = np.array([1.0])
    >>> step, state = opt.update(np.array([0.99]), opt.init(params), params)
    >>> step                        # sqrt(0.01) / sqrt(0.5 * 0.99**2 + 0.01) * 0.99
    array([0.140...])
    """
    schedule = as_schedule(lr)
    rho = _check_beta("rho", rho)
    eps = check_positive("eps", eps)
    weight_decay = _check_nonneg("weight_decay", weight_decay)

    def init(params):
        zeros = np.zeros(np.shape(params))
        return AdadeltaState(count=0, square_avg=zeros, acc_delta=zeros)

    def update(grad, state, params=None):
        g = _gradient(grad, params, weight_decay)
        v = _ema(rho, state.square_avg, g * g)
        delta = np.sqrt(state.acc_delta + eps) / np.sqrt(v + eps) * g
        u = _ema(rho, state.acc_delta, delta * delta)
        return schedule(state.count) * delta, AdadeltaState(state.count + 1, v, u)

    return Optimizer(init, update, schedule)


def _check_adam(beta1, beta2, eps, weight_decay):
    return (_check_beta("beta1", beta1), _check_beta("beta2", beta2), _check_nonneg("eps", eps),
            _check_nonneg("weight_decay", weight_decay))


def adam(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False):
    r"""Adam: momentum on the gradient, RMSprop scaling, both bias-corrected; AMSGrad option.

    Same as ``torch.optim.Adam`` with equal hyper-parameters; torch groups the two decay rates
    as ``betas=(beta1, beta2)``.

    Parameters
    ----------
    lr : float or callable, default=1e-3
        Step size :math:`\eta > 0`, or a schedule ``t -> lr``.
    beta1 : float, default=0.9
        Decay :math:`\beta_1 \in [0, 1)` of the first moment (the momentum).
    beta2 : float, default=0.999
        Decay :math:`\beta_2 \in [0, 1)` of the second moment.
    eps : float, default=1e-8
        :math:`\epsilon \ge 0`, added outside the square root, after bias correction.
    weight_decay : float, default=0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient (coupled: it is rescaled by
        the adaptive denominator; :func:`adamw` decouples it).
    amsgrad : bool, default=False
        Divide by the running maximum of :math:`v_t` (AMSGrad), so that the per-coordinate
        step size never grows.

    Returns
    -------
    Optimizer
        With state :class:`AdamState`.

    Raises
    ------
    ValueError
        If a hyper-parameter is out of range.

    Notes
    -----
    With :math:`m_0 = v_0 = v_0^{\max} = 0`, for :math:`t = 1, 2, \dots`:

    .. math::

        \begin{aligned}
        & g_t \leftarrow g_t + \lambda\,\theta_{t-1} \\
        & m_t \leftarrow \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
        & v_t \leftarrow \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\
        & \hat m_t \leftarrow m_t / (1 - \beta_1^t) \\
        & \text{amsgrad:}\ \ v_t^{\max} \leftarrow \max(v_{t-1}^{\max}, v_t),\quad
          \hat v_t \leftarrow v_t^{\max} / (1 - \beta_2^t);
          \quad \text{else}\ \ \hat v_t \leftarrow v_t / (1 - \beta_2^t) \\
        & \theta_t \leftarrow \theta_{t-1} - \eta_{t-1}\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)
        \end{aligned}

    *Bias correction.* Unrolling, :math:`m_t = (1-\beta_1)\sum_{s\le t}\beta_1^{t-s} g_s`, so
    if the gradients have a constant mean :math:`\mathbb E g`, :math:`\mathbb E m_t =
    (1 - \beta_1^t)\,\mathbb E g`: the average started at zero is biased towards zero by the
    factor :math:`1 - \beta_1^t`, and dividing by it removes the bias (likewise for
    :math:`v_t`). With both corrections the first step is :math:`\eta\,\mathrm{sign}(g_1)`
    (for :math:`|g_1| \gg \epsilon`). Without either, it is :math:`\eta(1-\beta_1)/
    \sqrt{1-\beta_2} \approx 3.2\,\eta` at the defaults; correcting only :math:`v_t` gives
    :math:`0.1\,\eta`, only :math:`m_t` gives :math:`\eta/\sqrt{1-\beta_2} \approx 32\,\eta`.

    *AMSGrad* as in torch: the running maximum is taken of the raw :math:`v_t`, which is then
    bias-corrected with the current :math:`t`. Reddi et al.'s algorithm has no bias
    correction; taking the maximum of :math:`\hat v_t` instead would give different steps
    while :math:`1 - \beta_2^t` still changes.

    *eps.* Kingma and Ba's "efficient" form
    :math:`\theta_t = \theta_{t-1} - \eta\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}
    \frac{m_t}{\sqrt{v_t} + \hat\epsilon}` (TensorFlow's) adds eps before the bias correction;
    it equals the form above when :math:`\hat\epsilon = \epsilon\sqrt{1 - \beta_2^t}`, so for
    a fixed eps the two differ only where :math:`\sqrt{\hat v_t}` is comparable to eps. Some
    code puts eps inside the root, :math:`\sqrt{\hat v_t + \epsilon}`, which caps the step at
    :math:`|\hat m_t|/\sqrt\epsilon` rather than :math:`|\hat m_t|/\epsilon`.

    References
    ----------
    .. [1] Kingma and Ba, "Adam: a method for stochastic optimization", ICLR 2015,
       Algorithm 1 and §3 (bias correction).
    .. [2] Reddi, Kale, Kumar, "On the convergence of Adam and beyond", ICLR 2018 (AMSGrad).
    .. [3] ``notebooks/06_adaptive_methods.ipynb``.

    Examples
    --------
    Bias correction makes the first step ``lr * sign(g)``:

    >>> opt = adam(lr=0.1)
    >>> params = np.array([1.0, -2.0])
    >>> step, state = opt.update(np.array([3.0, -0.5]), opt.init(params), params)
    >>> step
    array([ 0.1, -0.1])
    >>> state.exp_avg               # m_1 = (1 - beta1) g_1, not bias-corrected
    array([ 0.3 , -0.05])
    """
    schedule = as_schedule(lr)
    beta1, beta2, eps, weight_decay = _check_adam(beta1, beta2, eps, weight_decay)

    def init(params):
        zeros = np.zeros(np.shape(params))
        return AdamState(count=0, exp_avg=zeros, exp_avg_sq=zeros,
                         max_exp_avg_sq=zeros if amsgrad else None)

    def update(grad, state, params=None):
        g = _gradient(grad, params, weight_decay)
        t = state.count + 1
        m = _ema(beta1, state.exp_avg, g)
        v = _ema(beta2, state.exp_avg_sq, g * g)
        v_max = np.maximum(state.max_exp_avg_sq, v) if amsgrad else None
        denom = np.sqrt(v_max if amsgrad else v) / math.sqrt(1.0 - beta2**t) + eps  # √v̂ + ε
        step = np.divide(m, denom, out=denom)  # reuses denom's memory
        step *= schedule(state.count) / (1.0 - beta1**t)  # η m̂ / (√v̂ + ε)
        return step, AdamState(t, m, v, v_max)

    return Optimizer(init, update, schedule)


def adamw(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, amsgrad=False):
    r"""AdamW: Adam with decoupled weight decay.

    Same as ``torch.optim.AdamW`` with equal hyper-parameters (note the default
    ``weight_decay=1e-2``); torch groups the two decay rates as ``betas=(beta1, beta2)``.

    Parameters
    ----------
    lr : float or callable, default=1e-3
        Step size :math:`\eta > 0`, or a schedule ``t -> lr``; it also scales the decay.
    beta1, beta2 : float, default=0.9, 0.999
        Moment decay rates in :math:`[0, 1)`, as in :func:`adam`.
    eps : float, default=1e-8
        :math:`\epsilon \ge 0`, added outside the square root.
    weight_decay : float, default=1e-2
        Decoupled decay rate :math:`\lambda \ge 0`: each step shrinks the parameters by the
        factor :math:`1 - \eta_t\lambda`, outside the adaptive scaling.
    amsgrad : bool, default=False
        Use AMSGrad's running maximum, as in :func:`adam`.

    Returns
    -------
    Optimizer
        With state :class:`AdamState`, the same as :func:`adam`'s.

    Raises
    ------
    ValueError
        If a hyper-parameter is out of range.

    Notes
    -----
    .. math::

        \begin{aligned}
        & \theta_{t-1} \leftarrow (1 - \eta_{t-1}\lambda)\,\theta_{t-1} \\
        & \theta_t \leftarrow \theta_{t-1} - \eta_{t-1}\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)
        \end{aligned}

    with :math:`\hat m_t, \hat v_t` from :func:`adam` run on the raw gradient (no
    :math:`\lambda\theta` term). Returned as one step,
    :math:`s_t = \eta\lambda\,\theta_{t-1} + \eta\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)`.

    For plain SGD, an L2 penalty :math:`\tfrac\lambda2\lVert\theta\rVert^2` and weight decay
    are the same thing. For Adam they are not: the penalty's gradient :math:`\lambda\theta`
    goes through :math:`m_t` and is divided by :math:`\sqrt{\hat v_t}`, so coordinates with
    large gradients are hardly regularized. Loshchilov and Hutter decouple the decay from the
    adaptive step, which regularizes every coordinate at the same relative rate.

    *Parameterization.* This is torch's: the decay per step is :math:`\eta_t\lambda` with
    :math:`\eta_t` the learning rate itself. Loshchilov and Hutter's Algorithm 2 writes
    :math:`\theta_t = \theta_{t-1} - \eta_t(\alpha\,\hat m_t/(\sqrt{\hat v_t}+\epsilon) +
    \lambda\theta_{t-1})` with a base rate :math:`\alpha` and a schedule multiplier
    :math:`\eta_t`, so its decay does not involve :math:`\alpha`: it equals this function with
    ``lr`` :math:`= \alpha\eta_t` and ``weight_decay`` :math:`= \lambda/\alpha`. The paper's
    finding that :math:`\lambda` and :math:`\alpha` can be tuned separately is about its own
    parameterization.

    References
    ----------
    .. [1] Loshchilov and Hutter, "Decoupled weight decay regularization", ICLR 2019,
       Algorithm 2.
    .. [2] ``notebooks/06_adaptive_methods.ipynb``.

    Examples
    --------
    The first step is ``lr * sign(g)`` (Adam) plus ``lr * weight_decay * params`` (decay):

    >>> opt = adamw(lr=0.1, weight_decay=0.5)
    >>> params = np.array([1.0, -2.0])
    >>> step, state = opt.update(np.array([3.0, -0.5]), opt.init(params), params)
    >>> step
    array([ 0.15, -0.2 ])
    """
    weight_decay = _check_nonneg("weight_decay", weight_decay)
    inner = adam(lr, beta1, beta2, eps, weight_decay=0.0, amsgrad=amsgrad)
    schedule = inner.lr

    def update(grad, state, params=None):
        step, new_state = inner.update(grad, state, params)
        if weight_decay:
            step += schedule(state.count) * weight_decay * _params_for_decay(params)
        return step, new_state

    return Optimizer(inner.init, update, schedule)


def momentum_rate(lr, momentum, eigenvalues, nesterov=False):
    r"""The linear rate of heavy-ball or Nesterov momentum on a quadratic: a spectral radius.

    Parameters
    ----------
    lr : float or ndarray
        Learning rate :math:`\eta`.
    momentum : float or ndarray
        :math:`\beta` (0 is gradient descent). ``lr`` and ``momentum`` broadcast together, so
        one call maps the rate over a grid of settings.
    eigenvalues : array_like
        Eigenvalues :math:`\lambda` of the Hessian (usually the extremes :math:`\mu, L`).
    nesterov : bool, default=False
        Nesterov's recurrence instead of the heavy ball's.

    Returns
    -------
    float or ndarray
        :math:`\rho = \max_\lambda \rho(M_\lambda)`: the error shrinks like :math:`\rho^t`
        (times a polynomial in :math:`t` when a :math:`M_\lambda` has a double eigenvalue).
        Above 1 the method diverges.

    Notes
    -----
    Along the eigenvector of :math:`\lambda` the iterates follow a two-step linear recurrence
    :math:`x_{t+1} = a\,x_t - b\,x_{t-1}`, i.e. :math:`(x_{t+1}, x_t) = M_\lambda (x_t, x_{t-1})`
    with :math:`M_\lambda = \begin{pmatrix} a & -b \\ 1 & 0\end{pmatrix}`:

    * heavy ball, :math:`a = 1 + \beta - \eta\lambda`, :math:`b = \beta`;
    * Nesterov (look-ahead points, torch's iterates), :math:`a = (1 + \beta)(1 - \eta\lambda)`,
      :math:`b = \beta(1 - \eta\lambda)`.

    The eigenvalues of :math:`M_\lambda` are the roots of :math:`z^2 - a z + b`; complex roots
    have modulus :math:`\sqrt b`.

    References
    ----------
    .. [1] Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.
    .. [2] Goh, "Why momentum really works", *Distill*, 2017.
    .. [3] ``notebooks/05_momentum_and_nesterov.ipynb``.

    Examples
    --------
    The optimal heavy ball for :math:`\kappa = 100` contracts by
    :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1) = 9/11` per step:

    >>> L, mu = 100.0, 1.0
    >>> lr, m = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, (9 / 11) ** 2
    >>> round(momentum_rate(lr, m, [mu, L]), 6), round(9 / 11, 6)
    (0.818182, 0.818182)

    Over several momenta at that learning rate (arrays broadcast): it is beyond gradient
    descent's limit :math:`2/L`, so without enough momentum the iteration diverges (rate > 1):

    >>> momentum_rate(lr, np.array([0.0, 0.5, m, 0.9]), [mu, L]).round(4)
    array([2.3058, 1.4643, 0.8182, 0.9487])
    """
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    lr = np.asarray(lr, dtype=float)[..., None]  # a trailing axis for the eigenvalues
    momentum = np.asarray(momentum, dtype=float)[..., None]
    if nesterov:
        a, b = (1 + momentum) * (1 - lr * lam), momentum * (1 - lr * lam)
    else:
        a, b = 1 + momentum - lr * lam, momentum + 0 * lam
    # roots of z^2 - a z + b, for every setting and every lambda at once
    disc = np.sqrt((a**2 - 4 * b).astype(complex))
    rate = np.maximum(np.abs((a + disc) / 2), np.abs((a - disc) / 2)).max(axis=-1)
    return float(rate) if rate.ndim == 0 else rate
