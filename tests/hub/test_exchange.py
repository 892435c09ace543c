"""mlopt.exchange.VerifiedCollect and the grader's own nbgrader settings (no hub, no root needed).

VerifiedCollect collects a learner's submission only from a folder that learner owns. These
tests build an exchange in a temporary folder, with folders owned by the user running the tests.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
from pathlib import Path

import pytest
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from mlopt.exchange import VerifiedCollect
from mlopt.grading import GRADER_CONFIG

ROOT = Path(__file__).resolve().parents[2]
ME = pwd.getpwuid(os.getuid()).pw_name
CHAPTER = "01_loss_functions_and_gradients"


def _submission(inbound, learner, stamp, text):
    folder = inbound / f"{learner}+{CHAPTER}+2026-01-0{stamp} 10:00:00.000000 UTC+{stamp}abc"
    folder.mkdir()
    (folder / "timestamp.txt").write_text(f"2026-01-0{stamp} 10:00:00.000000 UTC")
    (folder / f"{CHAPTER}.ipynb").write_text(text)
    return folder


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """One empty nbgrader gradebook, copied by each test (creating one takes seconds)."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{old}"  # nbgrader's alembic
    try:
        with Gradebook(f"sqlite:///{path}"):
            pass
    finally:
        os.environ["PATH"] = old
    return path


def _collect(tmp_path, empty_gradebook):
    exchange, course = tmp_path / "exchange", tmp_path / "course"
    course.mkdir(exist_ok=True)
    shutil.copyfile(empty_gradebook, course / "gradebook.db")
    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.course_id = "mlopt"
    c.CourseDirectory.assignment_id = CHAPTER
    c.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    c.Exchange.root = str(exchange)
    coursedir = CourseDirectory(config=c)
    return VerifiedCollect(coursedir=coursedir, config=c), course


@pytest.fixture
def inbound(tmp_path):
    path = tmp_path / "exchange" / "mlopt" / "inbound"
    path.mkdir(parents=True)
    return path


def test_one_account_owning_every_folder_fails_loudly(tmp_path, inbound, empty_gradebook):
    # Kubernetes without ngshare: every pod is the same account, so every folder belongs to it
    # and none to the learner it names. Collecting nothing in silence would lose the class.
    for i, learner in enumerate(("bo", "cy"), start=1):
        _submission(inbound, learner, i, "{}")
    collect, course = _collect(tmp_path, empty_gradebook)
    with pytest.raises(ExchangeError) as err:
        collect.start()
    message = str(err.value)
    assert f"belong to the one account {ME}" in message
    assert "bo, cy" in message and "ngshare" in message and "jovyan" in message
    assert not (course / "submitted").exists()


def test_only_the_owners_folder_is_collected_not_a_forged_one(tmp_path, inbound, empty_gradebook):
    # The real submission (owned by the learner it names) and, newer, one claiming to be by
    # another learner but owned by the same account: only the real one is collected, and the
    # forged one does not count as that other learner's.
    _submission(inbound, ME, 1, '{"real": true}')
    _submission(inbound, "cy", 2, '{"forged": true}')
    collect, course = _collect(tmp_path, empty_gradebook)
    collect.start()
    got = sorted(p.relative_to(course / "submitted").as_posix()
                 for p in (course / "submitted").rglob("*.ipynb"))
    assert got == [f"{ME}/{CHAPTER}/{CHAPTER}.ipynb"]
    assert "real" in (course / "submitted" / ME / CHAPTER / f"{CHAPTER}.ipynb").read_text()


def test_no_submission_is_not_an_error(tmp_path, inbound, empty_gradebook):
    collect, course = _collect(tmp_path, empty_gradebook)
    collect.start()
    assert not list(course.rglob("*.ipynb"))


def _settings(path):
    config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    return {(section, key): value for section in ("CourseDirectory", "ClearSolutions")
            for key, value in config[section].items()}


def test_the_graders_settings_are_the_course_config_s(tmp_path, monkeypatch):
    # Root grading an instructor's course runs GRADER_CONFIG instead of their
    # nbgrader_config.py: generating the release with it must give what learners got.
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "grader_config.py"
    mine.write_text(GRADER_CONFIG)
    course = _settings(ROOT / "nbgrader_config.py")
    grader = _settings(mine)
    for key, value in grader.items():
        assert course[key] == value, key
    assert ("ClearSolutions", "code_stub") in grader
    missing = {k for k in course if k[1].endswith("_directory") and k not in grader}
    assert all(course[k] == k[1].split("_")[0] for k in missing), missing
