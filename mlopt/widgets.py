r"""Interactive explorers built on ipywidgets. Like :mod:`mlopt.plotting`, this module never
optimizes anything itself: every run comes from :func:`mlopt.training.minimize`, and the
pictures are drawn from its :class:`~mlopt.training.History`.

:func:`draw_run` draws one finished run (path on a contour, loss curve) and is meant to be
reused by every explorer; :func:`plot_gd_run` runs gradient descent once and draws it;
:func:`gd_explorer` puts sliders in front of :func:`plot_gd_run`.

Used from ``notebooks/03_gradient_descent.ipynb`` on.
"""

from __future__ import annotations

import math
import warnings

import IPython
import ipywidgets
import matplotlib.pyplot as plt
import numpy as np

from mlopt.optimizers import gd
from mlopt.plotting import plot_contour, plot_loss, plot_path
from mlopt.surfaces import quadratic
from mlopt.training import minimize

__all__ = ["draw_run", "plot_gd_run", "gd_explorer"]

_EXPLORER_ANGLE = math.pi / 6  # the default valley is tilted, as real ones are


def _explorer_quadratic(condition_number):
    # mu = 1/kappa makes L = 1 for every kappa: the learning rate then reads in units of 1/L
    # and gradient descent diverges beyond lr = 2 whatever the condition number.
    return quadratic(condition_number, mu=1.0 / condition_number, angle=_EXPLORER_ANGLE)


def draw_run(history, *, ax_path, ax_loss, label=None, color=None, optimum=0.0):
    """Draw one run: its path on ``ax_path`` and its loss curve on ``ax_loss``.

    The building block of every explorer: draw the contour once (:func:`plot_contour`), then
    call this for each run to compare.

    Parameters
    ----------
    history : History
        From :func:`mlopt.training.minimize` on a 2-D objective (params of shape
        ``(n_rows, 2)``).
    ax_path, ax_loss : matplotlib Axes
        Where to draw the iterates and the loss against iteration.
    label : str, optional
        Legend entry for both lines.
    color : color, optional
        Colour of both lines; the axes' next colour by default.
    optimum : float, default=0.0
        The optimal loss :math:`f^*`; the loss axis shows :math:`f(x_k) - f^*` on a log scale.

    Returns
    -------
    path_line, loss_line : matplotlib Line2D
        The two lines drawn; ``path_line.get_xydata()`` holds the finite iterates.

    Raises
    ------
    ValueError
        If the parameters are not 2-D.

    References
    ----------
    .. [1] ``notebooks/03_gradient_descent.ipynb``.

    Examples
    --------
    >>> from mlopt.surfaces import quadratic
    >>> f = quadratic(4.0)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # 5 steps are not enough: ConvergenceWarning
    ...     res = minimize(f, [1.0, 1.0], gd(lr=0.2), max_iter=5, tol=0.0)
    >>> fig, (ax_path, ax_loss) = plt.subplots(1, 2)
    >>> path_line, loss_line = draw_run(res.history, ax_path=ax_path, ax_loss=ax_loss)
    >>> np.array_equal(path_line.get_xydata(), res.history.params)
    True
    >>> plt.close(fig)
    """
    plot_path(history, ax=ax_path, label=label, color=color)
    path_line = ax_path.lines[-1]
    plot_loss(history, ax=ax_loss, label=label, color=path_line.get_color(), optimum=optimum)
    loss_line = ax_loss.lines[-1]
    return path_line, loss_line


def _status(result):
    """One line saying how a run of :func:`minimize` ended."""
    if result.status == 0:
        return f"converged in {result.nit} steps"
    if result.status == 2:
        return f"diverged at iteration {result.nit}"
    return f"not converged after {result.nit} steps: ‖∇f‖ = {result.history.grad_norm[-1]:.2e}"


def plot_gd_run(lr, *, surface=None, condition_number=10.0, n_steps=50, x0=(-1.5, 1.5),
                tol=1e-8, axes=None):
    r"""Run gradient descent on a 2-D surface and draw the path and the loss curve.

    This is the update function of :func:`gd_explorer`, usable on its own for a static
    picture.

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta > 0`.
    surface : Surface, optional
        From :mod:`mlopt.surfaces`. Default: a quadratic tilted by 30° with condition number
        ``condition_number``, scaled so that its largest curvature is :math:`L = 1`, so that
        ``lr`` reads in units of :math:`1/L` and descent diverges for ``lr > 2``.
    condition_number : float, default=10.0
        :math:`\kappa \ge 1` of the default quadratic; ignored when ``surface`` is given.
    n_steps : int, default=50
        Maximum number of gradient steps (``max_iter`` of :func:`minimize`).
    x0 : array_like, shape (2,), default=(-1.5, 1.5)
        Starting point.
    tol : float, default=1e-8
        Stop when the gradient norm is below ``tol``.
    axes : pair of matplotlib Axes, optional
        Where to draw (path, loss); a new 10 × 4 inch figure by default.

    Returns
    -------
    fig : matplotlib Figure
    result : scipy.optimize.OptimizeResult
        What :func:`minimize` returned, with its ``history``.

    Raises
    ------
    ValueError
        For a non-positive ``lr``, ``condition_number < 1`` or ``n_steps < 1``.

    Notes
    -----
    Divergence and non-convergence are expected while exploring: their warnings are silenced
    and the outcome is written in the figure's title instead. On a quadratic the title also
    shows :math:`2/L`, with :math:`L` the largest eigenvalue of the Hessian, the threshold of
    the descent lemma.

    References
    ----------
    .. [1] ``notebooks/03_gradient_descent.ipynb``.

    Examples
    --------
    >>> fig, res = plot_gd_run(0.5, condition_number=4.0, n_steps=300)
    >>> res.success, res.nit
    (True, 124)
    >>> fig, res = plot_gd_run(2.5)                         # beyond 2/L = 2
    >>> res.status, fig.axes[0].get_title()
    (2, 'η = 2.5 (2/L = 2): diverged at iteration 29')
    >>> plt.close("all")
    """
    if surface is None:
        surface = _explorer_quadratic(condition_number)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DivergenceWarning / ConvergenceWarning: see title
        result = minimize(surface, x0, gd(lr=lr), max_iter=n_steps, tol=tol)
    optimum = float(surface.value(surface.minimizer))
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    ax_path, ax_loss = axes

    plot_contour(surface, ax=ax_path)
    ax_path.set_aspect("equal")  # gradients are perpendicular to the contours only then
    draw_run(result.history, ax_path=ax_path, ax_loss=ax_loss, color="C3", optimum=optimum)
    threshold = ""
    if surface.hessian is not None:
        lipschitz = np.linalg.eigvalsh(surface.hessian)[-1]
        threshold = f" (2/L = {2 / lipschitz:.3g})"
    ax_path.set_title(f"η = {lr:.3g}{threshold}: {_status(result)}")
    ax_loss.set_title(f"{surface.name}: loss against iteration")
    return ax_path.figure, result


def gd_explorer(surface=None, *, lr=0.5, condition_number=10.0, n_steps=50, x0=(-1.5, 1.5),
                lr_range=(1e-3, 3.0), max_condition_number=100.0):
    r"""Sliders for gradient descent on a 2-D surface: learning rate, conditioning, steps, start.

    Each change reruns :func:`plot_gd_run`: :func:`mlopt.training.minimize` with
    :func:`mlopt.optimizers.gd`, then the path on the contour and the loss curve.

    Parameters
    ----------
    surface : Surface, optional
        From :mod:`mlopt.surfaces`. Default: a tilted quadratic with :math:`L = 1` and a
        condition-number slider, so the learning rate reads in units of :math:`1/L`
        (divergence beyond 2, the best fixed step at :math:`2/(1 + 1/\kappa)`).
    lr : float, default=0.5
        Initial learning rate.
    condition_number : float, default=10.0
        Initial :math:`\kappa` of the default quadratic (slider from 1 to
        ``max_condition_number``, log scale); ignored when ``surface`` is given.
    n_steps : int, default=50
        Initial maximum number of steps (slider from 1 to 300).
    x0 : array_like, shape (2,), default=(-1.5, 1.5)
        Initial starting point (one slider per coordinate, over the surface's plotting window).
    lr_range : (float, float), default=(1e-3, 3.0)
        Range of the logarithmic learning-rate slider.
    max_condition_number : float, default=100.0
        Upper end of the condition-number slider.

    Returns
    -------
    ipywidgets.interactive
        A VBox of sliders and an output area: ``.children[:-1]`` are the sliders, in the
        order learning rate, condition number (default surface only), number of steps,
        start :math:`x_1`, start :math:`x_2`; ``.result`` holds ``(fig, result)`` of the
        latest run.

    Raises
    ------
    ValueError
        If ``lr_range`` is not an increasing pair of positive numbers or ``lr`` is outside it.

    Notes
    -----
    On a quadratic :math:`f(x) = \tfrac12 x^\top A x`, one step multiplies the error along
    the eigenvector of eigenvalue :math:`\lambda` by :math:`1 - \eta\lambda`. Things to try:
    :math:`\eta` just below and just above :math:`2/L` (zig-zag, then divergence), the
    best fixed step :math:`2/(L+\mu)`, and how many steps :math:`\eta = 1/L` needs as
    :math:`\kappa` grows (about :math:`\kappa` per factor :math:`e`).

    Sliders update on release (``continuous_update=False``): each update reruns and
    redraws. In JupyterLab the figure is shown by the ``%matplotlib inline`` backend.

    References
    ----------
    .. [1] ipywidgets, "Using Interact", https://ipywidgets.readthedocs.io.
    .. [2] ``notebooks/03_gradient_descent.ipynb``.

    Examples
    --------
    >>> explorer = gd_explorer(lr=0.1, n_steps=20)
    >>> [w.description for w in explorer.children[:-1]]
    ['lr', 'κ', 'steps', 'x₁ start', 'x₂ start']
    >>> fig, res = explorer.result
    >>> res.nit
    20
    >>> explorer.children[0].value = 3.0     # move the lr slider beyond 2/L
    >>> fig, res = explorer.result
    >>> res.status                                  # 2: diverged
    2
    >>> plt.close("all")
    """
    lo, hi = (float(v) for v in lr_range)
    if not (0 < lo < hi and np.isfinite(hi)):
        raise ValueError(
            f"lr_range must be an increasing pair of positive numbers, got {lr_range=}"
        )
    if not lo <= lr <= hi:
        raise ValueError(f"lr must lie in lr_range={lr_range}, got {lr=}")
    x0 = np.asarray(x0, dtype=float)
    window = surface if surface is not None else _explorer_quadratic(condition_number)
    common = {"continuous_update": False, "style": {"description_width": "initial"}}

    controls = {
        "lr": ipywidgets.FloatLogSlider(
            value=lr, base=10, min=math.log10(lo), max=math.log10(hi), step=0.01,
            readout_format=".3g", description="lr", **common),
    }
    if surface is None:
        controls["condition_number"] = ipywidgets.FloatLogSlider(
            value=condition_number, base=10, min=0.0, max=math.log10(max_condition_number),
            step=0.05, readout_format=".3g", description="κ", **common)
    else:
        controls["condition_number"] = ipywidgets.fixed(condition_number)  # no slider
    controls["n_steps"] = ipywidgets.IntSlider(
        value=n_steps, min=1, max=300, description="steps", **common)
    for i, (name, lim) in enumerate((("x₁", window.xlim), ("x₂", window.ylim))):
        controls[f"x{i + 1}_start"] = ipywidgets.FloatSlider(
            value=x0[i], min=lim[0], max=lim[1], step=0.05, description=f"{name} start",
            **common)

    def update(lr, condition_number, n_steps, x1_start, x2_start):
        return plot_gd_run(lr, surface=surface, condition_number=condition_number,
                           n_steps=n_steps, x0=(x1_start, x2_start))

    # Outside a kernel (scripts, doctests) there is no output area to clear, and IPython's
    # clear_output would print terminal control codes instead.
    return ipywidgets.interactive(update, clear_output=_in_kernel(), **controls)


def _in_kernel():
    shell = IPython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")
