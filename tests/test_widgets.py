"""The gradient-descent explorer: it builds, redraws on slider changes, and draws what ran."""

import warnings

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from mlopt.optimizers import gd
from mlopt.surfaces import quadratic, rosenbrock
from mlopt.training import minimize
from mlopt.widgets import Explorer, draw_run, gd_explorer, plot_gd_run


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _assert_drawn_path_is_history(fig, result):
    """The path line is the History's params (all rows, or the finite ones after a blow-up)."""
    ax_path, ax_loss = fig.axes[:2]
    params = result.history.params
    finite = np.all(np.isfinite(params), axis=1)
    np.testing.assert_array_equal(ax_path.lines[-1].get_xydata(), params[finite])
    x, _ = ax_loss.lines[-1].get_data()
    np.testing.assert_array_equal(x, np.arange(len(result.history)))


@pytest.mark.parametrize(
    ("lr", "n_steps", "status"),
    # too few steps; converges; zig-zags but converges below 2/L = 2; diverges
    [(0.5, 40, 1), (1.0, 300, 0), (1.9, 300, 0), (2.5, 150, 2)],
)
def test_update_draws_the_run(lr, n_steps, status):
    fig, res = plot_gd_run(lr, n_steps=n_steps)
    assert res.status == status
    _assert_drawn_path_is_history(fig, res)
    assert len(fig.axes[0].lines[-1].get_xydata()) > 10  # a real path, not a dot
    assert res.history.lr[0] == lr  # the run used the slider's learning rate
    title = fig.axes[0].get_title()
    assert "2/L = 2" in title
    assert ("diverged" in title) == (status == 2)


def test_update_warns_nothing_and_reports_in_the_title():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, res = plot_gd_run(3.0, n_steps=100)
    assert res.status == 2
    assert f"diverged at iteration {res.nit}" in fig.axes[0].get_title()


def test_condition_number_sets_the_valley_and_keeps_L_equal_to_one():
    fig, res = plot_gd_run(1.0, condition_number=50.0, n_steps=5)
    assert "κ = 50" in fig.axes[1].get_title()
    # with L = 1 and lr = 1/L the steep direction is solved in one step: from the second
    # iterate on, the error lies along the flat eigenvector, contracted by 1 - 1/50 per step
    p = res.history.params
    np.testing.assert_allclose(np.linalg.norm(p[3]) / np.linalg.norm(p[2]), 1 - 1 / 50)


def test_explorer_builds_and_redraws_on_slider_change():
    explorer = gd_explorer(lr=0.5, n_steps=40)
    assert isinstance(explorer, Explorer)
    lr_slider, kappa_slider, steps, x1, x2 = explorer.children[:-1]
    assert isinstance(lr_slider, ipywidgets.FloatLogSlider)
    assert isinstance(kappa_slider, ipywidgets.FloatLogSlider)
    assert lr_slider.min == pytest.approx(-3) and 10**lr_slider.max == pytest.approx(3.0)

    fig, res = explorer.result
    assert res.success or res.status == 1
    _assert_drawn_path_is_history(fig, res)

    lr_slider.value = 2.5
    fig2, res2 = explorer.result
    assert fig2 is not fig and res2.status == 2
    _assert_drawn_path_is_history(fig2, res2)

    x1.value, x2.value = 1.0, -0.5
    _, res3 = explorer.result
    np.testing.assert_array_equal(res3.history.params[0], [1.0, -0.5])

    steps.value = 7
    _, res4 = explorer.result
    assert res4.nit <= 7

    kappa_slider.value = 100.0
    fig5, _ = explorer.result
    assert "κ = 100" in fig5.axes[1].get_title()


def test_explorer_on_a_given_surface_has_no_kappa_slider():
    explorer = gd_explorer(rosenbrock(), lr=1e-3, x0=(-1.5, 2.0), lr_range=(1e-4, 1e-2))
    names = [w.description for w in explorer.children[:-1]]
    assert names == ["lr", "steps", "θ₁ start", "θ₂ start"]
    fig, res = explorer.result
    _assert_drawn_path_is_history(fig, res)
    assert "2/L" not in fig.axes[0].get_title()  # no constant Hessian, no threshold


@pytest.mark.parametrize(
    "kwargs",
    [{"lr": 5.0}, {"lr_range": (1.0, 0.1)}, {"lr_range": (0.0, 1.0)}],
)
def test_explorer_rejects_bad_ranges(kwargs):
    with pytest.raises(ValueError, match="lr"):
        gd_explorer(**kwargs)


def test_update_rejects_bad_input_without_leaving_a_figure():
    with pytest.raises(ValueError, match="lr"):
        plot_gd_run(-0.1)
    with pytest.raises(ValueError, match="condition_number"):
        plot_gd_run(0.1, condition_number=0.5)
    assert plt.get_fignums() == []


def test_draw_run_overlays_runs_on_shared_axes():
    f = quadratic(10.0)
    fig, (ax_path, ax_loss) = plt.subplots(1, 2)
    lines = []
    for lr in (0.05, 0.15):
        res = minimize(f, [1.5, 1.0], gd(lr=lr), tol=1e-6)
        lines.append(draw_run(res.history, ax_path=ax_path, ax_loss=ax_loss, label=f"{lr}"))
        np.testing.assert_array_equal(lines[-1][0].get_xydata(), res.history.params)
        np.testing.assert_array_equal(lines[-1][1].get_ydata(), res.history.loss)
    assert len(ax_path.lines) == len(ax_loss.lines) == 2
    assert lines[0][0].get_color() == lines[0][1].get_color()  # one colour per run
    assert [t.get_text() for t in ax_path.get_legend().get_texts()] == ["0.05", "0.15"]
