"""Comparison helpers that explain what is wrong in a learner's answer."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Mistake", "call_on_copies", "check_array", "check_scalar", "check_intercept",
           "check_rng_use"]

IN_PLACE_FIX = "Work on a copy (e.g. `x = x.copy()`, or `x - step` instead of `x -= step`)."


class Mistake(NamedTuple):
    """A typical wrong answer: what it would return, and what to tell the learner."""

    value: object
    message: str


def call_on_copies(fn, name, *args, fix=IN_PLACE_FIX):
    """Call the learner's ``fn`` on copies of the array arguments; fail if it changed them.

    Parameters
    ----------
    fn : callable
        The learner's function.
    name : str
        Its name, for the message.
    *args
        Its arguments; arrays are copied before the call and compared after it.
    fix : str
        How to avoid modifying an input, in words that fit the task.

    Returns
    -------
    object
        What ``fn`` returned.

    Raises
    ------
    AssertionError
        If ``fn`` modified an input array in place.

    Examples
    --------
    >>> def bad(x):
    ...     x -= 1.0
    ...     return x
    >>> call_on_copies(bad, "bad", np.zeros(2))
    Traceback (most recent call last):
    AssertionError: bad modified its input array in place. Work on a copy ...
    """
    copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    out = fn(*copies)
    for original, copy in zip(args, copies):
        if isinstance(original, np.ndarray) and not np.array_equal(original, copy):
            raise AssertionError(f"{name} modified its input array in place. {fix}")
    return out


def _fmt(a, precision=4):
    with np.printoptions(precision=precision, suppress=True, threshold=12, edgeitems=3):
        return np.array2string(np.asarray(a, dtype=float), separator=", ")


def _fmt_pair(got, expected):
    """``got`` and ``expected`` printed with just enough digits to tell them apart."""
    for precision in (4, 6, 8, 10, 12, 14, 17):
        a, b = _fmt(got, precision), _fmt(expected, precision)
        if a != b:
            return a, b
    return a, b


def _describe(got):
    """What a learner's function returned, in words, when it is not an array of numbers."""
    if isinstance(got, str):
        return f"a string {got[:40]!r}"
    if isinstance(got, (tuple, list)):
        kinds = ", ".join(type(item).__name__ for item in got[:4])
        more = ", ..." if len(got) > 4 else ""
        return f"a {type(got).__name__} of {len(got)} items ({kinds}{more})"
    if isinstance(got, dict):
        return f"a dict with keys {list(got)[:4]}"
    return f"a {type(got).__name__}"


def _as_numbers(got, what, where):
    """``got`` as a float array; an AssertionError that says what it was otherwise."""
    if isinstance(got, (str, bytes, dict)):
        raise AssertionError(f"{what} should return numbers, got {_describe(got)}{where}.")
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{what} should return numbers, got {_describe(got)}{where}."
        ) from None


def as_number(got, what, *, meaning="one number"):
    """``got`` as a Python float, or an AssertionError that says what it was instead.

    Used by checks whose answer is a single number (a rate, an estimate): None, strings, dicts,
    tuples, ragged lists and arrays of several values are each named in plain words.
    """
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget the `return` statement?")
    values = _as_numbers(got, what, f"; it should be {meaning}")
    if values.size != 1:
        kind = (f"an array of shape {values.shape}" if isinstance(got, np.ndarray)
                else _describe(got))
        raise AssertionError(f"{what} should return {meaning}; got {kind}.")
    return float(values.reshape(()))


def _single_precision_tolerance(got, expected, rtol, atol):
    """float32 (or float16) answers are legitimate: widen the tolerance to their precision."""
    dtype = getattr(got, "dtype", None)
    if dtype is None and isinstance(got, (list, tuple)) and got:
        dtype = getattr(got[0], "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.floating) and np.finfo(dtype).bits < 64:
        eps = float(np.finfo(dtype).eps)
        scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
        return max(rtol, 40 * eps), max(atol, 40 * eps * scale)
    return rtol, atol


def _close(a, b, rtol, atol):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def check_array(got, expected, what, *, mistakes=(), rtol=1e-6, atol=1e-9, context="",
                label=None):
    """Assert that ``got`` equals ``expected``; otherwise explain the difference.

    Parameters
    ----------
    got : array_like or None
        The learner's result.
    expected : array_like
        The reference result.
    what : str
        What is being checked, e.g. ``"mse_gradient(w, X, y)"``.
    mistakes : iterable of Mistake
        Typical wrong answers; if ``got`` matches one, its message is raised.
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.
    context : str
        Describes the inputs (shapes, values), added to the message.
    label : callable, optional
        ``label(i) -> str`` names entry ``i`` of a 1-D result (e.g. ``"t = 5 (warmup)"``) when
        the message points at the first wrong entry; default ``"entry i"``.

    Raises
    ------
    AssertionError
        With a sentence naming the problem. For a 1-D result of more than six entries that
        matches no known mistake, it names how many entries differ and the first one.

    Examples
    --------
    >>> check_array([1.0, 2.0], np.array([1.0, 2.0]), "f(x)")
    >>> check_array([-1.0, -2.0], np.array([1.0, 2.0]), "f(x)",
    ...             mistakes=[Mistake(np.array([-1.0, -2.0]), "the sign is flipped")])
    Traceback (most recent call last):
    AssertionError: f(x) is wrong: the sign is flipped.
    """
    where = f" (inputs: {context})" if context else ""
    if got is None:
        raise AssertionError(
            f"{what} returned None{where}. Did you forget the `return` statement?"
        )
    expected = np.asarray(expected, dtype=float)
    rtol, atol = _single_precision_tolerance(got, expected, rtol, atol)
    got_arr = _as_numbers(got, what, where)
    for mistake in mistakes:
        if _close(got_arr, mistake.value, rtol, atol) and not _close(got_arr, expected, rtol, atol):
            raise AssertionError(f"{what} is wrong: {mistake.message}.")
    if got_arr.shape != expected.shape:
        hint = ""
        if got_arr.shape == expected.shape[::-1] and got_arr.ndim == 2:
            hint = " It looks transposed."
        elif got_arr.size == expected.size:
            hint = " Same number of entries in another shape: check your reshape or axis."
        raise AssertionError(
            f"{what} has shape {got_arr.shape}, expected {expected.shape}{where}.{hint}"
        )
    if not np.all(np.isfinite(got_arr)) and np.all(np.isfinite(expected)):
        raise AssertionError(
            f"{what} contains NaN or infinity{where}; expected finite values {_fmt(expected)}. "
            "Look for an overflow (exp of a large number) or a division by zero."
        )
    if not _close(got_arr, expected, rtol, atol):
        raise AssertionError(f"{what} is wrong{where}: " + _difference(got_arr, expected, rtol,
                                                                      atol, label))


def _difference(got, expected, rtol, atol, label):
    """The generic 'got ... expected ...' clause; for long 1-D results, the first wrong entry."""
    if got.ndim != 1 or got.size <= 6:
        a, b = _fmt_pair(got, expected)
        gap = np.abs(got - expected)
        largest = ""
        if got.size > 1 and np.all(np.isfinite(gap)):
            i = np.unravel_index(int(np.argmax(gap)), gap.shape)
            at = i[0] if len(i) == 1 else tuple(int(k) for k in i)
            largest = f" (largest difference {gap[i]:.3g}, at index {at})"
        elif got.size == 1 and np.isfinite(gap).all():
            largest = f" (difference {float(gap.reshape(-1)[0]):.3g})"
        return f"got {a}, expected {b}{largest}."
    bad = np.flatnonzero(~np.isclose(got, expected, rtol=rtol, atol=atol))
    name = label or (lambda i: f"entry {i}")
    first, *rest = bad

    def pair(i):
        # as _fmt_pair: just enough significant digits that the two sides differ
        for digits in (6, 8, 10, 12, 14, 17):
            a, b = f"{got[i]:.{digits}g}", f"{expected[i]:.{digits}g}"
            if a != b:
                break
        return f"got {a}, expected {b}"

    later = "; ".join(f"{name(int(i))}: {pair(i)}" for i in rest[:3])
    return (f"{len(bad)} of the {got.size} values differ, the first at {name(int(first))}: "
            f"{pair(first)}" + (f"; then {later}." if later else "."))


def check_scalar(got, expected, what, *, mistakes=(), rtol=1e-6, atol=1e-9, context=""):
    """Like :func:`check_array` for one number; also rejects arrays of several numbers.

    Examples
    --------
    >>> check_scalar(np.float64(2.0), 2.0, "loss")
    >>> check_scalar(np.array([1.0, 3.0]), 2.0, "loss")
    Traceback (most recent call last):
    AssertionError: loss should be a single number, got an array of shape (2,). Did you ...
    """
    where = f" (inputs: {context})" if context else ""
    if isinstance(got, (str, bytes, dict)) or (
            isinstance(got, (tuple, list)) and len(got) != 1):
        raise AssertionError(
            f"{what} should be a single number, got {_describe(got)}{where}."
        )
    if got is not None:
        try:
            shape = np.shape(got)
        except (TypeError, ValueError):
            shape = None
        if shape is None:
            raise AssertionError(
                f"{what} should be a single number, got {_describe(got)}{where}."
            )
        if len(shape) != 0 and int(np.prod(shape)) != 1:
            raise AssertionError(
                f"{what} should be a single number, got an array of shape {shape}. "
                "Did you forget to average (np.mean) or sum?"
            )
        if getattr(got, "dtype", None) is None or np.asarray(got).dtype != object:
            got = _as_numbers(got, what, where).reshape(())
    check_array(got, expected, what, mistakes=mistakes, rtol=rtol, atol=atol, context=context)


def check_intercept(b, b_ref, what, *, x_mean, y_mean, w, context=""):
    """Check an unpenalized intercept :math:`b = \\bar y - \\bar x^\\top w`, naming the usual slips.

    Parameters
    ----------
    b : float
        The learner's intercept.
    b_ref : float
        The reference intercept.
    what : str
        What is being checked, e.g. ``"b from ridge_fit(X, y, alpha)"``.
    x_mean : ndarray, shape (n_features,)
        ``X.mean(axis=0)``.
    y_mean : float
        ``y.mean()``.
    w : ndarray, shape (n_features,)
        The reference coefficients.
    context : str
        Describes the inputs, added to the message.

    Raises
    ------
    AssertionError
        If ``b`` is wrong; the message names the slip when it is a known one.

    Examples
    --------
    >>> check_intercept(0.0, 1.0, "b", x_mean=np.array([1.0]), y_mean=3.0, w=np.array([2.0]))
    Traceback (most recent call last):
    AssertionError: b is wrong: it is 0: the intercept is b = y.mean() - X.mean(axis=0) @ w.
    """
    rule = "b = y.mean() - X.mean(axis=0) @ w"
    mistakes = [
        Mistake(0.0, f"it is 0: the intercept is {rule}"),
        Mistake(y_mean, "b = y.mean() forgets the features' means; the fit passes through the "
                f"point of means (x̄, ȳ), so {rule}"),
        Mistake(y_mean + x_mean @ w, f"the sign of x̄ᵀw is flipped: {rule}"),
        Mistake(-x_mean @ w, f"it misses y.mean(): {rule}"),
    ]
    check_scalar(b, b_ref, what, mistakes=mistakes, context=context)


def _show_outcome(value):
    if np.size(value) == 1:
        return f"{float(np.asarray(value, dtype=float).reshape(())):.8g}"
    return _fmt(value, 6)


def check_rng_use(run, what, *, seed, outcome="result", source="the random numbers",
                  fix="rng", same=None, other_seed=True):
    """Check that a learner's function draws its randomness from its ``rng`` argument, only.

    ``run(s)`` calls the learner's function with ``np.random.default_rng(s)`` and returns what
    it gave. Two generators with the same seed must give the same outcome (drawing from the
    global ``np.random`` fails this), and a generator with another seed must give another
    outcome (a private generator with a fixed seed, or no randomness at all, fails this).

    Parameters
    ----------
    run : callable
        ``run(seed) -> outcome``: one call of the learner's function with a fresh generator.
    what : str
        The call being checked, e.g. ``"run_sgd(grad_fn, w0, ...)"``.
    seed : int
        The seed of the first two runs; the third uses ``seed + 1``.
    outcome : str
        What one run gives, in the singular ("estimate", "result").
    source : str
        What should come from ``rng`` ("the batches", "the start vector").
    fix : str
        The call that draws it correctly, e.g. ``"rng.permutation(n)"``.
    same : callable, optional
        ``same(a, b) -> bool``; by default exact equality (``np.array_equal``).
    other_seed : bool
        False where another seed cannot change anything (one batch holding all the data):
        only reproducibility is checked then.

    Raises
    ------
    AssertionError
        If the same seed gives different outcomes, or different seeds the same outcome.

    Examples
    --------
    >>> check_rng_use(lambda s: np.random.default_rng(s).normal(), "draw(rng)", seed=0)
    >>> check_rng_use(lambda s: np.random.default_rng(0).normal(), "draw(rng)", seed=0)
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: draw(rng): two different seeds gave the same result (0.12573022): ...
    """
    same = np.array_equal if same is None else same
    first, again = run(seed), run(seed)
    if not same(first, again):
        raise AssertionError(
            f"{what}: two generators with the same seed gave different {outcome}s "
            f"({_show_outcome(first)} and {_show_outcome(again)}). Draw {source} from the rng "
            f"argument ({fix}), not from np.random.*, so that runs are reproducible.")
    if other_seed and same(first, run(seed + 1)):
        raise AssertionError(
            f"{what}: two different seeds gave the same {outcome} ({_show_outcome(first)}): "
            f"the rng argument is not used for {source}. Use rng as given ({fix}); do not "
            "create a generator with a fixed seed inside.")
