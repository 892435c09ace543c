"""Pictures of runs. Every function draws from a :class:`~mlopt.training.History` or a
:class:`~mlopt.surfaces.Surface`; none computes an optimization itself.

Each function takes an optional matplotlib ``ax`` and returns it, so figures compose.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["COURSE_STYLE", "use_course_style", "plot_loss", "plot_contour", "plot_path",
           "plot_learning_curves"]

#: The course's matplotlib settings. At 80 dpi a full-width figure (9.6 in) is 768 px, which
#: fits a JupyterLab notebook beside the file browser without being scaled down, so 11 pt text
#: stays about 12 px high; a default figure (6.4 × 3.6 in) is 512 × 288 px. Lower dpi and
#: fewer pixels also keep the stored PNGs, and so the notebooks, small.
COURSE_STYLE = {
    "figure.dpi": 80,
    "savefig.dpi": "figure",
    "figure.figsize": (6.4, 3.6),
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.framealpha": 0.85,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",
}


def use_course_style():
    """Apply :data:`COURSE_STYLE`: figures sized and lettered for a notebook, and light PNGs.

    Call it once in a lesson's first code cell, after ``%matplotlib inline`` (the inline
    backend resets some settings when it is activated). Widths up to 9.6 inches fit the
    notebook column unscaled; wider figures are shrunk by the browser and their text with them.

    Returns
    -------
    dict
        The settings applied (a copy of :data:`COURSE_STYLE`).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():
    ...     style = use_course_style()
    ...     mpl.rcParams["figure.dpi"], mpl.rcParams["font.size"]
    (80.0, 11.0)
    """
    plt.rcParams.update(COURSE_STYLE)
    return dict(COURSE_STYLE)


def _axes(ax):
    return plt.gca() if ax is None else ax


def plot_loss(history, *, ax=None, label=None, log=True, optimum=0.0, **kwargs):
    """Loss against iteration.

    Parameters
    ----------
    history : History
        From :func:`mlopt.training.minimize`.
    ax : matplotlib Axes, optional
    label : str, optional
        Legend entry.
    log : bool, default=True
        Logarithmic y axis (linear convergence shows as a straight line).
    optimum : float, default=0.0
        Subtracted from the loss, so that ``log=True`` shows the suboptimality
        :math:`f(x_k) - f^*`. Non-positive values are not drawn on a log axis.
    **kwargs
        Passed to ``Axes.plot``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from mlopt.optimizers import gd
    >>> from mlopt.surfaces import quadratic
    >>> from mlopt.training import minimize
    >>> res = minimize(quadratic(4.0), [1.0, 1.0], gd(lr=0.4), tol=1e-8)
    >>> ax = plot_loss(res.history, label="gd, lr = 0.4")
    >>> len(ax.lines[0].get_xdata()) == len(res.history)
    True
    >>> plt.close("all")
    """
    ax = _axes(ax)
    gap = history.loss - optimum
    if log:
        gap = np.where(np.isfinite(gap) & (gap > 0), gap, np.nan)
        ax.set_yscale("log")
    ax.plot(np.arange(len(gap)), gap, label=label, **kwargs)
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss" if optimum == 0 else "loss − optimum")
    if label is not None:
        ax.legend()
    return ax


def plot_contour(surface, *, ax=None, levels=30, resolution=200, log_levels=True,
                 mark_minimum=True, labels=(r"$\theta_1$", r"$\theta_2$")):
    r"""Contour lines of a 2-D surface.

    Parameters
    ----------
    surface : Surface
        From :mod:`mlopt.surfaces`.
    ax : matplotlib Axes, optional
    levels : int, default=30
    resolution : int, default=200
        Grid points per axis.
    log_levels : bool, default=True
        Space the levels geometrically (shows the valley floor of ill-conditioned surfaces).
    mark_minimum : bool, default=True
        Draw a star at ``surface.minimizer``.
    labels : pair of str or None, default=(r"$\theta_1$", r"$\theta_2$")
        Axis labels: the parameters' names, as the lessons write them (``θ`` in chapters
        03-06; pass e.g. ``("$w_1$", "$w_2$")`` for weights). ``None`` leaves the axes unlabelled.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from mlopt.surfaces import rosenbrock
    >>> ax = plot_contour(rosenbrock(), resolution=50)
    >>> ax.get_title(), ax.get_xlim(), ax.get_xlabel()
    ('Rosenbrock', (np.float64(-2.0), np.float64(2.0)), '$\\theta_1$')
    >>> plt.close("all")
    """
    ax = _axes(ax)
    xs = np.linspace(*surface.xlim, resolution)
    ys = np.linspace(*surface.ylim, resolution)
    grid = np.array(np.meshgrid(xs, ys))
    Z = surface.value(grid)
    if log_levels:
        lo = Z.min()
        shifted = Z - lo + 1e-3 * (Z.max() - lo) + 1e-12
        lv = np.geomspace(shifted.min(), shifted.max(), levels)
        ax.contour(grid[0], grid[1], shifted, levels=lv, cmap="viridis", linewidths=0.8)
    else:
        ax.contour(grid[0], grid[1], Z, levels=levels, cmap="viridis", linewidths=0.8)
    if mark_minimum:
        ax.plot(*surface.minimizer, "*", color="gold", markersize=14, markeredgecolor="k",
                zorder=3)
    ax.set_xlim(surface.xlim)
    ax.set_ylim(surface.ylim)
    ax.set_title(surface.name)
    if labels is not None:
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
    return ax


def plot_path(history, *, ax=None, label=None, **kwargs):
    """The sequence of iterates of a 2-D run, as a line with a dot per step (up to 60 steps;
    longer paths are a plain line, where dots would hide it).

    Parameters
    ----------
    history : History
        Its ``params`` must have 2 columns.
    ax : matplotlib Axes, optional
    label : str, optional
    **kwargs
        Passed to ``Axes.plot``.

    Returns
    -------
    Axes

    Raises
    ------
    ValueError
        If the parameters are not 2-D.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from mlopt.optimizers import gd
    >>> from mlopt.surfaces import quadratic
    >>> from mlopt.training import minimize
    >>> f = quadratic(10.0)
    >>> res = minimize(f, [1.5, 1.5], gd(lr=0.15), tol=1e-6)
    >>> ax = plot_contour(f, resolution=50)
    >>> ax = plot_path(res.history, ax=ax, label="gd")
    >>> np.array_equal(ax.lines[-1].get_xdata(), res.history.params[:, 0])
    True
    >>> plt.close("all")
    """
    ax = _axes(ax)
    P = history.params
    if P.ndim != 2 or P.shape[1] != 2:
        raise ValueError(f"plot_path needs 2 parameters per iterate, got params of shape {P.shape}")
    finite = np.all(np.isfinite(P), axis=1)
    kwargs.setdefault("marker", "o" if len(P) <= 60 else "None")  # markers drown long paths
    kwargs.setdefault("markersize", 3)
    ax.plot(P[finite, 0], P[finite, 1], label=label, **kwargs)
    if label is not None:
        ax.legend()
    return ax


def plot_learning_curves(epoch_history, *, ax=None, best_epoch=None, log=False, label=""):
    """Training and validation loss per epoch, with the best epoch marked.

    Parameters
    ----------
    epoch_history : EpochHistory
        From :func:`mlopt.training.minimize_stochastic` (``res.epoch_history``); row 0 is the
        starting point, row ``e`` the parameters after ``e`` epochs.
    ax : matplotlib Axes, optional
    best_epoch : int, optional
        Draw a vertical line there (e.g. ``res.best_epoch``).
    log : bool, default=False
        Logarithmic epoch axis (early epochs and a long tail in one picture).
    label : str, default=""
        Prefix of the legend entries.

    Returns
    -------
    Axes

    References
    ----------
    .. [1] ``notebooks/07_learning_rate_schedules_and_early_stopping.ipynb``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from mlopt.losses import squared_error
    >>> from mlopt.optimizers import sgd
    >>> from mlopt.training import minimize_stochastic
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    >>> res = minimize_stochastic(squared_error, np.zeros(3), X[:40], y[:40], sgd(lr=0.05),
    ...                           batch_size=8, epochs=5, validation=(X[40:], y[40:]))
    >>> ax = plot_learning_curves(res.epoch_history, best_epoch=res.best_epoch)
    >>> len(ax.lines) >= 2
    True
    >>> plt.close("all")
    """
    ax = _axes(ax)
    epochs = np.arange(len(epoch_history))
    prefix = f"{label} " if label else ""
    ax.plot(epochs, epoch_history.loss, label=f"{prefix}training loss")
    if np.any(np.isfinite(epoch_history.val_loss)):
        ax.plot(epochs, epoch_history.val_loss, label=f"{prefix}validation loss")
    if best_epoch is not None:
        ax.axvline(best_epoch, color="gray", ls=":", label=f"best epoch ({best_epoch})")
    if log:
        ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlim(0, max(len(epochs) - 1, 1))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    return ax
