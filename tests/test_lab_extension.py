"""mlopt._lab without a browser: clean saves and the learner's Validate report.

tests/test_lab.py queries the running server, tests/browser clicks through it.
"""

from __future__ import annotations

import html
import inspect
import json
import re
from pathlib import Path

import nbformat
import pytest
from jupyter_server.services.contents.filemanager import FileContentsManager

from mlopt import widgets
from mlopt._lab import (
    _DIALOG_STYLE,
    WIDGET_VIEW,
    failure_line,
    keep_kernel_metadata,
    keep_snapshots,
    learner_report,
    lesson_report,
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


CALL = "\x1b[1;31m✗ {}\x1b[0m\n"
STUB_GD = "gd_step is not answered yet: replace `raise NotImplementedError()` with your code."
WRONG_GD = ("gd_step(w, grad, lr) is wrong: you stepped uphill: the gradient points towards "
            "increasing loss, so gradient descent subtracts it, w - lr * grad. Try <this>.")
BLOCKED = ("gradient_descent could not be checked: it calls gd_step, which is not answered yet: "
           "replace `raise NotImplementedError()` with your code (in the cell that defines "
           "gd_step).")
USES_FAILED = ("gradient_descent uses gd_step, whose check failed above: fix gd_step first.\n"
               "gradient_descent(grad_fn, w0, lr, n_steps) is wrong: the iterates climb the "
               "loss: each step is w - lr * grad_fn(w), with a minus.")
RAISED = ("gd_step raised IndexError while check_gd_step was running it:\n"
          "IndexError                                Traceback (most recent call last)\n"
          "----> 2     return w - lr * grad[7]\n"
          "IndexError: index 7 is out of bounds for axis 0 with size 3")


@pytest.mark.parametrize(("raw", "line"), [
    (CALL.format("check_gd_step(gd_step)") + STUB_GD, "not answered yet"),
    (CALL.format("check_gd_step(gd_step)") + WRONG_GD,
     "gd_step(w, grad, lr) is wrong: you stepped uphill: the gradient points towards increasing"
     " loss, so gradient descent subtracts it, w - lr * grad"),
    (CALL.format("check_gradient_descent(gradient_descent)") + BLOCKED,
     "knock-on failure: it calls gd_step, which is not answered yet"),
    (CALL.format("check_gradient_descent(gradient_descent)") + USES_FAILED,
     "knock-on failure: fix gd_step first (gradient_descent(grad_fn, w0, lr, n_steps) is "
     "wrong: the iterates climb the loss: each step is w - lr * grad_fn(w), with a minus)"),
    (CALL.format("check_gd_step(gd_step)") + RAISED,
     "gd_step raised IndexError: index 7 is out of bounds for axis 0 with size 3"),
    ("\x1b[1;31m✗ f boom\x1b[0m", "f boom"),
    ("---\nNameError  Traceback (most recent call last)\nNameError: name 'w' is not defined",
     "NameError: name 'w' is not defined"),
    ("", "the test cell failed"),
])
def test_a_failure_is_one_line(raw, line):
    assert failure_line(raw) == line


def _test_sources(nb):
    return [c["source"].strip() if isinstance(c["source"], str) else "".join(c["source"]).strip()
            for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]


def test_the_report_is_a_summary_and_one_line_per_failing_task():
    nb = json.loads(EXERCISE.read_text(encoding="utf-8"))
    sources = _test_sources(nb)
    assert len(sources) == 6
    failed = [{"source": sources[0], "error": "<html>",
               "raw_error": CALL.format("check_gd_step(gd_step)") + WRONG_GD},
              {"source": sources[1], "raw_error": CALL.format("check_gradient_descent("
                                                               "gradient_descent)") + BLOCKED},
              {"source": sources[4], "raw_error": CALL.format("check_gd_step(gd_step)") + STUB_GD}]
    report = learner_report({"failed": failed, "other": 1}, nb)
    assert report["other"] == 1
    (entry,) = report["failed"]
    assert entry["source"] == "3 of 6 tasks need work; 3 passed."
    assert entry["raw_error"].splitlines() == [
        "3 of 6 tasks need work; 3 passed.",
        "✗ Task 1. One step downhill (1 point): gd_step(w, grad, lr) is wrong: you stepped "
        "uphill: the gradient points towards increasing loss, so gradient descent subtracts it,"
        " w - lr * grad",
        "✗ Task 2. The loop (2 points): knock-on failure: it calls gd_step, which is not "
        "answered yet",
        "✗ Task 5. L without a formula: power iteration (2 points): not answered yet",
    ]
    style, text = entry["error"].split("</style>")
    assert style.startswith("<style>#validation-message.validation-failed")
    assert text == html.escape("\n".join(entry["raw_error"].splitlines()[1:]))
    assert "this&gt;" not in text  # the message's "<this>" came after its first sentence
    assert learner_report({}, nb) == {}  # all passed: nbgrader's "Success!" stays


def test_two_failing_cells_of_one_task_make_one_line():
    nb = json.loads((ROOT / "exercises/10_neural_networks_and_backpropagation/"
                     "10_neural_networks_and_backpropagation.ipynb").read_text(encoding="utf-8"))
    titles = task_titles(nb)
    sources = [s for s in _test_sources(nb) if titles[s].startswith("2. ReLU")]
    assert len(sources) == 2
    stub = CALL.format("check(relu)") + "relu is not answered yet: replace it."
    report = learner_report({"failed": [{"source": s, "raw_error": stub} for s in sources]}, nb)
    (entry,) = report["failed"]
    assert entry["raw_error"].splitlines() == [
        "1 of 6 tasks needs work; 5 passed.",
        f"✗ Task {titles[sources[0]]}: not answered yet (and 1 more test cell)"]


def test_validate_reports_a_wrong_answer_and_the_stubs(tmp_path):
    """The real pipeline: nbgrader's Validator runs exercise 03 with a wrong first answer."""
    from nbgrader.validator import Validator

    nb = json.loads(EXERCISE.read_text(encoding="utf-8"))
    answer = next(c for c in nb["cells"] if "".join(c["source"]).startswith("def gd_step("))
    answer["source"] = "def gd_step(w, grad, lr):\n    return w + lr * grad\n"
    copy = tmp_path / EXERCISE.name
    copy.write_text(json.dumps(nb), encoding="utf-8")
    report = learner_report(Validator().validate(str(copy)), nb)
    lines = report["failed"][0]["raw_error"].splitlines()
    assert lines[0] == "6 of 6 tasks need work; 0 passed."
    assert lines[1].startswith("✗ Task 1. One step downhill (1 point): gd_step(w, grad, lr) is "
                               "wrong: you stepped uphill")
    titles = list(task_titles(nb).values())
    assert lines[2:] == [f"✗ Task {t}: not answered yet" for t in titles[1:]]


def test_a_lesson_says_there_is_nothing_to_grade_and_points_to_its_exercise():
    (entry,) = lesson_report("notebooks/03_gradient_descent.ipynb", ROOT)["failed"]
    assert entry["source"] == ("Nothing to grade here: 03_gradient_descent.ipynb is a lesson, "
                               "not an exercise.")
    assert entry["raw_error"].splitlines()[1] == (
        "The graded exercise of this chapter is "
        "exercises/03_gradient_descent/03_gradient_descent.ipynb: open it and press Validate "
        "there.")
    assert entry["error"].startswith(_DIALOG_STYLE)
    (entry,) = lesson_report("notebooks/00_welcome.ipynb", ROOT)["failed"]
    assert entry["raw_error"].endswith("The graded exercises are in the exercises/ folder.")


LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Every function of mlopt.widgets documented to return an Explorer, and the class itself: a new
# explorer is found here (and moved in the browser tests) without being listed by hand.
_RETURNS_EXPLORER = re.compile(r"Returns\n-+\n(?:\w+ : )?Explorer\b")
EXPLORERS = ["Explorer", *(
    name for name in widgets.__all__
    if _RETURNS_EXPLORER.search(inspect.getdoc(getattr(widgets, name)) or ""))]
EXPLORER_CALL = re.compile(rf"^\s*(?:\w+\s*=\s*)?({'|'.join(EXPLORERS)})\(", re.MULTILINE)


def test_the_explorers_are_found_from_their_docstrings():
    assert {"gd_explorer", "momentum_explorer", "optimizer_race"} <= set(EXPLORERS)


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


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_stored_explorers_show_a_captioned_snapshot_and_no_widget(path):
    """What a fresh clone shows before a cell runs, trusted or not: the captioned snapshot."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    explorers = 0
    for i, cell in enumerate(nb["cells"]):
        bundles = [o["data"] for o in cell.get("outputs", []) if "data" in o]
        text = " ".join("".join(b.get("text/plain", "")) for b in bundles)
        assert not re.search(r"\w\(children=", text), f"cell {i} stores a widget's repr"
        captioned = SNAPSHOT_CAPTION in text
        if cell["cell_type"] != "code" or not EXPLORER_CALL.search("".join(cell["source"])):
            assert not captioned, f"cell {i} shows an explorer that EXPLORER_CALL misses"
            continue
        explorers += 1
        snapshots = [b for b in bundles
                     if "image/png" in b and "".join(b.get("text/plain", "")) == SNAPSHOT_CAPTION]
        assert len(snapshots) == 1, f"cell {i} stores no captioned snapshot: re-execute it"
        assert WIDGET_VIEW not in snapshots[0], (
            f"cell {i} stores a widget view, dead once reopened: python -m mlopt._lab {path}")
    assert not store_snapshots(nb), f"a save would change it: python -m mlopt._lab {path}"
    if path.name.startswith(("03_", "05_", "06_")):
        assert explorers, "the lesson's explorer call was not found"
