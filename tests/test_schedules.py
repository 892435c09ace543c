"""Schedules: values from the formulas by hand, torch's lr_scheduler values, argument checks."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mlopt import schedules
from mlopt.schedules import (
    as_schedule,
    constant,
    cosine,
    exponential,
    inverse_time,
    one_cycle,
    step,
    warmup,
)

REFERENCE = json.loads((Path(__file__).parent / "data" / "torch_reference.json").read_text())


@pytest.mark.parametrize("case", REFERENCE["schedules"], ids=lambda c: c["case"])
def test_values_equal_torch_lr_scheduler(case):
    s = getattr(schedules, case["schedule"])(**case["kwargs"])
    ours = [s(t) for t in range(len(case["lr"]))]
    np.testing.assert_allclose(ours, case["lr"], rtol=1e-12, atol=1e-15)


def test_reference_covers_every_schedule():
    names = {c["schedule"] for c in REFERENCE["schedules"]}
    assert names == {"step", "exponential", "cosine", "warmup", "one_cycle"}


def test_step_and_exponential_by_hand():
    s = step(0.3, step_size=10)
    assert [s(t) for t in (0, 9, 10, 19, 20)] == pytest.approx([0.3, 0.3, 0.03, 0.03, 0.003])
    e = exponential(2.0, gamma=0.5)
    assert [e(t) for t in range(4)] == [2.0, 1.0, 0.5, 0.25]


def test_inverse_time_is_sklearn_invscaling():
    # scikit-learn's SGDRegressor: eta = eta0 / pow(t, power_t) with t = 1, 2, ...
    s = inverse_time(0.01, decay=1.0, power=0.25)
    for t in range(5):
        assert s(t) == pytest.approx(0.01 / (t + 1) ** 0.25, rel=1e-15)
    h = inverse_time(1.0, decay=0.1)
    assert h(10) == pytest.approx(0.5)


def test_cosine_by_hand():
    s = cosine(1.0, total_steps=4, min_lr=0.2)
    # 0.2 + 0.4 (1 + cos(pi t / 4))
    expected = [1.0, 0.2 + 0.4 * (1 + math.sqrt(0.5)), 0.6, 0.2 + 0.4 * (1 - math.sqrt(0.5)), 0.2]
    assert [s(t) for t in range(5)] == pytest.approx(expected, rel=1e-14)
    assert s(100) == 0.2  # stays at min_lr after total_steps


def test_cosine_warmup_reaches_peak_then_decays_over_the_rest():
    s = cosine(0.4, total_steps=10, warmup_steps=4)
    assert [s(t) for t in range(5)] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.4])
    assert s(7) == pytest.approx(0.2)   # half-way through the 6 cosine steps
    assert s(10) == pytest.approx(0.0, abs=1e-16)


def test_warmup_in_front_of_any_schedule():
    inner = exponential(1.0, gamma=0.5)
    s = warmup(inner, 2)
    assert [s(t) for t in range(5)] == [0.5, 1.0, 1.0, 0.5, 0.25]
    assert warmup(inner, 0) is inner
    assert warmup(0.1, 1)(0) == 0.1


def test_one_cycle_by_hand():
    # T = 20, pct 0.3: peak at t1 = 5; initial 0.1/25 = 0.004; min = 0.004 / 1e4
    s = one_cycle(0.1, total_steps=20)
    assert s(0) == pytest.approx(0.004)
    assert s(5) == pytest.approx(0.1)
    assert s(2.5) == pytest.approx((0.004 + 0.1) / 2)    # half-way up the cosine
    assert s(12) == pytest.approx((0.1 + 4e-7) / 2)      # half-way down: (12 - 5) / (19 - 5)
    assert s(19) == pytest.approx(4e-7)
    assert s(40) == pytest.approx(4e-7)
    lrs = np.array([s(t) for t in range(20)])
    assert np.all(np.diff(lrs[:6]) > 0) and np.all(np.diff(lrs[5:]) < 0)


def test_constant_and_as_schedule():
    assert constant(0.5)(10**9) == 0.5
    f = lambda t: 1.0 / (t + 1)
    assert as_schedule(f) is f
    assert as_schedule(0.2)(7) == 0.2


@pytest.mark.parametrize(
    ("factory", "kwargs", "match"),
    [
        (constant, {"lr": 0.0}, "lr must be a positive finite number"),
        (step, {"lr": 0.1, "step_size": 0}, "step_size must be an integer >= 1, got step_size=0"),
        (step, {"lr": 0.1, "step_size": 2.5}, "step_size must be an integer"),
        (step, {"lr": 0.1, "step_size": 2, "gamma": 1.5}, r"gamma must be in \(0.0, 1.0\]"),
        (step, {"lr": -1.0, "step_size": 2}, "lr must be a finite number > 0"),
        (exponential, {"lr": 0.1, "gamma": 0.0}, "gamma must be a finite number > 0"),
        (inverse_time, {"lr": 0.1, "decay": -1.0}, "decay must be"),
        (inverse_time, {"lr": 0.1, "decay": 1.0, "power": 2.0}, "power must be in"),
        (cosine, {"lr": 0.1, "total_steps": 0}, "total_steps must be an integer >= 1"),
        (cosine, {"lr": 0.1, "total_steps": 5, "warmup_steps": 5},
         "warmup_steps must be < total_steps, got warmup_steps=5, total_steps=5"),
        (cosine, {"lr": 0.1, "total_steps": 5, "min_lr": 0.2}, r"min_lr must be in \[0.0, 0.1\]"),
        (warmup, {"schedule": 0.1, "warmup_steps": -1}, "warmup_steps must be an integer >= 0"),
        (warmup, {"schedule": "fast", "warmup_steps": 2}, "lr must be"),
        (one_cycle, {"max_lr": 0.1, "total_steps": 1}, "total_steps must be an integer >= 2"),
        (one_cycle, {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.0}, "pct_start must be"),
        (one_cycle, {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1},
         r"the peak's step\) must lie strictly between 0 and total_steps - 1"),
        (one_cycle, {"max_lr": 0.1, "total_steps": 10, "div_factor": 0}, "div_factor must be"),
    ],
)
def test_bad_arguments(factory, kwargs, match):
    with pytest.raises(ValueError, match=match):
        factory(**kwargs)
