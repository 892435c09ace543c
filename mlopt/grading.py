"""Validate one notebook (learners) or autograde a class (instructors), with nbgrader.

Command line (from the repository root, as the Makefile does)::

    python -m mlopt.grading validate exercises/01_.../01_....ipynb
    python -m mlopt.grading grade --output grades.csv

Grading never touches ``submitted/``: nbgrader runs in a temporary copy of the course, and only
``grades.csv`` and the ``autograded/`` notebooks (with every learner's outputs and scores) are
copied back.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["validate", "grade"]


def validate(path):
    """Run a notebook and its test cells like nbgrader's Validate button.

    Parameters
    ----------
    path : str or Path
        The notebook.

    Returns
    -------
    (bool, str)
        Whether every test cell passed, and a report for the learner.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    """
    from nbgrader.validator import Validator

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    result = Validator().validate(str(path))
    if not result:
        return True, f"{path.name}: success, every test cell passes."
    lines = [f"{path.name}: some test cells fail."]
    for kind, cells in result.items():
        for cell in cells:
            source = cell.get("source", "") if isinstance(cell, dict) else str(cell)
            error = cell.get("error", "") if isinstance(cell, dict) else ""
            first = source.strip().splitlines()[0] if source.strip() else "(empty cell)"
            lines.append(f"- {kind}: {first}\n    {_last_error_line(error)}")
    return False, "\n".join(lines)


def _last_error_line(error):
    """The exception line of nbgrader's HTML traceback, as plain text for a terminal."""
    text = html.unescape(re.sub(r"<[^>]+>", "", error or "")).strip()
    last = text.splitlines()[-1].strip() if text else "(no error message)"
    if last.startswith("NotImplementedError"):
        return "NotImplementedError: not answered yet (replace `raise NotImplementedError()`)"
    return last


def _nbgrader(args, cwd):
    exe = Path(sys.executable).with_name("nbgrader")
    env = dict(os.environ)
    env["PATH"] = f"{exe.parent}{os.pathsep}{env.get('PATH', '')}"  # nbgrader calls alembic
    cmd = [str(exe), *args, "--log-level=WARN"]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def grade(course_root=".", output="grades.csv"):
    """Autograde ``submitted/<student>/<chapter>/`` into a CSV, on a copy of the submissions.

    Parameters
    ----------
    course_root : str or Path, default="."
        Folder with ``solutions/``, ``submitted/`` and ``nbgrader_config.py``.
    output : str or Path, default="grades.csv"
        CSV to write, relative to ``course_root``: one row per student and chapter with
        ``score`` and ``max_score`` (nbgrader's export format).

    Returns
    -------
    Path
        The CSV written.

    Raises
    ------
    FileNotFoundError
        If there is no ``submitted/`` folder or it is empty.
    RuntimeError
        If an nbgrader command fails (its output is in the message).
    """
    root = Path(course_root).resolve()
    submitted = root / "submitted"
    if not submitted.is_dir() or not any(submitted.iterdir()):
        raise FileNotFoundError(
            f"nothing to grade: put submissions in {submitted}/<student>/<chapter>/<chapter>.ipynb"
        )
    with tempfile.TemporaryDirectory(prefix="mlopt-grade-") as tmp:
        work = Path(tmp)
        shutil.copytree(root / "solutions", work / "solutions")
        shutil.copytree(submitted, work / "submitted")
        shutil.copy2(root / "nbgrader_config.py", work / "nbgrader_config.py")
        # Record every chapter (its cells, points and hidden tests) in a fresh gradebook.
        _nbgrader(["generate_assignment", "*", "--force",
                   f"--CourseDirectory.release_directory={work / 'release'}"], cwd=work)
        _nbgrader(["autograde", "*", "--force"], cwd=work)
        csv = work / "grades.csv"
        _nbgrader(["export", f"--to={csv}"], cwd=work)
        out = root / output
        shutil.copy2(csv, out)
        if (work / "autograded").is_dir():
            shutil.copytree(work / "autograded", root / "autograded", dirs_exist_ok=True)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mlopt.grading", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_val = sub.add_parser("validate", help="run a notebook's tests, as the Validate button does")
    p_val.add_argument("notebook", nargs="?", default=None)
    p_grade = sub.add_parser("grade", help="autograde submitted/ into a CSV")
    p_grade.add_argument("--output", default="grades.csv")
    p_grade.add_argument("--root", default=".")
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            if not args.notebook:
                parser.error(
                    "name the notebook: make validate NB=exercises/<chapter>/<chapter>.ipynb"
                )
            ok, report = validate(args.notebook)
            print(report)
            return 0 if ok else 1
        out = grade(args.root, args.output)
    except (FileNotFoundError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
