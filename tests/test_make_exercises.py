"""`make exercises` never overwrites a learner's answers in exercises/ (unless FORCE=1)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "01_loss_functions_and_gradients"


def _make(cwd, *args):
    venv = Path(sys.executable).parent.parent
    stamp = venv / ".installed"  # -o: never reinstall into the venv running these tests
    return subprocess.run(["make", "--no-print-directory", "-o", str(stamp), *args,
                           f"VENV={venv}"], cwd=cwd, capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs a git checkout")
def test_make_exercises_refuses_to_overwrite_answers(tmp_path):
    clone = tmp_path / "course"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    shutil.copy2(ROOT / "Makefile", clone / "Makefile")  # the Makefile under test, not HEAD's
    notebook = clone / "exercises" / CHAPTER / f"{CHAPTER}.ipynb"
    answered = notebook.read_text().replace("raise NotImplementedError()", "return 0.0  # mine", 1)
    notebook.write_text(answered)

    refused = _make(clone, "exercises")
    assert refused.returncode != 0
    assert "Nothing was regenerated" in refused.stdout
    assert notebook.read_text() == answered

    forced = _make(clone, "exercises", "FORCE=1")
    assert forced.returncode == 0, forced.stderr
    assert "# mine" not in notebook.read_text()
