"""Optimizers: parity with torch.optim (recorded trajectories), steps by hand, argument checks."""

import json
from pathlib import Path

import numpy as np
import pytest

from mlopt import optimizers, schedules
from mlopt.optimizers import adadelta, adagrad, adam, adamw, gd, rmsprop, sgd

REFERENCE = json.loads((Path(__file__).parent / "data" / "torch_reference.json").read_text())
FACTORIES = {"gd": gd, "sgd": sgd, "adagrad": adagrad, "rmsprop": rmsprop,
             "adadelta": adadelta, "adam": adam, "adamw": adamw}


def run(opt, grad_fn, x0, n_steps):
    """The iterates of ``n_steps`` updates, as rows (x0 first)."""
    x = np.asarray(x0, dtype=float)
    state = opt.init(x)
    rows = [x]
    for _ in range(n_steps):
        step, state = opt.update(grad_fn(x), state, x)
        x = x - step
        rows.append(x)
    return np.array(rows)


# ---- parity with torch.optim --------------------------------------------------------------

@pytest.mark.parametrize("case", REFERENCE["optimizers"], ids=lambda c: c["case"])
def test_trajectory_equals_torch(case):
    A, b, x0 = (np.array(REFERENCE["problem"][k]) for k in ("A", "b", "x0"))
    kwargs = dict(case["kwargs"])
    if case["schedule"] is not None:
        kwargs["lr"] = getattr(schedules, case["schedule"]["name"])(**case["schedule"]["kwargs"])
    opt = FACTORIES[case["optimizer"]](**kwargs)
    ours = run(opt, lambda x: 2.0 / len(b) * A.T @ (A @ x - b), x0, REFERENCE["n_steps"])
    torch = np.array(case["params"])
    # compare displacements, so that runs with tiny steps (lr=1e-3) are checked relatively
    np.testing.assert_allclose(ours - x0, torch - x0, rtol=1e-9, atol=1e-13)
    assert np.abs(torch[-1] - x0).max() > 1e-3  # the run moved: the comparison means something


def test_reference_covers_every_optimizer_and_option():
    cases = REFERENCE["optimizers"]
    assert {c["optimizer"] for c in cases} == set(FACTORIES) - {"gd"}
    used = {(c["optimizer"], k) for c in cases for k in c["kwargs"]}
    for name, options in [
        ("sgd", ["lr", "momentum", "dampening", "nesterov", "weight_decay"]),
        ("adagrad", ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"]),
        ("rmsprop", ["lr", "alpha", "eps", "weight_decay", "momentum", "centered"]),
        ("adadelta", ["lr", "rho", "eps", "weight_decay"]),
        ("adam", ["lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"]),
        ("adamw", ["lr", "beta2", "weight_decay", "amsgrad"]),
    ]:
        assert {(name, o) for o in options} <= used
        assert any(c["optimizer"] == name and not c["kwargs"] for c in cases), "defaults"


# ---- a few steps by hand, from the formulas ---------------------------------------------
# f(x) = x**2 / 2 in one dimension: grad = x. Numbers are derived in the comments.

def grad_half_square(x):
    return x


def test_sgd_momentum_dampening_by_hand():
    # b1 = g1 = 1; x1 = 1 - 0.1 = 0.9
    # g2 = 0.9; b2 = 0.5 * 1 + 0.75 * 0.9 = 1.175; x2 = 0.9 - 0.1175 = 0.7825
    # g3 = 0.7825; b3 = 0.5 * 1.175 + 0.75 * 0.7825 = 1.174375; x3 = 0.7825 - 0.1174375
    xs = run(sgd(lr=0.1, momentum=0.5, dampening=0.25), grad_half_square, [1.0], 3)
    np.testing.assert_allclose(xs[:, 0], [1.0, 0.9, 0.7825, 0.6650625], rtol=1e-14)


def test_sgd_nesterov_by_hand():
    # g1 = 1, b1 = 1, d1 = 1 + 0.5 = 1.5, x1 = 1 - 0.15 = 0.85
    # g2 = 0.85, b2 = 0.5 + 0.85 = 1.35, d2 = 0.85 + 0.675 = 1.525, x2 = 0.85 - 0.1525 = 0.6975
    xs = run(sgd(lr=0.1, momentum=0.5, nesterov=True), grad_half_square, [1.0], 2)
    np.testing.assert_allclose(xs[:, 0], [1.0, 0.85, 0.6975], rtol=1e-14)


def test_sgd_nesterov_equals_sutskever_look_ahead():
    """torch's form stores the look-ahead point phi = theta + mu v of Sutskever's form."""
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    lr, mu = 0.1, 0.9
    theta, v = np.array([1.0, -1.0]), np.zeros(2)
    looks = [theta + mu * v]
    for _ in range(10):
        v = mu * v - lr * A @ (theta + mu * v)
        theta = theta + v
        looks.append(theta + mu * v)
    # Sutskever's phi_0 = theta_0 (v_0 = 0); his first step equals torch's, whose b_1 = g_1
    ours = run(sgd(lr=lr, momentum=mu, nesterov=True), lambda x: A @ x, looks[0], 10)
    np.testing.assert_allclose(ours, np.array(looks), rtol=1e-12)


def test_sgd_heavy_ball_equals_polyak_with_constant_lr():
    A = np.diag([1.0, 10.0])
    lr, mu = 0.05, 0.8
    theta, v, rows = np.array([1.0, 1.0]), np.zeros(2), []
    for _ in range(8):
        rows.append(theta)
        v = mu * v - lr * A @ theta
        theta = theta + v
    rows.append(theta)
    ours = run(sgd(lr=lr, momentum=mu), lambda x: A @ x, [1.0, 1.0], 8)
    np.testing.assert_allclose(ours, np.array(rows), rtol=1e-12)


def test_sgd_weight_decay_is_l2_gradient():
    xs = run(sgd(lr=0.1, weight_decay=0.5), grad_half_square, [2.0], 2)
    # grad + 0.5 x = 1.5 x: x <- x (1 - 0.15)
    np.testing.assert_allclose(xs[:, 0], [2.0, 1.7, 1.445], rtol=1e-14)


def test_adagrad_by_hand():
    # x0 = 2, G0 = 1: g1 = 2, G1 = 5, x1 = 2 - 1 * 2 / (sqrt 5 + 0.1)
    # lr_decay 0.5: step 2 uses 1 / (1 + 0.5) = 2/3
    opt = adagrad(lr=1.0, lr_decay=0.5, initial_accumulator_value=1.0, eps=0.1)
    xs = run(opt, grad_half_square, [2.0], 2)
    x1 = 2 - 2 / (np.sqrt(5) + 0.1)
    x2 = x1 - (2 / 3) * x1 / (np.sqrt(5 + x1**2) + 0.1)
    np.testing.assert_allclose(xs[:, 0], [2.0, x1, x2], rtol=1e-14)
    assert opt.lr(1) == pytest.approx(2 / 3)


def test_rmsprop_centered_momentum_by_hand():
    a, eps, lr, mu = 0.5, 0.01, 0.1, 0.9
    # step 1: v = 0.5 g^2, gbar = 0.5 g, v~ = 0.25 g^2, d = g / (0.5|g| + eps), b = d
    g1 = 1.0
    v1, m1 = (1 - a) * g1**2, (1 - a) * g1
    d1 = g1 / (np.sqrt(v1 - m1**2) + eps)
    x1 = 1.0 - lr * d1
    g2 = x1
    v2, m2 = a * v1 + (1 - a) * g2**2, a * m1 + (1 - a) * g2
    b2 = mu * d1 + g2 / (np.sqrt(v2 - m2**2) + eps)
    x2 = x1 - lr * b2
    opt = rmsprop(lr=lr, alpha=a, eps=eps, momentum=mu, centered=True)
    xs = run(opt, grad_half_square, [1.0], 2)
    np.testing.assert_allclose(xs[:, 0], [1.0, x1, x2], rtol=1e-14)


def test_rmsprop_first_step_is_lr_over_sqrt_one_minus_alpha():
    step, _ = rmsprop(lr=0.01, eps=0.0).update(np.array([5.0, -1e-3]), rmsprop().init(np.zeros(2)))
    np.testing.assert_allclose(step, [0.1, -0.1], rtol=1e-12)  # 0.01 / sqrt(0.01)


def test_adadelta_by_hand():
    rho, eps = 0.5, 0.04
    g1 = 1.0
    v1 = (1 - rho) * g1**2                                  # 0.5
    d1 = np.sqrt(0 + eps) / np.sqrt(v1 + eps) * g1          # 0.2 / sqrt(0.54)
    u1 = (1 - rho) * d1**2
    x1 = 1.0 - d1
    v2 = rho * v1 + (1 - rho) * x1**2
    d2 = np.sqrt(u1 + eps) / np.sqrt(v2 + eps) * x1
    xs = run(adadelta(rho=rho, eps=eps), grad_half_square, [1.0], 2)
    np.testing.assert_allclose(xs[:, 0], [1.0, x1, x1 - d2], rtol=1e-14)


def test_adam_by_hand_and_without_bias_correction_differs():
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    x0, g1 = 3.0, 3.0
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1**2
    x1 = x0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)   # = 3 - 0.1 sign(3)
    g2 = x1
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2**2
    x2 = x1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    xs = run(adam(lr=lr, beta1=b1, beta2=b2, eps=eps), grad_half_square, [x0], 2)
    np.testing.assert_allclose(xs[:, 0], [x0, x1, x2], rtol=1e-14)
    assert x1 == pytest.approx(2.9)
    no_correction = x0 - lr * m1 / (np.sqrt(v1) + eps)       # the typical mistake:
    assert no_correction == pytest.approx(3 - 0.1 * 0.1 / np.sqrt(0.001))  # 3.2x too long


def test_amsgrad_uses_running_max_of_raw_second_moment():
    # gradients 2 then 0.1 (fed directly): v1 = 0.5*4 = 2, v2 = 0.5*2 + 0.5*0.01 = 1.005
    # vmax2 = 2 (raw), bias-corrected with t = 2: 2 / (1 - 0.25)
    opt = adam(lr=1.0, beta1=0.0, beta2=0.5, eps=0.0, amsgrad=True)
    state = opt.init(np.zeros(1))
    _, state = opt.update(np.array([2.0]), state)
    step, state = opt.update(np.array([0.1]), state)
    np.testing.assert_allclose(state.max_exp_avg_sq, [2.0])
    np.testing.assert_allclose(step, 0.1 / np.sqrt(2.0 / 0.75), rtol=1e-14)
    # plain Adam divides by the current v2
    plain = adam(lr=1.0, beta1=0.0, beta2=0.5, eps=0.0)
    s = plain.init(np.zeros(1))
    _, s = plain.update(np.array([2.0]), s)
    step, _ = plain.update(np.array([0.1]), s)
    np.testing.assert_allclose(step, 0.1 / np.sqrt(1.005 / 0.75), rtol=1e-14)


def test_adamw_decouples_decay_and_differs_from_adam_l2():
    # first step: Adam's step is lr * sign(g) whatever the L2 term, plus lr * wd * x for AdamW
    x0 = np.array([2.0, -1.0])
    g = np.array([0.5, 4.0])
    w, _ = adamw(lr=0.1, weight_decay=0.1, eps=0.0).update(g, adamw().init(x0), x0)
    np.testing.assert_allclose(w, 0.1 * np.sign(g) + 0.1 * 0.1 * x0, rtol=1e-12)
    l2, _ = adam(lr=0.1, weight_decay=0.1, eps=0.0).update(g, adam().init(x0), x0)
    np.testing.assert_allclose(l2, 0.1 * np.sign(g + 0.1 * x0), rtol=1e-12)
    assert not np.allclose(w, l2)


def test_adamw_with_zero_decay_is_adam():
    A = np.diag([1.0, 5.0])
    a = run(adam(lr=0.05), lambda x: A @ x, [1.0, 1.0], 15)
    b = run(adamw(lr=0.05, weight_decay=0.0), lambda x: A @ x, [1.0, 1.0], 15)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw"])
def test_schedule_called_with_global_count(name):
    seen = []

    def schedule(t):
        seen.append(t)
        return 0.01

    run(FACTORIES[name](lr=schedule), grad_half_square, [1.0], 5)
    # update k asks for schedule(k) (adamw asks twice: for the Adam step and the decay)
    assert seen == sorted(seen) and set(seen) == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_update_is_pure(name):
    x = np.array([1.0, -2.0, 0.5])
    g = np.array([0.3, 0.1, -0.2])
    opt = FACTORIES[name](lr=0.1)
    state = opt.init(x)
    for _ in range(2):
        before = [np.copy(a) for a in (x, g, *state[1:]) if a is not None]
        step1, new1 = opt.update(g, state, x)
        after = [a for a in (x, g, *state[1:]) if a is not None]
        for u, v in zip(before, after):
            np.testing.assert_array_equal(u, v)
        step2, _ = opt.update(g, state, x)       # same inputs, same output
        np.testing.assert_array_equal(step1, step2)
        assert new1.count == state.count + 1
        state = new1


# ---- argument checks ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("factory", "kwargs", "match"),
    [
        (sgd, {"lr": 0.0}, "lr must be a positive finite number"),
        (sgd, {"momentum": 1.0}, r"momentum must be in \[0.0, 1.0\), got momentum=1.0"),
        (sgd, {"momentum": -0.1}, "momentum must be in"),
        (sgd, {"dampening": 1.5}, "dampening must be in"),
        (sgd, {"weight_decay": -1.0}, "weight_decay must be a finite number >= 0"),
        (sgd, {"nesterov": True}, "nesterov=True needs momentum > 0"),
        (sgd, {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
         r"dampening = 0, got momentum=0.9, dampening=0.1"),
        (adagrad, {"lr_decay": -0.1}, "lr_decay must be"),
        (adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value must be"),
        (adagrad, {"eps": float("nan")}, "eps must be"),
        (rmsprop, {"alpha": 1.0}, "alpha must be in"),
        (rmsprop, {"momentum": 2.0}, "momentum must be in"),
        (rmsprop, {"eps": -1e-8}, "eps must be"),
        (adadelta, {"rho": 1.0}, "rho must be in"),
        (adadelta, {"eps": 0.0}, "eps must be a finite number > 0"),
        (adam, {"beta1": 1.0}, r"beta1 must be in \[0.0, 1.0\), got beta1=1.0"),
        (adam, {"beta2": -0.5}, "beta2 must be in"),
        (adam, {"lr": "0.1"}, "lr must be"),
        (adamw, {"weight_decay": -0.01}, "weight_decay must be"),
        (adamw, {"beta1": 1.5}, "beta1 must be in"),
    ],
)
def test_bad_hyper_parameters(factory, kwargs, match):
    with pytest.raises(ValueError, match=match):
        factory(**kwargs)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_grad_shape_is_checked(name):
    opt = FACTORIES[name]()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but params have shape \(2,\)"):
        opt.update(np.zeros(3), opt.init(np.zeros(2)), np.zeros(2))


@pytest.mark.parametrize("factory", [sgd, adagrad, rmsprop, adadelta, adam, adamw])
def test_weight_decay_needs_params(factory):
    opt = factory(weight_decay=0.1)
    with pytest.raises(ValueError, match="weight_decay needs the parameters"):
        opt.update(np.ones(2), opt.init(np.zeros(2)))


def test_defaults_match_torch_signatures():
    """torch.optim's defaults, spelled out (the default cases in the reference check them)."""
    import inspect

    def defaults(f):
        return {k: p.default for k, p in inspect.signature(f).parameters.items()}

    assert defaults(sgd) == {"lr": 1e-3, "momentum": 0, "dampening": 0, "nesterov": False,
                             "weight_decay": 0}
    assert defaults(adagrad) == {"lr": 1e-2, "lr_decay": 0, "weight_decay": 0,
                                 "initial_accumulator_value": 0, "eps": 1e-10}
    assert defaults(rmsprop) == {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0,
                                 "momentum": 0, "centered": False}
    assert defaults(adadelta) == {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0}
    common = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "amsgrad": False}
    assert defaults(adam) == {**common, "weight_decay": 0}
    assert defaults(adamw) == {**common, "weight_decay": 1e-2}


def test_public_names():
    for name in optimizers.__all__:
        assert getattr(optimizers, name).__doc__
