"""The sandbox behaves like one process for the checks, and returns only data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mlopt.grading import _snapshot_library
from mlopt.sandbox import CallableProxy, Sandbox, SandboxTimeout

LEARNER = '''
import numpy as np

def central_difference(f, x, h=1e-6):
    grad = np.zeros(len(x))
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad

def in_place(x):
    x -= 1.0
    return x

def draw(rng, n):
    return rng.normal(size=n)

def batches(n, size):
    for start in range(0, n, size):
        yield np.arange(start, min(start + size, n))

def pair():
    return np.float32(0.5), (1, [2.0, None]), {"a": np.arange(3)}

def divide(a, b):
    return a / b

def singular():
    return np.linalg.solve(np.zeros((2, 2)), np.ones(2))

class Custom(Exception):
    pass

def custom():
    raise Custom("mine")

def make_counter():
    count = [0]
    def tick():
        count[0] += 1
        return count[0]
    return tick

def forever():
    while True:
        pass

def silence_and_divide(a, b):
    with np.errstate(all="ignore"):
        return a / b
'''


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    lib = _snapshot_library(tmp_path_factory.mktemp("lib") / "lib")
    work = tmp_path_factory.mktemp("box") / "work"
    work.mkdir()
    sandbox = Sandbox(work, lib, memory=2 * 2**30, processes=32).start()
    result = sandbox.exec_cell(LEARNER + "\nwhile True:\n    pass\n", "<cell answers>")
    assert result["error"] is None and result["dropped"] == 1   # the loop was skipped
    yield sandbox
    sandbox.stop()


def get(box, name):
    return box.lookup(name)


def test_grader_callables_are_called_back_not_copied(box):
    calls = []

    def f(v):
        calls.append(v.copy())
        return float(np.sum(v**2))

    grad = get(box, "central_difference")(f, np.array([1.0, -2.0]))
    np.testing.assert_allclose(grad, [2.0, -4.0], rtol=1e-6)
    assert len(calls) == 4                      # the grader's own list saw every call


def test_in_place_changes_reach_the_grader(box):
    x = np.array([3.0, 4.0])
    get(box, "in_place")(x)
    np.testing.assert_array_equal(x, [2.0, 3.0])


def test_random_generators_advance_as_in_one_process(box):
    rng, twin = np.random.default_rng(7), np.random.default_rng(7)
    np.testing.assert_array_equal(get(box, "draw")(rng, 3), twin.normal(size=3))
    assert rng.normal() == twin.normal()       # the state was consumed in the grader too


def test_generators_and_containers_come_back_as_data(box):
    assert [list(b) for b in get(box, "batches")(5, 2)] == [[0, 1], [2, 3], [4]]
    scalar, nested, mapping = get(box, "pair")()
    assert isinstance(scalar, np.float32) and nested == (1, [2.0, None])
    np.testing.assert_array_equal(mapping["a"], np.arange(3))


def test_errstate_and_warning_filters_of_the_check_apply(box):
    divide = get(box, "divide")
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        divide(np.ones(1), np.zeros(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="warn"), pytest.raises(RuntimeWarning):
            divide(np.ones(1), np.zeros(1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        divide(np.ones(1), np.zeros(1))
    assert any("divide by zero" in str(w.message) for w in caught)


def test_a_learners_errstate_inside_the_function_is_its_own(box):
    # as in one process: np.errstate inside the learner's function wins (checks catch that
    # by other means); the grader's state is restored afterwards
    with np.errstate(all="raise"):
        out = get(box, "silence_and_divide")(np.ones(1), np.zeros(1))
        assert np.isinf(out[0])
        assert np.geterr()["divide"] == "raise"


def test_exceptions_keep_their_type(box):
    with pytest.raises(np.linalg.LinAlgError):
        get(box, "singular")()
    with pytest.raises(Exception, match="mine") as info:
        get(box, "custom")()
    assert type(info.value).__name__ == "Custom"


def test_returned_functions_are_proxies_with_their_state(box):
    tick = get(box, "make_counter")()
    assert isinstance(tick, CallableProxy) and type(tick).__name__ == "function"
    assert [tick(), tick(), tick()] == [1, 2, 3]


def test_a_time_limit_kills_and_restart_works(tmp_path):
    lib = _snapshot_library(tmp_path / "lib")
    work = tmp_path / "work"
    work.mkdir()
    sandbox = Sandbox(work, lib).start()
    try:
        sandbox.exec_cell(LEARNER)
        import time

        sandbox.deadline = time.monotonic() + 1.0
        with pytest.raises(SandboxTimeout):
            sandbox.lookup("forever")()
        assert not sandbox.alive()
        sandbox.deadline = None
        sandbox.start()
        sandbox.exec_cell(LEARNER)
        assert sandbox.lookup("divide")(6.0, 3.0) == 2.0
    finally:
        sandbox.stop()


def test_truth_value_of_learner_objects(box):
    assert bool(get(box, "divide")) is True
    assert bool(get(box, "batches")(0, 2)) is True        # a generator is truthy, like in Python


def test_objects_that_cannot_be_copied_are_passed_by_reference(box):
    import threading

    class Trial:
        """Like an optuna Trial: holds a lock (not picklable), records what was asked."""

        def __init__(self):
            self.lock = threading.Lock()
            self.asked = []
            self._secret = 42

        def suggest(self, name, low, high):
            self.asked.append(name)
            return (low + high) / 2

    box.exec_cell("def objective(trial):\n"
                  "    return trial.suggest('lr', 0.0, 1.0) + len(trial.asked)\n"
                  "def peek(trial):\n"
                  "    return trial._secret\n")
    trial = Trial()
    assert box.lookup("objective")(trial) == 1.5      # asked == ['lr'] seen through the grader
    assert trial.asked == ["lr"]
    with pytest.raises(AttributeError):
        box.lookup("peek")(trial)


def test_a_reused_id_is_not_taken_for_a_grader_callable():
    """Once a grader callable handed to the sandbox is freed, Python may give its id to a new
    object (a learner's bound method, say); that object must go back as a sandbox reference,
    never as the grader's callable (seen: a Pipeline's predict_proba came back as a check's
    objective)."""
    import weakref

    from mlopt.sandbox import _Encoder

    class Thing:
        pass

    given, other = Thing(), Thing()
    # `other` sits at the id the table remembers, as after `given`'s old slot was reused.
    trusted = {id(other): (7, weakref.ref(given))}
    assert "tref" not in _Encoder({}, trusted)(other)
    trusted = {id(given): (7, weakref.ref(given))}
    assert _Encoder({}, trusted)(given) == {"tref": 7}


def test_definitions_before_an_error_stay_and_errors_are_one_capped_line(box):
    from mlopt.sandbox import ERROR_CAP

    result = box.exec_cell("a = 1\nb = 1 / 0\nc = 2\n", "<cell x>")
    assert result["names"] == ["a"]
    assert result["error"] == "ZeroDivisionError: division by zero (line 2)"
    assert box.lookup("a") == 1
    with pytest.raises(NameError):
        box.lookup("c")
    result = box.exec_cell("def f():\n    raise ValueError('E' * 10**7)\nx = f()\n", "<cell y>")
    assert result["names"] == ["f"] and len(result["error"]) <= ERROR_CAP
    assert result["error"].startswith("ValueError: EEE")
    assert box.exec_cell("def g(:\n", "<cell z>")["error"].startswith("SyntaxError: ")
