"""Chapter 05 checks accept the reference answers and other valid ways, reject typical mistakes."""

import re

import numpy as np
import pytest

from mlopt.checks import momentum as checks
from tests.exercise_utils import solution_namespace

CHAPTER = "05_momentum_and_nesterov"


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


@pytest.mark.parametrize(
    ("check", "name"),
    [(checks.check_momentum_step, "momentum_step"),
     (checks.check_nesterov_step, "nesterov_step"),
     (checks.check_optimal_momentum, "optimal_momentum"),
     (checks.check_heavy_ball_rate, "heavy_ball_rate")],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_answers_pass(solution, check, name, seed):
    check(solution[name], seed=seed)


@pytest.mark.parametrize(
    ("check", "name", "kwargs"),
    [(checks.check_momentum_step, "momentum_step", dict(n_params=1, momentum=0.0)),
     (checks.check_momentum_step, "momentum_step", dict(n_params=20, lr=2.0, momentum=0.5)),
     (checks.check_nesterov_step, "nesterov_step", dict(n_params=1, momentum=0.99)),
     (checks.check_optimal_momentum, "optimal_momentum", dict(L=2.0, mu=2.0)),
     (checks.check_optimal_momentum, "optimal_momentum", dict(L=1e6, mu=1e-2)),
     (checks.check_heavy_ball_rate, "heavy_ball_rate", dict(cases=[(0.1, 0.5, [3.0])]))],
)
def test_reference_answers_pass_edge_cases(solution, check, name, kwargs):
    check(solution[name], **kwargs)


@pytest.mark.parametrize(("kappa", "seed"), [(100.0, 0), (1000.0, 3), (10.0, 4)])
def test_capstone_accelerates(solution, kappa, seed):
    out = checks.check_acceleration(solution["momentum_step"], solution["optimal_momentum"],
                                    solution["heavy_ball_rate"], kappa=kappa, seed=seed)
    sk = np.sqrt(kappa)
    assert out["rate"] == pytest.approx((sk - 1) / (sk + 1))
    assert out["hb_steps"] <= 1.5 * out["predicted"] + 10
    assert out["gd_steps"] > 2 * out["hb_steps"]
    # the double root makes the error t·ρ^t: the measured rate lies a little above ρ
    assert out["rate"] <= out["measured_rate"] <= out["rate"] + 0.05


# --- other valid ways are accepted -------------------------------------------------------------

def step_zeros_init(params, grad, buf, lr, momentum):
    buf = momentum * (np.zeros_like(grad) if buf is None else buf) + grad  # 0·β + g = g
    return params - lr * buf, buf


def step_copy_in_place(params, grad, buf, lr, momentum):
    buf = grad.copy() if buf is None else buf * momentum + grad
    params = params.copy()
    params -= lr * buf
    return params, buf


def step_list_return(params, grad, buf, lr, momentum):
    new_buf = grad if buf is None else momentum * buf + grad
    return [params - lr * new_buf, new_buf]


def nesterov_expanded(params, grad, buf, lr, momentum):
    new_buf = grad if buf is None else momentum * buf + grad
    return params - lr * grad - lr * momentum * new_buf, new_buf


def nesterov_via_old_buffer(params, grad, buf, lr, momentum):
    old = np.zeros_like(grad) if buf is None else buf
    new_buf = momentum * old + grad
    return params - lr * ((1 + momentum) * grad + momentum**2 * old), new_buf


def optimal_via_kappa(L, mu):
    r = (np.sqrt(L / mu) - 1) / (np.sqrt(L / mu) + 1)
    return (2 / (np.sqrt(L) + np.sqrt(mu))) ** 2, r**2


def optimal_via_sqrt_difference(L, mu):
    sL, smu = L**0.5, mu**0.5
    return 4.0 / (sL + smu) ** 2, ((sL - smu) / (sL + smu)) ** 2


def optimal_as_array(L, mu):  # one array of two numbers instead of a tuple
    return np.array(optimal_via_sqrt_difference(L, mu))


def optimal_swapped_but_squared(L, mu):  # κ = mu/L gives the same square: still correct
    k = mu / L
    return 4 / (L**0.5 + mu**0.5) ** 2, ((k**0.5 - 1) / (k**0.5 + 1)) ** 2


def rate_roots(lr, momentum, eigenvalues):
    return max(max(abs(np.roots([1, -(1 + momentum - lr * lam), momentum])))
               for lam in eigenvalues)


def rate_closed_form(lr, momentum, eigenvalues):
    lam = np.asarray(eigenvalues)
    a = 1 + momentum - lr * lam
    disc = np.sqrt((a**2 - 4 * momentum).astype(complex))
    return np.max(np.abs([(a + disc) / 2, (a - disc) / 2]))


def rate_spectral_radius_loop(lr, momentum, eigenvalues):
    out = []
    for lam in eigenvalues:
        M = np.array([[1 + momentum - lr * lam, -momentum], [1, 0]])
        out.append(max(abs(np.linalg.eigvals(M))))
    return max(out)


@pytest.mark.parametrize(
    ("check", "fn"),
    [pytest.param(checks.check_momentum_step, fn, id=fn.__name__)
     for fn in (step_zeros_init, step_copy_in_place, step_list_return)]
    + [pytest.param(checks.check_nesterov_step, fn, id=fn.__name__)
       for fn in (nesterov_expanded, nesterov_via_old_buffer)]
    + [pytest.param(checks.check_optimal_momentum, fn, id=fn.__name__)
       for fn in (optimal_via_kappa, optimal_via_sqrt_difference, optimal_swapped_but_squared,
                  optimal_as_array)]
    + [pytest.param(checks.check_heavy_ball_rate, fn, id=fn.__name__)
       for fn in (rate_roots, rate_closed_form, rate_spectral_radius_loop)],
)
@pytest.mark.parametrize("seed", [0, 3])
def test_other_valid_answers_pass(check, fn, seed):
    check(fn, seed=seed)


# --- typical mistakes are rejected with a message that says what to fix ------------------------

def heavy(first, later, *, in_place=False):
    """A momentum step built from a first-step buffer rule and a later-step rule."""
    def step(params, grad, buf, lr, momentum):
        if buf is None:
            b, p = first(params, grad, lr, momentum)
            return p, b
        if in_place:
            buf *= momentum
            buf += grad
            return params - lr * buf, buf
        return later(params, grad, buf, lr, momentum)
    return step


def correct_first(params, grad, lr, momentum):
    return grad, params - lr * grad


def later_rule(buffer_rule, step_rule=None):
    def later(params, grad, buf, lr, momentum):
        b = buffer_rule(buf, grad, lr, momentum)
        d = b if step_rule is None else step_rule(buf, b, grad, lr, momentum)
        return params - lr * d, b
    return later


def std(buf, g, lr, m):
    return m * buf + g


MOMENTUM_MISTAKES = {
    "sign error": (heavy(correct_first, later_rule(lambda b, g, lr, m: m * b - g)),
                   "momentum sign error"),
    "first step minus": (heavy(lambda p, g, lr, m: (-g, p + lr * g),
                               later_rule(lambda b, g, lr, m: m * b - g)), "stepped uphill"),
    "lr twice": (heavy(lambda p, g, lr, m: (lr * g, p - lr * lr * g),
                       later_rule(lambda b, g, lr, m: m * b + lr * g)), "lr is applied twice"),
    "lr twice later": (heavy(correct_first, later_rule(lambda b, g, lr, m: m * b + lr * g)),
                       "lr is applied twice"),
    "textbook velocity": (lambda p, g, b, lr, m: (
        p - (lr * g if b is None else m * b + lr * g), lr * g if b is None else m * b + lr * g),
        "keep lr out of the buffer"),
    "first (1-m)g": (heavy(lambda p, g, lr, m: ((1 - m) * g, p - lr * (1 - m) * g),
                           later_rule(std)), "not (1 - momentum) * g"),
    "first zeros": (heavy(lambda p, g, lr, m: (0 * g, p.copy()), later_rule(std)),
                    "not as zeros"),
    "ema": (heavy(correct_first, later_rule(lambda b, g, lr, m: m * b + (1 - m) * g)),
            "exponential moving average"),
    "old buffer": (heavy(correct_first, later_rule(std, lambda old, new, g, lr, m: old)),
                   "stepped with the old buffer"),
    "no momentum": (heavy(correct_first, later_rule(lambda b, g, lr, m: g)),
                    "momentum is missing"),
    "momentum on g": (heavy(correct_first, later_rule(lambda b, g, lr, m: b + m * g)),
                      "momentum multiplies the old buffer"),
    "buffer in place": (heavy(correct_first, None, in_place=True),
                        "modified its input array in place"),
    "returns step": (lambda p, g, b, lr, m: (lr * (g if b is None else m * b + g),
                                             g if b is None else m * b + g),
                     "you returned the step"),
    "swapped pair": (lambda p, g, b, lr, m: heavy(correct_first, later_rule(std))(
        p, g, b, lr, m)[::-1], "wrong order"),
    "params only": (lambda p, g, b, lr, m: p - lr * g, "should return the pair"),
    "no return": (lambda p, g, b, lr, m: None, "return new_params, new_buf"),
}


def nesterov(direction):
    def step(params, grad, buf, lr, momentum):
        new = grad.copy() if buf is None else momentum * buf + grad
        old = np.zeros_like(grad) if buf is None else buf
        return params - lr * direction(grad, new, old, momentum), new
    return step


def nesterov_in_place(params, grad, buf, lr, momentum):
    if buf is None:
        buf = grad.copy()
    else:
        buf *= momentum
        buf += grad
    return params - lr * (grad + momentum * buf), buf


def nesterov_returns_direction(params, grad, buf, lr, momentum):
    new = grad if buf is None else momentum * buf + grad
    return params - lr * (grad + momentum * new), grad + momentum * new


def nesterov_later(direction):
    """Right on the first step, wrong afterwards: reaches the later-step messages."""
    def step(params, grad, buf, lr, momentum):
        if buf is None:
            return params - lr * (1 + momentum) * grad, grad.copy()
        return nesterov(direction)(params, grad, buf, lr, momentum)
    return step


NESTEROV_MISTAKES = {
    "later heavy ball": (nesterov_later(lambda g, b, old, m: b), "this is the heavy ball"),
    "later sign": (nesterov_later(lambda g, b, old, m: g - m * b), "look-ahead sign error"),
    "later old buffer": (nesterov_later(lambda g, b, old, m: g + m * old),
                         "the look-ahead with the old buffer"),
    "later no gradient": (nesterov_later(lambda g, b, old, m: m * b),
                          "the gradient term is missing"),
    "heavy ball": (nesterov(lambda g, b, old, m: b), "(the heavy ball)"),
    "look-ahead sign": (nesterov(lambda g, b, old, m: g - m * b), "look-ahead sign error"),
    "old buffer": (nesterov(lambda g, b, old, m: g + m * old), "old, empty buffer"),
    "no gradient term": (nesterov(lambda g, b, old, m: m * b), "the gradient term is missing"),
    "returns direction": (nesterov_returns_direction, "not the direction"),
    "in place": (nesterov_in_place, "modified its input array in place"),
}


def sk(L, mu):
    return np.sqrt(L / mu)


OPTIMAL_MISTAKES = {
    "kappa not sqrt": (lambda L, mu: (4 / (L**0.5 + mu**0.5) ** 2,
                                      ((L / mu - 1) / (L / mu + 1)) ** 2),
                       "use the square root of the condition number"),
    "not squared": (lambda L, mu: (4 / (L**0.5 + mu**0.5) ** 2,
                                   (sk(L, mu) - 1) / (sk(L, mu) + 1)), "square it"),
    "swapped unsquared": (lambda L, mu: (4 / (L**0.5 + mu**0.5) ** 2,
                                         (sk(mu, L) - 1) / (sk(mu, L) + 1)), "swapped L and mu"),
    "lr no sqrt": (lambda L, mu: (4 / (L + mu), ((sk(L, mu) - 1) / (sk(L, mu) + 1)) ** 2),
                   "the square roots are missing"),
    "lr of gd": (lambda L, mu: (2 / (L + mu), ((sk(L, mu) - 1) / (sk(L, mu) + 1)) ** 2),
                 "gradient descent's best step"),
    "lr not squared": (lambda L, mu: (4 / (L**0.5 + mu**0.5),
                                      ((sk(L, mu) - 1) / (sk(L, mu) + 1)) ** 2),
                       "square the denominator"),
    "swapped pair": (lambda L, mu: optimal_via_kappa(L, mu)[::-1], "wrong order"),
    "one number": (lambda L, mu: 4 / (L**0.5 + mu**0.5) ** 2, "should return the pair"),
    "no return": (lambda L, mu: None, "return lr, momentum"),
}


def per_direction(fn):
    def rate(lr, momentum, eigenvalues):
        return [fn(lr, momentum, lam) for lam in eigenvalues]
    return rate


def root_moduli(lr, momentum, lam, sign=1.0):
    return np.abs(np.roots([1, -(1 + momentum - lr * lam), sign * momentum]))


RATE_MISTAKES = {
    "gd factor": (lambda lr, m, lam: max(abs(1 - lr * np.asarray(lam))), "gradient descent's"),
    "sqrt momentum": (lambda lr, m, lam: np.sqrt(m), "complex roots only"),
    "smaller root": (lambda lr, m, lam: max(min(root_moduli(lr, m, x)) for x in lam),
                     "not the smaller"),
    "sign error": (lambda lr, m, lam: max(max(root_moduli(lr, m, x, -1.0)) for x in lam),
                   "sign error in the recurrence"),
    "largest eigenvalue only": (lambda lr, m, lam: max(root_moduli(lr, m, max(lam))),
                                "only the largest eigenvalue"),
    "min over directions": (lambda lr, m, lam: min(max(root_moduli(lr, m, x)) for x in lam),
                            "not the min"),
    "one per direction": (per_direction(lambda lr, m, x: max(root_moduli(lr, m, x))),
                          "one per eigenvalue"),
    "no return": (lambda lr, m, lam: None, "return"),
}


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [pytest.param(checks.check_momentum_step, fn, msg, id=f"momentum-{k}")
     for k, (fn, msg) in MOMENTUM_MISTAKES.items()]
    + [pytest.param(checks.check_nesterov_step, fn, msg, id=f"nesterov-{k}")
       for k, (fn, msg) in NESTEROV_MISTAKES.items()]
    + [pytest.param(checks.check_optimal_momentum, fn, msg, id=f"optimal-{k}")
       for k, (fn, msg) in OPTIMAL_MISTAKES.items()]
    + [pytest.param(checks.check_heavy_ball_rate, fn, msg, id=f"rate-{k}")
       for k, (fn, msg) in RATE_MISTAKES.items()],
)
def test_typical_mistakes_are_rejected_with_a_useful_message(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_a_step_that_aliases_across_calls_is_caught_by_the_run():
    state = {}

    def aliased(params, grad, buf, lr, momentum):  # keeps one buffer array for every call
        b = state.setdefault("b", np.zeros_like(grad))
        if buf is None:
            b[:] = grad
        else:
            b[:] = momentum * buf + grad
        return params - lr * b, b

    with pytest.raises(AssertionError, match="modified its input array in place|drifts"):
        checks.check_momentum_step(aliased)


def test_capstone_rejects_a_heavy_ball_without_memory(solution):
    def forgetful(params, grad, buf, lr, momentum):
        return params - lr * grad, grad

    with pytest.raises(AssertionError, match="momentum_step"):
        checks.check_acceleration(forgetful, solution["optimal_momentum"],
                                  solution["heavy_ball_rate"])


def test_capstone_rejects_a_wrong_tuning(solution):
    with pytest.raises(AssertionError, match="optimal_momentum and heavy_ball_rate"):
        checks.check_acceleration(solution["momentum_step"], OPTIMAL_MISTAKES["not squared"][0],
                                  solution["heavy_ball_rate"])


def test_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_momentum_step, checks.check_nesterov_step,
                  checks.check_optimal_momentum, checks.check_heavy_ball_rate):
        with pytest.raises(NotImplementedError):
            check(stub)
    with pytest.raises(NotImplementedError):
        checks.check_acceleration(stub, stub, stub)


def test_optimal_momentum_messages_use_the_exercise_names():
    # the smallest curvature is mu (chapter 03's name); the momentum is beta in the prose
    with pytest.raises(AssertionError, match=re.escape("lr = 4 / (√L + √mu)²")):
        checks.check_optimal_momentum(OPTIMAL_MISTAKES["lr no sqrt"][0])
    with pytest.raises(AssertionError, match=re.escape("κ = L / mu")):
        checks.check_optimal_momentum(OPTIMAL_MISTAKES["kappa not sqrt"][0])


def test_optimal_momentum_as_a_three_element_array_is_rejected():
    with pytest.raises(AssertionError, match="should return the pair"):
        checks.check_optimal_momentum(lambda L, mu: np.array([1.0, 2.0, 3.0]))


# Found by testing the exercise as a learner: correct answers written unusually ...
def step_buffer_from_zeros(params, grad, buf, lr, momentum):
    if buf is None:
        buf = np.zeros_like(grad)
    buf = momentum * buf + grad
    return params - lr * buf, buf


def step_buffer_aliases_grad(params, grad, buf, lr, momentum):
    buf = grad if buf is None else momentum * buf + grad
    return params - lr * buf, buf


def nesterov_expanded(params, grad, buf, lr, momentum):
    old = np.zeros_like(grad) if buf is None else buf
    return (params - lr * ((1 + momentum) * grad + momentum**2 * old),
            momentum * old + grad)


def rate_quadratic_formula(lr, momentum, eigenvalues):
    a = 1 + momentum - lr * np.asarray(eigenvalues, dtype=float)
    d = np.sqrt((a**2 - 4 * momentum).astype(complex))
    return float(np.max(np.maximum(np.abs((a + d) / 2), np.abs((a - d) / 2))))


def rate_by_cases(lr, momentum, eigenvalues):
    out = []
    for lam in eigenvalues:
        a = 1 + momentum - lr * lam
        disc = a * a - 4 * momentum
        out.append(np.sqrt(momentum) if disc < 0 else (abs(a) + np.sqrt(disc)) / 2)
    return max(out)


UNUSUAL_CORRECT = [
    (checks.check_momentum_step, step_buffer_from_zeros),
    (checks.check_momentum_step, step_buffer_aliases_grad),
    (checks.check_nesterov_step, nesterov_expanded),
    (checks.check_optimal_momentum, lambda L, mu: (
        4 / (L + 2 * np.sqrt(L * mu) + mu),
        (L + mu - 2 * np.sqrt(L * mu)) / (L + mu + 2 * np.sqrt(L * mu)))),
    # κ = mu / L by mistake gives the same momentum: ((1 - √κ) / (1 + √κ))² is symmetric
    (checks.check_optimal_momentum, lambda L, mu: (
        4 / (np.sqrt(L) + np.sqrt(mu)) ** 2,
        ((np.sqrt(mu / L) - 1) / (np.sqrt(mu / L) + 1)) ** 2)),
    (checks.check_heavy_ball_rate, rate_quadratic_formula),
    (checks.check_heavy_ball_rate, rate_by_cases),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("check", "fn"), UNUSUAL_CORRECT)
def test_unusual_correct_answers_are_accepted(check, fn, seed):
    check(fn, seed=seed)


def step_not_buf(params, grad, buf, lr, momentum):
    buf = grad.copy() if not buf else momentum * buf + grad
    return params - lr * buf, buf


def step_first_buffer_times_momentum(params, grad, buf, lr, momentum):
    buf = momentum * grad if buf is None else momentum * buf + grad
    return params - lr * buf, buf


def rate_real_sqrt(lr, momentum, eigenvalues):
    out = []
    for lam in eigenvalues:
        a = 1 + momentum - lr * lam
        with np.errstate(invalid="ignore"):
            d = np.sqrt(a * a - 4 * momentum)  # nan when the roots are complex
        out.append(max(abs((a + d) / 2), abs((a - d) / 2)))
    return np.nan if np.all(np.isnan(out)) else np.nanmax(out)


def rate_plus_root_only(lr, momentum, eigenvalues):
    a = 1 + momentum - lr * np.asarray(eigenvalues, dtype=float)
    return float(np.max(np.abs((a + np.sqrt((a**2 - 4 * momentum).astype(complex))) / 2)))


def rate_real_part(lr, momentum, eigenvalues):
    return max(np.roots([1, -(1 + momentum - lr * lam), momentum]).real.max()
               for lam in eigenvalues)


# ... and mistakes the first lists missed.
MORE_MISTAKES = [
    # `if not buf:` used to escape as NumPy's raw "truth value ... is ambiguous"
    (checks.check_momentum_step, step_not_buf, "if buf is None:"),
    (checks.check_momentum_step, step_first_buffer_times_momentum, "not momentum * g"),
    # nan used to be blamed on "an overflow (exp of a large number) or a division by zero"
    (checks.check_heavy_ball_rate, rate_real_sqrt, "np.sqrt of the negative discriminant"),
    (checks.check_heavy_ball_rate, rate_plus_root_only, "the other one"),
    (checks.check_heavy_ball_rate, rate_real_part, "not their real part"),
]


@pytest.mark.parametrize(("check", "fn", "message"), MORE_MISTAKES)
def test_more_mistakes_are_named(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_capstone_explains_if_not_buf(solution):
    with pytest.raises(AssertionError, match=re.escape("if buf is None:")):
        checks.check_acceleration(step_not_buf, solution["optimal_momentum"],
                                  solution["heavy_ball_rate"])


# --- Nesterov's stability limit (issue 8: a derivation, checked against the eigen-analysis) ----

def limit_formula(L, momentum):
    return (2 + 2 * momentum) / ((1 + 2 * momentum) * L)


def limit_rewritten(L, momentum):  # 1 + 1/(1 + 2β), the same number
    return (1 + 1 / (1 + 2 * momentum)) / L


def limit_float32(L, momentum):
    return np.float32(limit_formula(L, momentum))


def limit_by_own_bisection(L, momentum):  # a numerical search of the learner's own
    def rate(lr):
        x = 1 - lr * L
        return max(abs(np.roots([1, -(1 + momentum) * x, momentum * x])))
    lo, hi = 1.0 / L, 3.0 / L
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if rate(mid) < 1 else (lo, mid)
    return lo


@pytest.mark.parametrize(("L", "momentum"), [(100.0, 0.9), (1.0, 0.0), (0.3, 0.99), (7.0, 0.5)])
def test_the_bisection_reference_is_the_formula(L, momentum):
    assert checks.nesterov_limit_by_bisection(L, momentum) == pytest.approx(
        limit_formula(L, momentum), rel=1e-12)


def test_the_lesson_number_is_the_limit():  # lesson 05 prints ηL < 1.3571 for β = 0.9
    assert limit_formula(1.0, 0.9) == pytest.approx(1.3571, abs=5e-5)


@pytest.mark.parametrize("fn", [limit_formula, limit_rewritten, limit_float32,
                                limit_by_own_bisection], ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [None, 0, 7])
def test_nesterov_limit_valid_answers_pass(fn, seed):
    checks.check_nesterov_lr_limit(fn, seed=seed)


def test_nesterov_limit_reference_answer_passes(solution):
    checks.check_nesterov_lr_limit(solution["nesterov_lr_limit"], seed=1)
    checks.check_nesterov_lr_limit(solution["nesterov_lr_limit"], cases=[(1e4, 0.999),
                                                                          (2e-3, 0.1)])


LIMIT_MISTAKES = {
    "heavy ball": (lambda L, b: 2 * (1 + b) / L, "heavy ball's limit 2(1 + momentum)/L"),
    "gradient descent": (lambda L, b: 2 / L, "gradient descent's limit 2/L"),
    "no 1/L": (lambda L, b: (2 + 2 * b) / (1 + 2 * b), "the limit of lr·L"),
    "times L": (lambda L, b: (2 + 2 * b) / (1 + 2 * b) * L, "multiplied by L"),
    "1/L": (lambda L, b: 1 / L, "classical tuning, not the stability limit"),
    "too cautious": (lambda L, b: 0.9 * limit_formula(L, b), "the limit is higher"),
    "too bold": (lambda L, b: 1.1 * limit_formula(L, b), "Nesterov diverges there"),
    "wrong root (+1)": (lambda L, b: (2 + b) / ((1 + 2 * b) * L), "the limit is higher"),
    "momentum hard-coded": (lambda L, b: limit_formula(L, 0.9), "expected"),
    "L hard-coded": (lambda L, b: limit_formula(100.0, b), "expected"),
    "string": (lambda L, b: "1.357", "should return a number (a float), got str"),
    "None": (lambda L, b: None, "returned None"),
    "pair": (lambda L, b: (limit_formula(L, b), 2 / L), "should return one number"),
}


@pytest.mark.parametrize(("fn", "message"), LIMIT_MISTAKES.values(), ids=LIMIT_MISTAKES.keys())
def test_nesterov_limit_mistakes_are_rejected(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_nesterov_lr_limit(fn)


def test_nesterov_limit_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        checks.check_nesterov_lr_limit(stub)


# --- issue 9: ignored arguments, unexpected return types --------------------------------------

def momentum_hard_coded(params, grad, buf, lr, momentum):
    buf = grad.copy() if buf is None else 0.9 * buf + grad
    return params - lr * buf, buf


def momentum_lr_hard_coded(params, grad, buf, lr, momentum):
    buf = grad.copy() if buf is None else momentum * buf + grad
    return params - 0.05 * buf, buf


def nesterov_momentum_hard_coded(params, grad, buf, lr, momentum):
    buf = grad.copy() if buf is None else 0.9 * buf + grad
    return params - lr * (grad + 0.9 * buf), buf


def momentum_float32(params, grad, buf, lr, momentum):
    g = grad.astype(np.float32)
    buf = g if buf is None else np.float32(momentum) * buf + g
    return params.astype(np.float32) - np.float32(lr) * buf, buf


@pytest.mark.parametrize(("check", "fn", "message"), [
    (checks.check_momentum_step, momentum_hard_coded, "it ignores the argument momentum"),
    (checks.check_momentum_step, momentum_lr_hard_coded, "it ignores the argument lr"),
    (checks.check_nesterov_step, nesterov_momentum_hard_coded,
     "it ignores the argument momentum"),
    (checks.check_optimal_momentum,
     lambda L, mu: checks.optimal_heavy_ball(L, 1.0), "L=50, mu=2"),   # mu hard-coded to 1
    (checks.check_heavy_ball_rate, lambda lr, m, lam: "0.9", "should return a number"),
    (checks.check_heavy_ball_rate, lambda lr, m, lam: (0.5, 0.7), "single number"),
], ids=["momentum", "lr", "nesterov momentum", "mu", "string rate", "pair rate"])
def test_ignored_arguments_and_odd_returns_are_rejected(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_one_rate_per_eigenvalue_is_named_only_when_it_is_that():
    def per_direction(lr, momentum, eigenvalues):
        return checks._spectral_radius(lr, momentum, eigenvalues)

    with pytest.raises(AssertionError, match="one per eigenvalue"):
        checks.check_heavy_ball_rate(per_direction)
    with pytest.raises(AssertionError) as err:
        checks.check_heavy_ball_rate(lambda lr, m, lam: np.zeros(len(lam)))
    assert "one per eigenvalue" not in str(err.value)


def test_float32_momentum_steps_pass():
    checks.check_momentum_step(momentum_float32)


ODD_RETURNS = [None, "x", ("a", "b"), (None, None), [1, 2, 3], {"a": 1}, np.zeros(3),
               (np.zeros(3),), 1.0, (1.0, "b"), (np.zeros(3), "b"), (object(), object())]


@pytest.mark.parametrize("check", [checks.check_momentum_step, checks.check_nesterov_step,
                                   checks.check_optimal_momentum, checks.check_heavy_ball_rate,
                                   checks.check_nesterov_lr_limit],
                         ids=lambda c: c.__name__)
@pytest.mark.parametrize("odd", ODD_RETURNS, ids=range(len(ODD_RETURNS)))
def test_an_odd_return_gets_a_message_not_a_crash(check, odd):
    with pytest.raises(AssertionError):
        check(lambda *args: odd)


def test_nan_is_blamed_on_complex_roots_only_when_there_are_some():
    with pytest.raises(AssertionError, match="roots are complex"):
        checks.check_heavy_ball_rate(lambda lr, m, lam: float("nan"))
    with pytest.raises(AssertionError) as err:   # real roots only: no guess
        checks.check_heavy_ball_rate(lambda lr, m, lam: float("nan"),
                                     cases=[(0.01, 0.3, [1.0, 10.0])])
    assert "complex" not in str(err.value) and "0.985624" in str(err.value)


# --- found in the rev56 learner review ---------------------------------------------------------

def step_velocity_form(params, grad, buf, lr, momentum):  # v = βv − ηg, returned as the buffer
    v = -lr * grad if buf is None else momentum * buf - lr * grad
    return params + v, v


def rate_complex_root(lr, momentum, eigenvalues):  # picks the right root but returns it complex
    return max((max(np.roots([1, -(1 + momentum - lr * lam), momentum]), key=abs)
                for lam in eigenvalues), key=abs)


def rate_extreme_eigenvalues_only(lr, momentum, eigenvalues):  # valid: ρ(M_λ) is largest at
    lam = np.asarray(eigenvalues, dtype=float)                  # an end of the spectrum
    return max(np.abs(np.roots([1, -(1 + momentum - lr * x), momentum])).max()
               for x in (lam.min(), lam.max()))


def test_the_velocity_form_is_named():
    message = re.escape("textbook velocity v = momentum * v - lr * g")
    with pytest.raises(AssertionError, match=message):
        checks.check_momentum_step(step_velocity_form)


def test_a_complex_rate_is_named():
    with pytest.raises(AssertionError, match="returned a complex number"):
        checks.check_heavy_ball_rate(rate_complex_root)


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_the_extreme_eigenvalues_suffice(seed):
    checks.check_heavy_ball_rate(rate_extreme_eigenvalues_only, seed=seed)
