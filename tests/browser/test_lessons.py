"""Every lesson: Restart Kernel and Run All Cells with no error; every explorer follows its
controls; saved, closed and reopened, the lesson shows each explorer's snapshot.

An explorer is moved as a learner moves it: arrow key on a focused slider handle, a click on
a check box. The figure (the image in the widget's output area) must change within
``REDRAW_TIMEOUT`` seconds, and the kernel must hold no more open matplotlib figures than
before. The time each redraw took is printed (run with ``-s`` to see it).

What a fresh clone stores for the explorers (the captioned snapshot, no widget) is checked
without a browser, in tests/test_lab_extension.py.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest

from .conftest import ROOT, SHOTS

LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPLORER_CALL = re.compile(r"^\s*(?:\w+\s*=\s*)?(gd_explorer|momentum_explorer|optimizer_race)\(",
                           re.MULTILINE)
REDRAW_TIMEOUT = 20  # seconds; a redraw takes about a second on an idle machine
OPEN_FIGURES = "import matplotlib.pyplot as _plt; print(len(_plt.get_fignums()))"


def _explorer_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for i, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"])
        match = cell["cell_type"] == "code" and EXPLORER_CALL.search(source)
        if match:
            found.append((i, match.group(1), cell.get("outputs", [])))
    return found


def _move(cell, kind, page):
    """Change one control the way a learner does; returns a description for messages."""
    if kind == "momentum_explorer":
        box = cell.locator(".widget-checkbox input").first
        box.click()
        return "click on the Nesterov check box"
    handle = cell.locator(".widget-slider .noUi-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    return "ArrowRight on the first slider"


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_and_its_explorers_follow_their_controls(open_notebook, name):
    cells = _explorer_cells(ROOT / "notebooks" / name)
    nb = open_notebook(f"notebooks/{name}")
    errors = nb.restart_and_run_all()
    assert not errors, f"{name}: error outputs after Restart and Run All: {errors}"

    page = nb.page
    for i, kind, _ in cells:
        cell = page.locator(".jp-Notebook .jp-Cell").nth(i)
        cell.scroll_into_view_if_needed()
        image = cell.locator(".widget-output img").first
        image.wait_for(state="visible", timeout=30_000)
        before = image.get_attribute("src")
        figures = int(nb.kernel_eval(OPEN_FIGURES))
        start = time.monotonic()
        action = _move(cell, kind, page)
        # each redraw replaces the image element: look it up again on every poll
        page.wait_for_function(
            """([cell, old]) => { const img = cell.querySelector('.widget-output img');
                                  return img !== null && img.src !== old; }""",
            arg=[cell.element_handle(), before], timeout=REDRAW_TIMEOUT * 1000)
        latency = time.monotonic() - start
        print(f"\n{name} cell {i} {kind}: {action} redrew in {latency:.2f} s")
        assert int(nb.kernel_eval(OPEN_FIGURES)) <= figures, "the redraw left a figure open"

    if cells:
        _reopened_shows_snapshots(nb, name, cells)


def _reopened_shows_snapshots(nb, name, cells):
    """Save (the notebook is now trusted), shut the kernel down, reload the page and reopen:
    each explorer cell shows its snapshot, never "Error displaying widget: model not found"."""
    nb.save()
    assert nb.js("return panel.context.model.cells.get(arg).trusted", cells[0][0])
    nb.js("await panel.sessionContext.shutdown(); return true;")
    page = nb.page
    reopened = type(nb)(page, nb.base, nb.path)  # a new page load: the widget models are gone
    for i, kind, _ in cells:
        cell = page.locator(".jp-Notebook .jp-Cell").nth(i)
        cell.scroll_into_view_if_needed()
        output = cell.locator(".jp-OutputArea-output").first
        output.locator("img").or_(output.get_by_text("Error displaying widget")).wait_for(
            state="visible", timeout=30_000)
        if os.environ.get("BROWSER_SCREENSHOTS_ALL"):  # to look at what a learner sees
            SHOTS.mkdir(parents=True, exist_ok=True)
            cell.screenshot(path=str(SHOTS / f"reopened-{name[:2]}-cell{i}.png"))
        text = cell.locator(".jp-OutputArea").inner_text()
        assert "Error displaying widget" not in text, f"{name} cell {i} ({kind}): {text}"
        assert cell.locator(".jupyter-widgets").count() == 0, f"{name} cell {i}: a dead widget"
    assert reopened.js("return panel.context.model.cells.get(arg).trusted", cells[0][0])
