"""mlopt._lab without a browser: clean saves and the learner's Validate report.

tests/test_lab.py queries the running server, tests/browser clicks through it.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from jupyter_server.services.contents.filemanager import FileContentsManager

from mlopt._lab import _lesson_message, keep_kernel_metadata, learner_report, task_titles

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = ROOT / "exercises/03_gradient_descent/03_gradient_descent.ipynb"
KERNEL_LANGUAGE_INFO = {  # what ipykernel reports, version included
    "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
    "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3", "version": "3.99.1"}


@pytest.fixture
def contents(tmp_path):
    manager = FileContentsManager(root_dir=str(tmp_path))
    manager.pre_save_hook = keep_kernel_metadata
    return manager


def test_saving_an_untouched_exercise_keeps_its_bytes(contents, tmp_path):
    (tmp_path / "ex.ipynb").write_bytes(EXERCISE.read_bytes())
    model = contents.get("ex.ipynb")  # what JupyterLab loads ...
    model["content"].metadata.language_info = KERNEL_LANGUAGE_INFO  # ... the kernel adds ...
    model["content"].metadata.kernelspec.display_name = "Python 3 (some other name)"
    contents.save({"type": "notebook", "format": "json", "content": model["content"]},
                  "ex.ipynb")  # ... and autosave writes
    assert (tmp_path / "ex.ipynb").read_bytes() == EXERCISE.read_bytes()


def test_a_real_change_or_another_kernel_is_saved(contents, tmp_path):
    (tmp_path / "ex.ipynb").write_bytes(EXERCISE.read_bytes())
    model = contents.get("ex.ipynb")
    nb = model["content"]
    nb.cells[0].source += "\nmy note"
    nb.metadata.kernelspec = {"name": "julia-1.10", "display_name": "Julia", "language": "julia"}
    contents.save({"type": "notebook", "format": "json", "content": nb}, "ex.ipynb")
    saved = nbformat.read(tmp_path / "ex.ipynb", as_version=4)
    assert saved.cells[0].source.endswith("my note")
    assert saved.metadata.kernelspec.name == "julia-1.10"


def test_a_new_notebook_gets_whatever_the_kernel_wrote(contents, tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"language_info": KERNEL_LANGUAGE_INFO})
    contents.save({"type": "notebook", "format": "json", "content": nb}, "new.ipynb")
    saved = json.loads((tmp_path / "new.ipynb").read_text())
    assert saved["metadata"]["language_info"]["version"] == "3.99.1"


def test_task_titles_are_the_headings_above_the_test_cells():
    titles = task_titles(json.loads(EXERCISE.read_text(encoding="utf-8")))
    assert titles["check_gd_step(gd_step)\nprint(\"gd_step: correct\")"].startswith(
        "1. One step downhill (")


def test_the_report_has_one_short_entry_per_failing_task():
    nb = json.loads(EXERCISE.read_text(encoding="utf-8"))
    source = "check_gd_step(gd_step)\nprint(\"gd_step: correct\")"
    raw = ("\x1b[1;31m✗ check_gd_step(gd_step)\x1b[0m\n"
           "gd_step(w, grad, lr) is wrong: you stepped uphill <w>.")
    report = learner_report({"failed": [{"source": source, "error": "<html>", "raw_error": raw},
                                        {"source": "f()", "error": "", "raw_error": "✗ f boom"}]},
                            nb)
    first, second = report["failed"]
    assert first["source"].startswith("Task 1. One step downhill (")
    assert first["error"] == "gd_step(w, grad, lr) is wrong: you stepped uphill &lt;w&gt;."
    long = learner_report({"failed": [{"source": source, "raw_error": "word " * 40}]}, nb)
    assert [len(line) for line in long["failed"][0]["error"].splitlines()] == [84, 84, 29]
    assert second == {"source": "Task f()", "error": "f boom", "raw_error": "f boom"}
    assert learner_report({}, nb) == {}  # all passed: nbgrader's "Success!" stays


def test_a_lesson_points_to_its_exercise():
    message = _lesson_message("notebooks/03_gradient_descent.ipynb", ROOT)
    assert max(len(line) for line in message.splitlines()) <= 88  # the dialog does not wrap
    message = " ".join(message.split())
    assert message.startswith("Nothing to grade here: 03_gradient_descent.ipynb is a lesson")
    assert "exercises/03_gradient_descent/03_gradient_descent.ipynb" in message
