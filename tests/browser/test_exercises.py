"""An exercise as a learner works on it: a wrong answer typed in, Validate, and a clean tree.

Exercise 03 gets a typical wrong answer (the sign error in the gradient step); exercise 01 is
only opened and saved.
"""

from __future__ import annotations

import json
import os
import subprocess

from mlopt._lab import task_titles

from .conftest import ROOT, SHOTS

EXERCISE = "exercises/03_gradient_descent/03_gradient_descent.ipynb"
UNTOUCHED = "exercises/01_loss_functions_and_gradients/01_loss_functions_and_gradients.ipynb"
LESSON = "notebooks/02_linear_regression_closed_form.ipynb"
WRONG = '''def gd_step(w, grad, lr):
    """One gradient-descent step from w along -grad with learning rate lr; a new array."""
    return w + lr * grad'''


def _run_cell(nb, fragment):
    """Select the code cell containing ``fragment`` and run it with Shift+Enter."""
    cell = nb.cell(fragment)
    cell.locator(".jp-InputArea-prompt").click()
    nb.page.keyboard.press("Shift+Enter")
    return cell


def _output_text(nb, cell):
    output = cell.locator(".jp-OutputArea-output")
    output.first.wait_for(timeout=60_000)
    nb.page.wait_for_function(
        "el => !el.querySelector('.jp-InputPrompt').textContent.includes('*')",
        arg=cell.element_handle())
    return output.first.inner_text()


def _validate_dialog(nb):
    page = nb.page
    nb.panel.locator(".jp-NotebookPanel-toolbar .validate-button").click()
    body = page.locator(".jp-Dialog #validation-message")
    body.wait_for(timeout=240_000)
    text = body.inner_text()
    if os.environ.get("BROWSER_SCREENSHOTS_ALL"):  # to look at the dialog
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"validate-{len(text)}.png"))
    page.locator(".jp-Dialog .jp-mod-accept").click()
    return text


def test_an_exercise_has_validate_no_authoring_tools_and_saves_clean(open_notebook, course):
    """The learner view, then opening and saving an untouched exercise leaves git clean."""
    git = dict(cwd=course, capture_output=True, text=True, check=True)
    # the tree as other tests on this worker left it (a lesson run and saved, say)
    before = subprocess.run(["git", "status", "--porcelain"], **git).stdout
    nb = open_notebook(UNTOUCHED)  # waits for the kernel: its language_info has arrived
    page = nb.page
    assert nb.panel.locator(".jp-NotebookPanel-toolbar .validate-button").count() == 1
    assert page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").count() == 0
    assert page.locator("text=Create Assignment").count() == 0
    assert nb.js("return panel.context.model.getMetadata('language_info').version")
    nb.save()
    status = subprocess.run(["git", "status", "--porcelain", "--", UNTOUCHED], **git).stdout
    diff = subprocess.run(["git", "diff", "--", UNTOUCHED], **git).stdout
    assert status == "", f"saving an untouched exercise changed it:\n{status}{diff[:3000]}"
    after = subprocess.run(["git", "status", "--porcelain"], **git).stdout
    assert after == before, f"opening and saving it changed the tree:\n{before}\n->\n{after}"


def test_a_wrong_answer_gets_the_short_message_and_validate_lists_the_tasks(open_notebook):
    nb = open_notebook(EXERCISE)
    page = nb.page
    _run_cell(nb, "from mlopt.checks.gradient_descent import")
    answer = nb.cell("def gd_step(w, grad, lr):")
    answer.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(WRONG)  # as pasted: no auto-indentation of our own lines
    page.keyboard.press("Shift+Enter")  # define it; the test cell below is selected
    page.keyboard.press("Shift+Enter")  # run the check
    checked = nb.cell("check_gd_step(gd_step)")
    text = _output_text(nb, checked)
    if os.environ.get("BROWSER_SCREENSHOTS_ALL"):  # to look at the message
        SHOTS.mkdir(parents=True, exist_ok=True)
        checked.screenshot(path=str(SHOTS / "wrong-answer.png"))
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0] == "✗ check_gd_step(gd_step)"
    assert "gd_step(w, grad, lr) is wrong" in lines[1] and "uphill" in lines[1]
    assert len(lines) <= 3 and "Traceback" not in text and "mlopt" not in text

    dialog = _validate_dialog(nb)
    lines = [line.strip() for line in dialog.splitlines() if line.strip()]
    titles = list(dict.fromkeys(task_titles(json.loads((ROOT / EXERCISE).read_text(
        encoding="utf-8"))).values()))
    assert lines[0] == f"{len(titles)} of {len(titles)} tasks need work; 0 passed."
    assert len(lines) == 1 + len(titles), lines  # the summary, then one line per task
    assert lines[1].startswith(f"✗ Task {titles[0]}: gd_step(w, grad, lr) is wrong: you "
                               "stepped uphill")
    assert lines[2:] == [f"✗ Task {t}: not answered yet" for t in titles[1:]]
    assert "Traceback" not in dialog and "mlopt/" not in dialog


def test_validate_on_a_lesson_says_there_is_nothing_to_grade(open_notebook):
    nb = open_notebook(LESSON)
    lines = [line.strip() for line in _validate_dialog(nb).splitlines() if line.strip()]
    assert lines == [
        "Nothing to grade here: 02_linear_regression_closed_form.ipynb is a lesson, not an "
        "exercise.",
        "The graded exercise of this chapter is exercises/02_linear_regression_closed_form/"
        "02_linear_regression_closed_form.ipynb: open it and press Validate there."]
