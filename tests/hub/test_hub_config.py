"""deploy/jupyterhub/course_config.py on its own, as The Littlest JupyterHub loads it.

``make test-hub`` runs it inside ``jupyterhub_config.py``; TLJH and Zero to JupyterHub load the
file alone (a ``jupyterhub_config.d`` drop-in, ``hub.extraConfig``), with no group lists in the
environment. No hub is started here: the file is read with traitlets, as JupyterHub reads it.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets.config.loader import PyFileConfigLoader

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "jupyterhub" / "course_config.py"


def _load(monkeypatch, **env):
    for var in ("MLOPT_INSTRUCTORS", "MLOPT_LEARNERS", "MLOPT_HUB_PREFIX"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    return PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()


def _spawner(*groups):
    user = SimpleNamespace(groups=[SimpleNamespace(name=g) for g in groups])
    return SimpleNamespace(user=user, environment={})


def _value(lazy, default):
    """A config value as JupyterHub sees it: lazy edits (append, update) applied to the default."""
    return lazy.get_value(default) if hasattr(lazy, "get_value") else lazy


@pytest.mark.parametrize("groups, role", [(("formgrade-mlopt",), "instructor"),
                                          (("nbgrader-mlopt",), "learner"), ((), "learner")])
def test_each_role_gets_its_view_first_on_the_config_path(monkeypatch, groups, role):
    config = _load(monkeypatch, MLOPT_HUB_PREFIX="/srv/course")
    spawner = _spawner(*groups)
    config.Spawner.pre_spawn_hook(spawner)
    assert spawner.environment["JUPYTER_CONFIG_PATH"].split(":") == [
        f"/srv/course/config/{role}", "/srv/course/config/common"]
    assert spawner.environment["MLOPT_HUB_PREFIX"] == "/srv/course"
    scopes = config.Spawner.server_token_scopes(spawner)
    assert "read:users:groups!user" in scopes            # nbgrader asks for the user's courses
    assert ("groups!group=nbgrader-mlopt" in scopes) is (role == "instructor")


def test_without_group_lists_the_groups_are_left_to_the_admin_page(monkeypatch):
    config = _load(monkeypatch)
    assert _value(config.JupyterHub.load_groups, {}) == {}
    roles = _value(config.JupyterHub.load_roles, [])
    assert [r["name"] for r in roles] == ["mlopt-instructor"]
    assert roles[0]["groups"] == ["formgrade-mlopt"]


def test_group_lists_from_the_environment(monkeypatch):
    config = _load(monkeypatch, MLOPT_INSTRUCTORS="ada", MLOPT_LEARNERS="bo, cy")
    assert _value(config.JupyterHub.load_groups, {}) == {
        "formgrade-mlopt": {"users": ["ada"]}, "nbgrader-mlopt": {"users": ["bo", "cy"]}}


HUB = CONFIG.parent
GRADE = ["-m", "mlopt.grading", "grade", "--root"]


def test_the_documented_grading_commands_are_the_tested_one(capsys):
    # tests/hub/test_hub.py runs `python -m mlopt.grading grade --root <course> --gradebook
    # gradebook.db` as root; the README's command, its sudo rule and the cluster's Job run the
    # same, and it parses with the grader's own argument parser.
    import shlex

    import yaml

    from mlopt.grading import main

    readme = (HUB / "README.md").read_text()
    lines = [line.strip() for line in readme.splitlines() if "mlopt.grading grade" in line]
    assert len(lines) >= 4, lines                 # one machine, sudo rule, TLJH, cluster
    for line in lines:
        words = shlex.split(line.strip("`"))
        args = words[words.index("-m"):]
        assert args[:4] == GRADE and args[5:] == ["--gradebook", "gradebook.db"], line
    sudo_rule = next(line for line in lines if "NOPASSWD:" in line)
    assert sudo_rule.split("NOPASSWD: ")[1] in readme.replace(sudo_rule, "")  # same command
    job = next(d for d in yaml.safe_load_all((HUB / "kubernetes" / "grade-job.yaml").read_text())
               if d["kind"] == "Job")
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[1:5] == GRADE and command[6:] == ["--gradebook", "gradebook.db"], command
    with pytest.raises(SystemExit) as done:
        main([command[3], "--help"])
    assert done.value.code == 0 and "--gradebook" in capsys.readouterr().out


def test_the_cluster_uses_ngshare_not_the_file_system_exchange():
    source = (HUB / "kubernetes" / "nbgrader_config.py").read_text()
    assert "configureExchange(c," in source and "mlopt.exchange" not in source.split('"""')[2]
    dockerfile = (HUB / "kubernetes" / "Dockerfile").read_text()
    assert "kubernetes/nbgrader_config.py" in dockerfile and "ngshare_exchange" in dockerfile
