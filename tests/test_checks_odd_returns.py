"""Every chapter's checks answer an odd return value with a plain AssertionError.

A learner's function may return a tuple, a ragged list, a string, a dict or an object where a
number or an array is expected. The check must say what it got ("should return numbers, got a
tuple of 2 items (ndarray, float)"), never crash inside NumPy with a ValueError or TypeError
that a learner cannot read. Each check is called with every answer replaced by a function that
returns the odd value.
"""

import importlib
import inspect

import numpy as np
import pytest

MODULES = ["loss_functions", "linear_regression", "gradient_descent",
           "stochastic_gradient_descent", "momentum", "adaptive_methods", "schedules",
           "regularization", "logistic_regression", "neural_network", "model_selection"]

ODD = {
    "tuple": (np.ones(2), 3.0),
    "ragged list": [np.ones(2), np.ones(3)],
    "string": "abc",
    "dict": {"w": 1.0},
    "object": object(),
    "None": None,
}


def _checks():
    for name in MODULES:
        module = importlib.import_module(f"mlopt.checks.{name}")
        for check_name, check in inspect.getmembers(module, inspect.isfunction):
            if check_name.startswith("check_") and check.__module__ == module.__name__:
                yield pytest.param(check, id=f"{name}.{check_name}")


def _n_answers(check):
    """The number of required positional parameters: the learner's functions."""
    return sum(p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty
               for p in inspect.signature(check).parameters.values())


@pytest.mark.parametrize("label", ODD)
@pytest.mark.parametrize("check", list(_checks()))
def test_an_odd_return_gets_a_plain_message(check, label):
    value = ODD[label]

    def answer(*args, **kwargs):
        return value

    with pytest.raises(AssertionError) as info:
        check(*[answer] * _n_answers(check))
    assert str(info.value).strip(), "the check failed without saying why"
