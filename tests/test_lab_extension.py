"""mlopt._lab without a browser: clean saves and the learner's Validate report.

tests/test_lab.py queries the running server, tests/browser clicks through it.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from jupyter_server.services.contents.filemanager import FileContentsManager

from mlopt._lab import (
    WIDGET_VIEW,
    _lesson_message,
    keep_kernel_metadata,
    keep_snapshots,
    learner_report,
    store_snapshots,
    task_titles,
)
from mlopt.widgets import SNAPSHOT_CAPTION

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = ROOT / "exercises/03_gradient_descent/03_gradient_descent.ipynb"
KERNEL_LANGUAGE_INFO = {  # what ipykernel reports, version included
    "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
    "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3", "version": "3.99.1"}


@pytest.fixture
def contents(tmp_path):
    manager = FileContentsManager(root_dir=str(tmp_path))
    manager.register_pre_save_hook(keep_kernel_metadata)
    manager.register_pre_save_hook(keep_snapshots)
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


def _explorer_run(tmp_path):
    """A notebook whose explorer cell ran in a kernel: widget view, snapshot, widget state."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\nfrom mlopt.widgets import gd_explorer"),
        nbformat.v4.new_code_cell("gd_explorer(lr=1.0, n_steps=20)"),
        nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(3)"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def test_a_saved_explorer_keeps_its_snapshot_and_no_dead_widget_view(contents, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    nb = _explorer_run(tmp_path)
    (explorer,) = nb.cells[1].outputs
    assert {WIDGET_VIEW, "image/png"} <= set(explorer.data)  # what the page holds
    contents.save({"type": "notebook", "format": "json", "content": nb}, "run.ipynb")
    saved = nbformat.read(tmp_path / "run.ipynb", as_version=4)
    (explorer,) = saved.cells[1].outputs
    assert sorted(explorer.data) == ["image/png", "text/plain"]
    assert explorer.data["text/plain"] == SNAPSHOT_CAPTION
    assert explorer.data["image/png"] == nb.cells[1].outputs[0].data["image/png"]
    # a widget without a picture keeps its view, and the state it needs
    (slider,) = saved.cells[2].outputs
    assert WIDGET_VIEW in slider.data
    assert slider.data[WIDGET_VIEW]["model_id"] in saved.metadata.widgets[
        "application/vnd.jupyter.widget-state+json"]["state"]

    assert not store_snapshots(saved)  # what a save keeps, a second save keeps

    del nb.cells[2]  # without it no output shows a widget: the state goes too
    contents.save({"type": "notebook", "format": "json", "content": nb}, "run.ipynb")
    assert "widgets" not in nbformat.read(tmp_path / "run.ipynb", as_version=4).metadata


def test_snapshots_are_stored_only_for_notebooks():
    model = {"type": "file", "content": "not a notebook"}
    keep_snapshots(model, "a.txt", None)
    assert model == {"type": "file", "content": "not a notebook"}

