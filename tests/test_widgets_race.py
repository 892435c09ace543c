"""The optimizer race and the momentum explorer: they build, redraw, and draw what ran."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mlopt.optimizers import gd, momentum_rate, sgd
from mlopt.surfaces import beale, quadratic, rosenbrock
from mlopt.training import minimize
from mlopt.widgets import (
    RACE_OPTIMIZERS,
    Explorer,
    momentum_explorer,
    optimizer_race,
    plot_momentum_run,
    plot_race,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _finite(params):
    return params[np.all(np.isfinite(params), axis=1)]


def _assert_race_drawn_from_histories(fig, results):
    ax_path, ax_loss = fig.axes[:2]
    path_lines = ax_path.lines[-len(results):]
    loss_lines = ax_loss.lines[-len(results):]
    for (name, res), path, loss in zip(results.items(), path_lines, loss_lines):
        np.testing.assert_array_equal(path.get_xydata(), _finite(res.history.params))
        x, _ = loss.get_data()
        np.testing.assert_array_equal(x, np.arange(len(res.history)))
        assert path.get_color() == loss.get_color()
        assert loss.get_label().startswith(f"{name} (lr = ")


# --- the race ----------------------------------------------------------------------------------

def test_race_runs_every_optimizer_from_the_same_start_and_draws_its_history():
    names = list(RACE_OPTIMIZERS)
    fig, results = plot_race(rosenbrock(), names, lr=1e-3, n_steps=50, x0=(-1.5, 2.0))
    assert list(results) == names
    for res in results.values():
        np.testing.assert_array_equal(res.history.params[0], [-1.5, 2.0])
        assert res.nit == 50
    _assert_race_drawn_from_histories(fig, results)
    assert fig.axes[0].get_legend() is None  # one legend, with the outcomes, on the loss axes
    assert len(fig.axes[1].get_legend().get_texts()) == len(names)


def test_race_uses_each_optimizers_own_learning_rate_and_the_momentum():
    lrs = {"gd": 0.5, "momentum": 0.2, "nesterov": 0.1}
    _, results = plot_race(None, list(lrs), lr=lrs, momentum=0.7, n_steps=5)
    for name, lr in lrs.items():
        assert results[name].history.lr[0] == lr
    # the same runs by hand: the momentum runs use momentum=0.7
    f = quadratic(10.0, mu=0.1, angle=np.pi / 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = minimize(f, [-1.5, 1.5], sgd(lr=0.1, momentum=0.7, nesterov=True), max_iter=5)
    np.testing.assert_allclose(results["nesterov"].history.params, ref.history.params)


def test_race_reports_divergence_and_convergence_in_the_legend():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the race silences its own warnings
        fig, results = plot_race(beale(), ["gd", "momentum", "adam"],
                                 lr={"gd": 1e-2, "momentum": 1e-2, "adam": 0.1},
                                 n_steps=5000, x0=(1.0, 1.5), tol=1e-6)
    assert results["momentum"].status == 2 and results["gd"].status == 0
    texts = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "diverged at iteration" in texts[1] and "converged in" in texts[0]
    _assert_race_drawn_from_histories(fig, results)


def test_race_beats_gradient_descent_at_the_optimal_tuning():
    sk = 10.0  # kappa = 100, L = 1
    _, results = plot_race(None, ["gd", "momentum"], condition_number=100.0, n_steps=3000,
                           lr={"gd": 2 / 1.01, "momentum": 4 / (1 + 1 / sk) ** 2},
                           momentum=((sk - 1) / (sk + 1)) ** 2)
    assert results["gd"].success and results["momentum"].success
    assert results["momentum"].nit * 5 < results["gd"].nit


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"optimizers": ["sgdd"]}, "optimizers"), ({"optimizers": []}, "optimizers"),
     ({"optimizers": ["gd", "gd"]}, "repeat"), ({"lr": {"gd": 0.1}}, "lr has no"),
     ({"momentum": 1.0}, "momentum")],
)
def test_race_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_race(None, **{"optimizers": ["gd", "momentum"], **kwargs})


def test_race_widget_builds_and_redraws():
    race = optimizer_race(optimizers=["gd", "momentum", "adam"],
                          lr={"gd": 1.0, "momentum": 0.3, "adam": 0.1}, n_steps=40)
    assert isinstance(race, Explorer)
    controls = race.children[:-1]
    assert [w.description for w in controls] == [
        "optimizers", "lr gd", "lr momentum", "lr adam", "momentum", "κ", "steps"]
    selection, lr_gd, lr_mom, _, mom, kappa, steps = controls
    fig, results = race.result
    assert list(results) == ["gd", "momentum", "adam"]
    _assert_race_drawn_from_histories(fig, results)

    lr_gd.value = 2.5  # beyond 2/L = 2: gradient descent diverges, the others do not
    fig, results = race.result
    assert results["gd"].status == 2 and results["momentum"].status != 2
    _assert_race_drawn_from_histories(fig, results)

    mom.value = 0.5
    assert race.result[1]["momentum"].nit <= 40
    selection.value = ("adam", "gd")  # drawn in the order given to the race
    assert list(race.result[1]) == ["gd", "adam"]
    kappa.value = 100.0
    assert "κ = 100" in race.result[0].axes[0].get_title()
    steps.value = 7
    assert all(res.nit <= 7 for res in race.result[1].values())


def test_race_widget_with_nothing_selected_draws_nothing(capsys):
    race = optimizer_race(optimizers=["gd", "adam"])
    race.children[0].value = ()
    assert race.result is None
    assert "Select at least one optimizer" in capsys.readouterr().out


def test_race_widget_on_a_surface_has_no_kappa_slider():
    race = optimizer_race(rosenbrock(), optimizers=["momentum"], lr=1e-3, x0=(-1.5, 2.0))
    assert [w.description for w in race.children[:-1]] == [
        "optimizers", "lr momentum", "momentum", "steps"]
    fig, results = race.result
    _assert_race_drawn_from_histories(fig, results)


@pytest.mark.parametrize("kwargs", [{"lr": 5.0}, {"lr_range": (1.0, 0.1)},
                                    {"lr": {"gd": 1e-6, "adam": 0.1}}])
def test_race_widget_rejects_bad_ranges(kwargs):
    with pytest.raises(ValueError, match="lr"):
        optimizer_race(optimizers=["gd", "adam"], **kwargs)


# --- the momentum rate -------------------------------------------------------------------------

@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize(("lr", "momentum"), [(0.05, 0.5), (0.1, 0.9), (0.15, 0.2)])
def test_momentum_rate_is_the_measured_rate(lr, momentum, nesterov):
    f = quadratic(10.0, angle=0.4)  # eigenvalues 1 and 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = minimize(f, [1.0, -0.7], sgd(lr=lr, momentum=momentum, nesterov=nesterov),
                       max_iter=400, tol=0.0)
    d = np.linalg.norm(res.history.params, axis=1)
    # complex roots make d_t oscillate around rho^t: compare the peaks of two windows
    measured = (d[350:].max() / d[150:201].max()) ** (1 / 200)
    assert measured == pytest.approx(momentum_rate(lr, momentum, [1.0, 10.0], nesterov),
                                     abs=2e-3)


def test_momentum_rate_special_cases():
    kappa = 100.0
    rho = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    # optimal heavy ball; gradient descent; the stability limit lr = 2(1 + mu)/L
    assert momentum_rate(4 / (1 + 10) ** 2, rho**2, [1, kappa]) == pytest.approx(rho)
    assert momentum_rate(0.01, 0.0, [1, kappa]) == pytest.approx(0.99)
    assert momentum_rate(2 * 1.5 / kappa * 0.999, 0.5, [1, kappa]) < 1
    assert momentum_rate(2 * 1.5 / kappa * 1.001, 0.5, [1, kappa]) > 1


# --- the momentum explorer ---------------------------------------------------------------------

def _assert_drawn_path_is_history(fig, result):
    ax_path, ax_loss = fig.axes[:2]
    np.testing.assert_array_equal(ax_path.lines[-1].get_xydata(),
                                  _finite(result.history.params))
    x, _ = ax_loss.lines[-2].get_data()  # the last line is the dashed rho^2t guide
    np.testing.assert_array_equal(x, np.arange(len(result.history)))


@pytest.mark.parametrize(
    ("lr", "momentum", "nesterov", "status"),
    # converges; too few steps; gd diverges at lr 2.5 but the heavy ball does not (< 2(1+mu));
    # beyond 2(1 + mu): diverges; Nesterov
    [(0.5, 0.5, False, 0), (0.01, 0.9, False, 1), (2.5, 0.5, False, 0), (3.5, 0.5, False, 2),
     (1.0, 0.7, True, 0)],
)
def test_momentum_run_draws_the_run(lr, momentum, nesterov, status):
    fig, res = plot_momentum_run(lr, momentum, nesterov=nesterov, n_steps=300)
    assert res.status == status
    _assert_drawn_path_is_history(fig, res)
    assert res.history.lr[0] == lr
    title = fig.axes[0].get_title()
    rate = momentum_rate(lr, momentum, [0.1, 1.0], nesterov)
    assert f"ρ = {rate:.4f}" in title
    assert ("Nesterov" in title) == nesterov
    assert ("diverged" in title) == (status == 2)
    grey = fig.axes[0].lines[-2]  # gradient descent at the same lr, for comparison
    assert grey.get_color() == "0.6"


def test_momentum_run_is_sgd_through_minimize_and_zero_momentum_is_gd():
    fig, res = plot_momentum_run(0.3, 0.0, n_steps=20)
    f = quadratic(10.0, mu=0.1, angle=np.pi / 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = minimize(f, [-1.5, 1.5], gd(lr=0.3), max_iter=20, tol=1e-8)
    np.testing.assert_allclose(res.history.params, ref.history.params)
    np.testing.assert_array_equal(fig.axes[0].lines[-2].get_xydata(), res.history.params)


def test_momentum_explorer_builds_and_redraws():
    explorer = momentum_explorer(lr=0.5, momentum=0.5, n_steps=200)
    controls = explorer.children[:-1]
    assert [w.description for w in controls] == ["lr", "momentum", "κ", "steps", "Nesterov"]
    lr, mom, kappa, steps, nesterov = controls
    fig, res = explorer.result
    assert res.success
    _assert_drawn_path_is_history(fig, res)

    lr.value = 2.5  # gradient descent diverges here, the heavy ball with mu = 0.5 does not
    fig, res = explorer.result
    assert res.status != 2 and "gradient descent: diverged" in [
        t.get_text() for t in fig.axes[1].get_legend().get_texts()][0]
    mom.value = 0.0
    assert explorer.result[1].status == 2
    nesterov.value = True  # momentum 0: Nesterov is plain gradient descent, still diverges
    assert explorer.result[1].status == 2
    mom.value, lr.value = 0.8, 1.0
    fig, res = explorer.result
    assert "Nesterov" in fig.axes[0].get_title()
    kappa.value = 1000.0
    assert "κ = 1e+03" in explorer.result[0].axes[1].get_title()
    steps.value = 3
    assert explorer.result[1].nit <= 3


def test_momentum_explorer_rejects_bad_ranges():
    with pytest.raises(ValueError, match="lr"):
        momentum_explorer(lr=10.0)
    with pytest.raises(ValueError, match="lr_range"):
        momentum_explorer(lr_range=(0.0, 1.0))


def test_momentum_rate_broadcasts_over_settings():
    lrs, moms = np.meshgrid([0.01, 0.05, 0.2], [0.0, 0.5, 0.9])
    grid = momentum_rate(lrs, moms, [1.0, 10.0])
    one_by_one = [[momentum_rate(a, b, [1.0, 10.0]) for a, b in zip(ra, rb)]
                  for ra, rb in zip(lrs, moms)]
    np.testing.assert_allclose(grid, one_by_one)
