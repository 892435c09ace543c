"""`make exercises`: it never overwrites a learner's answers in exercises/ (unless FORCE=1), and
what it generates stays unchanged for git when a learner merely opens and saves it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel
from jupyter_server.services.contents.filemanager import FileContentsManager
from traitlets.config.loader import PyFileConfigLoader

from mlopt._lab import keep_kernel_metadata

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "01_loss_functions_and_gradients"
EXERCISES = sorted((ROOT / "exercises").glob("*/*.ipynb"))
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost"]


def _make(cwd, *args):
    venv = Path(sys.executable).parent.parent
    stamp = venv / ".installed"  # -o: never reinstall into the venv running these tests
    return subprocess.run(["make", "--no-print-directory", "-o", str(stamp), *args,
                           f"VENV={venv}"], cwd=cwd, capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs a git checkout")
def test_make_exercises_refuses_to_overwrite_answers(tmp_path):
    clone = tmp_path / "course"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    shutil.copy2(ROOT / "Makefile", clone / "Makefile")  # the Makefile under test, not HEAD's
    notebook = clone / "exercises" / CHAPTER / f"{CHAPTER}.ipynb"
    answered = notebook.read_text().replace("raise NotImplementedError()", "return 0.0  # mine", 1)
    notebook.write_text(answered)

    refused = _make(clone, "exercises")
    assert refused.returncode != 0
    assert "Nothing was regenerated" in refused.stdout
    assert notebook.read_text() == answered

    forced = _make(clone, "exercises", "FORCE=1")
    assert forced.returncode == 0, forced.stderr
    assert "# mine" not in notebook.read_text()


# --- Opening and saving an untouched exercise leaves git clean -------------------------------

def _configured():
    """The kernel metadata nbgrader_config.py gives the generated exercises."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    return config.CourseKernelMetadata.kernelspec, config.CourseKernelMetadata.language_info


@pytest.fixture(scope="module")
def kernel_writes():
    """What JupyterLab puts into a notebook's metadata when the course's kernel starts.

    The kernel's ``kernel_info_reply`` gives ``language_info``; the kernelspec gives the
    ``kernelspec`` entry (name, display name, language). Nothing is executed.
    """
    name = "python3"
    manager, client = start_new_kernel(kernel_name=name)
    try:
        reply = client.kernel_info(reply=True, timeout=60)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    spec = KernelSpecManager().get_kernel_spec(name)
    kernelspec = {"display_name": spec.display_name, "language": spec.language, "name": name}
    return kernelspec, reply["content"]["language_info"]


def test_every_exercise_carries_the_configured_kernel_metadata():
    kernelspec, language_info = _configured()
    assert set(language_info) >= {"codemirror_mode", "file_extension", "mimetype", "name",
                                  "nbconvert_exporter", "pygments_lexer", "version"}
    assert EXERCISES
    for path in EXERCISES:
        metadata = nbformat.read(path, as_version=4).metadata
        assert metadata.kernelspec == kernelspec, f"{path}: run `make exercises`"
        assert metadata.language_info == language_info, f"{path}: run `make exercises`"


def test_the_configured_metadata_is_what_the_kernel_writes_but_the_version(kernel_writes):
    kernelspec, language_info = _configured()
    written_spec, written_info = kernel_writes
    assert written_spec == kernelspec
    assert {**written_info, "version": None} == {**language_info, "version": None}


def _open_and_save(repo, rel, kernel_writes, hook):
    """Open a notebook as JupyterLab does, let the kernel fill its metadata, and save it back
    through the Jupyter server's own contents manager (what autosave calls)."""
    contents = FileContentsManager(root_dir=str(repo))
    contents.pre_save_hook = hook
    model = contents.get(rel)
    kernelspec, language_info = kernel_writes
    model["content"].metadata.kernelspec = kernelspec
    model["content"].metadata.language_info = language_info
    contents.save({"type": "notebook", "format": "json", "content": model["content"]}, rel)
    return subprocess.run([*GIT, "diff", "--", rel], cwd=repo, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def repo(tmp_path):
    """A git repository holding the committed exercises."""
    for path in EXERCISES:
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    subprocess.run([*GIT, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "commit", "-qm", "exercises"], cwd=tmp_path, check=True)
    return tmp_path


def test_a_plain_jupyter_on_the_course_python_leaves_git_clean(repo, kernel_writes):
    """No pre-save hook: what a plain `jupyter lab` in the course's environment does."""
    pinned = _configured()[1]["version"]
    if kernel_writes[1]["version"] != pinned:
        pytest.skip(f"this kernel runs Python {kernel_writes[1]['version']}, the exercises are "
                    f"generated for {pinned}; the pre-save hook keeps them clean (next test)")
    for path in EXERCISES:
        rel = str(path.relative_to(ROOT))
        assert _open_and_save(repo, rel, kernel_writes, hook=None) == "", rel


def test_with_the_course_hook_any_python_leaves_git_clean(repo, kernel_writes):
    """make lab and the hub save through mlopt._lab.keep_kernel_metadata: another version too."""
    spec, info = kernel_writes
    for version in (info["version"], "3.99.1"):
        rel = str(EXERCISES[0].relative_to(ROOT))
        assert _open_and_save(repo, rel, (spec, {**info, "version": version}),
                              hook=keep_kernel_metadata) == "", version


def test_without_the_hook_another_python_shows_as_changed(repo, kernel_writes):
    """The check above can fail: an old-style exercise (bare language_info) and a foreign
    version are both seen by git."""
    spec, info = kernel_writes
    rel = str(EXERCISES[0].relative_to(ROOT))
    diff = _open_and_save(repo, rel, (spec, {**info, "version": "3.99.1"}), hook=None)
    assert '+   "version": "3.99.1"' in diff
