r"""Interactive explorers built on ipywidgets. Like :mod:`mlopt.plotting`, this module never
optimizes anything itself: every run comes from :func:`mlopt.training.minimize`, and the
pictures are drawn from its :class:`~mlopt.training.History`.

:func:`draw_run` draws one finished run (path on a contour, loss curve) and is meant to be
reused by every explorer; :func:`plot_gd_run` runs gradient descent once and draws it;
:func:`gd_explorer` puts sliders in front of :func:`plot_gd_run`. :func:`plot_momentum_run` and
:func:`momentum_explorer` do the same for the heavy ball and Nesterov's momentum on a quadratic,
with the theoretical rate; :func:`plot_race` and :func:`optimizer_race` run several optimizers
from one starting point on one surface and overlay them.

Used from ``notebooks/03_gradient_descent.ipynb`` on.
"""

from __future__ import annotations

import io
import math
import warnings

import IPython
import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
from IPython.display import clear_output, display
from matplotlib.figure import Figure

from mlopt.optimizers import adadelta, adagrad, adam, gd, momentum_rate, rmsprop, sgd
from mlopt.plotting import plot_contour, plot_loss, plot_path
from mlopt.surfaces import quadratic
from mlopt.training import minimize

__all__ = [
    "Explorer",
    "draw_run",
    "plot_gd_run",
    "gd_explorer",
    "RACE_OPTIMIZERS",
    "plot_race",
    "optimizer_race",
    "plot_momentum_run",
    "momentum_explorer",
]

_EXPLORER_ANGLE = math.pi / 6  # the default valley is tilted, as real ones are
_EXPLORER_FIGSIZE = (9.6, 4.6)  # the width of the notebook column (see use_course_style)


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


def _legend_below(ax):
    """The legend under the axes: run outcomes are long, and the curves need the room."""
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=1)


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
        Where to draw (path, loss); a new 9.6 × 4.6 inch figure by default.

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
    (2, 'η = 2.5 (2/L = 2):\ndiverged at iteration 29')
    >>> plt.close("all")
    """
    if surface is None:
        surface = _explorer_quadratic(condition_number)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DivergenceWarning / ConvergenceWarning: see title
        result = minimize(surface, x0, gd(lr=lr), max_iter=n_steps, tol=tol)
    optimum = float(surface.value(surface.minimizer))
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=_EXPLORER_FIGSIZE, layout="constrained")
    ax_path, ax_loss = axes

    plot_contour(surface, ax=ax_path)
    ax_path.set_aspect("equal")  # gradients are perpendicular to the contours only then
    draw_run(result.history, ax_path=ax_path, ax_loss=ax_loss, color="C3", optimum=optimum)
    threshold = ""
    if surface.hessian is not None:
        lipschitz = np.linalg.eigvalsh(surface.hessian)[-1]
        threshold = f" (2/L = {2 / lipschitz:.3g})"
    ax_path.set_title(f"η = {lr:.3g}{threshold}:\n{_status(result)}", fontsize=10)
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
    Explorer
        A VBox of sliders and an output area: ``.children[:-1]`` are the sliders, in the
        order learning rate, condition number (default surface only), number of steps,
        start :math:`\theta_1`, start :math:`\theta_2`; ``.result`` holds ``(fig, result)``
        of the latest run.

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

    Sliders update on release (``continuous_update=False``), or on each arrow key: each
    update reruns and redraws (see :class:`Explorer` for how, and why it does not depend on
    the matplotlib backend).

    References
    ----------
    .. [1] ipywidgets, "Output widgets", https://ipywidgets.readthedocs.io.
    .. [2] ``notebooks/03_gradient_descent.ipynb``.

    Examples
    --------
    >>> explorer = gd_explorer(lr=0.1, n_steps=20)
    >>> [w.description for w in explorer.children[:-1]]
    ['lr', 'κ', 'steps', 'θ₁ start', 'θ₂ start']
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
    for i, (name, lim) in enumerate((("θ₁", window.xlim), ("θ₂", window.ylim))):
        controls[f"x{i + 1}_start"] = ipywidgets.FloatSlider(
            value=x0[i], min=lim[0], max=lim[1], step=0.05, description=f"{name} start",
            **common)

    def update(lr, condition_number, n_steps, x1_start, x2_start, axes):
        return plot_gd_run(lr, surface=surface, condition_number=condition_number,
                           n_steps=n_steps, x0=(x1_start, x2_start), axes=axes)

    return Explorer(update, controls, figsize=_EXPLORER_FIGSIZE)


def _in_kernel():
    shell = IPython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


# --- the explorer widget -----------------------------------------------------------------------

SNAPSHOT_CAPTION = "snapshot: run the cell to use the sliders"


def _png(fig, **kwargs):
    """The figure as a PNG of at most 128 colours: a quarter of the bytes, the same picture.

    ``kwargs`` go to ``savefig``. The explorers' figures use constrained layout, which already
    fits every label and legend inside the figure: without ``bbox_inches="tight"`` (a second
    layout pass) a redraw takes about 0.2 s less.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", **kwargs)
    buffer.seek(0)
    image = PIL.Image.open(buffer).convert("RGB")
    image = image.quantize(colors=128, method=PIL.Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()


class Explorer(ipywidgets.VBox):
    r"""Controls above a figure that is redrawn from scratch on every change.

    What :func:`gd_explorer`, :func:`momentum_explorer` and :func:`optimizer_race` return.
    Each change of a control calls ``update(**values, axes=(ax_path, ax_loss))`` on a new
    figure and shows the result in the output area below the controls.

    Parameters
    ----------
    update : callable
        ``update(**values, axes) -> (fig, result)`` or ``None`` (nothing to draw). Gets one
        keyword per control (its current value) and a pair of Axes of a new figure; runs and
        draws. A ``ValueError`` it raises is shown as one line in the output area.
    controls : dict
        ``{keyword: widget}``: ipywidgets value widgets, shown in this order, and
        ``ipywidgets.fixed(value)`` for keywords without a control.
    figsize : (float, float)
        Size of each new figure, in inches.

    Attributes
    ----------
    children : tuple of widgets
        The controls, then the :class:`ipywidgets.Output` area: ``children[:-1]`` are the
        controls.
    result : tuple or None
        What the latest ``update`` returned, usually ``(fig, result)``.
    n_draws : int
        How many figures have been drawn so far.

    Notes
    -----
    Why this works in every front end: each update draws a new
    :class:`matplotlib.figure.Figure` that pyplot does not track (so no figure is left open),
    renders it to PNG itself and displays the PNG in an :class:`ipywidgets.Output` after
    ``clear_output(wait=True)`` (the old picture stays until the new one arrives, so the page
    does not jump). Nothing depends on the matplotlib backend; ``ipywidgets.interact`` instead
    redraws inline figures only under a backend named
    ``module://matplotlib_inline.backend_inline``, and stayed still under the one named
    ``inline``.

    Stored outputs: besides the widget itself, the cell's output carries a PNG of the last
    figure with the caption :data:`SNAPSHOT_CAPTION`. Viewers without the running kernel
    (GitHub, nbconvert, JupyterLab on a notebook that is not trusted yet) show that snapshot
    instead of the widget's text, and running the cell brings the live controls back. Saving
    from ``make lab`` keeps the snapshot and drops the widget's view (see :mod:`mlopt._lab`):
    a saved notebook is trusted, and its view would otherwise say "model not found" once the
    kernel that held the widget is gone.

    Examples
    --------
    >>> import ipywidgets
    >>> from mlopt.plotting import plot_contour
    >>> from mlopt.surfaces import quadratic
    >>> def update(kappa, axes):
    ...     f = quadratic(kappa)
    ...     plot_contour(f, ax=axes[0])
    ...     return axes[0].figure, f
    >>> explorer = Explorer(update, {"kappa": ipywidgets.FloatSlider(2.0, min=1, max=10)},
    ...                     figsize=(6, 3))
    >>> explorer.children[0].value = 5.0
    >>> explorer.n_draws, explorer.result[1].name
    (2, 'quadratic, κ = 5')
    """

    def __init__(self, update, controls, *, figsize):
        self._update = update
        self._figsize = tuple(figsize)
        self._fixed = {k: w.value for k, w in controls.items()
                       if isinstance(w, ipywidgets.fixed)}
        self.controls = {k: w for k, w in controls.items()
                         if not isinstance(w, ipywidgets.fixed)}
        self.output = ipywidgets.Output()
        super().__init__(children=[*self.controls.values(), self.output])
        self.result = None
        self.n_draws = 0
        self._figure = None
        for widget in self.controls.values():
            widget.observe(self.update, names="value")
        self.update()

    @property
    def kwargs(self):
        """The current value of every control (and of the fixed keywords)."""
        return {**{k: w.value for k, w in self.controls.items()}, **self._fixed}

    def update(self, change=None):
        """Run and draw with the current values; called on every change of a control."""
        fig = Figure(figsize=self._figsize, layout="constrained")
        axes = fig.subplots(1, 2)
        live = _in_kernel()  # outside a kernel there is no output area to draw into
        with self.output:
            if live:
                clear_output(wait=True)
            try:
                self.result = self._update(axes=axes, **self.kwargs)
            except ValueError as error:  # a combination of values the method rejects
                self.result = None
                print(f"Cannot draw this setting: {error}")
                if not live:
                    raise
            if self.result is None:
                self._figure = None
                return
            self._figure = self.result[0]
            self.n_draws += 1
            if live:
                title = self._figure.axes[0].get_title()
                display({"image/png": _png(self._figure), "text/plain": f"<figure: {title}>"},
                        raw=True)

    def snapshot_png(self, dpi=60):
        """The latest figure as a small PNG, captioned :data:`SNAPSHOT_CAPTION`."""
        if self._figure is None:
            return None
        caption = self._figure.text(0.5, 1.0, SNAPSHOT_CAPTION, ha="center", va="bottom",
                                    fontsize=11, style="italic", color="0.3")
        try:
            return _png(self._figure, dpi=dpi, bbox_inches="tight")  # the caption is above
        finally:
            caption.remove()

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        # The widget renderer wins where it can run (a live, trusted output); everywhere else
        # the front end falls back to the snapshot, never to the widget's repr.
        bundle["text/plain"] = SNAPSHOT_CAPTION
        png = self.snapshot_png()
        if png is not None:
            bundle["image/png"] = png
        return bundle


# --- the optimizer race ------------------------------------------------------------------------

#: The optimizers :func:`optimizer_race` knows, by name: ``factory(lr, momentum) -> Optimizer``.
#: ``momentum`` is used by "momentum" and "nesterov" only; the adaptive methods keep their
#: defaults (Adam's ``beta1 = 0.9`` is its own momentum).
RACE_OPTIMIZERS = {
    "gd": lambda lr, momentum: gd(lr=lr),
    "momentum": lambda lr, momentum: sgd(lr=lr, momentum=momentum),
    "nesterov": lambda lr, momentum: sgd(lr=lr, momentum=momentum, nesterov=momentum > 0),
    "adagrad": lambda lr, momentum: adagrad(lr=lr),
    "rmsprop": lambda lr, momentum: rmsprop(lr=lr),
    "adadelta": lambda lr, momentum: adadelta(lr=lr),
    "adam": lambda lr, momentum: adam(lr=lr),
    "amsgrad": lambda lr, momentum: adam(lr=lr, amsgrad=True),
}


def _race_names(optimizers):
    names = (optimizers,) if isinstance(optimizers, str) else tuple(optimizers)
    unknown = [n for n in names if n not in RACE_OPTIMIZERS]
    if unknown or not names:
        raise ValueError(
            f"optimizers must be a non-empty list of names from {sorted(RACE_OPTIMIZERS)}, "
            f"got {optimizers!r}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"optimizers must not repeat a name, got {optimizers!r}")
    return names


def _race_lrs(lr, names):
    if isinstance(lr, dict):
        missing = [n for n in names if n not in lr]
        if missing:
            raise ValueError(f"lr has no learning rate for {missing}; give one per optimizer")
        return {n: float(lr[n]) for n in names}
    return {n: float(lr) for n in names}


def _default_start(surface):
    """A starting point up and to the left of the window's centre, away from the minimum."""
    (x_lo, x_hi), (y_lo, y_hi) = surface.xlim, surface.ylim
    return np.array([x_lo + 0.25 * (x_hi - x_lo), y_hi - 0.25 * (y_hi - y_lo)])


def plot_race(surface=None, optimizers=("gd", "momentum", "nesterov", "adam"), *, lr=0.1,
              momentum=0.9, n_steps=100, x0=None, tol=1e-8, condition_number=10.0, axes=None):
    r"""Run several optimizers from one point on one surface; overlay their paths and losses.

    This is the update function of :func:`optimizer_race`, usable on its own for a static
    picture.

    Parameters
    ----------
    surface : Surface, optional
        From :mod:`mlopt.surfaces`. Default: the tilted quadratic of :func:`gd_explorer`, with
        largest curvature :math:`L = 1` and condition number ``condition_number``.
    optimizers : sequence of str, default=("gd", "momentum", "nesterov", "adam")
        Names from :data:`RACE_OPTIMIZERS`, drawn in this order with colours C0, C1, ...
    lr : float or dict, default=0.1
        One learning rate for all, or ``{name: lr}`` with one per optimizer (a fair race gives
        each optimizer its own tuned learning rate).
    momentum : float, default=0.9
        :math:`\beta` of "momentum" and "nesterov" (``nesterov`` with ``momentum=0`` is plain
        gradient descent).
    n_steps : int, default=100
        Maximum number of steps of each run (``max_iter`` of :func:`minimize`).
    x0 : array_like, shape (2,), optional
        Common starting point; default ``(-1.5, 1.5)`` on the default quadratic, else a point
        a quarter of the window in from its upper-left corner.
    tol : float, default=1e-8
        A run stops when its gradient norm is below ``tol``.
    condition_number : float, default=10.0
        :math:`\kappa` of the default quadratic; ignored when ``surface`` is given.
    axes : pair of matplotlib Axes, optional
        Where to draw (path, loss); a new 9.6 × 4.6 inch figure by default.

    Returns
    -------
    fig : matplotlib Figure
    results : dict
        ``{name: OptimizeResult}`` of :func:`minimize`, each with its ``history``, in the
        order of ``optimizers``.

    Raises
    ------
    ValueError
        For an unknown or repeated optimizer name, a missing learning rate in a dict, or a
        hyper-parameter the optimizer rejects.

    Notes
    -----
    Divergence and non-convergence are part of the race: warnings are silenced and each
    run's outcome is written in the legend of the loss panel. Paths that leave the window
    are clipped by it, not rescaled.

    References
    ----------
    .. [1] ``notebooks/05_momentum_and_nesterov.ipynb``, ``notebooks/06_adaptive_methods.ipynb``.

    Examples
    --------
    Each at its best tuning for :math:`\kappa = 100` (:math:`L = 1`, :math:`\mu = 0.01`):

    >>> fig, results = plot_race(optimizers=["gd", "momentum"], condition_number=100.0,
    ...                          lr={"gd": 2 / 1.01, "momentum": 4 / 1.1**2},
    ...                          momentum=(9 / 11) ** 2, n_steps=2000)
    >>> {name: res.nit for name, res in results.items()}
    {'gd': 957, 'momentum': 123}
    >>> plt.close("all")
    """
    names = _race_names(optimizers)
    lrs = _race_lrs(lr, names)
    opts = {n: RACE_OPTIMIZERS[n](lrs[n], momentum) for n in names}  # checks eagerly
    if surface is None:
        surface = _explorer_quadratic(condition_number)
        start = np.array([-1.5, 1.5]) if x0 is None else np.asarray(x0, dtype=float)
    else:
        start = _default_start(surface) if x0 is None else np.asarray(x0, dtype=float)
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DivergenceWarning / ConvergenceWarning: see legend
        for n in names:
            results[n] = minimize(surface, start, opts[n], max_iter=n_steps, tol=tol)
    optimum = float(surface.value(surface.minimizer))
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=_EXPLORER_FIGSIZE, layout="constrained")
    ax_path, ax_loss = axes
    plot_contour(surface, ax=ax_path)
    ax_path.set_aspect("equal")
    for i, (n, res) in enumerate(results.items()):
        label = f"{n} (lr = {lrs[n]:.3g}): {_status(res)}"
        draw_run(res.history, ax_path=ax_path, ax_loss=ax_loss, label=label, color=f"C{i}",
                 optimum=optimum)
    ax_path.get_legend().remove()
    _legend_below(ax_loss)
    uses_momentum = [n for n in names if n in ("momentum", "nesterov")]
    extra = f", momentum β = {momentum:.3g}" if uses_momentum else ""
    ax_path.set_title(f"{surface.name}:\npaths from ({start[0]:.3g}, {start[1]:.3g}){extra}",
                      fontsize=10)
    ax_loss.set_title("loss − optimum against iteration\n(log scale)", fontsize=10)
    return ax_path.figure, results


def optimizer_race(surface=None, *, optimizers=("gd", "momentum", "nesterov", "adam"), lr=0.1,
                   momentum=0.9, n_steps=100, x0=None, lr_range=(1e-4, 4.0),
                   condition_number=10.0, max_condition_number=1000.0):
    r"""Sliders for a race between optimizers on a 2-D surface.

    Each change reruns :func:`plot_race`: :func:`mlopt.training.minimize` for every selected
    optimizer from the same starting point, then the paths on the contour and the loss curves.

    Parameters
    ----------
    surface : Surface, optional
        From :mod:`mlopt.surfaces`. Default: the tilted quadratic with :math:`L = 1` and a
        condition-number slider.
    optimizers : sequence of str, default=("gd", "momentum", "nesterov", "adam")
        The contestants, names from :data:`RACE_OPTIMIZERS`; each gets its own learning-rate
        slider, and a multiple selection chooses which of them run.
    lr : float or dict, default=0.1
        Initial learning rates: one for all, or ``{name: lr}``.
    momentum : float, default=0.9
        Initial :math:`\beta` of "momentum" and "nesterov" (slider from 0 to 0.99).
    n_steps : int, default=100
        Initial maximum number of steps (slider from 1 to 1000).
    x0 : array_like, shape (2,), optional
        Starting point, as in :func:`plot_race`.
    lr_range : (float, float), default=(1e-4, 4.0)
        Range of the logarithmic learning-rate sliders (on the default quadratic, L = 1, the
        heavy ball is stable up to 2(1 + β) < 4).
    condition_number : float, default=10.0
        Initial :math:`\kappa` of the default quadratic; ignored when ``surface`` is given.
    max_condition_number : float, default=1000.0
        Upper end of the condition-number slider.

    Returns
    -------
    Explorer
        ``.children[:-1]`` are the controls, in the order: the optimizer selection, one
        learning-rate slider per optimizer (``"lr <name>"``), momentum, κ (default surface
        only), steps; ``.result`` holds ``(fig, results)`` of the latest race.

    Raises
    ------
    ValueError
        For unknown optimizer names, a bad ``lr_range`` or a learning rate outside it.

    Notes
    -----
    Things to try on the default quadratic: gradient descent at its best step
    :math:`2/(L+\mu)` against momentum at :math:`4/(\sqrt L+\sqrt\mu)^2` and
    :math:`((\sqrt\kappa-1)/(\sqrt\kappa+1))^2` (chapter 05) as :math:`\kappa` grows; on
    Rosenbrock or Beale (pass ``surface`` and ``x0``), how far each learning rate can be pushed
    before its optimizer diverges (chapter 06).

    References
    ----------
    .. [1] ``notebooks/05_momentum_and_nesterov.ipynb``, ``notebooks/06_adaptive_methods.ipynb``.

    Examples
    --------
    >>> race = optimizer_race(optimizers=["gd", "momentum"], lr={"gd": 1.0, "momentum": 0.3})
    >>> [w.description for w in race.children[:-1]]
    ['optimizers', 'lr gd', 'lr momentum', 'momentum', 'κ', 'steps']
    >>> fig, results = race.result
    >>> list(results)
    ['gd', 'momentum']
    >>> race.children[0].value = ("momentum",)          # run only one of them
    >>> list(race.result[1])
    ['momentum']
    >>> plt.close("all")
    """
    names = _race_names(optimizers)
    lrs = _race_lrs(lr, names)
    lo, hi = _check_lr_range(lr_range)
    outside = {n: v for n, v in lrs.items() if not lo <= v <= hi}
    if outside:
        raise ValueError(f"lr must lie in lr_range={lr_range}, got {outside}")
    common = {"continuous_update": False, "style": {"description_width": "initial"}}
    controls = {
        "selected": ipywidgets.SelectMultiple(
            options=names, value=names, rows=min(len(names), 8), description="optimizers"),
    }
    for n in names:
        controls[f"lr_{n}"] = ipywidgets.FloatLogSlider(
            value=lrs[n], base=10, min=math.log10(lo), max=math.log10(hi), step=0.01,
            readout_format=".3g", description=f"lr {n}", **common)
    controls["momentum"] = ipywidgets.FloatSlider(
        value=momentum, min=0.0, max=0.99, step=0.01, description="momentum", **common)
    if surface is None:
        controls["condition_number"] = ipywidgets.FloatLogSlider(
            value=condition_number, base=10, min=0.0, max=math.log10(max_condition_number),
            step=0.05, readout_format=".3g", description="κ", **common)
    else:
        controls["condition_number"] = ipywidgets.fixed(condition_number)
    controls["n_steps"] = ipywidgets.IntSlider(
        value=n_steps, min=1, max=1000, description="steps", **common)

    def update(axes, **values):
        chosen = [n for n in names if n in values["selected"]]
        if not chosen:
            print("Select at least one optimizer.")
            return None
        return plot_race(surface, chosen, lr={n: values[f"lr_{n}"] for n in chosen},
                         momentum=values["momentum"], n_steps=values["n_steps"], x0=x0,
                         condition_number=values["condition_number"], axes=axes)

    return Explorer(update, controls, figsize=_EXPLORER_FIGSIZE)


def _check_lr_range(lr_range):
    lo, hi = (float(v) for v in lr_range)
    if not (0 < lo < hi and np.isfinite(hi)):
        raise ValueError(
            f"lr_range must be an increasing pair of positive numbers, got {lr_range=}"
        )
    return lo, hi


# --- the momentum explorer ---------------------------------------------------------------------

def plot_momentum_run(lr, momentum, *, nesterov=False, condition_number=10.0, n_steps=100,
                      x0=(-1.5, 1.5), tol=1e-8, axes=None):
    r"""Run heavy-ball (or Nesterov) momentum on a quadratic; draw it beside gradient descent.

    The update function of :func:`momentum_explorer`. The quadratic is the tilted one of
    :func:`gd_explorer`, scaled to largest curvature :math:`L = 1` (so ``lr`` reads in units
    of :math:`1/L`) and smallest :math:`\mu = 1/\kappa`.

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta > 0`, used by both runs.
    momentum : float
        :math:`\beta \in [0, 1)`.
    nesterov : bool, default=False
        Nesterov's momentum (torch's form) instead of the heavy ball.
    condition_number : float, default=10.0
        :math:`\kappa \ge 1`.
    n_steps : int, default=100
        Maximum number of steps.
    x0 : array_like, shape (2,), default=(-1.5, 1.5)
        Starting point.
    tol : float, default=1e-8
        Stop when the gradient norm is below ``tol``.
    axes : pair of matplotlib Axes, optional
        Where to draw (path, loss); a new 9.6 × 4.6 inch figure by default.

    Returns
    -------
    fig : matplotlib Figure
    result : scipy.optimize.OptimizeResult
        The momentum run (its ``history`` is the drawn path); the gradient-descent run at the
        same ``lr`` is drawn in grey for comparison.

    Raises
    ------
    ValueError
        For a non-positive ``lr``, ``momentum`` outside [0, 1) or ``condition_number < 1``.

    Notes
    -----
    The path title shows the theoretical rate :math:`\rho` of
    :func:`mlopt.optimizers.momentum_rate` for the two eigenvalues :math:`1/\kappa` and
    :math:`1`; the loss panel draws :math:`f(x_0)\rho^{2t}` (the loss is quadratic in the
    error) as a dashed guide. Its title gives the optimal
    heavy-ball tuning :math:`\eta^\star = 4/(\sqrt L+\sqrt\mu)^2`,
    :math:`\beta^\star = ((\sqrt\kappa-1)/(\sqrt\kappa+1))^2` and the rate it reaches.

    References
    ----------
    .. [1] ``notebooks/05_momentum_and_nesterov.ipynb``.

    Examples
    --------
    >>> fig, res = plot_momentum_run(0.5, 0.9, condition_number=100.0, n_steps=500)
    >>> res.success, fig.axes[0].get_title()
    (True, 'heavy ball, η = 0.5, β = 0.9: ρ = 0.9487,\nconverged in 307 steps')
    >>> plt.close("all")
    """
    surface = _explorer_quadratic(condition_number)
    opt = sgd(lr=lr, momentum=momentum, nesterov=nesterov and momentum > 0)
    start = np.asarray(x0, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DivergenceWarning / ConvergenceWarning: see title
        result = minimize(surface, start, opt, max_iter=n_steps, tol=tol)
        baseline = minimize(surface, start, gd(lr=lr), max_iter=n_steps, tol=tol)
    eigenvalues = [1.0 / condition_number, 1.0]
    rate = momentum_rate(lr, momentum, eigenvalues, nesterov=nesterov)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=_EXPLORER_FIGSIZE, layout="constrained")
    ax_path, ax_loss = axes
    plot_contour(surface, ax=ax_path)
    ax_path.set_aspect("equal")
    gd_label = f"gradient descent: {_status(baseline)}"
    draw_run(baseline.history, ax_path=ax_path, ax_loss=ax_loss, label=gd_label,
             color="0.6")
    name = "Nesterov" if nesterov else "heavy ball"
    draw_run(result.history, ax_path=ax_path, ax_loss=ax_loss, label=name, color="C3")
    ax_path.get_legend().remove()
    t = np.arange(len(result.history))
    with np.errstate(over="ignore", under="ignore"):
        guide = result.history.loss[0] * rate ** (2.0 * t)
    ax_loss.plot(t, np.where(guide > 0, guide, np.nan), "k--", lw=0.8,
                 label=f"f(x₀) ρ^2t, ρ = {rate:.4f}")
    _legend_below(ax_loss)
    ax_loss.set_ylim(bottom=max(ax_loss.get_ylim()[0], 1e-20))
    ax_path.set_title(f"{name}, η = {lr:.3g}, β = {momentum:.3g}: ρ = {rate:.4f},\n"
                      f"{_status(result)}", fontsize=10)
    sk = math.sqrt(condition_number)
    best_lr, best_m = 4 / (1 + 1 / sk) ** 2, ((sk - 1) / (sk + 1)) ** 2
    ax_loss.set_title(f"κ = {condition_number:.3g}; heavy-ball optimum\nη* = {best_lr:.3g}, "
                      f"β* = {best_m:.3g}, ρ* = {(sk - 1) / (sk + 1):.4f}", fontsize=10)
    return ax_path.figure, result


def momentum_explorer(*, lr=0.5, momentum=0.9, condition_number=10.0, n_steps=100,
                      x0=(-1.5, 1.5), nesterov=False, lr_range=(1e-3, 4.0),
                      max_condition_number=1000.0):
    r"""Sliders for momentum on a quadratic: learning rate, momentum, κ, steps, Nesterov.

    Each change reruns :func:`plot_momentum_run`: :func:`mlopt.training.minimize` with
    :func:`mlopt.optimizers.sgd` (and plain gradient descent at the same learning rate, in
    grey), with the theoretical rate :math:`\rho` in the title.

    Parameters
    ----------
    lr : float, default=0.5
        Initial learning rate, in units of :math:`1/L` (the quadratic has :math:`L = 1`).
    momentum : float, default=0.9
        Initial :math:`\beta` (slider from 0 to 0.995).
    condition_number : float, default=10.0
        Initial :math:`\kappa` (slider from 1 to ``max_condition_number``, log scale).
    n_steps : int, default=100
        Initial maximum number of steps (slider from 1 to 1000).
    x0 : array_like, shape (2,), default=(-1.5, 1.5)
        Starting point.
    nesterov : bool, default=False
        Initial state of the Nesterov check box.
    lr_range : (float, float), default=(1e-3, 4.0)
        Range of the logarithmic learning-rate slider (the heavy ball is stable up to
        :math:`2(1+\beta)/L`, so up to 4).
    max_condition_number : float, default=1000.0

    Returns
    -------
    Explorer
        ``.children[:-1]`` are the controls: lr, momentum, κ, steps, Nesterov; ``.result``
        holds ``(fig, result)`` of the latest run.

    Raises
    ------
    ValueError
        If ``lr_range`` is not an increasing pair of positive numbers or ``lr`` is outside it.

    Notes
    -----
    Things to try: the optimum printed in the loss panel's title and how the number of steps
    grows with :math:`\kappa` there (like :math:`\sqrt\kappa`, against :math:`\kappa` for the
    grey gradient descent); :math:`\beta = 0.99` (a slow spiral, rate :math:`\sqrt\beta`); a
    learning rate between 2 and :math:`2(1+\beta)`, where gradient descent diverges and the heavy
    ball does not.

    References
    ----------
    .. [1] ``notebooks/05_momentum_and_nesterov.ipynb``.

    Examples
    --------
    >>> explorer = momentum_explorer(lr=0.5, momentum=0.5)
    >>> [w.description for w in explorer.children[:-1]]
    ['lr', 'momentum', 'κ', 'steps', 'Nesterov']
    >>> explorer.children[0].value = 3.5              # beyond 2(1 + β) = 3
    >>> explorer.result[1].status                     # 2: diverged
    2
    >>> plt.close("all")
    """
    lo, hi = _check_lr_range(lr_range)
    if not lo <= lr <= hi:
        raise ValueError(f"lr must lie in lr_range={lr_range}, got {lr=}")
    common = {"continuous_update": False, "style": {"description_width": "initial"}}
    controls = {
        "lr": ipywidgets.FloatLogSlider(
            value=lr, base=10, min=math.log10(lo), max=math.log10(hi), step=0.01,
            readout_format=".3g", description="lr", **common),
        "momentum": ipywidgets.FloatSlider(
            value=momentum, min=0.0, max=0.995, step=0.005, readout_format=".3f",
            description="momentum", **common),
        "condition_number": ipywidgets.FloatLogSlider(
            value=condition_number, base=10, min=0.0, max=math.log10(max_condition_number),
            step=0.05, readout_format=".3g", description="κ", **common),
        "n_steps": ipywidgets.IntSlider(
            value=n_steps, min=1, max=1000, description="steps", **common),
        "nesterov": ipywidgets.Checkbox(value=nesterov, description="Nesterov"),
    }

    def update(lr, momentum, condition_number, n_steps, nesterov, axes):
        return plot_momentum_run(lr, momentum, nesterov=nesterov,
                                 condition_number=condition_number, n_steps=n_steps, x0=x0,
                                 axes=axes)

    return Explorer(update, controls, figsize=_EXPLORER_FIGSIZE)
