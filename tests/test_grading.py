"""make validate: the learner sees each failing check's message in one plain line."""

import nbformat

from mlopt.grading import _last_error_line, validate
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
