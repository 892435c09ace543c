"""Every chapter's solutions score full marks under `make grade` (answers in the sandbox, checks
in the grader, talking through proxies), and the unanswered exercise scores 0 with reasons.

This guards the checks' compatibility with the sandbox: a check may pass grader callables to
the learner's functions, expect in-place changes, random state or warnings to come back, and
receive tuples, generators and functions from it.
"""

import csv
import shutil

import nbformat

from mlopt.grading import grade
from tests.exercise_utils import ROOT, chapters, exercise_path, nbgrader_meta, solution_path


def test_solutions_get_full_marks_and_stubs_zero(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path)
    for chapter in chapters():
        answers = {nbgrader_meta(c)["grade_id"]: c.source
                   for c in nbformat.read(solution_path(chapter), as_version=4).cells
                   if nbgrader_meta(c).get("solution")}
        for student in ("solved", "stub"):
            nb = nbformat.read(exercise_path(chapter), as_version=4)
            for cell in nb.cells:
                if student == "solved" and nbgrader_meta(cell).get("solution"):
                    cell.source = answers[nbgrader_meta(cell)["grade_id"]]
            folder = tmp_path / "submitted" / student / chapter
            folder.mkdir(parents=True)
            nbformat.write(nb, str(folder / f"{chapter}.ipynb"))
    out = grade(tmp_path, cell_timeout=120, submission_timeout=600)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert {(r["student_id"], r["assignment"]) for r in rows} == {
        (s, c) for s in ("solved", "stub") for c in chapters()}
    for row in rows:
        if row["student_id"] == "solved":
            assert row["score"] == row["max_score"], (row["assignment"], row["reason"])
            assert row["reason"] == ""
        else:
            assert float(row["score"]) == 0, row["assignment"]
            assert "not answered" in row["reason"]
