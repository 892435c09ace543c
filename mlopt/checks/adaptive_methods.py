"""Checks for the graded exercise of chapter 06, adaptive methods (RMSprop, Adam, AdamW).

Every reference value comes from :mod:`mlopt.optimizers` (whose trajectories equal
``torch.optim``'s, see ``tests/test_optimizers.py``); every typical mistake is recognised by
computing what it would have returned.
"""

from __future__ import annotations

from functools import partial
from itertools import combinations, permutations

import numpy as np

from mlopt.checks._core import Mistake, call_on_copies, check_array
from mlopt.optimizers import AdamState, RMSpropState, adam, adamw, rmsprop

__all__ = ["check_rmsprop_step", "check_adam_step", "check_adamw_step", "check_run_adam",
           "check_adamw_limit"]

_FIX = ("Compute new arrays instead (`v = alpha * v + ...`, `params - step`); `v *= ...` or "
        "`params -= ...` change the caller's arrays.")
_call = partial(call_on_copies, fix=_FIX)


def _unpack(got, names, what):
    """The learner's tuple of results, or an AssertionError that says what to return."""
    expected = ", ".join(names)
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget `return {expected}`?")
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        kind = (f"a tuple of {len(got)}" if isinstance(got, (tuple, list))
                else type(got).__name__)
        raise AssertionError(
            f"{what} should return the {len(names)} values `{expected}` (in this order), got "
            f"{kind}. The new moment estimates are part of the answer: the next step needs them."
        )
    return got


def _check_order(got, expected, names, what):
    """Name a right answer returned in another order (``v, params`` for ``params, v``)."""
    try:
        got = [np.asarray(g, dtype=float) for g in got]
    except (TypeError, ValueError):
        return
    exp = [np.asarray(e, dtype=float) for e in expected]

    def same(a, b):
        return a.shape == b.shape and bool(np.allclose(a, b))

    if all(same(g, e) for g, e in zip(got, exp)):
        return
    for order in permutations(range(len(names))):
        if all(same(got[i], exp[j]) for i, j in enumerate(order)):
            returned = ", ".join(names[j] for j in order)
            raise AssertionError(
                f"{what} returned the right values in the wrong order ({returned}): return "
                f"`{', '.join(names)}`, in this order."
            )


def make_step_inputs(n_params=4, seed=0, first=False, small=True):
    """Parameters, gradient and moment estimates for one step.

    Gradients span several orders of magnitude (the last coordinate is about 1e-3, where the
    place of eps matters). ``first=True`` gives ``m = v = 0`` (the first step).
    """
    rng = np.random.default_rng(seed)
    params = rng.normal(size=n_params)
    grad = rng.normal(size=n_params) * np.geomspace(3.0, 0.3, n_params)
    if small:
        grad[-1] = 1e-3 * np.sign(grad[-1] or 1.0)
    if first:
        return params, grad, np.zeros(n_params), np.zeros(n_params)
    m = 0.5 * rng.normal(size=n_params)
    v = rng.uniform(0.1, 2.0, size=n_params) ** 2
    if small:
        v[-1] = 1e-6
    return params, grad, m, v


def _ema(beta, avg, x):
    return beta * avg + (1.0 - beta) * x


def _safe(fn):
    """Evaluate a mistake's formula, letting a division by zero give inf/nan quietly."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return fn()



def _other(value, choices):
    """The first of ``choices`` that differs from ``value``: an argument's non-default value."""
    return next(c for c in choices if not np.isclose(c, value))


def _check_uses_arguments(fn, name, names, given, others, reference, n_out, seed, small=True):
    """Call ``fn`` once more with every hyper-parameter changed; none may be hard-coded.

    ``names`` are the hyper-parameters (in call order, after the arrays and ``t``), ``given``
    their values in the main check and ``others`` the new ones. ``reference(hp) -> tuple`` is
    the right answer for hyper-parameters ``hp``. A result equal to the reference with one of
    the old values is named: "it ignores the argument ...".
    """
    inputs = make_step_inputs(4, seed + 1, small=small)
    what = f"{name}(..., {', '.join(names)})"
    got = _unpack(_call(fn, name, *reference.args(inputs, others)),
                  reference.outputs, what)
    expected = reference(inputs, others)
    mistakes = []
    for i, arg in enumerate(names):
        if np.isclose(given[i], others[i]):
            continue
        swapped = list(others)
        swapped[i] = given[i]
        mistakes.append(Mistake(reference(inputs, swapped)[0], f"it ignores the argument {arg}"
                                f" (this call passed {arg}={others[i]:g} and got the result of "
                                f"{arg}={given[i]:g}): use the value you are given"))
    changed = [i for i in range(len(names)) if not np.isclose(given[i], others[i])]
    for i, j in combinations(changed, 2):
        swapped = list(others)
        swapped[i], swapped[j] = given[i], given[j]
        pair = (names[i], names[j])
        mistakes.append(Mistake(reference(inputs, swapped)[0], f"it ignores the arguments "
                                f"{pair[0]} and {pair[1]} (this call passed "
                                f"{_kv(pair, (others[i], others[j]))} and got the result of "
                                f"{_kv(pair, (given[i], given[j]))}): use the values you are "
                                "given"))
    mistakes.append(Mistake(reference(inputs, given)[0], "it ignores its hyper-parameters "
                            f"(this call passed {_kv(names, others)} and got the result of "
                            f"{_kv(names, given)})"))
    context = f"a later step, {_kv(names, others)}"
    check_array(got[0], expected[0], f"the new params from {what}", mistakes=mistakes,
                context=context)
    for k in range(1, n_out):
        check_array(got[k], expected[k], f"the new {reference.outputs[k]} from {what}",
                    context=context)


def _kv(names, values):
    return ", ".join(f"{n}={v:g}" for n, v in zip(names, values))


class _Reference:
    """A reference step with its call convention: ``args(inputs, hp)`` and ``outputs``."""

    def __init__(self, step, args, outputs):
        self.step, self.args, self.outputs = step, args, outputs

    def __call__(self, inputs, hp):
        return self.step(inputs, hp)

# ---- RMSprop ------------------------------------------------------------------------------

_EPS_PARENS = ("eps is added to (or subtracted from) the result instead of the denominator: "
               "without parentheses, a / np.sqrt(v) + eps is (a / np.sqrt(v)) + eps. "
               "Write {fix}")

def _ignored_eps(eps, result_of):
    """Mistakes for an eps written into the body (torch's default 1e-8, or none at all)."""
    return [Mistake(result_of(e), f"it ignores the argument eps (this call passed eps={eps:g} "
                    f"and got the result of eps={e:g}): use the value you are given")
            for e in (1e-8, 0.0) if not np.isclose(e, eps, rtol=1e-3, atol=0.0)]


def _adamw_params(params, grad, m, v, t, lr, beta1, beta2, weight_decay, eps):
    """AdamW's new parameters: decay by lr * weight_decay, then Adam's displacement."""
    adam_params = _adam_reference(params, grad, m, v, t, lr, beta1, beta2, eps)[0]
    return params * (1 - lr * weight_decay) + adam_params - params


def _rmsprop_param_mistakes(params, grad, v, new_v, lr, eps):
    return _ignored_eps(eps, lambda e: params - lr * grad / (np.sqrt(new_v) + e)) + [
        Mistake(_safe(lambda: params - lr * grad / np.sqrt(new_v + eps)), "eps belongs "
                "outside the square root: grad / (np.sqrt(v) + eps), as in torch. Inside, "
                "sqrt(v + eps), it changes the steps of coordinates with small gradients "
                "a lot"),
        Mistake(params - lr * grad / (new_v + eps), "divide by the square ROOT of v: v is "
                "an average of squared gradients, so np.sqrt(v) has the units of the "
                "gradient"),
        Mistake(_safe(lambda: params - lr * grad / (np.sqrt(v) + eps)), "divide by the "
                "square root of the NEW average (after adding grad**2), not the old one"),
        Mistake(params + lr * grad / (np.sqrt(new_v) + eps), "the step goes uphill: "
                "subtract it, params - lr * grad / (np.sqrt(v) + eps)"),
        Mistake(params - grad / (np.sqrt(new_v) + eps), "the learning rate is missing"),
        Mistake(lr * grad / (np.sqrt(new_v) + eps), "you returned the step; return the "
                "new parameters, params - step"),
        Mistake(params - lr * grad, "the step is not scaled: divide the gradient by "
                "np.sqrt(v) + eps"),
        Mistake(_safe(lambda: params - lr * grad / np.sqrt(new_v) + eps), _EPS_PARENS
                .format(fix="params - lr * grad / (np.sqrt(v) + eps)")),
        Mistake(_safe(lambda: params - lr * grad / np.sqrt(new_v) - eps), _EPS_PARENS
                .format(fix="params - lr * grad / (np.sqrt(v) + eps)")),
    ]


def check_rmsprop_step(rmsprop_step, *, n_params=4, lr=0.01, alpha=0.9, eps=1e-3, seed=0):
    """Check ``rmsprop_step(params, grad, v, lr, alpha, eps) -> (params, v)`` against
    :func:`mlopt.optimizers.rmsprop`, on a first step (v = 0) and a later one."""
    for first in (True, False):
        params, grad, _, v = make_step_inputs(n_params, seed, first=first)
        opt = rmsprop(lr=lr, alpha=alpha, eps=eps)
        step, state = opt.update(grad, RMSpropState(0, v, None, None), params)
        exp_params, exp_v = params - step, state.square_avg
        what = "rmsprop_step(params, grad, v, lr, alpha, eps)"
        context = (f"{'first step, v = 0' if first else 'a later step'}, shape ({n_params},), "
                   f"lr={lr}, alpha={alpha}, eps={eps}")
        got = _unpack(_call(rmsprop_step, "rmsprop_step", params, grad, v, lr, alpha, eps),
                      ("params", "v"), what)
        _check_order(got, (exp_params, exp_v), ("params", "v"), what)
        g2 = grad**2
        v_mistakes = [
            Mistake(v + g2, "v is a sum of squared gradients, as in AdaGrad; RMSprop keeps a "
                    "moving average instead: v = alpha * v + (1 - alpha) * grad**2"),
            Mistake(_ema(1 - alpha, v, g2), "the weights of the moving average are swapped: "
                    "the old average gets alpha, the new squared gradient 1 - alpha"),
            Mistake(_ema(alpha, v, grad), "v averages the squared gradient, grad**2, not the "
                    "gradient itself"),
            Mistake(_ema(alpha, v, np.abs(grad)), "v averages the squared gradient, grad**2, "
                    "not its absolute value"),
            Mistake(v, "v was not updated: return the new moving average"),
        ]
        check_array(got[1], exp_v, "the new v from " + what, mistakes=v_mistakes,
                    context=context)
        p_mistakes = _rmsprop_param_mistakes(params, grad, v, exp_v, lr, eps)
        check_array(got[0], exp_params, "the new params from " + what, mistakes=p_mistakes,
                    context=context)

    def rms_ref(inputs, hp):
        params, grad, _, v = inputs
        step, state = rmsprop(lr=hp[0], alpha=hp[1], eps=hp[2]).update(
            grad, RMSpropState(0, v, None, None), params)
        return params - step, state.square_avg

    ref = _Reference(rms_ref, lambda inp, hp: (inp[0], inp[1], inp[3], *hp), ("params", "v"))
    given = (lr, alpha, eps)
    _check_uses_arguments(rmsprop_step, "rmsprop_step", ("lr", "alpha", "eps"), given,
                          (_other(lr, (0.3, 0.02)), _other(alpha, (0.6, 0.95)),
                           _other(eps, (0.05, 1e-4))), ref, 2, seed)


# ---- Adam ---------------------------------------------------------------------------------

def _adam_reference(params, grad, m, v, t, lr, beta1, beta2, eps, weight_decay=0.0,
                    decoupled=False):
    factory = adamw if decoupled else adam
    opt = factory(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)
    step, state = opt.update(grad, AdamState(t - 1, m, v, None), params)
    return params - step, state.exp_avg, state.exp_avg_sq


def _adam_formula(params, grad, m, v, t, lr, beta1, beta2, eps, *, c1=None, c2=None,
                  eps_inside=False, eps_before=False, root=True, sign=1.0):
    """Adam's update with one thing changed, to compute what a mistake returns."""
    m_new, v_new = _ema(beta1, m, grad), _ema(beta2, v, grad**2)
    c1 = 1.0 - beta1**t if c1 is None else c1
    c2 = 1.0 - beta2**t if c2 is None else c2

    def formula():
        m_hat, v_hat = m_new / c1, v_new / c2
        if eps_before:
            return params - sign * lr * np.sqrt(c2) / c1 * m_new / (np.sqrt(v_new) + eps)
        if eps_inside:
            return params - sign * lr * m_hat / np.sqrt(v_hat + eps)
        denom = (np.sqrt(v_hat) if root else v_hat) + eps
        return params - sign * lr * m_hat / denom

    return _safe(formula)


def _adam_state_mistakes(grad, m, v, t, beta1, beta2, who="Adam"):
    m_mistakes = [
        Mistake(_ema(beta2, m, grad), "m uses beta2; the first moment decays with beta1: "
                "m = beta1 * m + (1 - beta1) * grad (beta1 and beta2 are swapped)"),
        Mistake(_ema(1 - beta1, m, grad), "the weights of the moving average are swapped: "
                "m = beta1 * m + (1 - beta1) * grad"),
        Mistake(_ema(beta1, m, grad) / (1 - beta1**t), "you returned the bias-corrected "
                "m_hat; return the raw average m (the next step corrects it again with its own "
                "t)"),
        Mistake(m, "m was not updated: return the new moving average"),
    ]
    v_mistakes = [
        Mistake(_ema(beta1, v, grad**2), "v uses beta1; the second moment decays with beta2: "
                "v = beta2 * v + (1 - beta2) * grad**2 (beta1 and beta2 are swapped)"),
        Mistake(_ema(beta2, v, grad), "v averages the squared gradient, grad**2, not the "
                "gradient itself"),
        Mistake(_ema(1 - beta2, v, grad**2), "the weights of the moving average are swapped: "
                "v = beta2 * v + (1 - beta2) * grad**2"),
        Mistake(_ema(beta2, v, grad**2) / (1 - beta2**t), "you returned the bias-corrected "
                "v_hat; return the raw average v"),
        Mistake(_ema(beta2, v, _ema(beta1, m, grad) ** 2), "v averages the squared gradient, "
                "grad**2, not the square of m: v = beta2 * v + (1 - beta2) * grad**2"),
        Mistake(v, "v was not updated: return the new moving average"),
    ]
    return m_mistakes, v_mistakes


def _adam_param_mistakes(params, grad, m, v, t, lr, beta1, beta2, eps):
    def f(step_lr=lr, **changed):
        return _adam_formula(params, grad, m, v, t, step_lr, beta1, beta2, eps, **changed)

    m_new, v_new = _ema(beta1, m, grad), _ema(beta2, v, grad**2)
    m_hat, v_hat = m_new / (1 - beta1**t), v_new / (1 - beta2**t)

    def with_eps(e):
        return _safe(lambda: params - lr * m_hat / (np.sqrt(v_hat) + e))

    return _ignored_eps(eps, with_eps) + [
        Mistake(f(c1=1.0, c2=1.0), "the bias correction is missing: divide m by 1 - beta1**t "
                "and v by 1 - beta2**t before the step"),
        Mistake(f(c2=1.0), "only m is bias-corrected; correct v too: "
                "v_hat = v / (1 - beta2**t)"),
        Mistake(f(c1=1.0), "only v is bias-corrected; correct m too: "
                "m_hat = m / (1 - beta1**t)"),
        Mistake(f(c1=1 - beta1 ** (t + 1), c2=1 - beta2 ** (t + 1)), "the bias correction "
                "uses t + 1; t is already the number of this step (1 for the first), so use "
                "1 - beta1**t and 1 - beta2**t"),
        Mistake(f(c1=1 - beta1 ** (t - 1), c2=1 - beta2 ** (t - 1)), "the bias correction "
                "uses t - 1; t is the number of this step (1 for the first), so use "
                "1 - beta1**t and 1 - beta2**t"),
        Mistake(f(c1=1 - beta1, c2=1 - beta2), "the bias correction uses 1 - beta1 and "
                "1 - beta2; raise the betas to the power t: 1 - beta1**t, 1 - beta2**t"),
        Mistake(f(eps_inside=True), "eps belongs outside the square root: "
                "m_hat / (np.sqrt(v_hat) + eps), as in torch. Inside, sqrt(v_hat + eps), it "
                "changes the steps of coordinates with small gradients a lot"),
        Mistake(f(eps_before=True), "eps is added before the bias correction (the paper's "
                "'efficient' form, with another eps); add it to np.sqrt(v_hat), after "
                "correcting: m_hat / (np.sqrt(v_hat) + eps)"),
        Mistake(f(root=False), "divide by the square ROOT of v_hat: v is an average of "
                "squared gradients, so np.sqrt(v_hat) has the units of the gradient"),
        Mistake(f(sign=-1.0), "the step goes uphill: params - lr * m_hat / "
                "(np.sqrt(v_hat) + eps)"),
        Mistake(f(step_lr=1.0), "the learning rate is missing"),
        Mistake(_safe(lambda: params - lr * (m / (1 - beta1**t))
                      / (np.sqrt(v / (1 - beta2**t)) + eps)), "the step uses the old m and v; "
                "update them with this gradient first, then step"),
        Mistake(params - f(), "you returned the step; return the new parameters, "
                "params - step"),
        Mistake(f(c2=1 - beta1**t), "v_hat is corrected with beta1; the second moment uses "
                "beta2: v_hat = v / (1 - beta2**t)"),
        Mistake(f(c1=1 - beta2**t), "m_hat is corrected with beta2; the first moment uses "
                "beta1: m_hat = m / (1 - beta1**t)"),
        Mistake(f(c1=1 - beta1**t, c2=1 - beta1**t), "v_hat is corrected with beta1; the "
                "second moment uses beta2: v_hat = v / (1 - beta2**t)"),
        Mistake(_safe(lambda: params - lr * (m_new - beta1**t) / (np.sqrt(v_hat) + eps)),
                _PARENS),
        Mistake(_safe(lambda: params - lr * grad / (np.sqrt(v_hat) + eps)), "the step uses the "
                "raw gradient; Adam steps along the average of the gradients: "
                "params - lr * m_hat / (np.sqrt(v_hat) + eps)"),
        Mistake(_safe(lambda: params - lr * m_hat / np.sqrt(v_hat) + eps),
                _EPS_PARENS.format(fix="params - lr * m_hat / (np.sqrt(v_hat) + eps)")),
        Mistake(_safe(lambda: params - lr * m_hat / np.sqrt(v_hat) - eps),
                _EPS_PARENS.format(fix="params - lr * m_hat / (np.sqrt(v_hat) + eps)")),
    ]


_PARENS = ("missing parentheses: m / 1 - beta1**t is (m / 1) - beta1**t. Write "
           "m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t)")
_T_MINUS_1 = ("the bias correction divides by 1 - beta1**t and 1 - beta2**t, which are 0 if "
              "the exponent is 0: t is the number of this step, 1 for the first, so use "
              "beta1**t (not t - 1)")


def _same_nan(a, b):
    """Equal arrays, NaN and infinities in the same places."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True))


def _nonfinite_slips(inputs, t, lr, beta1, beta2, eps):
    """What the slips that give NaN (a root of a negative number, a division by 0) return."""
    params, grad, m, v = inputs
    m_new, v_new = _ema(beta1, m, grad), _ema(beta2, v, grad**2)

    def step(m_hat, v_hat):
        return _safe(lambda: params - lr * m_hat() / (np.sqrt(v_hat()) + eps))

    return [
        (step(lambda: m_new - beta1**t, lambda: v_new - beta2**t), _PARENS),
        (step(lambda: m_new / (1 - beta1**t), lambda: v_new - beta2**t), _PARENS),
        (step(lambda: m_new / (1 - beta1 * t), lambda: v_new / (1 - beta2 * t)),
         "the bias correction multiplies: 1 - beta1 * t and 1 - beta2 * t are negative from "
         "t = 2, and the square root of v_hat is then NaN. Raise the betas to the power t: "
         "1 - beta1**t and 1 - beta2**t"),
        (step(lambda: m_new / (1 - beta1 ** (t - 1)), lambda: v_new / (1 - beta2 ** (t - 1))),
         _T_MINUS_1),
    ]


def _check_nonfinite(adam_step, got_params, inputs, step_t, later, lr, beta1, beta2, eps,
                     what):
    """Name the slip behind NaN or infinite params, probing step ``later[-1]`` if needed."""
    try:
        arr = np.asarray(got_params, dtype=float)
    except (TypeError, ValueError):
        return
    if got_params is None or not arr.size or np.all(np.isfinite(arr)):
        return
    slips = _nonfinite_slips(inputs, step_t, lr, beta1, beta2, eps)
    found = [msg for value, msg in slips if _same_nan(arr, value)]
    if len(set(found)) > 1 and later is not None:  # all NaN at t = 1: tell them apart later
        later_inputs, later_t = later
        try:
            got_later = adam_step(*[np.copy(a) for a in later_inputs], later_t, lr, beta1,
                                  beta2, eps)[0]
        except Exception:  # noqa: BLE001 - only a probe, the main check reports errors
            got_later = None
        if got_later is not None:
            later_slips = _nonfinite_slips(later_inputs, later_t, lr, beta1, beta2, eps)
            found = [msg for value, msg in later_slips
                     if msg in found and _same_nan(got_later, value)] or found
    where = (" on the first step (t = 1, m = v = 0)" if step_t == 1
             else f" at step t = {step_t}")
    if len(set(found)) == 1:
        raise AssertionError(f"{what} returned NaN or infinity{where}: {found[0]}.")
    if step_t == 1:
        raise AssertionError(
            f"{what} returned NaN or infinity{where}. The bias correction divides by "
            "1 - beta1**t and 1 - beta2**t: t is the number of this step, 1 for the first, so "
            "use beta1**t (not t - 1), and put the parentheses in m / (1 - beta1**t)."
        )


def check_adam_step(adam_step, *, n_params=4, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-3,
                    t=5, seed=0):
    """Check ``adam_step(params, grad, m, v, t, lr, beta1, beta2, eps) -> (params, m, v)``
    against :func:`mlopt.optimizers.adam`: the first step (t = 1, m = v = 0) and step ``t``."""
    what = "adam_step(params, grad, m, v, t, lr, beta1, beta2, eps)"
    for step_t in (1, t):
        params, grad, m, v = make_step_inputs(n_params, seed, first=step_t == 1)
        exp_p, exp_m, exp_v = _adam_reference(params, grad, m, v, step_t, lr, beta1, beta2, eps)
        context = (f"t={step_t}{', m = v = 0' if step_t == 1 else ''}, shape ({n_params},), "
                   f"lr={lr}, beta1={beta1}, beta2={beta2}, eps={eps}")
        got = _unpack(_call(adam_step, "adam_step", params, grad, m, v, step_t, lr, beta1,
                            beta2, eps), ("params", "m", "v"), what)
        _check_order(got, (exp_p, exp_m, exp_v), ("params", "m", "v"), what)
        m_mistakes, v_mistakes = _adam_state_mistakes(grad, m, v, step_t, beta1, beta2)
        check_array(got[1], exp_m, "the new m from " + what, mistakes=m_mistakes,
                    context=context)
        check_array(got[2], exp_v, "the new v from " + what, mistakes=v_mistakes,
                    context=context)
        later = (make_step_inputs(n_params, seed), t) if step_t == 1 and t != 1 else None
        _check_nonfinite(adam_step, got[0], (params, grad, m, v), step_t, later, lr, beta1,
                         beta2, eps, what)
        check_array(got[0], exp_p, "the new params from " + what,
                    mistakes=_adam_param_mistakes(params, grad, m, v, step_t, lr, beta1, beta2,
                                                  eps),
                    context=context)
    step_t = t if t != 1 else 3

    def adam_ref(inputs, hp):
        params, grad, m, v = inputs
        return _adam_reference(params, grad, m, v, step_t, *hp)

    ref = _Reference(adam_ref, lambda inp, hp: (*inp, step_t, *hp), ("params", "m", "v"))
    _check_uses_arguments(adam_step, "adam_step", ("lr", "beta1", "beta2", "eps"),
                          (lr, beta1, beta2, eps),
                          (_other(lr, (0.3, 0.02)), _other(beta1, (0.5, 0.8)),
                           _other(beta2, (0.9, 0.99)), _other(eps, (0.05, 1e-4))), ref, 3, seed)


# ---- AdamW --------------------------------------------------------------------------------

def check_adamw_step(adamw_step, *, n_params=4, lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8,
                     weight_decay=0.5, t=5, seed=0):
    """Check ``adamw_step(params, grad, m, v, t, lr, beta1, beta2, eps, weight_decay)``
    ``-> (params, m, v)`` against :func:`mlopt.optimizers.adamw`."""
    what = "adamw_step(params, grad, m, v, t, lr, beta1, beta2, eps, weight_decay)"
    wd = weight_decay
    for step_t in (t, 1):  # a later step first: at t = 1 coupled L2 is ~ lr * sign(g)
        params, grad, m, v = make_step_inputs(n_params, seed, first=step_t == 1, small=False)
        exp_p, exp_m, exp_v = _adam_reference(params, grad, m, v, step_t, lr, beta1, beta2, eps,
                                              wd, decoupled=True)
        context = (f"t={step_t}{', m = v = 0' if step_t == 1 else ''}, shape ({n_params},), "
                   f"lr={lr}, weight_decay={wd}")
        got = _unpack(_call(adamw_step, "adamw_step", params, grad, m, v, step_t, lr, beta1,
                            beta2, eps, wd), ("params", "m", "v"), what)
        coupled_p, coupled_m, coupled_v = _adam_reference(params, grad, m, v, step_t, lr, beta1,
                                                          beta2, eps, wd)
        adam_p = _adam_reference(params, grad, m, v, step_t, lr, beta1, beta2, eps)[0]
        _check_order(got, (exp_p, exp_m, exp_v), ("params", "m", "v"), what)
        p_arr = np.asarray(got[0], dtype=float) if got[0] is not None else None
        if p_arr is not None and p_arr.shape == exp_p.shape and np.allclose(p_arr, coupled_p) \
                and not np.allclose(p_arr, exp_p):
            raise AssertionError(
                f"the new params from {what} are wrong: this is Adam with an L2 penalty "
                "(weight_decay * params added to the gradient, so it is divided by "
                "sqrt(v_hat) like the rest). AdamW decouples it: params - lr * weight_decay * "
                "params - lr * m_hat / (sqrt(v_hat) + eps), with m and v from the raw gradient."
            )
        raw_moments = ("the moments m and v see the raw gradient in AdamW: the decay acts on "
                       "the parameters directly, outside Adam's update; do not add "
                       "weight_decay * params to grad")
        check_array(got[1], exp_m, "the new m from " + what, context=context,
                    mistakes=[Mistake(coupled_m, raw_moments)]
                    + _adam_state_mistakes(grad, m, v, step_t, beta1, beta2)[0])
        check_array(got[2], exp_v, "the new v from " + what, context=context,
                    mistakes=[Mistake(coupled_v, raw_moments)]
                    + _adam_state_mistakes(grad, m, v, step_t, beta1, beta2)[1])
        m_hat, v_hat = exp_m / (1 - beta1**step_t), exp_v / (1 - beta2**step_t)
        adam_move = adam_p - params  # Adam's own displacement, -lr * m_hat / (sqrt(v_hat) + eps)
        mistakes = [
            Mistake(coupled_p, "this is Adam with an L2 penalty (weight_decay * params added to "
                    "the gradient, so it is divided by sqrt(v_hat) like the rest). AdamW "
                    "decouples it: params - lr * weight_decay * params - lr * m_hat / "
                    "(sqrt(v_hat) + eps), with m and v from the raw gradient"),
            Mistake(params * (1 - wd) + adam_move, "the decay is not multiplied by the "
                    "learning rate: each step shrinks the parameters by the factor "
                    "1 - lr * weight_decay"),
            Mistake((params + adam_move) * (1 - lr * wd), "the decay is applied after the "
                    "Adam step; AdamW (and torch) shrink the parameters from before the step: "
                    "params * (1 - lr * weight_decay) + Adam's displacement"),
            Mistake(params * (1 + lr * wd) + adam_move, "the decay has the wrong sign: it "
                    "shrinks the parameters, params * (1 - lr * weight_decay)"),
            Mistake(adam_p, "there is no weight decay in the step: subtract "
                    "lr * weight_decay * params too"),
            Mistake(params * (1 - lr * wd) - adam_move, "Adam's part of the step goes uphill"),
            Mistake(params - lr * wd + adam_move, "the decay subtracts lr * weight_decay from "
                    "every parameter; it is proportional to the parameters: "
                    "params * (1 - lr * weight_decay), i.e. params - lr * weight_decay * params"),
            Mistake(params * (1 - lr * wd) + adam_move - lr * wd * params, "the decay is "
                    "applied twice: shrink the parameters once, by lr * weight_decay * params"),
            Mistake(params * (1 - lr * wd), "the Adam step is missing: after shrinking the "
                    "parameters, take an Adam step with the raw gradient"),
            Mistake(params - lr * (m_hat + wd * params) / (np.sqrt(v_hat) + eps), "the decay "
                    "is divided by np.sqrt(v_hat) + eps with the rest of the step, which is what "
                    "AdamW avoids: subtract lr * weight_decay * params on its own, outside "
                    "Adam's fraction"),
        ]
        mistakes += _ignored_eps(eps, partial(_adamw_params, params, grad, m, v, step_t, lr,
                                              beta1, beta2, wd))
        check_array(got[0], exp_p, "the new params from " + what, mistakes=mistakes,
                    context=context)
    step_t = t if t != 1 else 3

    def adamw_ref(inputs, hp):
        params, grad, m, v = inputs
        return _adam_reference(params, grad, m, v, step_t, *hp, decoupled=True)

    ref = _Reference(adamw_ref, lambda inp, hp: (*inp, step_t, *hp), ("params", "m", "v"))
    _check_uses_arguments(adamw_step, "adamw_step",
                          ("lr", "beta1", "beta2", "eps", "weight_decay"),
                          (lr, beta1, beta2, eps, wd),
                          (_other(lr, (0.3, 0.02)), _other(beta1, (0.5, 0.8)),
                           _other(beta2, (0.9, 0.99)), _other(eps, (0.05, 1e-4)),
                           _other(wd, (1.5, 0.1))), ref, 3, seed, small=False)


# ---- the capstone: a whole run ------------------------------------------------------------

def make_least_squares(n_samples=20, n_params=5, seed=0):
    """``grad_fn`` of :math:`\\frac1n\\lVert A\\theta - b\\rVert^2` and a start ``x0``."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n_samples, n_params)) * np.geomspace(3.0, 0.1, n_params)
    b = rng.normal(size=n_samples)
    x0 = rng.normal(size=n_params)

    def grad_fn(x):
        return 2.0 / n_samples * A.T @ (A @ x - b)

    return grad_fn, x0


def _path(grad_fn, x0, n_steps, lr, beta1, beta2, eps, t_of=lambda k: k + 1, reset=False,
          reset_v=False, at_x0=False):
    """Adam's iterates, x0 first, with the step counter ``t_of(k)`` at update ``k``."""
    x = np.array(x0, dtype=float)
    m = v = np.zeros_like(x)
    path = [x]
    for k in range(n_steps):
        if reset:
            m = v = np.zeros_like(x)
        if reset_v:
            v = np.zeros_like(x)
        t = t_of(k)
        g = grad_fn(path[0] if at_x0 else x)
        m, v = _ema(beta1, m, g), _ema(beta2, v, g * g)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = x - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        path.append(x)
    return np.array(path)


def check_run_adam(run_adam, *, problem="least squares", n_steps=50, lr=0.05, beta1=0.9,
                   beta2=0.999, eps=1e-8, seed=0):
    """Check ``run_adam(grad_fn, x0, n_steps, lr, beta1, beta2, eps)`` returns Adam's
    ``n_steps + 1`` iterates (x0 first), equal to :func:`mlopt.optimizers.adam`'s.

    ``problem`` is ``"least squares"`` (5 parameters, badly scaled) or ``"rosenbrock"``.
    """
    if problem == "rosenbrock":
        from mlopt.surfaces import rosenbrock

        surface = rosenbrock()
        x0 = np.array([-1.5, 2.0]) + 0.1 * np.random.default_rng(seed).normal(size=2)

        def grad_fn(x):
            return surface(x)[1]
    else:
        grad_fn, x0 = make_least_squares(seed=seed)
    opt = adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    x, state, expected = np.array(x0), opt.init(x0), [np.array(x0)]
    for _ in range(n_steps):
        step, state = opt.update(grad_fn(x), state, x)
        x = x - step
        expected.append(x)
    expected = np.array(expected)
    what = "run_adam(grad_fn, x0, n_steps, lr, beta1, beta2, eps)"
    context = f"{problem}, x0.shape={np.shape(x0)}, n_steps={n_steps}, lr={lr}"
    got = _call(run_adam, "run_adam", grad_fn, x0, n_steps, lr, beta1, beta2, eps,
                fix="Start from a copy, `x = x0.copy()`, and write `x = x - ...`.")
    try:
        arr = None if got is None else np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should return an array of shape (n_steps + 1, n_params), "
                             f"got {type(got).__name__} that is not one ({context}).") from None
    if arr is not None and n_steps >= 1:
        if arr.ndim == 2 and len(arr) > 1 and not np.all(np.isfinite(arr[1])):
            t_from_0 = _path(grad_fn, x0, 1, lr, beta1, beta2, eps, t_of=lambda k: k)[1]
            if arr.shape[1:] == t_from_0.shape and np.array_equal(np.isfinite(arr[1]),
                                                                  np.isfinite(t_from_0)):
                raise AssertionError(
                    f"{what}: the first step gave NaN or infinity, as a step counter that "
                    "starts at 0 does. t must be 1 at the first step (then 2, 3, ...): with "
                    "t = 0 the bias correction divides by 1 - beta**0 = 0. Use "
                    "`for t in range(1, n_steps + 1)`."
                )
            raise AssertionError(f"{what}: the first step gave NaN or infinity ({context}); "
                                 f"expected finite values {np.round(expected[1], 6)}.")
    shape = f"({n_steps + 1}, {np.size(x0)}) = (n_steps + 1, n_params)"
    path = partial(_path, grad_fn, x0, n_steps, lr, beta1, beta2, eps)
    mistakes = [
        Mistake(_path(grad_fn, x0, n_steps + 1, lr, beta1, beta2, eps), f"it takes one step "
                f"too many: n_steps steps give n_steps + 1 iterates, shape {shape}"),
        Mistake(np.concatenate([expected[:1], expected[:-1]]), "x0 appears twice and the last "
                "iterate is missing: append x after updating it, not before"),
        Mistake(path(at_x0=True), "the gradient is always taken at x0; call grad_fn(x) at the "
                "current point, at every step"),
        Mistake(path(reset_v=True), "v starts from zero at every step: carry the new v returned "
                "by adam_step to the next step, like m"),
        Mistake(path(reset=True), "m and v start from zero at every step: create them once, "
                "before the loop, and carry the new values returned by adam_step to the next "
                "step"),
        Mistake(path(t_of=lambda k: 1), "t stays 1: it counts the steps, t = 1, 2, 3, ..., "
                "so that the bias correction fades away"),
        Mistake(path(t_of=lambda k: k + 2), "t starts at 2; the first step has t = 1"),
        Mistake(expected[1:], f"the first row must be x0 itself, then the n_steps new "
                f"iterates, shape {shape}"),
        Mistake(expected[:-1], f"it stops one step too early: n_steps steps give n_steps + 1 "
                f"iterates, shape {shape}"),
        Mistake(expected[-1], f"you returned only the last iterate; return them all, shape "
                f"{shape}"),
        Mistake(np.tile(expected[-1], (n_steps + 1, 1)), "every row equals the last iterate: "
                "you appended the same array while updating it in place; write x = ... (a "
                "new array) instead of x -= ..."),
    ]
    check_array(got, expected, what, mistakes=mistakes, context=context, rtol=1e-7, atol=1e-10)
    if n_steps >= 1:
        _check_uses_hyperparameters(run_adam, grad_fn, x0, min(n_steps, 10), lr,
                                    (beta1, beta2, eps), what, problem)
        _check_no_early_stop(run_adam, x0, lr, what)


def _check_no_early_stop(run_adam, x0, lr, what, n_steps=5):
    """A problem already at its minimum: the gradient is exactly 0, the iterates never move."""
    x0 = np.asarray(x0, dtype=float)

    def grad_fn(x):
        return 2.0 * (x - x0)

    got = _call(run_adam, "run_adam", grad_fn, x0, n_steps, lr, 0.9, 0.999, 1e-8,
                fix="Start from a copy, `x = x0.copy()`, and write `x = x - ...`.")
    expected = np.tile(x0, (n_steps + 1, 1))
    rows = np.shape(got)[0] if got is not None and np.ndim(got) >= 1 else None
    if rows is not None and rows < n_steps + 1:
        raise AssertionError(
            f"{what} returned {rows} rows for a problem that starts at its minimum (the "
            f"gradient is exactly 0); it must still take n_steps = {n_steps} steps and return "
            f"n_steps + 1 = {n_steps + 1} iterates, all equal to x0. Do not stop early."
        )
    check_array(got, expected, what, rtol=1e-7, atol=1e-10,
                context=f"started at the minimum (gradient 0), n_steps={n_steps}")


def _check_uses_hyperparameters(run_adam, grad_fn, x0, n_steps, lr, betas_eps, what, problem):
    """Run again with other lr, beta1, beta2, eps: none may be written in the body."""
    lr2 = _other(lr, (0.02, 0.1))
    beta1, beta2, eps = (_other(betas_eps[0], (0.8, 0.5)), _other(betas_eps[1], (0.99, 0.9)),
                         _other(betas_eps[2], (1e-3, 1e-6)))
    expected = _path(grad_fn, x0, n_steps, lr2, beta1, beta2, eps)
    got = _call(run_adam, "run_adam", grad_fn, x0, n_steps, lr2, beta1, beta2, eps,
                fix="Start from a copy, `x = x0.copy()`, and write `x = x - ...`.")
    old_b1, old_b2, old_eps = betas_eps
    check_array(got, expected, what, rtol=1e-7, atol=1e-10,
                context=f"{problem}, n_steps={n_steps}, lr={lr2}, beta1={beta1}, "
                        f"beta2={beta2}, eps={eps:g}",
                mistakes=[
                    Mistake(_path(grad_fn, x0, n_steps, lr2, old_b1, old_b2, old_eps),
                            f"it ignores the arguments beta1, beta2 and eps (this run passed "
                            f"beta1={beta1}, beta2={beta2}, eps={eps:g}, and got the path of "
                            f"{old_b1}, {old_b2}, {old_eps:g}): pass them on to adam_step"),
                    Mistake(_path(grad_fn, x0, n_steps, lr, beta1, beta2, eps),
                            f"it ignores the argument lr (this run passed lr={lr2} and got the "
                            f"path of lr={lr}): pass it on to adam_step"),
                    Mistake(_path(grad_fn, x0, n_steps, lr, old_b1, old_b2, old_eps),
                            f"it ignores lr, beta1, beta2 and eps (this run passed lr={lr2}, "
                            f"beta1={beta1}, beta2={beta2}, eps={eps:g})"),
                ])


# ---- predicting AdamW's per-coordinate shrinkage ----------------------------------------------

#: The run that decides where AdamW ends: full-batch gradients of ½ Σ h_i (θ_i - c_i)², θ_0 = 0,
#: a cosine schedule that settles the iterate, and a short second-moment memory (beta2 = 0.9) so
#: that v̂ tracks the current gradient well before the learning rate has decayed.
ADAMW_RUN = {"lr": 0.05, "n_steps": 5000, "beta1": 0.9, "beta2": 0.9, "eps": 1e-8}

# (c, h, weight_decay): inside and outside the box |θ| <= 1/λ, both signs, a zero gradient
# (c = 0), a point just inside the box, curvatures from 0.01 to 100; then a small λ
LIMIT_CASES = [
    ([3.0, -3.0, 0.5, -1.9, 0.0, 10.0, 1.99, -0.01], [100.0, 0.01, 1.0, 0.1, 5.0, 1.0, 1.0, 30.0],
     0.5),
    ([30.0, -0.3, 0.2, -12.0], [1.0, 10.0, 0.05, 2.0], 0.1),
]


def adamw_run_limit(c, h, weight_decay, **run):
    """Where :func:`mlopt.optimizers.adamw` ends on ``½ Σ h (θ - c)²`` from ``θ = 0``."""
    from mlopt.schedules import cosine

    settings = {**ADAMW_RUN, **run}
    c, h = np.asarray(c, dtype=float), np.asarray(h, dtype=float)
    opt = adamw(lr=cosine(settings["lr"], settings["n_steps"]), beta1=settings["beta1"],
                beta2=settings["beta2"], eps=settings["eps"], weight_decay=weight_decay)
    theta = np.zeros_like(c)
    state = opt.init(theta)
    for _ in range(settings["n_steps"]):
        step, state = opt.update(h * (theta - c), state, theta)
        theta = theta - step
    return theta


def check_adamw_limit(adamw_limit, *, cases=None, seed=None):
    """Check ``adamw_limit(c, h, weight_decay)``: where AdamW ends on ``½ Σ h_i (θ_i - c_i)²``.

    The reference is a run of :func:`mlopt.optimizers.adamw` (torch's AdamW) with full-batch
    gradients (:data:`ADAMW_RUN`); a prediction within 2e-3 of it passes, whatever way it was
    found. ``seed`` (if given) adds a random case.
    """
    cases = list(LIMIT_CASES if cases is None else cases)
    if seed is not None:
        rng = np.random.default_rng(seed)
        lam = float(rng.uniform(0.2, 2.0))
        c = rng.normal(scale=1.5 / lam, size=6)
        near = np.abs(lam * np.abs(c) - 1) < 0.05     # AdamW approaches the box edge slowly:
        c[near] *= 1.2                                # keep random cases clear of it
        cases.append((c.tolist(), (10 ** rng.uniform(-1, 2, size=6)).tolist(), lam))
    what = "adamw_limit(c, h, weight_decay)"
    for c, h, lam in cases:
        c, h = np.asarray(c, dtype=float), np.asarray(h, dtype=float)
        expected = adamw_run_limit(c, h, lam)
        got = call_on_copies(adamw_limit, "adamw_limit", c, h, lam,
                             fix="Compute a new array (np.clip, np.where, or c * ...).")
        ridge = h * c / (h + lam)
        box = 1.0 / lam
        context = f"c={_short(c)}, h={_short(h)}, weight_decay={lam:g}"
        mistakes = [
            Mistake(ridge, "this is where Adam with an L2 penalty ends (ridge: the penalized "
                    "gradient h·(θ - c) + weight_decay·θ vanishes). AdamW's decay is not "
                    "divided by sqrt(v_hat): at its fixed point m_hat / (sqrt(v_hat) + eps) "
                    "+ weight_decay·θ = 0, with m_hat = g and v_hat = g²"),
            Mistake(c, "no coordinate moved from c: a coordinate with |c| > 1/weight_decay "
                    "cannot stay at c, where g = 0 and the decay weight_decay·θ is left alone"),
            Mistake(c / (1 + lam), "every coordinate shrunk by the same factor 1/(1 + "
                    "weight_decay); look at the fixed point of each coordinate: "
                    "g/(|g| + eps) + weight_decay·θ = 0"),
            Mistake(np.clip(c, -lam, lam), "the box is |θ| <= 1/weight_decay, not "
                    "weight_decay: a normalized step of size 1 balances the decay when "
                    "weight_decay·|θ| = 1"),
            Mistake(np.sign(c) * box, "every coordinate ends at ±1/weight_decay; a coordinate "
                    "with |c| < 1/weight_decay reaches c, where its gradient vanishes"),
            Mistake(np.clip(ridge, -box, box), "you combined ridge's shrinkage h·c/(h + "
                    "weight_decay) with the box; inside the box AdamW reaches c itself"),
        ]
        check_array(got, expected, what, mistakes=mistakes, rtol=1e-3, atol=2e-3,
                    context=context)


def _short(a):
    with np.printoptions(precision=4, suppress=True, threshold=10, edgeitems=3):
        return np.array2string(np.asarray(a, dtype=float), separator=", ")
