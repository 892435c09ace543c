"""Generic message quality of mlopt.checks._core (issue 9): digits that differ, no crash on an
unexpected return type, float32 within tolerance."""

import numpy as np
import pytest

from mlopt.checks._core import check_array, check_scalar


def message(fn, got, expected):
    with pytest.raises(AssertionError) as info:
        fn(got, expected, "f(x)")
    return str(info.value)


@pytest.mark.parametrize(("got", "expected"), [
    (1.00004, 1.00001), (12345.67, 12345.98), (0.1234567, 0.1234512),
])
def test_scalars_are_printed_with_digits_that_differ(got, expected):
    text = message(check_scalar, got, expected)
    printed = text.split("got ")[1].split(" (difference")[0].split(", expected ")
    assert printed[0] != printed[1], text
    assert "difference" in text


def test_arrays_name_the_largest_difference():
    text = message(check_array, np.array([1.00004, 2.0, 3.0]), np.array([1.00001, 2.0, 3.0]))
    assert "1.00004" in text and "1.00001" in text
    assert "largest difference 3e-05, at index 0" in text


@pytest.mark.parametrize(("got", "words"), [
    ((np.ones(2), 3.0), "a tuple of 2 items (ndarray, float)"),
    ([np.ones(2), np.ones(3)], "a list of 2 items (ndarray, ndarray)"),
    ("abc", "a string 'abc'"),
    ({"w": 1.0}, "a dict with keys ['w']"),
    (object(), "object"),
])
@pytest.mark.parametrize("fn", [check_array, check_scalar])
def test_unexpected_return_types_are_described_not_crashed_on(fn, got, words):
    expected = 1.0 if fn is check_scalar else np.ones(2)
    text = message(fn, got, expected)
    assert words in text, text


def test_float32_answers_within_single_precision_pass():
    rng = np.random.default_rng(0)
    A, x = rng.normal(size=(50, 50)), rng.normal(size=50)
    check_array((A.astype(np.float32) @ x.astype(np.float32)), A @ x, "A @ x")
    check_scalar(np.float32(np.pi), np.pi, "pi")
    with pytest.raises(AssertionError):      # but a real error in float32 still fails
        check_array((A @ x).astype(np.float32) * 1.001, A @ x, "A @ x")


def test_long_1d_results_print_each_wrong_entry_with_digits_that_differ():
    # more than six entries: the message names entries one by one; with 6 significant digits
    # 123456.3 against 123456 once read "got 123456, expected 123456"
    expected = np.full(8, 123456.0)
    got = expected.copy()
    got[2] += 0.3
    got[5] -= 0.4
    text = message(check_array, got, expected)
    assert "2 of the 8 values differ, the first at entry 2" in text, text
    assert "then entry 5" in text, text
    for clause in text.split("entry ")[1:]:
        sides = clause.split("got ")[1].split(";")[0].rstrip(".").split(", expected ")
        assert sides[0] != sides[1], text
