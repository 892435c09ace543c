"""Red team: hostile and broken submissions against `make grade` (issue 9).

One class of learners is graded once (module fixture, short time limits) and every row of the
issue's table is a learner of chapter 01. Cheats that must score 0 answer wrongly and then try
to make the checks pass anyway.
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
import shutil
import socket
import threading

import nbformat
import pytest

from mlopt.grading import hash_tree, main
from tests.exercise_utils import ROOT, nbgrader_meta

CH = "99_redteam"
AS_ROOT = os.name == "posix" and os.geteuid() == 0

# A small exercise of our own, so that the red team does not move when chapter 01 does.
SETUP = ("import numpy as np\n\nfrom mlopt.checks.loss_functions import (\n"
         "    check_central_difference,\n    check_mse,\n    check_mse_gradient,\n)")
SOLUTION = {
    "mse": "def mse(w, X, y):\n    r = X @ w - y\n    return float(np.mean(r**2))\n",
    "mse_gradient": "def mse_gradient(w, X, y):\n    r = X @ w - y\n"
                    "    return 2.0 / len(y) * (X.T @ r)\n",
    "central_difference": (
        "def central_difference(f, x, h=1e-6):\n    grad = np.zeros(len(x))\n"
        "    for i in range(len(x)):\n        e = np.zeros(len(x))\n        e[i] = h\n"
        "        grad[i] = (f(x + e) - f(x - e)) / (2 * h)\n    return grad\n"),
}
TESTS = [  # grade_id, points, source
    ("test_mse", 2, "check_mse(mse)\nprint('mse: correct')"),
    ("test_mse_gradient", 3, "check_mse_gradient(mse_gradient)"),
    ("test_central_difference", 2, "check_central_difference(central_difference)"),
    ("test_by_hand", 2, "value = mse(np.array([1.0]), np.array([[2.0], [0.0]]),"
                        " np.array([1.0, 1.0]))\n"
                        "assert np.allclose(value, 1.0), f'mse gave {value}, expected 1.0'"),
    ("test_gradient_check", 1, (
        "from mlopt.gradcheck import rel_error\n\n"
        "rng = np.random.default_rng(5)\nX, y, w = rng.normal(size=(8, 3)), rng.normal(size=8), "
        "rng.normal(size=3)\n"
        "numeric = central_difference(lambda v: mse(v, X, y), w, 1e-6)\n"
        "error = rel_error(mse_gradient(w, X, y), numeric)\n"
        "assert error < 1e-6, f'disagree: relative error {error:.1e}'")),
]
WRONG = {  # consistent with nothing: every test fails, including the gradient check
    "mse": "def mse(w, X, y):\n    return 3.0\n",
    "mse_gradient": "def mse_gradient(w, X, y):\n    return np.ones(len(w))\n",
    "central_difference": "def central_difference(f, x, h=1e-6):\n    return 7 * np.ones(len(x))\n",
}
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()\n"


def _cell(source, gid, *, points=None, solution=False, locked=True):
    meta = {"grade": points is not None, "grade_id": gid, "locked": locked,
            "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


def exercise(answers):
    """The exercise notebook with the given answer-cell sources."""
    cells = [nbformat.v4.new_markdown_cell(
        "# Red team", metadata={"nbgrader": {"grade": False, "grade_id": "md", "locked": True,
                                             "schema_version": 3, "solution": False}}),
             _cell(SETUP, "setup")]
    tests = iter(TESTS)
    for gid in ("mse", "mse_gradient", "central_difference"):
        cells.append(_cell(answers[gid], gid, solution=True, locked=False))
        test_id, points, source = next(tests)
        cells.append(_cell(source, test_id, points=points))
    for test_id, points, source in tests:
        cells.append(_cell(source, test_id, points=points))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                  "name": "python3"}, "language_info": {"name": "python"}}
    return nb


def source_notebook():
    return exercise({gid: src.split(":\n", 1)[0] + ":\n    ### BEGIN SOLUTION\n"
                     + src.split(":\n", 1)[1] + "    ### END SOLUTION\n"
                     for gid, src in SOLUTION.items()})


def notebook(answers=None, *, edit=None):
    """What a learner submits: the release with answers (default: correct ones) filled in."""
    nb = exercise({**SOLUTION, **(answers or {})})
    if edit:
        edit(nb)
    return nb


def wrong_with(extra_top="", **bodies):
    """Wrong answers, plus code at the top of the mse cell, plus replaced functions."""
    answers = {**WRONG, **bodies}
    answers["mse"] = extra_top + "\n" + answers["mse"]
    return answers


class Listener:
    """A TCP server on loopback that records whether anybody connected."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def build_class(course, listener):
    """Every row of the issue's table as one learner (names sorted = grading order)."""
    submitted = course / "submitted"
    repo_checks = ROOT / "mlopt" / "checks" / "loss_functions.py"
    subs = {}
    subs["honest"] = notebook()
    subs["victim"] = notebook()
    subs["wrong_sign"] = notebook({"mse_gradient": SOLUTION["mse_gradient"].replace(
        "return 2.0 / len(y)", "return -2.0 / len(y)")})
    subs["loop"] = notebook({"mse_gradient": (
        "def mse_gradient(w, X, y):\n    while True:\n        pass\n")})
    subs["top_level_loop"] = notebook({"mse": SOLUTION["mse"] + "\nwhile True:\n    pass\n"})
    subs["stubborn"] = notebook({"central_difference": (
        "import signal, time\n"
        "def central_difference(f, x, h=1e-6):\n"
        "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "    while True:\n"
        "        try:\n"
        "            time.sleep(0.05)\n"
        "        except KeyboardInterrupt:\n"
        "            pass\n")})
    vandal_top = (
        "import os, shutil, pathlib\n"
        "def _vandalise():\n"
        f"    targets = [pathlib.Path({str(submitted)!r}) / 'victim',\n"
        "               pathlib.Path('..') / 'victim']\n"
        "    for t in targets:\n"
        "        try: shutil.rmtree(t)\n"
        "        except Exception: pass\n"
        f"    for p in [pathlib.Path({str(course)!r}) / 'grades.csv', pathlib.Path('grades.csv'),\n"
        "              pathlib.Path('../../grades.csv')]:\n"
        "        try: p.write_text('assignment,student_id,score\\n" + CH + ",victim,-100\\n')\n"
        "        except Exception: pass\n")
    subs["vandal"] = notebook({"mse": vandal_top + SOLUTION["mse"].replace(
        "r = X @ w - y", "_vandalise()\n    r = X @ w - y")})
    rebind = ("def _ok(*args, **kwargs):\n    return None\n"
              "check_mse = check_mse_gradient = _ok\n"
              "check_central_difference = _ok\nrel_error = lambda a, b: 0.0\n")
    subs["rebinder"] = notebook(wrong_with(rebind))
    patch = (
        "import numpy, mlopt.checks._core as core, mlopt.checks.loss_functions as lf\n"
        "import mlopt.gradcheck as gc\n"
        "def _ok(*args, **kwargs):\n    return None\n"
        "for _name in dir(lf):\n"
        "    if _name.startswith('check_'):\n"
        "        setattr(lf, _name, _ok)\n"
        "core.check_array = core.check_scalar = _ok\n"
        "gc.rel_error = lambda *a, **k: 0.0\n"
        "numpy.allclose = lambda *a, **k: True\n")
    subs["patch_top_level"] = notebook(wrong_with(patch))
    inside = (
        "def _patch_and_peek(default):\n"
        "    import sys, numpy, mlopt.checks._core as core, mlopt.gradcheck as gc\n"
        "    core.check_array = core.check_scalar = lambda *a, **k: None\n"
        "    gc.rel_error = lambda *a, **k: 0.0\n"
        "    numpy.allclose = lambda *a, **k: True\n"
        "    frame = sys._getframe(1)\n"
        "    while frame is not None:\n"
        "        for key in ('expected', 'reference', 'ref', 'want'):\n"
        "            if key in frame.f_locals:\n"
        "                return frame.f_locals[key]\n"
        "        frame = frame.f_back\n"
        "    return default\n")
    subs["patch_inside_function"] = notebook(wrong_with(inside, **{
        "mse_gradient": "def mse_gradient(w, X, y):\n"
                        "    return _patch_and_peek(np.ones(len(w)))\n",
    }))
    gradebook = (
        "import os, sqlite3\n"
        "def _forge():\n"
        f"    for top in [{str(course)!r}, '/tmp', os.getcwd(), '..', '../..']:\n"
        "        for d, _, files in os.walk(top):\n"
        "            if d.count(os.sep) > 8:\n"
        "                continue\n"
        "            for f in files:\n"
        "                if f.endswith('.db'):\n"
        "                    try:\n"
        "                        db = sqlite3.connect(os.path.join(d, f))\n"
        "                        db.execute('UPDATE grade SET auto_score = 51')\n"
        "                        db.commit()\n"
        "                    except Exception:\n"
        "                        pass\n"
        "_forge()\n")
    subs["gradebook_writer"] = notebook(wrong_with(gradebook, mse=(
        "def mse(w, X, y):\n    _forge()\n    return 3.0\n")))
    append = (
        "import pathlib, sys, mlopt.checks.loss_functions as lf\n"
        "_line = '\\ncheck_mse = check_mse_gradient = check_central_difference = '\n"
        "_line += 'lambda *a, **k: None\\n'\n"
        f"for _p in [pathlib.Path(lf.__file__), pathlib.Path({str(repo_checks)!r}),\n"
        "           pathlib.Path(sys.executable).parents[2] / 'mlopt/checks/loss_functions.py']:\n"
        "    try:\n"
        "        with open(_p, 'a') as _f:\n"
        "            _f.write(_line)\n"
        "    except Exception:\n"
        "        pass\n")
    subs["appender"] = notebook(wrong_with(append))
    subs["zz_wrong_after_appender"] = notebook(WRONG)

    def edit_test(nb):
        for cell in nb.cells:
            if nbgrader_meta(cell).get("grade_id") == "test_mse":
                cell.source = "print('mse: correct')"
    subs["edited_test"] = notebook({"mse": WRONG["mse"]}, edit=edit_test)

    def delete_cells(nb):
        nb.cells = [c for c in nb.cells
                    if nbgrader_meta(c).get("grade_id") not in ("setup", "test_mse")]
    subs["deleted_cells"] = notebook(edit=delete_cells)

    def delete_answer(nb):
        nb.cells = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") != "mse"]
    subs["deleted_answer"] = notebook(edit=delete_answer)

    def huge_outputs(nb):
        cell = nbformat.v4.new_code_cell("print('x')")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * 50_000_000)]
        nb.cells.append(cell)
    subs["chatty"] = notebook({"mse": SOLUTION["mse"].replace(
        "r = X @ w - y", "print('z' * 50_000_000)\n    r = X @ w - y")}, edit=huge_outputs)

    def many_printing_cells(nb):
        for i in range(150):
            nb.cells.append(nbformat.v4.new_code_cell(f"_p{i} = print('y' * 100_000)"))
    subs["chatty_cells"] = notebook(edit=many_printing_cells)
    subs["huge_errors"] = notebook({
        "mse": SOLUTION["mse"] + "_e = (_ for _ in ()).throw(ValueError('E' * 20_000_000))\n",
        "mse_gradient": "def mse_gradient(w, X, y):\n    raise ValueError('G' * 20_000_000)\n"})
    subs["memory_hog"] = notebook({"mse": (
        "def mse(w, X, y):\n    big = np.ones(10**10)\n    return float(big.sum())\n")})
    subs["network"] = notebook({"mse": (
        "import socket\n"
        "def mse(w, X, y):\n"
        "    for host in ('127.0.0.1', 'pypi.org'):\n"
        "        try:\n"
        f"            socket.create_connection((host, {listener.port}), timeout=1).close()\n"
        "        except OSError:\n"
        "            pass\n"
        "    return float(np.mean((X @ w - y) ** 2))\n")})
    if AS_ROOT:
        subs["fork_bomb"] = notebook({"central_difference": (
            "import os\n"
            "def central_difference(f, x, h=1e-6):\n"
            "    while True:\n"
            "        try:\n"
            "            os.fork()\n"
            "        except OSError:\n"
            "            pass\n")})

    def answer_below(nb):       # the stub is left, the answer written in a cell added below it
        i = [nbgrader_meta(c).get("grade_id") for c in nb.cells].index("mse")
        nb.cells.insert(i + 1, nbformat.v4.new_code_cell(SOLUTION["mse"]))
    subs["answer_below"] = notebook({"mse": "def mse(w, X, y):\n" + STUB}, edit=answer_below)

    def answer_above(nb):       # ... or above it: the stub, run later, replaces it (as in Jupyter)
        i = [nbgrader_meta(c).get("grade_id") for c in nb.cells].index("mse")
        nb.cells.insert(i, nbformat.v4.new_code_cell(SOLUTION["mse"]))
    subs["answer_above"] = notebook({"mse": "def mse(w, X, y):\n" + STUB}, edit=answer_above)
    # definitions that fail, and top-level statements the grader skips: the reason says so
    subs["syntax_error"] = notebook({"mse": "def mse(w, X, y)\n    return 1.0\n"})
    subs["error_before_def"] = notebook({"mse": "_scale = 1 / 0\n" + SOLUTION["mse"]})
    subs["error_after_def"] = notebook({"mse": SOLUTION["mse"] + "_scale = 1 / 0\n"})
    subs["def_timeout"] = notebook({"mse": SOLUTION["mse"] + "_x = [0 for _ in iter(int, 1)]\n"})
    subs["table_loop"] = notebook({"mse": "POWER = {}\nfor _k in range(3):\n    POWER[_k] = 2\n"
                                   + SOLUTION["mse"].replace("r**2", "r**POWER[0]")})
    subs["aug_assign"] = notebook({"mse": "HALF = 1.0\nHALF /= 2\n" + SOLUTION["mse"].replace(
        "np.mean(r**2)", "np.mean(r**2) * 2 * HALF")})
    # cells added with nbgrader metadata (copied from a locked cell, or written by hand)
    def added_with_metadata(source, meta, after="mse"):
        def edit(nb):
            i = [nbgrader_meta(c).get("grade_id") for c in nb.cells].index(after)
            nb.cells.insert(i + 1, nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta}))
        return edit
    subs["added_locked_cell"] = notebook(edit=added_with_metadata(
        "print('my notes')", {"locked": True, "grade": False, "solution": False}))
    subs["added_unknown_id"] = notebook({"mse": "def mse(w, X, y):\n" + STUB},
                                        edit=added_with_metadata(SOLUTION["mse"], {
                                            "grade_id": "my_answer", "solution": True,
                                            "grade": False, "locked": False,
                                            "schema_version": 3}))
    subs["added_locked_cheat"] = notebook(WRONG, edit=added_with_metadata(
        "def _ok(*a, **k):\n    return None\n"
        "check_mse = check_mse_gradient = check_central_difference = _ok\n",
        {"locked": True, "grade": False, "solution": False, "schema_version": 3},
        after="setup"))
    subs["all_loops"] = notebook({
        gid: f"def {gid}(*args, **kwargs):\n    while True:\n        pass\n" for gid in WRONG})

    if not AS_ROOT:   # without a separate user these would really do damage: CI runs as root
        for student in ("vandal", "gradebook_writer", "appender"):
            del subs[student]
    for student, nb in subs.items():
        folder = submitted / student / CH
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{CH}.ipynb"))
    for student, content in [("truncated", nbformat.writes(notebook())[:2000].encode()),
                             ("binary", os.urandom(4096))]:
        folder = submitted / student / CH
        folder.mkdir(parents=True)
        (folder / f"{CH}.ipynb").write_bytes(content)
    (submitted / "linked").mkdir()
    (submitted / "linked" / CH).symlink_to(submitted / "honest" / CH)
    (submitted / "no_notebook" / CH).mkdir(parents=True)
    (submitted / "no_notebook" / CH / "notes.txt").write_text("forgot to save")
    return subs


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("class")
    (course / "solutions").mkdir()
    (course / "solutions" / CH).mkdir()
    nbformat.write(source_notebook(), str(course / "solutions" / CH / f"{CH}.ipynb"))
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    listener = Listener()
    build_class(course, listener)
    library = {p: hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted((ROOT / "mlopt").rglob("*.py"))}
    before = hash_tree(course / "submitted")
    try:
        code = main(["grade", "--root", str(course), "--cell-timeout", "3",
                     "--submission-timeout", "12"])
    finally:
        listener.close()
    with open(course / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    return {"course": course, "code": code, "rows": rows, "before": before,
            "after": hash_tree(course / "submitted"), "listener": listener,
            "library_before": library,
            "library_after": {p: hashlib.sha256(p.read_bytes()).hexdigest()
                              for p in sorted((ROOT / "mlopt").rglob("*.py"))}}


def score(graded, student):
    return float(graded["rows"][student]["score"])


def reason(graded, student):
    return graded["rows"][student]["reason"]


def test_the_run_finishes_and_exits_0(graded):
    assert graded["code"] == 0


def test_learner_files_are_never_modified(graded):
    assert graded["after"] == graded["before"]
    assert (graded["course"] / "submitted" / "victim" / CH / f"{CH}.ipynb").is_file()


def test_honest_work_gets_full_marks(graded):
    for student in ("honest", "victim", "top_level_loop", "network"):
        assert score(graded, student) == 10, (student, reason(graded, student))


def test_the_latest_definition_is_graded_as_in_a_run_from_top_to_bottom(graded):
    """An answer written in a cell added below the stub counts (Validate passes it); one written
    above the stub is replaced by the stub, as when the notebook runs from top to bottom."""
    assert score(graded, "answer_below") == 10, reason(graded, "answer_below")
    assert score(graded, "answer_above") == 5
    assert "test_mse (0/2): NotImplementedError: not answered" in reason(graded, "answer_above")


def test_definitions_run_one_statement_after_another_as_in_a_kernel(graded):
    """What ran before an error in an answer cell stays defined; augmented assignments run."""
    for student in ("error_after_def", "aug_assign"):
        assert score(graded, student) == 10, (student, reason(graded, student))


@pytest.mark.parametrize(("student", "cause"), [
    ("syntax_error", "answer cell 'mse': SyntaxError: expected ':' (line 1); so NameError"),
    ("error_before_def", "answer cell 'mse': ZeroDivisionError: division by zero (line 1); so "
                         "NameError"),
    ("def_timeout", "answer cell 'mse': its definitions took longer than 3 s"),
    ("table_loop", "the top-level `for` statement at line 2 of answer cell 'mse' was not run by "
                   "the grader (only imports, definitions and assignments are); it sets POWER"),
])
def test_lost_points_name_the_root_cause(graded, student, cause):
    """A definition that failed, or a skipped loop that fills a table, is named in the reason
    of every test it made fail, before the test's own message."""
    assert score(graded, student) == 5
    text = reason(graded, student)
    assert text.startswith(f"test_mse (0/2): {cause}"), text
    assert text.count(cause) == 3, text          # test_mse, test_by_hand, test_gradient_check


def test_added_cells_with_nbgrader_metadata_are_ordinary_learner_cells(graded):
    """nbgrader metadata on a cell the release does not have (no grade_id, or an unknown one)
    is removed before nbgrader sees it: the notebook was zeroed with 'autograding failed:
    NbGraderException: Please see the above traceback', and a cell with an unknown grade_id was
    dropped. A 'locked' added cell still runs as the learner's code, in the sandbox."""
    assert score(graded, "added_locked_cell") == 10, reason(graded, "added_locked_cell")
    assert score(graded, "added_unknown_id") == 10, reason(graded, "added_unknown_id")
    assert score(graded, "added_locked_cheat") == 0
    assert "autograding failed" not in reason(graded, "added_locked_cheat")


def test_a_wrong_answer_loses_its_points_with_the_checks_message(graded):
    assert score(graded, "wrong_sign") == 6
    assert "test_mse_gradient (0/3): AssertionError: mse_gradient" in reason(graded, "wrong_sign")


@pytest.mark.parametrize(("student", "points"), [("loop", 6), ("stubborn", 7)])
def test_endless_loops_cost_only_their_tests(graded, student, points):
    assert score(graded, student) == points
    assert "time limit" in reason(graded, student)


def test_the_submission_time_limit_stops_a_notebook_of_loops(graded):
    assert score(graded, "all_loops") == 0
    assert "submission's time limit" in reason(graded, "all_loops")


@pytest.mark.parametrize("student", ["rebinder", "patch_top_level", "patch_inside_function",
                                     "zz_wrong_after_appender"])
def test_cheats_score_zero(graded, student):
    assert score(graded, student) == 0, reason(graded, student)


@pytest.mark.skipif(not AS_ROOT, reason="file-system isolation needs root (a separate user)")
@pytest.mark.parametrize("student", ["gradebook_writer", "appender"])
def test_cheats_on_disk_score_zero(graded, student):
    assert score(graded, student) == 0, reason(graded, student)


@pytest.mark.skipif(not AS_ROOT, reason="file-system isolation needs root (a separate user)")
def test_vandal_cannot_delete_or_plant(graded):
    assert score(graded, "vandal") == 10
    assert score(graded, "victim") == 10


def test_no_score_exceeds_the_maximum_and_no_planted_rows(graded):
    for student, row in graded["rows"].items():
        assert float(row["score"]) <= float(row["max_score"] or 10), student
        assert float(row["score"]) >= 0, student
    assert "-100" not in (graded["course"] / "grades.csv").read_text()


@pytest.mark.skipif(not AS_ROOT, reason="file-system isolation needs root (a separate user)")
def test_course_files_on_disk_are_untouched(graded):
    assert graded["library_after"] == graded["library_before"]


def test_edited_and_deleted_cells_are_restored_and_explained(graded):
    assert score(graded, "edited_test") == 5
    assert "'test_mse' was edited" in reason(graded, "edited_test")
    assert score(graded, "deleted_cells") == 10
    assert "'test_mse' was deleted" in reason(graded, "deleted_cells")
    assert "'setup' was deleted" in reason(graded, "deleted_cells")
    assert score(graded, "deleted_answer") == 5
    assert "answer cell 'mse' is missing" in reason(graded, "deleted_answer")


@pytest.mark.parametrize("student", ["truncated", "binary"])
def test_unreadable_notebooks_score_zero_with_a_reason(graded, student):
    assert score(graded, student) == 0
    assert "not a readable notebook" in reason(graded, student)


def test_a_missing_notebook_is_explained(graded):
    assert score(graded, "no_notebook") == 0
    assert f"no {CH}.ipynb" in reason(graded, "no_notebook")


def test_links_are_not_followed(graded):
    assert score(graded, "linked") == 0
    assert "not a folder" in reason(graded, "linked")


@pytest.mark.parametrize("student", ["chatty", "chatty_cells", "huge_errors"])
def test_outputs_are_capped_in_autograded_copies(graded, student):
    """Printed output is capped per cell and per notebook, error messages too (were 12 MB for
    600 cells printing 100,000 characters each, 40 MB for a 20-million-character error)."""
    copy = graded["course"] / "autograded" / student / CH / f"{CH}.ipynb"
    assert copy.stat().st_size < 600_000
    assert score(graded, student) == (6 if student == "huge_errors" else 10), \
        reason(graded, student)


def test_memory_bombs_fail_their_test_only(graded):
    assert score(graded, "memory_hog") == 5
    assert "MemoryError" in reason(graded, "memory_hog") or "died" in reason(graded, "memory_hog")


@pytest.mark.skipif(not AS_ROOT, reason="network and process isolation need root")
def test_no_network_from_answers(graded):
    assert graded["listener"].connections == 0


@pytest.mark.skipif(not AS_ROOT, reason="the process limit needs a separate user")
def test_fork_bomb_is_contained(graded):
    assert score(graded, "fork_bomb") == 7
    assert "test_central_difference (0/2)" in reason(graded, "fork_bomb")


def test_every_lost_point_has_a_reason(graded):
    for student, row in graded["rows"].items():
        if float(row["score"]) < float(row["max_score"] or 10):
            assert row["reason"], student


def test_the_points_at_stake_are_a_column(graded):
    """points_lost = max_score - score, so an instructor sees what a review could still give."""
    rows = graded["rows"]
    assert rows["wrong_sign"]["points_lost"] == "4.0"
    assert rows["honest"]["points_lost"] == "0.0"
    assert rows["binary"]["points_lost"] == "10.0"
    for student, row in rows.items():
        assert float(row["points_lost"]) == float(row["max_score"]) - float(row["score"]), student
        lost = sum(float(part.split("/", 1)[1].split(")", 1)[0])
                   for part in row["reason"].split("; ") if " (0/" in part)
        assert lost <= float(row["points_lost"]), (student, row["reason"])


def test_results_are_decoded_without_pickle():
    import io

    import numpy as np

    from mlopt.sandbox import Proxy, SandboxError, _decode

    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(SandboxError):
        Proxy._decode = None  # unused: the module-level decoder is what the grader calls
        try:
            _decode({"nd": 1}, [None, buf.getvalue()], None, {})
        except ValueError as err:      # np.load(allow_pickle=False) refuses object arrays
            raise SandboxError(str(err)) from None


def test_proxies_do_not_forward_array_protocols():
    from mlopt.sandbox import Proxy

    proxy = Proxy.__new__(Proxy)
    with pytest.raises(AttributeError):
        proxy.__array_interface__  # noqa: B018


def test_feedback_reports_name_the_mistake(graded):
    """make grade writes nbgrader's feedback beside grades.csv, one HTML report per notebook."""
    feedback = graded["course"] / "feedback"
    report = feedback / "wrong_sign" / CH / f"{CH}.html"
    assert report.is_file(), sorted(p.name for p in feedback.rglob("*"))
    text = html.unescape(report.read_text())
    message = reason(graded, "wrong_sign").split("AssertionError: ", 1)[1].split(";")[0]
    assert message[:60] in text, message
    assert "HIDDEN TESTS" not in text          # hidden tests stay hidden in feedback
    assert (feedback / "honest" / CH / f"{CH}.html").is_file()
    # What nbgrader release_feedback needs beside each report (copied from the submission).
    assert (report.parent / "timestamp.txt").is_file() or not (
        graded["course"] / "submitted" / "wrong_sign" / CH / "timestamp.txt").exists()
