"""`make lab` serves the whole course: lessons, exercises, and nbgrader's Validate endpoint.

The server is started through the Makefile target itself, on loopback and a free port, and
stopped at the end of the test.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "exercises/01_loss_functions_and_gradients/01_loss_functions_and_gradients.ipynb"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab():
    port, token = _free_port(), secrets.token_hex(16)
    venv = Path(sys.executable).parent.parent
    args = (f"--no-browser --ServerApp.ip=127.0.0.1 --port={port} "
            f"--ServerApp.token={token} --ServerApp.port_retries=0")
    stamp = venv / ".installed"  # -o: never reinstall into the venv running these tests
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "-o", str(stamp), "lab", f"VENV={venv}",
         f"LAB_ARGS={args}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"make lab exited: {proc.stderr.read()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s")
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


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


def test_validate_button_endpoint_grades_an_exercise(lab):
    base, token = lab
    data = urllib.parse.urlencode({"path": EXERCISE}).encode()
    request = urllib.request.Request(f"{base}/assignments/validate?token={token}", data=data)
    with urllib.request.urlopen(request, timeout=120) as response:
        result = json.loads(response.read())
    assert result["success"], result
    failed = result["value"].get("failed", [])
    assert failed and all("NotImplementedError" in cell["error"] for cell in failed)


def test_exchange_panels_are_disabled_and_validate_kept(lab):
    base, token = lab
    _, _, body = _get(f"{base}/lab/tree/notebooks/00_welcome.ipynb?token={token}")
    page = body.decode()
    for plugin in ("assignment-list", "course-list", "formgrader"):
        assert f"@jupyter/nbgrader:{plugin}" in page  # listed among the disabled plugins
    assert "validate-assignment" not in page.split("disabledExtensions")[-1].split("]")[0]
