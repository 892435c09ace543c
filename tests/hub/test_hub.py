"""A class on JupyterHub, end to end: release, fetch, submit, collect, autograde, feedback.

Run by ``make test-hub`` (as root: it creates system users). It prepares the machine with
``deploy/jupyterhub/setup.sh`` under a temporary prefix, starts the hub with
``deploy/jupyterhub/jupyterhub_config.py`` on free loopback ports, and plays one instructor and
three learners through the same HTTP endpoints the JupyterLab panels call (formgrader for the
instructor, the Assignments panel for learners). One learner also logs in with Chromium, sees
a released chapter in the Assignments panel and fetches it there. Grading is the README's one
command (root, ``--gradebook``); the instructor's own ``nbgrader export`` and formgrader then
show the scores, and feedback is generated and released from the formgrader. Every user,
process and file it made is removed at the end.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
import requests

from tests.lab_server import stop_group

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "deploy" / "jupyterhub"
COURSE = "mlopt"
CH01 = "01_loss_functions_and_gradients"
CH03 = "03_gradient_descent"
# Learner 2's typical wrong answer: the gradient with r = y - Xw, the source article's sign bug.
WRONG_MSE_GRADIENT = (
    "def mse_gradient(w, X, y):\n"
    "    return 2.0 / len(y) * (X.T @ (y - X @ w))\n"
)
SCREENSHOTS = Path(os.environ.get("MLOPT_HUB_SCREENSHOTS", tempfile.gettempdir())) / "mlopt-hub"

pytestmark = pytest.mark.skipif(
    os.environ.get("MLOPT_TEST_HUB") != "1" or os.geteuid() != 0,
    reason="the class-on-JupyterHub test creates system users: run `make test-hub` as root",
)


def _free_base_port():
    """A port p with p, p + 1 and p + 81 free on loopback (proxy, proxy API, hub API)."""
    rng = secrets.SystemRandom()
    for _ in range(50):
        base = rng.randrange(20000, 40000)
        try:
            socks = []
            for port in (base, base + 1, base + 81):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                socks.append(s)
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        return base
    raise RuntimeError("no free ports")


RUNUSER = shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin:/bin") or "runuser"


def _run_as(user, *cmd, check=False, **kw):
    return subprocess.run([RUNUSER, "-u", user, "--", *cmd], capture_output=True, text=True,
                          check=check, **kw)


def _tree_hashes(path):
    """Every file and folder under ``path``: contents' sha256, mode and owner."""
    path = Path(path)
    out = {}
    for p in sorted(path.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        out[str(p.relative_to(path))] = (digest, st.st_mode, st.st_uid, st.st_gid)
    return out


@pytest.fixture(scope="module")
def cls():
    """One instructor and three learners: system users with random passwords."""
    tag = secrets.token_hex(2)
    names = {"instructor": f"mlt{tag}i", "l1": f"mlt{tag}a", "l2": f"mlt{tag}b",
             "l3": f"mlt{tag}c"}
    passwords = {}
    try:
        for name in names.values():
            subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True)
            passwords[name] = secrets.token_urlsafe(12)
            subprocess.run(["chpasswd"], input=f"{name}:{passwords[name]}", text=True, check=True)
        yield names, passwords
    finally:
        for name in names.values():
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        time.sleep(0.5)
        for name in names.values():
            subprocess.run(["userdel", "-r", "-f", name], capture_output=True)


@pytest.fixture(scope="module")
def hub(cls):
    names, passwords = cls
    # MLOPT_HUB_PREFIX reuses a prepared prefix (with MLOPT_HUB_KEEP=1, while developing).
    prefix = Path(os.environ.get("MLOPT_HUB_PREFIX") or tempfile.mkdtemp(prefix="mlopt-hub-"))
    prefix.mkdir(exist_ok=True)
    prefix.chmod(0o755)
    for stale in ("jupyterhub.sqlite", "exchange"):
        shutil.rmtree(prefix / stale, ignore_errors=True) if stale == "exchange" else (
            prefix / stale).unlink(missing_ok=True)
    port = _free_base_port()
    token = secrets.token_hex(24)
    env = dict(os.environ,
               MLOPT_HUB_PREFIX=str(prefix), MLOPT_HUB_PORT=str(port),
               MLOPT_HUB_ADMIN_TOKEN=token, MLOPT_INSTRUCTORS=names["instructor"],
               MLOPT_LEARNERS=",".join(names[k] for k in ("l1", "l2", "l3")))
    setup = subprocess.run(["bash", str(HUB / "setup.sh")], env=env, capture_output=True,
                           text=True)
    assert setup.returncode == 0, f"setup.sh failed:\n{setup.stdout}\n{setup.stderr}"
    log = open(prefix / "hub.log", "w")
    proc = subprocess.Popen([str(prefix / "venv" / "bin" / "jupyterhub"), "-f",
                             str(HUB / "jupyterhub_config.py")],
                            cwd=prefix, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/hub/api", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, (prefix / "hub.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the hub did not answer within 60 s"
            time.sleep(0.5)
        yield Hub(base, token, prefix, names, passwords)
    finally:
        stop_group(proc, timeout=20)
        log.close()
        if os.environ.get("MLOPT_HUB_KEEP") != "1":
            shutil.rmtree(prefix, ignore_errors=True)


class Hub:
    """The hub's REST API as an admin service, and each user's server as that user."""

    def __init__(self, base, token, prefix, names, passwords):
        self.base, self.prefix, self.names, self.passwords = base, prefix, names, passwords
        self.admin = {"Authorization": f"token {token}"}
        self.tokens = {}

    def start(self, user):
        r = requests.post(f"{self.base}/hub/api/users/{user}/tokens", headers=self.admin,
                          json={"note": "end-to-end test"}, timeout=30)
        r.raise_for_status()
        self.tokens[user] = r.json()["token"]
        r = requests.post(f"{self.base}/hub/api/users/{user}/server", headers=self.admin,
                          timeout=120)
        assert r.status_code in (201, 202), r.text
        deadline = time.monotonic() + 120
        while True:
            model = requests.get(f"{self.base}/hub/api/users/{user}", headers=self.admin,
                                 timeout=30).json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return model
            assert time.monotonic() < deadline, f"{user}'s server did not start: {model}"
            time.sleep(0.5)

    def request(self, user, method, path, **kw):
        return requests.request(method, f"{self.base}/user/{user}/{path}", timeout=300,
                                headers={"Authorization": f"token {self.tokens[user]}"}, **kw)

    def call(self, user, method, path, **kw):
        r = self.request(user, method, path, **kw)
        assert r.ok, f"{user} {method} {path}: {r.status_code} {r.text[:500]}"
        return r.json() if r.text.strip().startswith(("{", "[")) else r.text

    def action(self, user, path, **kw):
        """A formgrader or Assignments-panel action; they answer 200 with success true/false."""
        out = self.call(user, "POST", path, **kw)
        assert out.get("success"), f"{user} {path}: {out}"
        return out


def _answered(released, solution_path, overrides=()):
    """The released notebook with every answer cell filled from the solution (minus markers)."""
    solution = nbformat.read(solution_path, as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    answers.update(dict(overrides))
    for cell in released["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            cell["source"] = "\n".join(line for line in answers[meta["grade_id"]].splitlines()
                                       if "### BEGIN SOLUTION" not in line
                                       and "### END SOLUTION" not in line)
    return released


def _fill_and_submit(hub, user, chapter, overrides=()):
    path = f"{COURSE}/{chapter}/{chapter}.ipynb"
    released = hub.call(user, "GET", f"api/contents/{path}")["content"]
    nb = _answered(released, ROOT / "solutions" / chapter / f"{chapter}.ipynb", overrides)
    hub.call(user, "PUT", f"api/contents/{path}", json={"type": "notebook", "content": nb})
    hub.action(user, "assignments/submit", data={"assignment_id": chapter, "course_id": COURSE})


def _assignments(hub, user):
    """What the Assignments panel lists for ``user`` (one entry per chapter and state)."""
    return hub.call(user, "GET", "assignments", params={"course_id": COURSE})["value"]


NBGRADER_LAB = "@jupyter/nbgrader"


def _assert_view(hub, user, instructor):
    """What the hub serves ``user``: JupyterLab's page config, and the server extensions.

    Everyone: nbgrader's Assignments panel and Validate (answered by ``mlopt._lab``).
    Instructors only: the formgrader, the course list and the Create Assignment toolbar.
    """
    page = hub.call(user, "GET", "lab")
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.S)
    assert found, f"no page config in {user}'s JupyterLab"
    config = json.loads(found.group(1))
    assert NBGRADER_LAB in {e["name"] for e in config["federated_extensions"]}
    disabled = set(config["disabledExtensions"])
    for plugin in ("assignment-list", "validate-assignment"):
        assert f"{NBGRADER_LAB}:{plugin}" not in disabled, (user, plugin)
    for plugin in ("formgrader", "create-assignment", "course-list"):
        assert (f"{NBGRADER_LAB}:{plugin}" in disabled) is not instructor, (user, plugin)
    formgrader = hub.request(user, "GET", "formgrader/api/assignments")
    assert (formgrader.status_code == 200) is instructor, (user, formgrader.status_code)
    panel = hub.call(user, "GET", "assignments", params={"course_id": COURSE})
    assert panel["success"], panel
    version = hub.call(user, "GET", "nbgrader_version",
                       params={"version": importlib.metadata.version("nbgrader")})
    assert version["success"], version


def _uid(user):
    return pwd.getpwnam(user).pw_uid


def _test_sources(chapter):
    nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def _points(chapter):
    nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}


def test_a_class_from_release_to_feedback(hub):
    names = hub.names
    inst, l1, l2, l3 = (names[k] for k in ("instructor", "l1", "l2", "l3"))
    for user in (inst, l1, l2, l3):
        model = hub.start(user)
        assert model["groups"] == ([f"formgrade-{COURSE}"] if user == inst
                                   else [f"nbgrader-{COURSE}"])
    # Each role's view, read through the hub: learners lack the formgrader and the authoring
    # tools but have the Assignments panel and Validate; the instructor has everything.
    _assert_view(hub, inst, instructor=True)
    for user in (l1, l2, l3):
        _assert_view(hub, user, instructor=False)

    # The instructor generates and releases chapters 01 and 03 (formgrader's buttons).
    for chapter in (CH01, CH03):
        hub.action(inst, f"formgrader/api/assignment/{chapter}/assign")
        hub.action(inst, f"formgrader/api/assignment/{chapter}/release")

    # Learners see both and fetch what they work on (the Assignments panel).
    listed = _assignments(hub, l1)
    assert {a["assignment_id"] for a in listed} == {CH01, CH03}
    for user, chapters in ((l1, (CH01, CH03)), (l2, (CH01,)), (l3, (CH01,))):
        for chapter in chapters:
            hub.action(user, "assignments/fetch",
                       data={"assignment_id": chapter, "course_id": COURSE})

    # The real browser: learner 2, who has not fetched chapter 03, logs in with Chromium, sees
    # it under "Released assignments" in the Assignments panel and presses its Fetch button.
    home2 = Path(os.path.expanduser(f"~{l2}"))
    fetched03 = home2 / COURSE / CH03 / f"{CH03}.ipynb"
    status = {a["assignment_id"]: a["status"] for a in _assignments(hub, l2)}
    assert status == {CH01: "fetched", CH03: "released"} and not fetched03.exists()
    _learner_fetches_in_the_browser(hub, l2, CH03)
    assert fetched03.is_file() and fetched03.stat().st_uid == _uid(l2)
    assert nbformat.read(fetched03, as_version=4).cells, "the fetched chapter is empty"
    status = {a["assignment_id"]: a["status"] for a in _assignments(hub, l2)}
    assert status == {CH01: "fetched", CH03: "fetched"}

    # Learner 1: the solutions. Learner 2: one typical wrong answer. Learner 3: a notebook
    # broken beyond reading for 01, and nothing for 03.
    for chapter in (CH01, CH03):
        _fill_and_submit(hub, l1, chapter)
    _fill_and_submit(hub, l2, CH01, {"mse_gradient": WRONG_MSE_GRADIENT})
    # Validate (the learners' button, answered by mlopt._lab) on what they handed in: learner 1
    # passes; learner 2 sees one failing task, with the check's message.
    for user in (l1, l2):
        report = hub.call(user, "POST", "assignments/validate",
                          data={"path": f"{COURSE}/{CH01}/{CH01}.ipynb"})
        assert report["success"], report
        failed = report["value"].get("failed", [])
        assert len(failed) == (0 if user == l1 else 1), report
    assert "opposite sign" in failed[0]["raw_error"], failed
    hub.call(l3, "PUT", f"api/contents/{COURSE}/{CH01}/{CH01}.ipynb",
             json={"type": "file", "format": "text", "content": '{"cells": [ broken'})
    hub.action(l3, "assignments/submit", data={"assignment_id": CH01, "course_id": COURSE})

    exchange = hub.prefix / "exchange"
    inbound = exchange / COURSE / "inbound"
    before = _tree_hashes(exchange)         # inbound, outbound and feedback, modes and owners
    assert len({p.split("/")[2] for p in before if p.startswith(f"{COURSE}/inbound/")}) == 4

    # --- permissions: learner 1 cannot see, read, move or delete anyone else's work -----------
    l2_entry = next(p.name for p in inbound.iterdir() if p.name.startswith(f"{l2}+"))
    assert _run_as(l1, "ls", str(inbound)).returncode != 0, "inbound/ is listable by a learner"
    assert _run_as(l1, "cat", str(home2 / COURSE / CH01 / f"{CH01}.ipynb")).returncode != 0
    assert _run_as(l1, "mv", str(inbound / l2_entry), str(inbound / "taken")).returncode != 0
    assert _run_as(l1, "rm", "-rf", str(inbound / l2_entry)).returncode != 0
    released = hub.prefix / "exchange" / COURSE / "outbound" / CH01
    assert _run_as(l1, "touch", str(released / "planted.txt")).returncode != 0
    assert _run_as(l1, "rm", "-rf", str(hub.prefix / "exchange" / COURSE)).returncode != 0
    assert _run_as(l1, "ls", str(hub.prefix / "exchange" / COURSE / "feedback")).returncode != 0
    assert _run_as(l1, "cat", str(inbound / l2_entry / f"{CH01}.ipynb")).returncode != 0
    assert _run_as(l1, "chmod", "777", str(inbound / l2_entry)).returncode != 0
    assert _tree_hashes(exchange) == before
    # Nor hand in work under learner 2's name, newer than theirs: through nbgrader ...
    nbgrader = str(hub.prefix / "venv" / "bin" / "nbgrader")
    as_l1 = {"PATH": f"{hub.prefix / 'venv' / 'bin'}:/usr/bin:/bin", "HOME": f"/home/{l1}",
             "MLOPT_HUB_PREFIX": str(hub.prefix), "JUPYTERHUB_USER": l1,
             "JUPYTERHUB_API_TOKEN": hub.tokens[l1], "JUPYTERHUB_API_URL": f"{hub.base}/hub/api",
             "JUPYTER_CONFIG_PATH": f"{hub.prefix}/config/learner:{hub.prefix}/config/common"}
    forged = _run_as(l1, nbgrader, "submit", CH01, f"--course={COURSE}", f"--student={l2}",
                     cwd=f"/home/{l1}", env=as_l1)
    assert forged.returncode != 0 and "only submit as yourself" in forged.stdout + forged.stderr
    # ... or by hand: learner 1's answers in a folder named like learner 2's, dated later.
    fake = inbound / f"{l2}+{CH01}+2999-01-01 00:00:00.000000 UTC+forged"
    mine = f"/home/{l1}/{COURSE}/{CH01}/{CH01}.ipynb"
    made = _run_as(l1, "bash", "-c", f"mkdir '{fake}' && echo 2999-01-01 00:00:00.000000 UTC > "
                   f"'{fake}/timestamp.txt' && cp {mine} '{fake}/'")
    assert made.returncode == 0, made.stderr
    before = _tree_hashes(exchange)

    # --- the instructor collects, autogrades, exports grades and releases feedback ----------
    for chapter in (CH01, CH03):
        hub.action(inst, f"formgrader/api/assignment/{chapter}/collect")
    course = Path(os.path.expanduser(f"~{inst}")) / COURSE
    submitted = _tree_hashes(course / "submitted")
    # Grading runs learners' code: the hub's administrator runs the course's grader as root
    # (the README's one command), so each submission runs as an unprivileged user in its own
    # namespaces (issue 9). The scores go into the course's gradebook, written as the instructor.
    venv = hub.prefix / "venv" / "bin"
    graded = subprocess.run([str(venv / "python"), "-m", "mlopt.grading", "grade",
                             "--root", str(course), "--gradebook", "gradebook.db"],
                            capture_output=True, text=True, cwd="/",
                            env=dict(os.environ, PATH=f"{venv}:/usr/sbin:/usr/bin:/sbin:/bin"))
    assert graded.returncode == 0, graded.stdout + graded.stderr
    grades_csv = course / "grades.csv"
    for made in (grades_csv, course / "gradebook.db",
                 *(course / "autograded").rglob("*"), *(course / "feedback").rglob("*")):
        assert made.stat().st_uid == _uid(inst), f"{made} is not the instructor's"
    rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(open(grades_csv))}
    full01, full03 = sum(_points(CH01).values()), sum(_points(CH03).values())
    assert float(rows[l1, CH01]["score"]) == full01, rows[l1, CH01]["reason"]
    assert float(rows[l1, CH03]["score"]) == full03, rows[l1, CH03]["reason"]
    # Learner 2 lost exactly the tasks whose test calls the wrong function, and their points.
    failed2 = set(re.findall(r"(\w+) \(0/", rows[l2, CH01]["reason"]))
    calls = {gid for gid, source in _test_sources(CH01).items()
             if re.search(r"\bmse_gradient\b", source)}
    assert failed2 == calls == {"test_mse_gradient"}, rows[l2, CH01]["reason"]
    assert float(rows[l2, CH01]["score"]) == full01 - sum(_points(CH01)[g] for g in failed2)
    assert float(rows[l3, CH01]["score"]) == 0
    assert "not a readable notebook" in rows[l3, CH01]["reason"]
    assert _tree_hashes(exchange) == before        # grading changed nothing in the exchange
    expected = {key: float(rows[key]["score"]) for key in
                ((l1, CH01), (l1, CH03), (l2, CH01), (l3, CH01))}

    # The instructor's own nbgrader sees those scores: `nbgrader export`, run as the instructor
    # in the course folder, and the formgrader's list of submissions, through the hub.
    as_inst = {"PATH": f"{venv}:/usr/bin:/bin", "HOME": str(course.parent),
               "MLOPT_HUB_PREFIX": str(hub.prefix),
               "JUPYTER_CONFIG_PATH": f"{hub.prefix}/config/instructor:{hub.prefix}/config/common"}
    exported = _run_as(inst, str(venv / "nbgrader"), "export", "--to=export.csv", cwd=course,
                       env=as_inst)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    export = {(r["student_id"], r["assignment"]): r
              for r in csv.DictReader(open(course / "export.csv"))}
    # every learner and chapter: the four submissions' scores, and 0 where none was handed in
    assert {k: float(r["score"]) for k, r in export.items()} == {
        **expected, (l2, CH03): 0.0, (l3, CH03): 0.0}
    assert {k: float(r["score"]) for k, r in rows.items()} == {
        k: float(r["score"]) for k, r in export.items()}
    assert float(export[l1, CH01]["max_score"]) == full01
    assert float(export[l1, CH03]["max_score"]) == full03
    for chapter in (CH01, CH03):
        listed = hub.call(inst, "GET", f"formgrader/api/submissions/{chapter}")
        scores = {(sub["student"], chapter): sub["score"] for sub in listed if sub["submitted"]}
        assert scores == {k: v for k, v in expected.items() if k[1] == chapter}, listed
        full = full01 if chapter == CH01 else full03
        assert all(sub["max_score"] == full for sub in listed if sub["submitted"]), listed

    # Feedback as nbgrader intends: the instructor generates it (formgrader's button, from the
    # gradebook and autograded/) and releases it.
    shutil.rmtree(course / "feedback")
    for chapter in (CH01, CH03):
        hub.action(inst, f"formgrader/api/assignment/{chapter}/generate_feedback")
        hub.action(inst, f"formgrader/api/assignment/{chapter}/release_feedback")
    for key in expected:
        report = course / "feedback" / key[0] / key[1] / f"{key[1]}.html"
        assert report.is_file() and report.stat().st_uid == _uid(inst), report

    # No submission was modified by grading, neither in the exchange nor in submitted/.
    assert _tree_hashes(course / "submitted") == submitted
    released = _tree_hashes(exchange)
    assert {p: v for p, v in released.items() if f"{COURSE}/feedback/" not in p} == before
    # Released feedback: learner 1 can neither list it, nor replace, remove or add a report.
    feedback = exchange / COURSE / "feedback"
    assert _run_as(l1, "ls", str(feedback)).returncode != 0
    for report in (p for p in feedback.iterdir() if p.is_file()):
        assert _run_as(l1, "rm", "-f", str(report)).returncode != 0
        assert _run_as(l1, "cp", "/dev/null", str(report)).returncode != 0
    assert _run_as(l1, "touch", str(feedback / "planted.html")).returncode != 0
    assert _tree_hashes(exchange) == released

    # --- every learner fetches the feedback of each chapter handed in ------------------------
    for user, chapter in expected:
        hub.action(user, "assignments/fetch_feedback",
                   data={"assignment_id": chapter, "course_id": COURSE})
    assert _tree_hashes(exchange) == released
    failed = {(l1, CH01): set(), (l1, CH03): set(), (l2, CH01): failed2,
              (l3, CH01): set(_points(CH01))}
    for (user, chapter), lost in failed.items():
        home = Path(os.path.expanduser(f"~{user}"))
        reports = list((home / COURSE / chapter / "feedback").rglob(f"{chapter}.html"))
        assert len(reports) == 1, f"{user} got no feedback for {chapter}"
        assert reports[0].stat().st_uid == _uid(user)
        text = reports[0].read_text()
        # per task: its points, or 0 for a task lost; and the total
        for gid, points in _points(chapter).items():
            got = 0.0 if gid in lost else float(points)
            assert f'href="#{gid}">Test cell</a> (Score: {got} / {float(points)})' in text, \
                (user, chapter, gid)
        total = sum(_points(chapter).values())
        assert f"(Score: {total - sum(_points(chapter)[g] for g in lost):.1f} / {total:.1f})" \
            in text, (user, chapter)
        other = l2 if user != l2 else l1
        assert _run_as(other, "cat", str(reports[0])).returncode != 0, "feedback readable"
    feedback2 = next((home2 / COURSE / CH01 / "feedback").rglob(f"{CH01}.html")).read_text()
    assert "opposite sign" in feedback2, "learner 2's feedback does not name the mistake"
    feedback3 = next((Path(os.path.expanduser(f"~{l3}")) / COURSE / CH01 / "feedback")
                     .rglob(f"{CH01}.html")).read_text()
    assert "could not be graded" in feedback3 and "not a readable notebook" in feedback3


def _learner_fetches_in_the_browser(hub, user, chapter):
    """Log in with the system password, open the Assignments panel, fetch ``chapter`` there.

    ``user`` has not fetched ``chapter``: it must be listed under "Released assignments" with a
    Fetch button; after the click it must move to "Downloaded assignments". Screenshots of both
    states go to ``SCREENSHOTS``.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("no chromium: apt-get install chromium")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    password = hub.passwords[user]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        try:
            page.goto(f"{hub.base}/hub/login")
            page.fill("#username_input", user)
            page.fill("#password_input", password)
            page.click("#login_submit")
            page.wait_for_url(f"**/user/{user}/lab**", timeout=60_000)
            page.wait_for_selector(".jp-LabShell", timeout=60_000)
            page.get_by_role("menuitem", name="Nbgrader").click()
            page.get_by_text("Assignment List").click()
            row = ".list_item:not(.nested_list_item)"      # a chapter, not its notebooks
            released = page.locator(f"#released_assignments_list {row}", has_text=chapter)
            released.wait_for(timeout=30_000)
            assert page.locator("#released_assignments_list_placeholder").is_hidden()
            page.screenshot(path=str(SCREENSHOTS / "assignments-panel-released.png"))
            released.get_by_role("button", name="Fetch").click()
            fetched = page.locator(f"#fetched_assignments_list {row}", has_text=chapter)
            fetched.wait_for(timeout=60_000)
            released.wait_for(state="detached", timeout=30_000)
            page.screenshot(path=str(SCREENSHOTS / "assignments-panel.png"))
        except Exception:
            page.screenshot(path=str(SCREENSHOTS / "assignments-panel-failure.png"))
            print(f"screenshot: {SCREENSHOTS / 'assignments-panel-failure.png'}")
            raise
        finally:
            browser.close()
