"""make validate: the learner sees each failing check's message in one plain line."""

import nbformat

from mlopt.grading import _last_error_line, _nbgrader_failure, validate
from tests.exercise_utils import exercise_path, solution_path

CHAPTER = "01_loss_functions_and_gradients"


def test_validate_reports_the_mistake_in_plain_text(tmp_path):
    nb = nbformat.read(solution_path(CHAPTER), as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace("return 2.0 / len(y) * (X.T @ r)",
                                          "return -2.0 / len(y) * (X.T @ r)")
    wrong = tmp_path / "wrong.ipynb"
    nbformat.write(nb, wrong)
    ok, report = validate(wrong)
    assert not ok
    assert "opposite sign" in report and "<span" not in report


def test_validate_passes_the_solution_and_flags_the_stubs():
    assert validate(solution_path(CHAPTER))[0]
    ok, report = validate(exercise_path(CHAPTER))
    assert not ok and "not answered yet" in report


def test_last_error_line_strips_html():
    html = ('<span class="ansi-red-fg">AssertionError</span>: x is wrong: '
            'got &lt;1&gt;\n')
    assert _last_error_line(html) == "AssertionError: x is wrong: got <1>"
    assert _last_error_line("") == "(no error message)"


def test_command_line_explains_instead_of_a_traceback(tmp_path, capsys):
    from mlopt.grading import main

    assert main(["grade", "--root", str(tmp_path)]) == 1
    assert "nothing to grade" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "missing.ipynb")]) == 1
    assert "no notebook at" in capsys.readouterr().err


# What nbgrader 0.9.6's API returned for a notebook it could not autograde (trimmed).
NBGRADER_LOG = """\
[INFO] Converting notebook /tmp/course/submitted/ann/99/99.ipynb
[ERROR] There was an error processing assignment: /tmp/course/submitted/ann/99
[ERROR] Traceback (most recent call last):
      File "/venv/site-packages/nbgrader/converters/base.py", line 390, in convert_notebooks
        self.convert_single_notebook(notebook_filename)
      File "/venv/nbgrader/preprocessors/deduplicateids.py", line 33, in preprocess_cell
        grade_id = cell.metadata.nbgrader['grade_id']
                   ~~~~~~~~~~~~~~~~~~~~~~^^^^^^^^^^^^
    KeyError: 'grade_id'

[ERROR] There was an error processing assignment '99' for student 'ann'
[ERROR] Please see the the above traceback for details on the specific errors on the above failures.
"""
NBGRADER_ERROR = """\
Traceback (most recent call last):
  File "/venv/site-packages/nbgrader/converters/base.py", line 468, in convert_notebooks
    raise NbGraderException(msg)
nbgrader.converters.base.NbGraderException: Please see the the above traceback for details on \
the specific errors on the above failures.
"""


def test_nbgrader_failures_are_reported_by_their_first_real_error():
    assert _nbgrader_failure({"log": NBGRADER_LOG, "error": NBGRADER_ERROR}) == (
        "KeyError: 'grade_id' (in nbgrader's deduplicateids.py, line 33)")
    unresponsive = ("[ERROR] There was an error processing assignment: x\n"
                    "[ERROR] While processing assignment x, the kernel became unresponsive\n")
    assert _nbgrader_failure({"log": unresponsive, "error": NBGRADER_ERROR}).startswith(
        "While processing assignment x, the kernel became unresponsive")
    assert _nbgrader_failure({"error": "boom"}) == "boom"
