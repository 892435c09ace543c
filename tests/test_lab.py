"""`make lab` serves the whole course: lessons, exercises, and nbgrader's Validate endpoint;
`make lab-instructor` adds nbgrader's authoring tools.

The servers are started through the Makefile targets themselves, on loopback and a free port,
and stopped at the end of the module. tests/browser drives the same pages in Chromium.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from mlopt._lab import task_titles
from tests.lab_server import serve

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "exercises/01_loss_functions_and_gradients/01_loss_functions_and_gradients.ipynb"


def _serve(target, tmp_path_factory):
    token = secrets.token_hex(16)
    log = tmp_path_factory.mktemp(target) / "lab.log"
    with serve(target, cwd=ROOT, token=token, log=log) as base:
        yield base, token


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from _serve("lab", tmp_path_factory)


@pytest.fixture(scope="module")
def lab_instructor(tmp_path_factory):
    yield from _serve("lab-instructor", tmp_path_factory)


def _get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.geturl(), response.read()


def test_lab_opens_on_the_welcome_notebook(lab):
    base, token = lab
    status, final_url, _ = _get(f"{base}/?token={token}")
    assert status == 200
    assert final_url.split("?")[0].endswith("/lab/tree/notebooks/00_welcome.ipynb")


def test_lessons_and_exercises_are_served(lab):
    base, token = lab
    _, _, body = _get(f"{base}/api/contents?token={token}")
    names = {item["name"] for item in json.loads(body)["content"]}
    assert {"notebooks", "exercises"} <= names
    status, _, _ = _get(f"{base}/api/contents/{EXERCISE}?token={token}&content=0")
    assert status == 200


def _validate(base, token, path):
    data = urllib.parse.urlencode({"path": path}).encode()
    request = urllib.request.Request(f"{base}/assignments/validate?token={token}", data=data)
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())


def test_validate_button_gives_a_summary_and_one_line_per_failing_task(lab):
    base, token = lab
    result = _validate(base, token, EXERCISE)
    assert result["success"], result
    (entry,) = result["value"]["failed"]  # the dialog shows the summary, then the lines
    nb = json.loads((ROOT / EXERCISE).read_text(encoding="utf-8"))
    titles = list(dict.fromkeys(task_titles(nb).values()))
    assert len(titles) == 6
    assert entry["source"] == "6 of 6 tasks need work; 0 passed."
    lines = entry["error"].split("</style>", 1)[1].splitlines()
    assert lines == [html.escape(f"✗ Task {t}: not answered yet") for t in titles]
    assert all(re.search(r"\(\d+( \+ \d+)? points?\): ", line) for line in lines)


def test_validate_on_a_lesson_says_there_is_nothing_to_grade(lab):
    base, token = lab
    result = _validate(base, token, "notebooks/01_loss_functions_and_gradients.ipynb")
    assert result["success"]  # else the dialog says "There was an error running ..."
    (entry,) = result["value"]["failed"]
    assert entry["source"].startswith("Nothing to grade here: ")
    assert EXERCISE in entry["error"]


def _disabled(base, token):
    _, _, body = _get(f"{base}/lab/tree/notebooks/00_welcome.ipynb?token={token}")
    page = body.decode()
    config = json.loads(re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
        page, re.S).group(1))
    return set(config["disabledExtensions"])


AUTHORING = {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:menu",
             "@jupyter/nbgrader:formgrader"}
EXCHANGE = {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list"}


def test_learners_get_validate_and_no_authoring_tools(lab):
    disabled = _disabled(*lab)
    assert AUTHORING | EXCHANGE <= disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    base, token = lab
    with pytest.raises(urllib.error.HTTPError) as missing:  # no formgrader on the server either
        _get(f"{base}/formgrader?token={token}")
    assert missing.value.code == 404


def test_instructors_get_the_authoring_tools(lab_instructor):
    base, token = lab_instructor
    disabled = _disabled(base, token)
    assert not AUTHORING & disabled and EXCHANGE <= disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    status, _, _ = _get(f"{base}/formgrader?token={token}")  # the server side is there too
    assert status == 200
