"""Helpers for the exercise tests: find chapters, read nbgrader metadata, run solution code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def chapters():
    """Names of the chapters that have a graded exercise, e.g. '01_loss_functions_and_gradients'."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())


def solution_path(chapter):
    return SOLUTIONS / chapter / f"{chapter}.ipynb"


def exercise_path(chapter):
    return EXERCISES / chapter / f"{chapter}.ipynb"


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell):
    return cell.cell_type == "code" and nbgrader_meta(cell).get("grade", False)


def is_answer_cell(cell):
    return cell.cell_type == "code" and nbgrader_meta(cell).get("solution", False)


def solution_namespace(chapter):
    """Run a solution notebook's code cells, except its test cells, and return the namespace.

    The reference answers can then be fed to the checks directly (fast, no kernel).
    """
    nb = nbformat.read(solution_path(chapter), as_version=4)
    namespace = {"__name__": f"solution_{chapter}"}
    for cell in nb.cells:
        if cell.cell_type == "code" and not is_test_cell(cell):
            source = "\n".join(
                line for line in cell.source.splitlines() if not line.lstrip().startswith("%")
            )
            exec(compile(source, f"<{chapter}>", "exec"), namespace)
    return namespace


def nbgrader(args, cwd):
    """Run the nbgrader CLI from the venv (it calls alembic through PATH)."""
    exe = Path(sys.executable).with_name("nbgrader")
    env = dict(os.environ)
    env["PATH"] = f"{exe.parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True)


def copy_course(dest):
    """A minimal course folder (solutions, config) to run nbgrader in, away from the repo."""
    shutil.copytree(SOLUTIONS, dest / "solutions")
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    return dest
