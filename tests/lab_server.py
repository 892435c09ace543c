"""Start a course Makefile target (``lab`` or ``lab-instructor``) on loopback, for tests.

Shared by tests/test_lab.py (HTTP checks) and tests/browser (Chromium): the server is started
through the Makefile itself, so the tests see exactly what ``make`` gives a learner.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(proc, timeout):
    """Stop a process started with ``start_new_session=True`` and all it started: SIGTERM to
    its process group, then SIGKILL if it has not exited within ``timeout`` seconds."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def serve(target, *, cwd, token, log, extra_args="", env=None, wait=60.0):
    """Run ``make TARGET`` in ``cwd`` on a free loopback port; yield its base URL.

    ``log`` is a path that receives the server's output (shown if it exits early). The test
    venv is reused and never reinstalled (``make -o .installed``). The server and its kernels
    are stopped (SIGTERM, then SIGKILL) when the block ends.
    """
    port = free_port()
    venv = Path(sys.executable).parent.parent
    args = (f"--no-browser --ServerApp.ip=127.0.0.1 --port={port} "
            f"--IdentityProvider.token={token} --ServerApp.port_retries=0 {extra_args}").strip()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "-o", str(venv / ".installed"), target,
             f"VENV={venv}", f"LAB_ARGS={args}"],
            cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None:
                        pytest.fail(f"make {target} exited:\n{Path(log).read_text()[-3000:]}")
                    if time.monotonic() > deadline:
                        pytest.fail(f"JupyterLab did not answer within {wait:.0f} s")
                    time.sleep(0.5)
            yield base
        finally:
            stop_group(proc, timeout=30)
