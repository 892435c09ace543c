"""Graded exercises: structure, solutions pass, stubs fail, exercises in sync, grading works.

Every check here is generic over the chapters found in solutions/; a new chapter is covered
as soon as its solution notebook exists. What the checks say about typical wrong answers is
tested per chapter in tests/test_checks_NN.py.
"""

from __future__ import annotations

import csv
import filecmp
import hashlib
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.validator import Validator

from tests.exercise_utils import (
    ROOT,
    chapters,
    copy_course,
    exercise_path,
    is_answer_cell,
    is_test_cell,
    nbgrader,
    nbgrader_meta,
    solution_path,
)

CHAPTERS = chapters()


def test_there_are_exercises():
    assert CHAPTERS, "no solutions/NN_topic/NN_topic.ipynb found"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_source_is_well_formed(chapter):
    nb = nbformat.read(solution_path(chapter), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), (
        "solutions/ must carry no outputs (nbgrader copies them into exercises/)"
    )
    answers = [c for c in nb.cells if is_answer_cell(c)]
    tests = [c for c in nb.cells if is_test_cell(c)]
    assert len(answers) >= 3, "at least three graded tasks per chapter"
    for cell in answers:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        assert cell.source.lstrip().startswith(("def ", "class ", "import ", "from ", "#")), (
            "answer cells define functions, so later cells fail on the call, not on a NameError"
        )
    assert any("### BEGIN HIDDEN TESTS" in c.source for c in tests), "hidden tests expected"
    for cell in tests:
        meta = nbgrader_meta(cell)
        assert meta.get("points", 0) > 0 and meta.get("locked"), meta
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), "grade_id values must be unique"
    assert nb.cells[0].cell_type == "markdown" and "../../notebooks/" in nb.cells[0].source, (
        "the first cell links the chapter's lesson"
    )
    stated = re.search(r"\*\*Points:\*\*\s*(\d+)", nb.cells[0].source)
    total = sum(nbgrader_meta(c)["points"] for c in tests)
    assert stated and int(stated.group(1)) == total, (
        f"the header should state the total points, {total}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_passes_every_test_cell(chapter):
    result = Validator().validate(str(solution_path(chapter)))
    assert not result, result


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_graded_cell_fails_on_the_stubs(chapter):
    # invert=True reports the test cells that PASS on the unanswered exercise
    result = Validator(invert=True).validate(str(exercise_path(chapter)))
    assert not result, f"test cells that accept the blank stub: {result}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_unanswered_exercise_fails_only_with_not_implemented(chapter):
    """A learner who runs everything before answering sees NotImplementedError, nothing else."""
    nb = nbformat.read(exercise_path(chapter), as_version=4)
    NotebookClient(nb, timeout=120, allow_errors=True, resources={"metadata": {"path": str(ROOT)}}
                   ).execute()
    errors = [
        (i, out.ename)
        for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
        for out in cell.outputs if out.output_type == "error"
    ]
    assert errors, "the stubs should raise NotImplementedError in the test cells"
    assert {name for _, name in errors} == {"NotImplementedError"}, errors


def test_exercises_are_generated_from_solutions(tmp_path):
    """exercises/ is exactly what nbgrader generates from solutions/: they cannot drift."""
    course = copy_course(tmp_path / "course")
    release = tmp_path / "release"
    nbgrader(["generate_assignment", "*", "--no-db", "--force", "--quiet",
              f"--CourseDirectory.release_directory={release}"], cwd=course)
    committed = sorted(p.relative_to(ROOT / "exercises")
                       for p in (ROOT / "exercises").rglob("*") if p.is_file())
    generated = sorted(p.relative_to(release) for p in release.rglob("*") if p.is_file())
    assert committed == generated, "run `make exercises`"
    for rel in committed:
        assert filecmp.cmp(ROOT / "exercises" / rel, release / rel, shallow=False), (
            f"exercises/{rel} differs from what nbgrader generates: run `make exercises`"
        )


def _digest(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_grading_a_fake_class(tmp_path):
    """make grade: a copied solution scores full points, a blank exercise 0, nothing modified."""
    from mlopt.grading import grade

    course = copy_course(tmp_path / "course")
    for chapter in CHAPTERS:
        for student, source in (("ada", solution_path(chapter)), ("bob", exercise_path(chapter))):
            dest = course / "submitted" / student / chapter
            dest.mkdir(parents=True)
            dest.joinpath(f"{chapter}.ipynb").write_bytes(source.read_bytes())
    before = _digest(course / "submitted")

    out = grade(course, "grades.csv")

    assert _digest(course / "submitted") == before, "grading modified a submission"
    rows = list(csv.DictReader(out.open()))
    scores = {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"]))
              for r in rows}
    for chapter in CHAPTERS:
        score, max_score = scores[("ada", chapter)]
        assert max_score > 0 and score == max_score, (chapter, score, max_score)
        assert scores[("bob", chapter)][0] == 0, chapter
    assert (course / "autograded" / "ada" / CHAPTERS[0]).is_dir()
