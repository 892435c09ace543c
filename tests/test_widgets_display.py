"""How the explorers display: a new figure on every change, no leaked figures, a snapshot in
stored outputs.

The first tests run in this process (no kernel: nothing is displayed, figures are still
drawn). The last one executes a small notebook in a real kernel with nbclient, the way
``jupyter nbconvert --execute`` stores a lesson, and reads what it stored: the cell's own
output and the output area inside the widget (nbclient keeps it in the widget state).
The browser suite (tests/browser) moves the controls in Chromium.
"""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

from mlopt.widgets import SNAPSHOT_CAPTION, gd_explorer, momentum_explorer, optimizer_race

EXPLORERS = {
    "gd_explorer": lambda: gd_explorer(lr=0.5, n_steps=30),
    "momentum_explorer": lambda: momentum_explorer(lr=0.5, momentum=0.5, n_steps=50),
    "optimizer_race": lambda: optimizer_race(optimizers=["gd", "adam"], n_steps=30),
}


@pytest.fixture(autouse=True)
def _close_figures():
    plt.close("all")
    yield
    plt.close("all")


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_control_change_draws_a_new_figure_and_leaks_none(name):
    explorer = EXPLORERS[name]()
    assert plt.get_fignums() == []  # the explorer's figures are not pyplot's
    for control in explorer.children[:-1]:
        before, fig_before = explorer.n_draws, explorer.result[0]
        if hasattr(control, "options"):  # the race's selection: keep the first one only
            control.value = control.value[:1]
        elif isinstance(control.value, bool):
            control.value = not control.value
        else:
            control.value = control.max if control.value != control.max else control.min
        assert explorer.n_draws == before + 1, control.description
        assert explorer.result[0] is not fig_before, control.description
        assert plt.get_fignums() == []


def test_snapshot_is_a_small_captioned_png_of_the_latest_figure():
    explorer = gd_explorer(lr=0.5, n_steps=30)
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == SNAPSHOT_CAPTION
    assert "application/vnd.jupyter.widget-view+json" in bundle
    first = Image.open(io.BytesIO(bundle["image/png"]))
    assert first.width <= 700 and len(bundle["image/png"]) < 100_000
    # the caption is drawn above the figure and removed again from the live figure
    assert SNAPSHOT_CAPTION not in [t.get_text() for t in explorer.result[0].texts]
    explorer.children[0].value = 2.5
    second = np.asarray(Image.open(io.BytesIO(explorer._repr_mimebundle_()["image/png"])))
    assert second.shape != np.asarray(first).shape or np.any(second != np.asarray(first))


def test_a_rejected_setting_says_why_instead_of_drawing(capsys):
    race = optimizer_race(optimizers=["gd", "adam"])
    race.children[0].value = ()
    assert race.result is None and race.snapshot_png() is None
    assert "Select at least one optimizer" in capsys.readouterr().out


SOURCE = [
    "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
    "from mlopt.widgets import gd_explorer, momentum_explorer, optimizer_race",
    "explorer = gd_explorer(lr=0.5, n_steps=30)\nexplorer",
    # what the front end does when a slider moves: set the value (here from the kernel side)
    "for v in (2.5, 0.1, 1.0):\n    explorer.children[0].value = v\n"
    "print('draws', explorer.n_draws, 'open figures', len(plt.get_fignums()))",
    "momentum_explorer()",
    "optimizer_race()",
]


def test_a_kernel_stores_snapshots_and_draws_into_the_output_area(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in SOURCE])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    cells = nb.cells
    for i in (1, 3, 4):
        (out,) = cells[i].outputs  # one output: no leaked figure, no repr
        assert out.output_type == "execute_result"
        assert out.data["text/plain"] == SNAPSHOT_CAPTION
        png = base64.b64decode(out.data["image/png"])
        assert png.startswith(b"\x89PNG")
        assert "application/vnd.jupyter.widget-view+json" in out.data
    assert cells[2].outputs[0].text.strip() == "draws 4 open figures 0"

    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    outputs = [m["state"]["outputs"] for m in state.values() if m["model_name"] == "OutputModel"]
    assert len(outputs) == 3
    # the gd explorer's output area holds the latest figure only (clear_output(wait=True))
    drawn = [o for o in outputs if o and o[-1]["data"]["text/plain"].startswith("<figure: η = 1 ")]
    assert len(drawn) == 1 and len(drawn[0]) == 1
    assert drawn[0][0]["data"]["image/png"]
