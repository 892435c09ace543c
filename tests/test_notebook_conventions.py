"""Lesson notebooks follow the course conventions (DESIGN.md); nbval then checks their outputs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SYLLABUS = [
    "00_welcome",
    "01_loss_functions_and_gradients",
    "02_linear_regression_closed_form",
    "03_gradient_descent",
    "04_stochastic_gradient_descent",
    "05_momentum_and_nesterov",
    "06_adaptive_methods",
    "07_learning_rate_schedules_and_early_stopping",
    "08_regularization",
    "09_logistic_regression",
    "10_neural_networks_and_backpropagation",
    "11_generalization_and_model_selection",
]


def test_lessons_are_named_after_the_syllabus():
    assert LESSONS, "no lesson notebooks"
    unknown = [p.stem for p in LESSONS if p.stem not in SYLLABUS]
    assert not unknown, f"not in the syllabus: {unknown}"


@pytest.fixture(params=LESSONS, ids=[p.stem for p in LESSONS])
def lesson(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_first_cell_states_goals_prerequisites_and_time(lesson):
    _, nb = lesson
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# ")
    text = first.source.lower()
    assert "goal" in text or "you will learn" in text or "you will" in text, "learning goals"
    for word in ("prerequisite", "time"):
        assert word in text, f"the first cell should mention the {word}(s)"


def test_first_code_cell_sets_inline_backend_and_print_precision(lesson):
    path, nb = lesson
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "%matplotlib inline" in code[0].source
    if path.stem != "00_welcome":
        assert "set_printoptions" in code[0].source
        assert "default_rng(0)" in code[0].source or "random_state" in code[0].source


def test_every_code_cell_ran_in_order_without_errors(lesson):
    _, nb = lesson
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    assert None not in counts, "Restart & Run All before committing: a code cell has no output"
    assert counts == list(range(1, len(counts) + 1)), "cells were not run top to bottom once"
    for cell in code:
        tags = cell.metadata.get("tags", [])
        for out in cell.outputs:
            if out.output_type == "error":
                assert "raises-exception" in tags, f"unexpected error: {out.ename}"


def test_figures_are_png_and_no_object_reprs_leak(lesson):
    _, nb = lesson
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            assert "image/svg+xml" not in data, "SVG carries a timestamp: keep PNG"
            text = data.get("text/plain", "")
            assert not re.search(r"<matplotlib\.\w+.* at 0x|\[<matplotlib", text), (
                "end plot cells with plt.show() so no matplotlib repr is stored"
            )


def test_last_cell_summarises_and_points_onwards(lesson):
    path, nb = lesson
    last = nb.cells[-1]
    assert last.cell_type == "markdown"
    text = last.source.lower()
    assert "summary" in text or "what you" in text or "recap" in text
    if path.stem != "00_welcome":
        assert f"exercises/{path.stem}/" in last.source, "link the chapter's exercise"


def _relative_links(path):
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    else:
        text = path.read_text()
    return [link for link in re.findall(r"\]\(([^)#\s]+)", text)
            if not link.startswith(("http://", "https://", "mailto:"))]


DOCUMENTS = (LESSONS + sorted((ROOT / "exercises").glob("*/*.ipynb"))
             + sorted((ROOT / "solutions").glob("*/*.ipynb")) + [ROOT / "README.md"])


@pytest.mark.parametrize("path", DOCUMENTS, ids=[str(p.relative_to(ROOT)) for p in DOCUMENTS])
def test_relative_links_point_at_files_that_exist(path):
    broken = [link for link in _relative_links(path) if not (path.parent / link).exists()]
    assert not broken, f"broken links: {broken}"


def test_library_references_name_lessons_that_exist():
    """Each mlopt function's References names the lesson that derives it: that lesson exists."""
    named = set()
    for source in (ROOT / "mlopt").rglob("*.py"):
        named |= set(re.findall(r"notebooks/\d\d_[a-z_]+\.ipynb", source.read_text()))
    assert named, "mlopt's docstrings should name the lessons that derive their functions"
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert not missing, missing


NOTEBOOK_BUDGET = 800_000  # bytes: a lesson opens fast and its history stays small


def test_lesson_notebook_is_under_800_kB(lesson):
    path, nb = lesson
    size = path.stat().st_size
    if size > NOTEBOOK_BUDGET:
        heaviest = sorted(
            ((sum(len(str(v)) for o in c.get("outputs", []) for v in o.get("data", {}).values()),
              i) for i, c in enumerate(nb.cells) if c.cell_type == "code"), reverse=True)[:3]
        where = ", ".join(f"cell {i} ({n / 1e3:.0f} kB)" for n, i in heaviest)
        raise AssertionError(
            f"{path.name} is {size / 1e3:.0f} kB, over the {NOTEBOOK_BUDGET / 1e3:.0f} kB budget; "
            f"heaviest outputs: {where}. Use mlopt.plotting.use_course_style(), fewer or "
            "smaller figures, decimated paths.")
