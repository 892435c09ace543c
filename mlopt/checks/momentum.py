"""Checks for the graded exercise of chapter 05, momentum and Nesterov."""

from __future__ import annotations

from functools import partial

import numpy as np

from mlopt.checks._core import (
    Mistake,
    _as_numbers,
    as_number,
    call_on_copies,
    check_array,
    check_scalar,
)
from mlopt.optimizers import gd, sgd

__all__ = [
    "check_momentum_step",
    "check_nesterov_step",
    "check_optimal_momentum",
    "check_heavy_ball_rate",
    "check_acceleration",
    "check_nesterov_lr_limit",
]

_FIX_STEP = ("Compute new arrays instead: `buf = momentum * buf + grad` (not `buf *= ...` or "
             "`buf += ...`) and `params - lr * ...` (not `params -= ...`).")

_call = partial(call_on_copies, fix=_FIX_STEP)


def _reference_step(params, grad, buf, lr, momentum, nesterov=False):
    """One step of :func:`mlopt.optimizers.sgd` from an explicit buffer (None = first step)."""
    opt = sgd(lr=lr, momentum=momentum, nesterov=nesterov)
    state = opt.init(params)._replace(momentum_buffer=buf, count=0 if buf is None else 1)
    step, state = opt.update(grad, state, params)
    # with momentum=0 sgd keeps no buffer (as torch); the exercise's buffer is then the gradient
    buf = grad.copy() if momentum == 0 else state.momentum_buffer
    return params - step, buf


def _unpack_pair(got, what, names):
    """The learner's ``(new_params, new_buf)``, with a sentence if it is not a pair."""
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget `return {names}`?")
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise AssertionError(
            f"{what} should return the pair `{names}`, got {type(got).__name__}."
        )
    return got


def _check_order(got, expected, what, names):
    try:
        a, b = (np.asarray(x, dtype=float) if x is not None else None for x in got)
    except (TypeError, ValueError):
        return  # not numbers: check_array says so, naming which of the two
    if a is None or b is None:
        return
    swapped = (a.shape == np.shape(expected[1]) and b.shape == np.shape(expected[0])
               and np.allclose(a, expected[1]) and np.allclose(b, expected[0])
               and not np.allclose(a, expected[0]))
    if swapped:
        raise AssertionError(f"{what} returned the pair in the wrong order: return `{names}`.")


def _make_step_inputs(n_params, seed):
    rng = np.random.default_rng(seed)
    params, grad, buf = (rng.normal(size=n_params) for _ in range(3))
    return params, grad, buf


def _call_step(step_fn, name, *args):
    """:func:`_call`, turning NumPy's "truth value ... is ambiguous" into advice on ``is None``."""
    try:
        return _call(step_fn, name, *args)
    except ValueError as err:
        if "truth value" not in str(err):
            raise
        raise AssertionError(
            f"{name} raised ValueError: {err} (on a step where buf is an array). `if not buf:` "
            "and `if buf == None:` ask NumPy for the truth value of a whole array; test the "
            "first step with `if buf is None:`."
        ) from err


def _check_step(step_fn, name, *, n_params, lr, momentum, seed, nesterov):
    params, grad, buf = _make_step_inputs(n_params, seed)
    what = f"{name}(params, grad, buf, lr, momentum)"
    pair = "new_params, new_buf"
    beta = momentum

    # -- the first step: buf is None, the buffer starts as the gradient --------------------
    exp_p, exp_b = _reference_step(params, grad, None, lr, beta, nesterov)
    got = _unpack_pair(_call_step(step_fn, name, params, grad, None, lr, beta), what, pair)
    _check_order(got, (exp_p, exp_b), what, pair)
    first = "on the first step (buf is None)"
    ctx = f"first step, buf=None, params.shape={params.shape}, lr={lr}, momentum={beta}"
    first_params_mistakes = [
        Mistake(params - lr * (1 - beta) * grad * (1 + beta if nesterov else 1),
                f"{first} the buffer starts as the gradient itself, b = g (torch's "
                "convention), not (1 - momentum) * g"),
        Mistake(params, f"{first} the parameters did not move: the buffer starts as the "
                "gradient, b = g, not as zeros"),
        Mistake(params + lr * grad * (1 + beta if nesterov else 1), f"{first} you stepped "
                "uphill: subtract the step, params - lr * ..."),
        Mistake(params - lr * lr * grad * (1 + beta if nesterov else 1), "lr is applied "
                "twice: the buffer accumulates raw gradients (b = g on the first step) and "
                "lr multiplies it once, at the step"),
        Mistake(lr * grad * (1 + beta if nesterov else 1), "you returned the step; return the "
                "new parameters, params - lr * ..."),
    ]
    first_buf_mistakes = [
        Mistake((1 - beta) * grad, f"{first} the buffer must be the gradient itself, b = g, not "
                "(1 - momentum) * g"),
        Mistake(np.zeros_like(grad), f"{first} return the new buffer, b = g, not zeros"),
        Mistake(-grad, f"{first} the buffer is +g: in torch's convention it accumulates "
                "gradients, and the step subtracts lr * b"),
        Mistake(lr * grad, "the buffer holds lr * g: keep lr out of the buffer; it "
                "accumulates raw gradients and lr multiplies it at the step"),
        Mistake(-lr * grad, "the buffer holds -lr * g: this is the textbook velocity "
                "v = momentum * v - lr * g (lesson, section 3), which equals -lr * b. Return "
                "torch's buffer: it accumulates raw gradients, b = g on the first step"),
        Mistake(beta * grad, f"{first} the buffer starts as the gradient itself, b = g, not "
                "momentum * g (there is no old buffer to multiply by momentum)"),
    ]
    if not nesterov:
        first_params_mistakes.append(Mistake(
            params - lr * beta * grad, f"{first} the buffer starts as the gradient itself, "
            "b = g, not momentum * g (there is no old buffer to multiply by momentum)"))
    if nesterov:
        first_params_mistakes = [
            Mistake(params - lr * grad, f"{first} b = g, and Nesterov steps along g + momentum "
                    "* b = (1 + momentum) g. Did you step along b alone (the heavy ball), or "
                    "put the old, empty buffer in the look-ahead instead of the new one?"),
            Mistake(params - lr * (1 - beta) * grad, "look-ahead sign error: the step is "
                    "params - lr * (g + momentum * b), with a plus"),
            Mistake(params - lr * beta * grad, "the gradient term is missing: the step is "
                    "params - lr * (g + momentum * b)"),
        ] + first_params_mistakes
    check_array(got[0], exp_p, f"new_params from {what}", mistakes=first_params_mistakes,
                context=ctx)
    if nesterov:
        first_buf_mistakes.append(Mistake(grad + beta * grad, "return the buffer b, not the "
                                          "direction g + momentum * b you stepped along"))
    check_array(got[1], exp_b, f"new_buf from {what}", mistakes=first_buf_mistakes,
                context=ctx)

    # -- a later step: buf holds the previous buffer ----------------------------------------
    exp_p, exp_b = _reference_step(params, grad, buf, lr, beta, nesterov)
    got = _unpack_pair(_call_step(step_fn, name, params, grad, buf, lr, beta), what, pair)
    _check_order(got, (exp_p, exp_b), what, pair)
    ctx = f"a later step, params.shape={params.shape}, lr={lr}, momentum={beta}"
    b_new = beta * buf + grad
    direction = grad + beta * b_new if nesterov else b_new
    later_mistakes = [
        Mistake(params - lr * (beta * buf - grad), "momentum sign error: the buffer adds the "
                "gradient, b = momentum * b + g, and the step subtracts it, params - lr * b"),
        Mistake(params + lr * (beta * buf - grad), "sign error: the buffer is b = momentum * b "
                "+ g (plus), and the step is params - lr * b"),
        Mistake(params - lr * (beta * buf + lr * grad), "lr is applied twice, inside the buffer "
                "(b = momentum * b + lr * g) and again at the step; in torch's convention "
                "b = momentum * b + g and the step is params - lr * b"),
        Mistake(params - (beta * buf + lr * grad), "your buffer holds lr * g (the textbook "
                "velocity v); in torch's convention the buffer is b = momentum * b + g and "
                "lr multiplies it at the step"),
        Mistake(params - lr * (beta * buf + (1 - beta) * grad), "this is an exponential moving "
                "average, b = momentum * b + (1 - momentum) * g (torch's dampening); the "
                "heavy ball adds the whole gradient: b = momentum * b + g"),
        Mistake(params - lr * buf, "you stepped with the old buffer; update it first, "
                "b = momentum * b + g, then step with the new one"),
        Mistake(params - lr * grad, "momentum is missing: the step uses the buffer "
                "b = momentum * b + g, not the gradient alone"),
        Mistake(params - lr * (buf + beta * grad), "momentum multiplies the old buffer, not "
                "the gradient: b = momentum * b + g"),
        Mistake(lr * direction, "you returned the step; return the new parameters"),
    ]
    if nesterov:
        later_mistakes = [
            Mistake(params - lr * b_new, "this is the heavy ball: you stepped along the new "
                    "buffer b = momentum * b_old + g (which is also g + momentum * b_old, the "
                    "look-ahead with the old buffer). Update the buffer first, then step along "
                    "g + momentum * b with the new b"),
            Mistake(params - lr * (grad - beta * b_new), "look-ahead sign error: the step is "
                    "params - lr * (g + momentum * b), with a plus"),
            Mistake(params - lr * beta * b_new, "the gradient term is missing: the step is "
                    "params - lr * (g + momentum * b)"),
        ] + later_mistakes
    check_array(got[0], exp_p, f"new_params from {what}", mistakes=later_mistakes, context=ctx)
    buf_mistakes = [
        Mistake(beta * buf - grad, "momentum sign error in the buffer: b = momentum * b + g"),
        Mistake(beta * buf + lr * grad, "keep lr out of the buffer: b = momentum * b + g"),
        Mistake(beta * buf - lr * grad, "this is the textbook velocity v = momentum * v - "
                "lr * g (lesson, section 3); torch's buffer keeps lr out and adds the gradient: "
                "b = momentum * b + g"),
        Mistake(beta * buf + (1 - beta) * grad, "the heavy ball adds the whole gradient: "
                "b = momentum * b + g, not momentum * b + (1 - momentum) * g"),
        Mistake(buf, "return the new buffer, momentum * b + g, not the old one"),
        Mistake(grad, "the buffer must remember the past: b = momentum * b + g"),
    ]
    if nesterov:
        buf_mistakes.append(Mistake(direction, "return the buffer b = momentum * b_old + g, "
                                    "not the direction g + momentum * b"))
    check_array(got[1], exp_b, f"new_buf from {what}", mistakes=buf_mistakes, context=ctx)

    # -- a run of steps equals mlopt.optimizers.sgd -----------------------------------------
    _check_run(step_fn, name, n_params=n_params, lr=lr, momentum=beta, seed=seed,
               nesterov=nesterov)


def _quadratic(n_params, seed, low=1.0, high=5.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n_params, n_params)))
    A = Q @ np.diag(np.linspace(low, high, n_params)) @ Q.T
    b = rng.normal(size=n_params)
    x0 = 2.0 * rng.normal(size=n_params)
    return A, b, x0


def _check_run(step_fn, name, *, n_params, lr, momentum, seed, nesterov, n_steps=6):
    A, b, x0 = _quadratic(n_params, seed)
    opt = sgd(lr=lr, momentum=momentum, nesterov=nesterov)
    state, x_ref = opt.init(x0), x0.copy()
    x, buf = x0.copy(), None
    for k in range(n_steps):
        step, state = opt.update(A @ x_ref - b, state, x_ref)
        x_ref = x_ref - step
        x, buf = _call(step_fn, name, x, A @ x - b, buf, lr, momentum)
        if not np.allclose(x, x_ref, rtol=1e-6, atol=1e-9):
            raise AssertionError(
                f"{name} passes the single-step tests but a run of {n_steps} steps from "
                f"buf=None drifts from mlopt.optimizers.sgd at step {k + 1}: got "
                f"{np.round(np.asarray(x, dtype=float), 4)}, expected {np.round(x_ref, 4)}. "
                "Does it always return fresh arrays for the new parameters and buffer?"
            )



def _other(value, choices):
    """The first of ``choices`` that differs from ``value``: an argument's non-default value."""
    return next(c for c in choices if not np.isclose(c, value))


def _check_uses_arguments(step_fn, name, *, n_params, lr, momentum, seed, nesterov):
    """Call again with another lr and momentum: neither may be written into the body."""
    lr2, mu2 = _other(lr, (0.3, 0.07)), _other(momentum, (0.5, 0.8))
    params, grad, buf = _make_step_inputs(n_params, seed + 1)
    what = f"{name}(params, grad, buf, lr, momentum)"
    got = _unpack_pair(_call_step(step_fn, name, params, grad, buf, lr2, mu2), what,
                       "new_params, new_buf")
    exp_p, exp_b = _reference_step(params, grad, buf, lr2, mu2, nesterov)
    ctx = f"a later step, lr={lr2}, momentum={mu2}"
    ignored = [
        Mistake(_reference_step(params, grad, buf, lr, mu2, nesterov)[0], "it ignores the "
                f"argument lr (this call passed lr={lr2} and got the step of lr={lr}): use "
                "the lr you are given"),
        Mistake(_reference_step(params, grad, buf, lr2, momentum, nesterov)[0], "it ignores "
                f"the argument momentum (this call passed momentum={mu2} and got the step of "
                f"momentum={momentum}): use the momentum you are given"),
        Mistake(_reference_step(params, grad, buf, lr, momentum, nesterov)[0], "it ignores "
                f"the arguments lr and momentum (this call passed lr={lr2}, momentum={mu2} and "
                f"got the step of lr={lr}, momentum={momentum})"),
    ]
    check_array(got[0], exp_p, f"new_params from {what}", mistakes=ignored, context=ctx)
    check_array(got[1], exp_b, f"new_buf from {what}", context=ctx, mistakes=[
        Mistake(_reference_step(params, grad, buf, lr2, momentum, nesterov)[1], "it ignores "
                f"the argument momentum (this call passed momentum={mu2}): b = momentum * b "
                "+ g with the momentum you are given")])

def check_momentum_step(momentum_step, *, n_params=3, lr=0.05, momentum=0.9, seed=0):
    """Check ``momentum_step(params, grad, buf, lr, momentum)``, torch's heavy ball.

    ``buf`` is None on the first step (the buffer becomes the gradient); the function returns
    ``(new_params, new_buf)`` with ``b = momentum * buf + grad`` and ``params - lr * b``.
    """
    _check_step(momentum_step, "momentum_step", n_params=n_params, lr=lr, momentum=momentum,
                seed=seed, nesterov=False)
    _check_uses_arguments(momentum_step, "momentum_step", n_params=n_params, lr=lr,
                          momentum=momentum, seed=seed, nesterov=False)


def check_nesterov_step(nesterov_step, *, n_params=3, lr=0.05, momentum=0.9, seed=0):
    """Check ``nesterov_step(params, grad, buf, lr, momentum)``, torch's Nesterov form.

    ``b = momentum * buf + grad`` (``b = grad`` when ``buf`` is None) and
    ``params - lr * (grad + momentum * b)``.
    """
    _check_step(nesterov_step, "nesterov_step", n_params=n_params, lr=lr, momentum=momentum,
                seed=seed, nesterov=True)
    _check_uses_arguments(nesterov_step, "nesterov_step", n_params=n_params, lr=lr,
                          momentum=momentum, seed=seed, nesterov=True)


def optimal_heavy_ball(L, mu):
    r"""The optimal heavy-ball tuning on a quadratic: :math:`\eta^\star`, :math:`\beta^\star`."""
    sk = np.sqrt(L / mu)
    return 4.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2, ((sk - 1) / (sk + 1)) ** 2


def check_optimal_momentum(optimal_momentum, *, L=100.0, mu=1.0, seed=None):
    r"""Check ``optimal_momentum(L, mu)`` returns ``(lr, momentum)`` of the optimal heavy ball.

    ``mu`` is the smallest curvature (:math:`\mu`, as in chapter 03; the momentum is
    :math:`\beta`). ``seed`` (if given) draws another pair ``L >= mu > 0``.
    """
    if seed is not None:
        rng = np.random.default_rng(seed)
        mu = float(rng.uniform(0.1, 2.0))
        L = float(mu * rng.uniform(2.0, 5000.0))
    what = "optimal_momentum(L, mu)"
    pair = "lr, momentum"
    exp_lr, exp_m = optimal_heavy_ball(L, mu)
    got = optimal_momentum(L, mu)
    if isinstance(got, np.ndarray) and got.shape == (2,):   # np.array([lr, momentum]) is fine too
        got = tuple(got)
    got = _unpack_pair(got, what, pair)
    for value in got:
        if value is not None and np.size(value) != 1:
            raise AssertionError(f"{what} should return two numbers, `{pair}`, got an array "
                                 f"of shape {np.shape(value)}.")
    try:
        swapped = (np.isclose(np.asarray(got[0], dtype=float), exp_m)
                   and np.isclose(np.asarray(got[1], dtype=float), exp_lr)
                   and not np.isclose(exp_lr, exp_m))
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should return two numbers, `{pair}`, got "
                             f"{type(got[0]).__name__} and {type(got[1]).__name__}.") from None
    if swapped:
        raise AssertionError(f"{what} returned the pair in the wrong order: return `{pair}`.")
    kappa = L / mu
    sk = np.sqrt(kappa)
    ctx = f"L={L:.6g}, mu={mu:.6g}, κ={kappa:.6g}"
    lr_mistakes = [
        Mistake(4.0 / (L + mu), "the square roots are missing: lr = 4 / (√L + √mu)²"),
        Mistake(2.0 / (L + mu), "this is gradient descent's best step, 2 / (L + mu); the "
                "heavy ball's is 4 / (√L + √mu)²"),
        Mistake(1.0 / L, "this is 1/L; the optimal heavy-ball step is 4 / (√L + √mu)²"),
        Mistake(4.0 / (np.sqrt(L) + np.sqrt(mu)), "square the denominator: "
                "lr = 4 / (√L + √mu)²"),
        Mistake(2.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2, "the numerator is 4: "
                "lr = 4 / (√L + √mu)² = (2 / (√L + √mu))²"),
    ]
    check_scalar(got[0], exp_lr, f"lr from {what}", mistakes=lr_mistakes, context=ctx)
    momentum_mistakes = [
        Mistake(((kappa - 1) / (kappa + 1)) ** 2, "use the square root of the condition "
                "number: momentum = ((√κ - 1) / (√κ + 1))², with κ = L / mu"),
        Mistake((kappa - 1) / (kappa + 1), "use √κ and square the ratio: momentum = "
                "((√κ - 1) / (√κ + 1))²"),
        Mistake((sk - 1) / (sk + 1), "square it: (√κ - 1) / (√κ + 1) is the rate; the "
                "momentum is its square"),
        Mistake(-(sk - 1) / (sk + 1), "it is negative: κ = L / mu ≥ 1 (you swapped L and "
                "mu), and the momentum is the square ((√κ - 1) / (√κ + 1))²"),
        Mistake(1 - 1 / sk, "this is 1 - 1/√κ; the optimal heavy-ball momentum is "
                "((√κ - 1) / (√κ + 1))²"),
    ]
    check_scalar(got[1], exp_m, f"momentum from {what}", mistakes=momentum_mistakes,
                 context=ctx)
    if seed is None and (L, mu) == (100.0, 1.0):   # the defaults: a hard-coded mu = 1 passes
        check_optimal_momentum(optimal_momentum, L=50.0, mu=2.0)


def _spectral_radius(lr, momentum, eigenvalues, sign=-1.0, which=max):
    """Largest (or smallest) |root| of z² - (1 + β - ηλ) z - sign·β, worst over λ."""
    out = []
    for lam in np.atleast_1d(np.asarray(eigenvalues, dtype=float)):
        roots = np.roots([1.0, -(1 + momentum - lr * lam), -sign * momentum])
        out.append(which(abs(r) for r in roots))
    return np.array(out)


# (lr, momentum, eigenvalues): complex roots; real roots everywhere; real roots (the worst at
# the flat end); diverging at the steep end; gradient descent (momentum 0); the optimum for
# κ = 100
RATE_CASES = [
    (0.1, 0.9, [1.0, 10.0]),
    (0.01, 0.3, [1.0, 10.0]),
    (0.05, 0.1, [1.0, 4.0, 10.0]),
    (0.35, 0.5, [10.0, 1.0]),
    (0.15, 0.0, [1.0, 10.0]),
    (4.0 / 121.0, (9.0 / 11.0) ** 2, [1.0, 50.0, 100.0]),
]


def check_heavy_ball_rate(heavy_ball_rate, *, cases=None, seed=None):
    r"""Check ``heavy_ball_rate(lr, momentum, eigenvalues)`` = the worst spectral radius.

    The answer is :math:`\max_\lambda \max|z|` over the roots of
    :math:`z^2 - (1 + \beta - \eta\lambda) z + \beta`. ``seed`` (if given) adds random cases.
    """
    cases = list(RATE_CASES if cases is None else cases)
    if seed is not None:
        rng = np.random.default_rng(seed)
        for _ in range(3):
            lam = np.sort(rng.uniform(0.5, 20.0, size=rng.integers(2, 5)))
            cases.append((float(rng.uniform(0.01, 0.2)), float(rng.uniform(0.0, 0.95)),
                          lam.tolist()))
    what = "heavy_ball_rate(lr, momentum, eigenvalues)"
    rows = []  # (context, expected, {message: value of that mistake}, learner's answer)
    has_complex = {}  # context -> some λ has complex roots (np.sqrt of a negative gives nan)
    for lr, beta, lam in cases:
        lam = np.asarray(lam, dtype=float)
        per_direction = _spectral_radius(lr, beta, lam)
        ctx = f"lr={lr:.4g}, momentum={beta:.4g}, eigenvalues={lam.tolist()}"
        got = call_on_copies(heavy_ball_rate, "heavy_ball_rate", lr, beta, lam,
                             fix="Leave eigenvalues as they are.")
        try:
            if np.asarray(got).dtype.kind in "USO" and got is not None:
                raise TypeError(type(got).__name__)
            np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            raise AssertionError(f"{what} should return a number (a float), got "
                                 f"{type(got).__name__} ({ctx}).") from None
        if got is not None and np.iscomplexobj(got):
            raise AssertionError(
                f"{what} returned a complex number, {got} ({ctx}): the rate is a modulus, "
                "a real number; return the largest np.abs(z) over the roots z.")
        if (got is not None and lam.size > 1 and np.size(got) == lam.size
                and np.allclose(np.sort(np.ravel(np.asarray(got, dtype=float))),
                                np.sort(per_direction))):
            raise AssertionError(
                f"{what} should return one number, got one per eigenvalue (shape "
                f"{np.shape(got)}): the rate of the method is the worst direction's, the "
                "max over the eigenvalues."
            )
        mistakes = {
            "this is gradient descent's factor max |1 - lr·λ|; with momentum each direction "
            "follows the 2×2 recurrence x_{t+1} = (1 + momentum - lr·λ) x_t - momentum·x_{t-1}:"
            " take the largest |root| of z² - (1 + momentum - lr·λ) z + momentum":
                np.abs(1 - lr * lam).max(),
            "take the larger |root| of each 2×2 matrix, the spectral radius, not the smaller":
                _spectral_radius(lr, beta, lam, which=min).max(),
            "sign error in the recurrence: x_{t+1} = (1 + momentum - lr·λ) x_t - "
            "momentum·x_{t-1}, so the matrix is [[1 + momentum - lr·λ, -momentum], [1, 0]]":
                _spectral_radius(lr, beta, lam, sign=1.0).max(),
            "you used only the largest eigenvalue; the slowest direction can be the flattest "
            "one: take the max over all eigenvalues": per_direction[np.argmax(lam)],
            "the rate of the method is that of its slowest direction: the max over the "
            "eigenvalues, not the min": per_direction.min(),
            "√momentum is the modulus of complex roots only; when (1 + momentum - lr·λ)² > "
            "4·momentum the roots are real and the larger one exceeds √momentum. Compute the "
            "roots (np.roots, or the eigenvalues of the 2×2 matrix)": np.sqrt(beta),
            "you kept only the root (a + √(a² - 4·momentum)) / 2, with a = 1 + momentum - lr·λ;"
            " when a < 0 the roots are real and the other one, (a - √(a² - 4·momentum)) / 2, "
            "is the larger in modulus: take the max of |z| over both roots":
                _one_root(lr, beta, lam, +1).max(),
            "you kept only the root (a - √(a² - 4·momentum)) / 2, with a = 1 + momentum - lr·λ;"
            " when a > 0 and the roots are real, (a + √(a² - 4·momentum)) / 2 is the larger "
            "in modulus: take the max of |z| over both roots": _one_root(lr, beta, lam, -1).max(),
            "take the modulus of the roots, np.abs(z), not their real part: complex roots "
            "z = x ± iy have |z| = √(x² + y²)": _real_part(lr, beta, lam),
        }
        rows.append((ctx, per_direction.max(), mistakes, got))
        has_complex[ctx] = bool(np.any((1 + beta - lr * lam) ** 2 < 4 * beta))
    # A mistake explains the answer if it matches it in every case (one case alone may not
    # tell two mistakes apart: with complex roots several of them give √momentum).
    for message in rows[0][2]:
        if all(_matches(got, m[message]) for _, _, m, got in rows) and not all(
                _matches(got, expected) for _, expected, _, got in rows):
            raise AssertionError(f"{what} is wrong: {message}.")
    for ctx, expected, _, got in rows:
        try:
            is_nan = got is not None and np.size(got) == 1 and bool(np.isnan(np.asarray(
                got, dtype=float).reshape(())))
        except (TypeError, ValueError):
            is_nan = False
        if is_nan and not has_complex[ctx]:
            raise AssertionError(f"{what} returned nan ({ctx}); expected {expected:.6g}.")
        if is_nan:
            raise AssertionError(
                f"{what} returned nan ({ctx}); expected {expected:.4g}. Here "
                "(1 + momentum - lr·λ)² < 4·momentum for some λ, so the roots are complex, "
                "and np.sqrt of the negative discriminant gives nan. Use np.roots([1, -a, "
                "momentum]) or np.linalg.eigvals of the 2×2 matrix (or np.sqrt(d + 0j), "
                "cmath.sqrt), then np.abs of the roots."
            )
        check_scalar(got, expected, what, context=ctx)


def _one_root(lr, momentum, eigenvalues, sign):
    """|(a ± √(a² − 4β)) / 2| for each λ: one root of z² − a z + β only."""
    a = 1 + momentum - lr * np.atleast_1d(np.asarray(eigenvalues, dtype=float))
    return np.abs((a + sign * np.sqrt((a * a - 4 * momentum).astype(complex))) / 2)


def _real_part(lr, momentum, eigenvalues):
    """The largest real part of the roots, worst over λ."""
    return max(np.roots([1.0, -(1 + momentum - lr * lam), momentum]).real.max()
               for lam in np.atleast_1d(np.asarray(eigenvalues, dtype=float)))


def _matches(got, value):
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    return got.size == 1 and bool(np.isclose(got.reshape(()), value, rtol=1e-6, atol=1e-9))


def _steps_to(step_fn, grad_fn, x0, x_star, eps, max_steps):
    """Steps until ``|x - x*| <= eps |x0 - x*|``, and every distance on the way."""
    d0 = np.linalg.norm(x0 - x_star)
    x, buf, dist = np.array(x0, dtype=float), None, [d0]
    for k in range(1, max_steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # a wrong step may blow up
            x, buf = step_fn(x, grad_fn(x), buf)
            dist.append(np.linalg.norm(np.asarray(x, dtype=float) - x_star))
        if not np.isfinite(dist[-1]) or dist[-1] <= eps * d0:
            return k, np.array(dist)
    return max_steps, np.array(dist)


def check_acceleration(momentum_step, optimal_momentum, heavy_ball_rate, *, kappa=100.0,
                       n_params=10, eps=1e-8, seed=0):
    r"""Capstone: the learner's tuned heavy ball against gradient descent at its best step.

    On a quadratic with eigenvalues spread over :math:`[1, \kappa]`, runs the learner's
    ``momentum_step`` with the learner's ``optimal_momentum(L, mu)`` until the distance to the
    minimizer has shrunk by ``eps``, and gradient descent (:func:`mlopt.optimizers.gd`) with
    :math:`\eta = 2/(L+\mu)` likewise.

    Returns
    -------
    dict
        ``hb_steps``, ``gd_steps``, ``predicted`` (:math:`\ln(1/\varepsilon)/\ln(1/\rho)` with
        the learner's rate), ``rate`` and ``measured_rate``.
    """
    L, mu = float(kappa), 1.0
    A, b, x0 = _quadratic(n_params, seed, low=mu, high=L)
    x_star = np.linalg.solve(A, b)

    def grad_fn(x):
        return A @ x - b

    pair = _as_numbers(optimal_momentum(L, mu), "optimal_momentum(L, mu)",
                       "; it should be a pair (lr, momentum)")
    if pair.shape != (2,):
        raise AssertionError(f"optimal_momentum(L, mu) should return a pair (lr, momentum); got "
                             f"{pair.size} value(s) of shape {pair.shape}. Does it pass its test?")
    lr, momentum = pair
    rate = as_number(heavy_ball_rate(lr, momentum, [mu, L]), "heavy_ball_rate(lr, momentum, "
                     "eigenvalues)", meaning="one number, the contraction factor")
    sk = np.sqrt(kappa)
    if not np.isclose(rate, (sk - 1) / (sk + 1), rtol=1e-6):
        raise AssertionError(
            f"With your optimal_momentum (lr={float(lr):.4g}, momentum={float(momentum):.4g}) "
            f"your heavy_ball_rate gives {rate:.4f}, but the optimal heavy ball contracts by "
            f"(√κ - 1)/(√κ + 1) = {(sk - 1) / (sk + 1):.4f} for κ = {kappa:g}. Do "
            "optimal_momentum and heavy_ball_rate pass their tests?"
        )
    def hb_step(x, g, buf):
        try:
            return momentum_step(x, g, buf, lr, momentum)
        except ValueError as err:
            if "truth value" not in str(err):
                raise
            raise AssertionError(
                f"momentum_step raised ValueError: {err}. `if not buf:` and `if buf == None:` "
                "ask NumPy for the truth value of a whole array; test the first step with "
                "`if buf is None:`. Does momentum_step pass its test?"
            ) from err

    hb_steps, dist = _steps_to(hb_step, grad_fn, x0, x_star, eps, max_steps=100 * int(kappa))
    opt = gd(lr=2.0 / (L + mu))

    def gd_step(x, g, state):
        step, state = opt.update(g, opt.init(x) if state is None else state, x)
        return x - step, state

    gd_steps, _ = _steps_to(gd_step, grad_fn, x0, x_star, eps, max_steps=100 * int(kappa))
    predicted = np.log(1 / eps) / np.log(1 / rate)
    if not (np.isfinite(dist[-1]) and dist[-1] <= eps * dist[0]):
        raise AssertionError(
            f"Your heavy ball did not reach a distance of {eps:g} times the start in "
            f"{hb_steps} steps (it ended at {dist[-1] / dist[0]:.2e}). Do momentum_step and "
            "optimal_momentum pass their tests?"
        )
    # the error behaves like t·ρ^t at the optimum (a double root): allow for the factor t
    if hb_steps > 1.5 * predicted + 10:
        raise AssertionError(
            f"Your heavy ball needed {hb_steps} steps; the theory predicts about "
            f"{predicted:.0f} (ln(1/{eps:g}) / ln(1/ρ), ρ = {rate:.4f}). Does momentum_step "
            "use the buffer from the previous step?"
        )
    half = len(dist) // 2
    measured = float((dist[-1] / dist[half]) ** (1 / (len(dist) - 1 - half)))
    return {"hb_steps": hb_steps, "gd_steps": gd_steps, "predicted": float(predicted),
            "rate": rate, "measured_rate": measured}


def nesterov_limit_by_bisection(L, momentum):
    r"""The largest stable learning rate of Nesterov's momentum on a quadratic with top curvature L.

    Found numerically, by bisection on the spectral radius of the :math:`2\times2` matrix of the
    steepest direction (:func:`mlopt.optimizers.momentum_rate` with ``nesterov=True``), not from
    a formula: the learner's formula is checked against the eigen-analysis itself.
    """
    from scipy.optimize import brentq

    from mlopt.optimizers import momentum_rate

    def excess(lr):
        return momentum_rate(lr, momentum, [L], nesterov=True) - 1.0

    # stable at lr = 1/L (both roots 0), unstable at 3/L for every momentum in [0, 1)
    return brentq(excess, 1.0 / L, 3.0 / L, xtol=1e-15 / L, rtol=1e-14)


# (L, momentum): L = 1 and L != 1 (a forgotten 1/L), no momentum (gradient descent's 2/L),
# a large momentum
LIMIT_CASES = [(100.0, 0.9), (1.0, 0.5), (4.0, 0.0), (0.5, 0.99), (30.0, 0.3)]


def check_nesterov_lr_limit(nesterov_lr_limit, *, cases=None, seed=None):
    r"""Check ``nesterov_lr_limit(L, momentum)``: the largest stable learning rate of Nesterov.

    The reference is found by bisection on the spectral radius (:func:`momentum_rate`), so any
    correct way to find the limit passes (a formula, or a careful numerical search). ``seed``
    (if given) adds random cases.
    """
    cases = list(LIMIT_CASES if cases is None else cases)
    if seed is not None:
        rng = np.random.default_rng(seed)
        cases += [(float(10 ** rng.uniform(-1, 3)), float(rng.uniform(0.0, 0.99)))
                  for _ in range(3)]
    from mlopt.optimizers import momentum_rate

    what = "nesterov_lr_limit(L, momentum)"
    for L, beta in cases:
        expected = nesterov_limit_by_bisection(L, beta)
        got = nesterov_lr_limit(L, beta)
        ctx = f"L={L:.6g}, momentum={beta:.6g}"
        heavy_ball = 2 * (1 + beta) / L
        mistakes = [
            Mistake(heavy_ball, "this is the heavy ball's limit 2(1 + momentum)/L. Nesterov's "
                    "recurrence has other coefficients, a = (1 + momentum)(1 - lr·λ) and "
                    "b = momentum·(1 - lr·λ): find the lr·L at which a root of z² - a z + b "
                    "reaches -1"),
            Mistake(2.0 / L, "this is gradient descent's limit 2/L; with momentum the roots of "
                    "z² - a z + b, a = (1 + momentum)(1 - lr·λ), b = momentum·(1 - lr·λ), "
                    "cross -1 elsewhere"),
            Mistake(expected * L, "this is the limit of lr·L, a number without units; the "
                    "learning rate is that number divided by L"),
            Mistake(expected * L * L, "this is lr·L multiplied by L; the learning rate is lr·L "
                    "divided by L"),
            Mistake(1.0 / L, "lr = 1/L is the classical tuning, not the stability limit: "
                    "Nesterov is stable beyond it"),
        ]
        try:
            if np.asarray(got).dtype.kind in "USO" and got is not None:
                raise TypeError(type(got).__name__)
            value = float(np.asarray(got, dtype=float).reshape(()))
        except (TypeError, ValueError):
            value = None
            if got is not None and not isinstance(got, (tuple, list, np.ndarray)):
                raise AssertionError(f"{what} should return a number (a float), got "
                                     f"{type(got).__name__} {got!r:.40}.") from None
            if isinstance(got, (tuple, list)):
                raise AssertionError(f"{what} should return one number (a float), got a "
                                     f"{type(got).__name__} of {len(got)} items.") from None
        if value is not None and np.isfinite(value) and value > 0 and not np.isclose(
                value, expected, rtol=1e-6, atol=0.0) and not any(
                np.isclose(value, m.value, rtol=1e-6, atol=0.0) for m in mistakes):
            rate = momentum_rate(value, beta, [L], nesterov=True)
            verdict = (f"at your lr the spectral radius of the steepest direction is {rate:.6f}"
                       + (" > 1: Nesterov diverges there, the limit is lower"
                          if rate > 1 else
                          " < 1: Nesterov is still stable there, the limit is higher"))
            raise AssertionError(
                f"{what} is wrong (inputs: {ctx}): got {value:.8g} (lr·L = {value * L:.8g}), "
                f"expected {expected:.8g} (lr·L = {expected * L:.8g}); {verdict}."
            )
        check_scalar(got, expected, what, mistakes=mistakes, rtol=1e-6, atol=0.0, context=ctx)
