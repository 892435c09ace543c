"""mybinder.org (repo2docker) gets the same environment and learner view as `make lab`."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_binder_reads_the_course_environment():
    # with a binder/ folder, repo2docker reads only the files inside it
    assert (ROOT / "binder" / "environment.yml").read_text() == \
        (ROOT / "environment.yml").read_text()


def test_binder_start_serves_the_learner_view():
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_CONFIG_PATH"}
    out = subprocess.run(
        [str(ROOT / "binder" / "start"), sys.executable, "-c",
         "import os; print(os.environ['JUPYTER_CONFIG_PATH'])"],
        env=env, capture_output=True, text=True, check=True).stdout.strip()
    paths = out.split(os.pathsep)
    # the same folders, in the same order (role first), as the Makefile's `lab` target
    assert paths == [str(ROOT / "jupyter-config" / "learner"),
                     str(ROOT / "jupyter-config" / "common")]
    assert all(Path(p, "jupyter_server_config.json").is_file() for p in paths)
    makefile = (ROOT / "Makefile").read_text()
    assert '$(LAB_CONFIG)/learner:$(LAB_CONFIG)/common' in makefile


def test_binder_post_build_configures_jupyter():
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "make configure-jupyter" in post_build
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)
    assert os.access(ROOT / "binder" / "start", os.X_OK)
