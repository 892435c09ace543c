"""Chapter 06 checks accept the reference answers and other valid ways, reject typical mistakes."""

import re

import numpy as np
import pytest

from mlopt.checks import adaptive_methods as checks
from mlopt.optimizers import AdamState, adam
from tests.exercise_utils import solution_namespace

CHAPTER = "06_adaptive_methods"


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


CHECKS = [(checks.check_rmsprop_step, "rmsprop_step"), (checks.check_adam_step, "adam_step"),
          (checks.check_adamw_step, "adamw_step"), (checks.check_run_adam, "run_adam")]


@pytest.mark.parametrize(("check", "name"), CHECKS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_answers_pass(solution, check, name, seed):
    check(solution[name], seed=seed)


@pytest.mark.parametrize(
    ("check", "name", "kwargs"),
    [(checks.check_rmsprop_step, "rmsprop_step", dict(n_params=1, alpha=0.0, eps=0.0)),
     (checks.check_adam_step, "adam_step", dict(n_params=1, beta1=0.0, t=2)),
     (checks.check_adam_step, "adam_step", dict(n_params=30, eps=1e-8, t=1000)),
     (checks.check_adamw_step, "adamw_step", dict(weight_decay=0.0)),
     (checks.check_run_adam, "run_adam", dict(n_steps=0)),
     (checks.check_run_adam, "run_adam", dict(problem="rosenbrock", n_steps=300, lr=0.2))],
)
def test_reference_answers_pass_edge_cases(solution, check, name, kwargs):
    check(solution[name], **kwargs)


# --- other valid ways are accepted -------------------------------------------------------------

def rmsprop_loop(params, grad, v, lr, alpha, eps):
    new_v = np.array([alpha * v[i] + (1 - alpha) * grad[i] ** 2 for i in range(len(v))])
    return np.array([params[i] - lr * grad[i] / (new_v[i] ** 0.5 + eps)
                     for i in range(len(v))]), new_v


def rmsprop_lerp(params, grad, v, lr, alpha, eps):
    v = v + (1 - alpha) * (grad * grad - v)  # torch's lerp form
    return params - lr * grad / (np.sqrt(v) + eps), v


def adam_copy_in_place(params, grad, m, v, t, lr, beta1, beta2, eps):
    params, m, v = params.copy(), m.copy(), v.copy()
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad**2
    params -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return params, m, v


def adam_list(params, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * np.square(grad)
    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps  # torch's arrangement, same numbers
    return [params - lr / (1 - beta1**t) * m / denom, m, v]


def adam_via_mlopt(params, grad, m, v, t, lr, beta1, beta2, eps):
    opt = adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    step, state = opt.update(grad, AdamState(t - 1, m, v, None), params)
    return params - step, state.exp_avg, state.exp_avg_sq


def adamw_explicit(params, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    step = lr * weight_decay * params + lr * m_hat / (np.sqrt(v_hat) + eps)
    return params - step, m, v


def run_adam_preallocated(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    path = np.empty((n_steps + 1, len(x0)))
    path[0] = x0
    m = v = np.zeros(len(x0))
    for k in range(n_steps):
        g = grad_fn(path[k])
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        t = k + 1
        path[k + 1] = path[k] - lr * m / (1 - beta1**t) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return path


def run_adam_mlopt(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    opt = adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    x, state, path = x0.copy(), opt.init(x0), [x0.copy()]
    for _ in range(n_steps):
        step, state = opt.update(grad_fn(x), state, x)
        x = x - step
        path.append(x)
    return path


@pytest.mark.parametrize(
    ("check", "fn"),
    [pytest.param(checks.check_rmsprop_step, fn, id=fn.__name__)
     for fn in (rmsprop_loop, rmsprop_lerp)]
    + [pytest.param(checks.check_adam_step, fn, id=fn.__name__)
       for fn in (adam_copy_in_place, adam_list, adam_via_mlopt)]
    + [pytest.param(checks.check_adamw_step, adamw_explicit, id="adamw_explicit")]
    + [pytest.param(checks.check_run_adam, fn, id=fn.__name__)
       for fn in (run_adam_preallocated, run_adam_mlopt)],
)
@pytest.mark.parametrize("seed", [0, 3])
def test_other_valid_answers_pass(check, fn, seed):
    check(fn, seed=seed)


# --- typical mistakes are rejected with a message that says what to fix ------------------------

def rms(update_v=None, step=None):
    """An RMSprop step with its v update or its step formula replaced."""
    def fn(params, grad, v, lr, alpha, eps):
        new_v = (update_v or (lambda v, g, a: a * v + (1 - a) * g**2))(v, grad, alpha)
        with np.errstate(invalid="ignore"):
            s = (step or (lambda g, v, lr, eps: lr * g / (np.sqrt(v) + eps)))(grad, new_v, lr,
                                                                            eps)
        return params - s, new_v
    return fn


def rms_old_v(params, grad, v, lr, alpha, eps):
    with np.errstate(divide="ignore", invalid="ignore"):
        s = lr * grad / (np.sqrt(v) + eps)
    return params - s, alpha * v + (1 - alpha) * grad**2


def rms_in_place(params, grad, v, lr, alpha, eps):
    v *= alpha
    v += (1 - alpha) * grad**2
    return params - lr * grad / (np.sqrt(v) + eps), v


RMSPROP_MISTAKES = {
    "sum": (rms(update_v=lambda v, g, a: v + g**2), "moving average instead"),
    "weights swapped": (rms(update_v=lambda v, g, a: (1 - a) * v + a * g**2),
                        "weights of the moving average are swapped"),
    "v from g": (rms(update_v=lambda v, g, a: a * v + (1 - a) * g), "not the gradient itself"),
    "eps inside": (rms(step=lambda g, v, lr, eps: lr * g / np.sqrt(v + eps)),
                   "eps belongs outside the square root"),
    "no sqrt": (rms(step=lambda g, v, lr, eps: lr * g / (v + eps)), "square ROOT"),
    "old v": (rms_old_v, "NEW average"),
    "uphill": (rms(step=lambda g, v, lr, eps: -lr * g / (np.sqrt(v) + eps)), "uphill"),
    "no lr": (rms(step=lambda g, v, lr, eps: g / (np.sqrt(v) + eps)), "learning rate"),
    "not scaled": (rms(step=lambda g, v, lr, eps: lr * g), "the step is not scaled"),
    "in place": (rms_in_place, "modified its input array in place"),
    "params only": (lambda p, g, v, lr, a, eps: p - lr * g, "should return the 2 values"),
    "no return": (lambda p, g, v, lr, a, eps: None, "return params, v"),
}


def adam_variant(*, c1=None, c2=None, eps_inside=False, eps_before=False, root=True,
                 m_beta=None, v_beta=None, v_of=None, return_hat=False, sign=1.0,
                 lr_factor=None, old_moments=False):
    """An Adam step with one thing changed."""
    def fn(params, grad, m, v, t, lr, beta1, beta2, eps):
        b1 = beta1 if m_beta is None else m_beta(beta1, beta2)
        b2 = beta2 if v_beta is None else v_beta(beta1, beta2)
        m_new = b1 * m + (1 - b1) * grad
        v_new = b2 * v + (1 - b2) * (grad**2 if v_of is None else v_of(grad))
        k1 = 1 - beta1**t if c1 is None else c1(beta1, t)
        k2 = 1 - beta2**t if c2 is None else c2(beta2, t)
        mm, vv = (m, v) if old_moments else (m_new, v_new)
        step_lr = lr if lr_factor is None else lr_factor
        with np.errstate(divide="ignore", invalid="ignore"):
            if eps_before:
                step = step_lr * np.sqrt(k2) / k1 * mm / (np.sqrt(vv) + eps)
            elif eps_inside:
                step = step_lr * (mm / k1) / np.sqrt(vv / k2 + eps)
            else:
                step = step_lr * (mm / k1) / ((np.sqrt(vv / k2) if root else vv / k2) + eps)
        if return_hat:
            return params - step, m_new / k1, v_new / k2
        return params - sign * step, m_new, v_new
    return fn


def adam_in_place(params, grad, m, v, t, lr, beta1, beta2, eps):
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad**2
    return params - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_t_from_zero(params, grad, m, v, t, lr, beta1, beta2, eps):
    return adam_variant(c1=lambda b, t: 1 - b ** (t - 1), c2=lambda b, t: 1 - b ** (t - 1))(
        params, grad, m, v, t, lr, beta1, beta2, eps)


ADAM_MISTAKES = {
    "no bias correction": (adam_variant(c1=lambda b, t: 1.0, c2=lambda b, t: 1.0),
                           "the bias correction is missing"),
    "only m corrected": (adam_variant(c2=lambda b, t: 1.0), "only m is bias-corrected"),
    "only v corrected": (adam_variant(c1=lambda b, t: 1.0), "only v is bias-corrected"),
    "t counted from 0": (adam_t_from_zero, "1 for the first"),
    "t + 1": (adam_variant(c1=lambda b, t: 1 - b ** (t + 1), c2=lambda b, t: 1 - b ** (t + 1)),
              "uses t + 1"),
    "no power t": (adam_variant(c1=lambda b, t: 1 - b, c2=lambda b, t: 1 - b),
                   "raise the betas to the power t"),
    "eps inside": (adam_variant(eps_inside=True), "eps belongs outside the square root"),
    "eps before correction": (adam_variant(eps_before=True), "before the bias correction"),
    "no sqrt": (adam_variant(root=False), "square ROOT"),
    "v from g": (adam_variant(v_of=lambda g: g), "not the gradient itself"),
    "betas swapped": (adam_variant(m_beta=lambda b1, b2: b2, v_beta=lambda b1, b2: b1),
                      "beta1 and beta2 are swapped"),
    "m weights swapped": (adam_variant(m_beta=lambda b1, b2: 1 - b1),
                          "weights of the moving average are swapped"),
    "returns m_hat": (adam_variant(return_hat=True), "return the raw average m"),
    "old moments": (adam_variant(old_moments=True), "uses the old m and v"),
    "uphill": (adam_variant(sign=-1.0), "uphill"),
    "no lr": (adam_variant(lr_factor=1.0), "learning rate is missing"),
    "in place": (adam_in_place, "modified its input array in place"),
    "params only": (lambda p, g, m, v, t, lr, b1, b2, eps: p, "should return the 3 values"),
    "no return": (lambda p, g, m, v, t, lr, b1, b2, eps: None, "return params, m, v"),
}


def _adam(params, grad, m, v, t, lr, beta1, beta2, eps):
    return adam_variant()(params, grad, m, v, t, lr, beta1, beta2, eps)


def adamw_coupled(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    return _adam(params, grad + wd * params, m, v, t, lr, beta1, beta2, eps)


def adamw_no_lr(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    return _adam(params * (1 - wd), grad, m, v, t, lr, beta1, beta2, eps)


def adamw_after(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    p, m, v = _adam(params, grad, m, v, t, lr, beta1, beta2, eps)
    return p * (1 - lr * wd), m, v


def adamw_plus(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    return _adam(params * (1 + lr * wd), grad, m, v, t, lr, beta1, beta2, eps)


def adamw_none(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    return _adam(params, grad, m, v, t, lr, beta1, beta2, eps)


def adamw_both(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    return _adam(params * (1 - lr * wd), grad + wd * params, m, v, t, lr, beta1, beta2, eps)


def adamw_no_correction(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    return adam_variant(c1=lambda b, t: 1.0, c2=lambda b, t: 1.0)(
        params * (1 - lr * wd), grad, m, v, t, lr, beta1, beta2, eps)


ADAMW_MISTAKES = {
    "coupled L2": (adamw_coupled, "this is Adam with an L2 penalty"),
    "decay without lr": (adamw_no_lr, "not multiplied by the learning rate"),
    "decay after step": (adamw_after, "applied after the Adam step"),
    "decay sign": (adamw_plus, "wrong sign"),
    "no decay": (adamw_none, "there is no weight decay"),
    "both": (adamw_both, "the moments m and v see the raw gradient"),
    "no bias correction": (adamw_no_correction, "the new params"),
    "no return": (lambda *args: None, "return params, m, v"),
}


def run_variant(*, t_of=lambda k: k + 1, reset=False, first=True, steps=None, last=False):
    def fn(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        x = np.array(x0, dtype=float)
        m = v = np.zeros_like(x)
        path = [x] if first else []
        for k in range(n_steps if steps is None else steps(n_steps)):
            if reset:
                m = v = np.zeros_like(x)
            with np.errstate(divide="ignore", invalid="ignore"):
                x, m, v = _adam(x, grad_fn(x), m, v, t_of(k), lr, beta1, beta2, eps)
            path.append(x)
        return path[-1] if last else np.array(path)
    return fn


def run_aliased(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    x = x0.copy()
    m = v = np.zeros_like(x)
    path = [x]
    for t in range(1, n_steps + 1):
        new, m, v = _adam(x, grad_fn(x), m, v, t, lr, beta1, beta2, eps)
        x[:] = new
        path.append(x)
    return np.array(path)


def run_modifies_x0(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = v = np.zeros_like(x0)
    path = [x0.copy()]
    for t in range(1, n_steps + 1):
        new, m, v = _adam(x0, grad_fn(x0), m, v, t, lr, beta1, beta2, eps)
        x0[:] = new
        path.append(x0.copy())
    return np.array(path)


RUN_MISTAKES = {
    "t from 0": (run_variant(t_of=lambda k: k), "t must be 1 at the first step"),
    "state reset": (run_variant(reset=True), "m and v start from zero at every step"),
    "t stays 1": (run_variant(t_of=lambda k: 1), "t stays 1"),
    "t from 2": (run_variant(t_of=lambda k: k + 2), "t starts at 2"),
    "x0 missing": (run_variant(first=False), "the first row must be x0 itself"),
    "one short": (run_variant(steps=lambda n: n - 1), "one step too early"),
    "last only": (run_variant(last=True), "only the last iterate"),
    "aliased": (run_aliased, "every row equals the last iterate"),
    "modifies x0": (run_modifies_x0, "modified its input array in place"),
    "no return": (lambda *args: None, "return"),
}


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [pytest.param(checks.check_rmsprop_step, fn, msg, id=f"rmsprop-{k}")
     for k, (fn, msg) in RMSPROP_MISTAKES.items()]
    + [pytest.param(checks.check_adam_step, fn, msg, id=f"adam-{k}")
       for k, (fn, msg) in ADAM_MISTAKES.items()]
    + [pytest.param(checks.check_adamw_step, fn, msg, id=f"adamw-{k}")
       for k, (fn, msg) in ADAMW_MISTAKES.items()]
    + [pytest.param(checks.check_run_adam, fn, msg, id=f"run-{k}")
       for k, (fn, msg) in RUN_MISTAKES.items()],
)
def test_typical_mistakes_are_rejected_with_a_useful_message(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


@pytest.mark.parametrize(
    ("fn", "message"),
    [(adam_variant(c1=lambda b, t: 1.0, c2=lambda b, t: 1.0), "the bias correction is missing"),
     (adam_variant(eps_inside=True), "eps belongs outside the square root"),
     (adam_variant(m_beta=lambda b1, b2: b2, v_beta=lambda b1, b2: b1), "swapped")],
)
def test_adam_mistakes_are_named_at_the_defaults_too(fn, message):
    """With torch's defaults (eps=1e-8) and a late step, the mistakes are still recognised."""
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_adam_step(fn, eps=1e-8, t=50, seed=4)


def test_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check, _ in CHECKS:
        with pytest.raises(NotImplementedError):
            check(stub)


# --- found by trying learner answers: more valid ways and more mistakes ------------------------

def rmsprop_lists(params, grad, v, lr, alpha, eps):
    v = alpha * v + (1 - alpha) * np.power(grad, 2)
    return (params - lr * grad * np.reciprocal(np.sqrt(v) + eps)).tolist(), v.tolist()


def adam_paper_eps_hat(params, grad, m, v, t, lr, beta1, beta2, eps):
    """Kingma and Ba's 'efficient' arrangement, with eps rescaled: the same numbers."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return params - lr_t * m / (np.sqrt(v) + eps * np.sqrt(1 - beta2**t)), m, v


def adam_math_loop(params, grad, m, v, t, lr, beta1, beta2, eps):
    out = [[], [], []]
    for p, g, mi, vi in zip(params, grad, m, v):
        mi, vi = beta1 * mi + (1 - beta1) * g, beta2 * vi + (1 - beta2) * g * g
        out[0].append(p - lr * (mi / (1 - beta1**t)) / ((vi / (1 - beta2**t)) ** 0.5 + eps))
        out[1].append(mi)
        out[2].append(vi)
    return tuple(np.array(o) for o in out)


def adamw_decay_from_old_params(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    new, m, v = _adam(params, grad, m, v, t, lr, beta1, beta2, eps)
    return new - lr * wd * params, m, v


def run_adam_scalar_state(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    x, m, v, path = x0, 0.0, 0.0, [x0]  # scalar zeros broadcast on the first step
    for t in range(1, n_steps + 1):
        x, m, v = _adam(x, grad_fn(x), m, v, t, lr, beta1, beta2, eps)
        path.append(x)
    return np.vstack(path).tolist()


@pytest.mark.parametrize(
    ("check", "fn"),
    [pytest.param(checks.check_rmsprop_step, rmsprop_lists, id="rmsprop_lists"),
     pytest.param(checks.check_adam_step, adam_paper_eps_hat, id="adam_paper_eps_hat"),
     pytest.param(checks.check_adam_step, adam_math_loop, id="adam_math_loop"),
     pytest.param(checks.check_adamw_step, adamw_decay_from_old_params, id="adamw_old_params"),
     pytest.param(checks.check_run_adam, run_adam_scalar_state, id="run_adam_scalar_state")],
)
@pytest.mark.parametrize("kwargs", [{}, dict(seed=3), dict(eps=1e-8, seed=4)])
def test_more_valid_answers_pass(check, fn, kwargs):
    if check is checks.check_run_adam and "eps" in kwargs:
        kwargs = dict(seed=4)
    check(fn, **kwargs)


def rms_swapped_outputs(params, grad, v, lr, alpha, eps):
    new_p, new_v = rms()(params, grad, v, lr, alpha, eps)
    return new_v, new_p


def adam_outputs(order):
    def fn(*args):
        out = _adam(*args)
        return tuple(out[i] for i in order)
    return fn


def adam_parens(params, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    with np.errstate(invalid="ignore"):
        return params - lr * (m / 1 - beta1**t) / (np.sqrt(v / 1 - beta2**t) + eps), m, v


def adam_times_t(params, grad, m, v, t, lr, beta1, beta2, eps):
    return adam_variant(c1=lambda b, t: 1 - b * t, c2=lambda b, t: 1 - b * t)(
        params, grad, m, v, t, lr, beta1, beta2, eps)


def adam_eps_no_parens(params, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return params - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t)) + eps, m, v


def adam_v_of_m(params, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * m**2
    return params - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_raw_grad_step(params, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return params - lr * grad / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adamw_scalar_decay(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    return _adam(params - lr * wd, grad, m, v, t, lr, beta1, beta2, eps)


def adamw_decay_in_fraction(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return params - lr * (m_hat + wd * params) / (np.sqrt(v_hat) + eps), m, v


def adamw_twice(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    new, m, v = _adam(params * (1 - lr * wd), grad, m, v, t, lr, beta1, beta2, eps)
    return new - lr * wd * params, m, v


def adamw_decay_only(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    _, m, v = _adam(params, grad, m, v, t, lr, beta1, beta2, eps)
    return params * (1 - lr * wd), m, v


def adamw_swapped_outputs(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
    new, m, v = _adam(params * (1 - lr * wd), grad, m, v, t, lr, beta1, beta2, eps)
    return new, v, m


def run_loop(*, at_x0=False, extra=0, append_first=False, keep_v=True, hyper=None):
    def fn(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        b1, b2, e = hyper or (beta1, beta2, eps)
        x, m, v, path = x0, np.zeros_like(x0), np.zeros_like(x0), [x0]
        for t in range(1, n_steps + 1 + extra):
            if append_first:
                path.append(x)
            x, m, new_v = _adam(x, grad_fn(x0 if at_x0 else x), m, v, t, lr, b1, b2, e)
            v = new_v if keep_v else v
            if not append_first:
                path.append(x)
        return np.array(path)
    return fn


MORE_MISTAKES = [
    (checks.check_rmsprop_step, rms_swapped_outputs, "wrong order (v, params)"),
    (checks.check_rmsprop_step, rms(step=lambda g, v, lr, eps: lr * g / np.sqrt(v) - eps),
     "eps is added to (or subtracted from) the result"),
    (checks.check_adam_step, adam_outputs((1, 2, 0)), "wrong order (m, v, params)"),
    (checks.check_adam_step, adam_outputs((0, 2, 1)), "wrong order (params, v, m)"),
    (checks.check_adam_step, adam_parens, "missing parentheses"),
    (checks.check_adam_step, adam_times_t, "Raise the betas to the power t"),
    (checks.check_adam_step, adam_eps_no_parens, "eps is added to (or subtracted from)"),
    (checks.check_adam_step, adam_v_of_m, "not the square of m"),
    (checks.check_adam_step, adam_raw_grad_step, "the step uses the raw gradient"),
    (checks.check_adam_step, adam_variant(c2=lambda b, t: 1 - 0.9**t), "corrected with beta1"),
    (checks.check_adamw_step, adamw_scalar_decay, "proportional to the parameters"),
    (checks.check_adamw_step, adamw_decay_in_fraction, "outside Adam's fraction"),
    (checks.check_adamw_step, adamw_twice, "the decay is applied twice"),
    (checks.check_adamw_step, adamw_decay_only, "the Adam step is missing"),
    (checks.check_adamw_step, adamw_swapped_outputs, "wrong order (params, v, m)"),
    (checks.check_run_adam, run_loop(extra=1), "one step too many"),
    (checks.check_run_adam, run_loop(append_first=True), "append x after updating it"),
    (checks.check_run_adam, run_loop(at_x0=True), "the gradient is always taken at x0"),
    (checks.check_run_adam, run_loop(keep_v=False), "v starts from zero at every step"),
    (checks.check_run_adam, run_loop(hyper=(0.9, 0.999, 1e-8)),
     "ignores the arguments beta1, beta2 and eps"),
]


@pytest.mark.parametrize(("check", "fn", "message"), MORE_MISTAKES)
def test_more_mistakes_are_named(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_nan_at_the_first_step_is_told_apart():
    """t - 1 and missing parentheses both give NaN at t = 1; the later step tells which."""
    with pytest.raises(AssertionError, match=re.escape("(not t - 1)")):
        checks.check_adam_step(adam_t_from_zero)
    with pytest.raises(AssertionError, match="missing parentheses") as info:
        checks.check_adam_step(adam_parens)
    assert "t - 1" not in str(info.value)


# --- predicting AdamW's per-coordinate shrinkage (issue 8) -------------------------------------

def limit_clip(c, h, weight_decay):
    return np.clip(c, -1 / weight_decay, 1 / weight_decay)


def limit_where(c, h, weight_decay):
    c = np.asarray(c)
    return np.where(np.abs(c) * weight_decay > 1, np.sign(c) / weight_decay, c)


def limit_min_max(c, h, weight_decay):
    return [max(-1 / weight_decay, min(1 / weight_decay, ci)) for ci in c]   # a list


def limit_float32(c, h, weight_decay):
    return limit_clip(c, h, weight_decay).astype(np.float32)


@pytest.mark.parametrize("case", checks.LIMIT_CASES, ids=["lambda 0.5", "lambda 0.1"])
def test_the_closed_form_is_where_mlopt_adamw_ends(case):
    c, h, lam = case
    ended = checks.adamw_run_limit(c, h, lam)
    np.testing.assert_allclose(ended, limit_clip(np.array(c), h, lam), atol=1e-4)
    # and not where Adam with L2 ends (ridge): the two differ by far more than the tolerance
    ridge = np.array(h) * np.array(c) / (np.array(h) + lam)
    assert np.abs(ended - ridge).max() > 0.5


@pytest.mark.parametrize("fn", [limit_clip, limit_where, limit_min_max, limit_float32],
                         ids=lambda f: f.__name__)
def test_adamw_limit_valid_answers_pass(fn):
    checks.check_adamw_limit(fn, seed=3)


def test_adamw_limit_reference_answer_passes(solution):
    checks.check_adamw_limit(solution["adamw_limit"], seed=5)


def limit_in_place(c, h, weight_decay):
    np.clip(c, -1 / weight_decay, 1 / weight_decay, out=c)
    return c


ADAMW_LIMIT_MISTAKES = {
    "ridge": (lambda c, h, lam: h * c / (h + lam), "Adam with an L2 penalty"),
    "unchanged": (lambda c, h, lam: c.copy(), "no coordinate moved from c"),
    "uniform shrink": (lambda c, h, lam: c / (1 + lam), "the same factor 1/(1 + weight_decay)"),
    "box at lambda": (lambda c, h, lam: np.clip(c, -lam, lam), "not weight_decay"),
    "all on the box": (lambda c, h, lam: np.sign(c) / lam, "every coordinate ends at ±1/"),
    "ridge then box": (lambda c, h, lam: np.clip(h * c / (h + lam), -1 / lam, 1 / lam),
                       "combined ridge's shrinkage"),
    "lambda hard-coded": (lambda c, h, lam: np.clip(c, -2.0, 2.0), "is wrong (inputs"),
    "in place": (limit_in_place, "modified its input array in place"),
    "None": (lambda c, h, lam: None, "returned None"),
    "scalar": (lambda c, h, lam: 1 / lam, "has shape ()"),
}


@pytest.mark.parametrize(("fn", "message"), ADAMW_LIMIT_MISTAKES.values(),
                         ids=ADAMW_LIMIT_MISTAKES.keys())
def test_adamw_limit_mistakes_are_rejected(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_adamw_limit(fn)


# --- issue 9: every hyper-parameter is used; edge problems; odd return types ---------------------

def rmsprop_alpha_hard_coded(params, grad, v, lr, alpha, eps):
    v = 0.9 * v + 0.1 * grad**2
    return params - lr * grad / (np.sqrt(v) + eps), v


def rmsprop_eps_hard_coded(params, grad, v, lr, alpha, eps):
    v = alpha * v + (1 - alpha) * grad**2
    return params - lr * grad / (np.sqrt(v) + 1e-3), v


def adam_with(beta1=None, beta2=None, eps=None, lr=None):
    def step(params, grad, m, v, t, lr_, beta1_, beta2_, eps_):
        b1, b2 = beta1 or beta1_, beta2 or beta2_
        e, a = eps if eps is not None else eps_, lr or lr_
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        return params - a * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + e), m, v
    return step


def adamw_with(weight_decay=None, **hard):
    adam_step = adam_with(**hard)

    def step(params, grad, m, v, t, lr, beta1, beta2, eps, wd):
        wd = weight_decay if weight_decay is not None else wd
        return adam_step(params * (1 - lr * wd), grad, m, v, t, lr, beta1, beta2, eps)
    return step


def adam_float32(params, grad, m, v, t, lr, beta1, beta2, eps):
    return tuple(np.asarray(a, dtype=np.float32)
                 for a in adam_with()(params, grad, m, v, t, lr, beta1, beta2, eps))


def run_adam_stops_early(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    x = np.array(x0, dtype=float)
    m, v, path = np.zeros_like(x), np.zeros_like(x), [x]
    for t in range(1, n_steps + 1):
        g = grad_fn(x)
        if np.linalg.norm(g) < 1e-6:         # "converged": stop
            break
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
        x = x - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        path.append(x)
    return np.array(path)


def run_adam_lr_hard_coded(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    return checks._path(grad_fn, x0, n_steps, 0.05, beta1, beta2, eps)


def run_adam_float32(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    return checks._path(grad_fn, x0, n_steps, lr, beta1, beta2, eps).astype(np.float32)


@pytest.mark.parametrize(("check", "fn", "message"), [
    (checks.check_rmsprop_step, rmsprop_alpha_hard_coded, "it ignores the argument alpha"),
    (checks.check_rmsprop_step, rmsprop_eps_hard_coded, "it ignores the argument eps"),
    (checks.check_adam_step, adam_with(beta1=0.9, beta2=0.999),
     "it ignores the arguments beta1 and beta2"),
    (checks.check_adam_step, adam_with(beta2=0.999), "it ignores the argument beta2"),
    (checks.check_adam_step, adam_with(eps=1e-3), "it ignores the argument eps"),
    (checks.check_adam_step, adam_with(lr=0.01), "it ignores the argument lr"),
    (checks.check_adamw_step, adamw_with(weight_decay=0.5), "it ignores the argument weight_decay"),
    (checks.check_adamw_step, adamw_with(beta1=0.9), "it ignores the argument beta1"),
    (checks.check_run_adam, run_adam_stops_early, "starts at its minimum"),
    (checks.check_run_adam, run_adam_lr_hard_coded, "it ignores the argument lr"),
    (checks.check_run_adam, lambda *args: "path", "got str"),
    (checks.check_run_adam, lambda *args: (np.zeros((51, 5)), 1), "got tuple"),
], ids=["rmsprop alpha", "rmsprop eps", "adam betas", "adam beta2", "adam eps", "adam lr",
        "adamw weight_decay", "adamw beta1", "run stops early", "run lr", "run str",
        "run tuple"])
def test_ignored_arguments_edges_and_odd_returns_are_rejected(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


@pytest.mark.parametrize(("check", "fn"), [(checks.check_adam_step, adam_float32),
                                           (checks.check_run_adam, run_adam_float32)],
                         ids=["adam_step", "run_adam"])
def test_float32_answers_pass(check, fn):
    check(fn)


ODD_RETURNS = [None, "x", ("a", "b"), (None, None), [1, 2, 3], {"a": 1}, np.zeros(3),
               (np.zeros(3),), 1.0, (1.0, "b"), (np.zeros(3), "b"), (object(), object())]


@pytest.mark.parametrize("check", [checks.check_rmsprop_step, checks.check_adam_step,
                                   checks.check_adamw_step, checks.check_run_adam,
                                   checks.check_adamw_limit],
                         ids=lambda c: c.__name__)
@pytest.mark.parametrize("odd", ODD_RETURNS, ids=range(len(ODD_RETURNS)))
def test_an_odd_return_gets_a_message_not_a_crash(check, odd):
    with pytest.raises(AssertionError):
        check(lambda *args: odd)


def test_a_nan_first_step_is_blamed_on_t_only_when_it_matches():
    def t_from_zero(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        return checks._path(grad_fn, x0, n_steps, lr, beta1, beta2, eps, t_of=lambda k: k)

    def nan_elsewhere(grad_fn, x0, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        path = checks._path(grad_fn, x0, n_steps, lr, beta1, beta2, eps)
        path[1:, 0] = np.nan                       # one coordinate only: not the t = 0 slip
        return path

    with pytest.raises(AssertionError, match="starts at 0"):
        checks.check_run_adam(t_from_zero)
    with pytest.raises(AssertionError) as err:
        checks.check_run_adam(nan_elsewhere)
    assert "t must be 1" not in str(err.value) and "expected finite values" in str(err.value)


# --- found in the rev56 learner review: an eps written into the body is named --------------------

def _rms_with_eps(e):
    def rmsprop_step(params, grad, v, lr, alpha, eps):
        v = alpha * v + (1 - alpha) * grad**2
        return params - lr * grad / (np.sqrt(v) + e), v
    return rmsprop_step


def _adam_with_eps(e):
    def adam_step(params, grad, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return params - lr * m_hat / (np.sqrt(v_hat) + e), m, v
    return adam_step


@pytest.mark.parametrize("e", [1e-8, 0.0])
def test_an_eps_written_into_rmsprop_is_named(e):
    with pytest.raises(AssertionError, match=f"ignores the argument eps .*eps={e:g}"):
        checks.check_rmsprop_step(_rms_with_eps(e))


@pytest.mark.parametrize("e", [1e-8, 0.0])
def test_an_eps_written_into_adam_is_named(e):
    with pytest.raises(AssertionError, match=f"ignores the argument eps .*eps={e:g}"):
        checks.check_adam_step(_adam_with_eps(e))


def test_an_eps_written_into_adamw_is_named():
    adam_step = _adam_with_eps(0.0)

    def adamw_step(params, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        return adam_step(params * (1 - lr * weight_decay), grad, m, v, t, lr, beta1, beta2, eps)

    with pytest.raises(AssertionError, match="ignores the argument eps .*eps=0"):
        checks.check_adamw_step(adamw_step, eps=1e-2)



@pytest.mark.parametrize("eps", [1e-8, 1e-3, 0.05])
def test_a_correct_step_passes_with_any_eps(solution, eps):  # the new eps mistakes stay quiet
    checks.check_rmsprop_step(solution["rmsprop_step"], eps=eps)
    checks.check_adam_step(solution["adam_step"], eps=eps)
    checks.check_adamw_step(solution["adamw_step"], eps=eps)
