"""A failed check shows its message in a few lines, in a real kernel and in nbgrader's Validate.

The notebooks below run in an IPython kernel through nbclient, as JupyterLab and nbgrader run
them; the error outputs are read as the learner sees them.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mlopt.checks._feedback import NOT_ANSWERED

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")

SETUP = ("import numpy as np\n"
         "from mlopt.checks.gradient_descent import check_gd_step, check_gradient_descent")
STUB = "def gd_step(w, grad, lr):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
LOOP = ("def gradient_descent(grad_fn, w0, lr, n_steps):\n"
        "    path = [np.asarray(w0, dtype=float)]\n"
        "    for _ in range(n_steps):\n"
        "        path.append(gd_step(path[-1], grad_fn(path[-1]), lr))\n"
        "    return np.array(path)")


def _run(*cells):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    return nb


def _error(cell):
    (out,) = [o for o in cell.outputs if o.output_type == "error"]
    return out.ename, [ANSI.sub("", line) for line in "\n".join(out.traceback).splitlines()]


@pytest.fixture(scope="module")
def session():
    return _run(
        SETUP,                                                         # 0
        STUB,                                                          # 1
        "check_gd_step(gd_step)",                                      # 2 stub
        LOOP,                                                          # 3
        "check_gradient_descent(gradient_descent)",                    # 4 knock-on: missing
        "def gd_step(w, grad, lr):\n    return w + lr * grad",         # 5 sign error
        "check_gd_step(gd_step)",                                      # 6
        "check_gradient_descent(gradient_descent)",                    # 7 knock-on: wrong
        "def gd_step(w, grad, lr):\n    return w - lr * grad[7]",      # 8 learner's bug
        "check_gd_step(gd_step)",                                      # 9
        "def gd_step(w, grad, lr):\n    return w - lr * grad",         # 10 right
        "check_gd_step(gd_step)",                                      # 11
        "check_gradient_descent(gradient_descent)",                    # 12 passes now
        "gd_step(1.0, 2.0)",                                           # 13 not under a check
        "assert 1 == 2, 'my own assert'",                              # 14
        "def f():\n    raise NotImplementedError()\nf()",             # 15 stub called directly
        "ns = {}\nexec(compile('def gd_step(w, grad, lr):\\n    raise NotImplementedError()',"
        " '/elsewhere/proxy.py', 'exec'), ns)\ngd_step = ns['gd_step']",  # 16 (as a sandbox)
        "check_gd_step(gd_step)",                                      # 17
    )


def test_an_unanswered_stub_says_so_in_two_lines(session):
    ename, lines = _error(session.cells[2])
    assert ename == "NotImplementedError"  # nbgrader and tests/test_exercises still see it
    assert lines == ["✗ check_gd_step(gd_step)", f"gd_step is {NOT_ANSWERED}."]


def test_a_task_blocked_by_a_missing_answer_names_it(session):
    ename, lines = _error(session.cells[4])
    assert ename == "NotImplementedError" and len(lines) == 2
    assert lines[1].startswith("gradient_descent could not be checked: it calls gd_step, "
                               f"which is {NOT_ANSWERED}")


def test_a_wrong_answer_shows_the_checks_message_only(session):
    ename, lines = _error(session.cells[6])
    assert ename == "AssertionError"
    assert lines[0] == "✗ check_gd_step(gd_step)"
    assert len(lines) == 2 and "gd_step(w, grad, lr) is wrong" in lines[1]
    assert "uphill" in lines[1]


def test_a_task_failing_because_of_a_wrong_earlier_answer_names_it(session):
    _, lines = _error(session.cells[7])
    assert lines[1] == ("gradient_descent uses gd_step, whose check failed above: "
                        "fix gd_step first.")  # the cause comes first
    assert len(lines) == 3 and "gradient_descent(grad_fn, w0, lr, n_steps) is wrong" in lines[2]


def test_a_bug_in_the_learners_code_shows_the_learners_lines_and_no_mlopt_frame(session):
    ename, lines = _error(session.cells[9])
    text = "\n".join(lines)
    assert ename == "IndexError"
    assert "gd_step raised IndexError while check_gd_step was running it:" in text
    assert "grad[7]" in text and "index 7 is out of bounds" in text
    assert "mlopt" not in text


def test_passing_again_clears_the_earlier_failure(session):
    assert not [o for o in session.cells[11].outputs if o.output_type == "error"]
    assert not [o for o in session.cells[12].outputs if o.output_type == "error"]


def test_a_stub_run_out_of_sight_is_still_named(session):
    ename, lines = _error(session.cells[17])
    assert ename == "NotImplementedError"
    assert lines == ["✗ check_gd_step(gd_step)", f"gd_step is {NOT_ANSWERED}."]


def test_other_errors_keep_ipythons_traceback(session):
    for i, ename in ((13, "TypeError"), (14, "AssertionError")):
        got, lines = _error(session.cells[i])
        assert got == ename and any("Traceback" in line for line in lines)
    _, lines = _error(session.cells[15])
    assert lines == [f"✗ f is {NOT_ANSWERED}."]


def test_validate_lists_short_messages_without_mlopt_frames(tmp_path):
    from nbgrader.validator import Validator

    source = ROOT / "exercises/03_gradient_descent/03_gradient_descent.ipynb"
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    result = Validator().validate(str(copy))
    assert result["failed"]
    for cell in result["failed"]:
        lines = ANSI.sub("", cell["raw_error"]).strip().splitlines()
        assert 1 <= len(lines) <= 3, lines
        assert NOT_ANSWERED in lines[-1]
        assert "mlopt/" not in cell["raw_error"] and "Traceback" not in cell["raw_error"]
