"""nbgrader's exchange on a shared machine, with two holes closed (used by ``deploy/jupyterhub``).

nbgrader's default file-system exchange hides submissions from other learners only by name:
``inbound/`` is write-only for them, and each submission folder ends in a random string. But
``nbgrader submit`` makes that folder world-writable (mode 0777) and accepts ``--student=<anyone>``,
and ``nbgrader collect`` takes the newest folder that *claims* a learner's name, only warning when
its owner is someone else. So a learner who learns another's folder name can delete its files,
and anyone can hand in work under another learner's name, newer than theirs, which the instructor
then collects and grades in its place.

:class:`PrivateSubmit` and :class:`VerifiedCollect` are nbgrader's own classes with those two
decisions changed; everything else (paths, timestamps, caches, the gradebook) is nbgrader's.
The hub's ``nbgrader_config.py`` selects them::

    c.ExchangeFactory.submit = "mlopt.exchange.PrivateSubmit"
    c.ExchangeFactory.collect = "mlopt.exchange.VerifiedCollect"
"""

from __future__ import annotations

import glob
import os
import pwd
import stat

from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import get_username

__all__ = ["PrivateSubmit", "VerifiedCollect", "SUBMISSION_MODE"]

#: A submission folder: the learner may read and write it; the instructors' group (inherited
#: from ``inbound/``, which is setgid) may read it; nobody else may enter it.
SUBMISSION_MODE = stat.S_ISGID | stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP


class PrivateSubmit(ExchangeSubmit):
    """``nbgrader submit`` that submits only as oneself and keeps the folder private.

    Raises
    ------
    nbgrader.exchange.ExchangeError
        If ``--student`` names another user.
    """

    def init_dest(self):
        me = get_username()
        if self.coursedir.student_id not in ("*", "", me):
            self.fail(f"You can only submit as yourself ({me}), not as "
                      f"{self.coursedir.student_id}.")
        super().init_dest()

    def copy_files(self):
        super().copy_files()
        os.chmod(os.path.join(self.inbound_path, self.assignment_filename), SUBMISSION_MODE)


class VerifiedCollect(ExchangeCollect):
    """``nbgrader collect`` that ignores submissions not owned by the learner they name.

    A forged folder (one learner's files under another's name) is logged and never collected,
    so it cannot displace the named learner's real, older submission.

    This needs one system account per learner, named as nbgrader names the learner (one
    machine, The Littlest JupyterHub). Where every learner runs as the same account (Kubernetes
    pods all run as ``jovyan``), ownership cannot tell learners apart: use ngshare's exchange
    there. If no folder is owned by the learner it names and all belong to one account, collect
    fails with that explanation instead of silently collecting nothing.

    Raises
    ------
    nbgrader.exchange.ExchangeError
        If there are submissions, none is owned by the learner it names, and they all belong
        to the same account.
    """

    def init_src(self):
        super().init_src()  # paths, permission checks and the due date
        student = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, f"{student}+{self.coursedir.assignment_id}+*")
        records, owners = [], {}
        for path in sorted(glob.glob(pattern)):
            record = self._path_to_record(path)
            try:
                owner = pwd.getpwuid(os.stat(path).st_uid).pw_name
            except KeyError:
                owner = f"uid {os.stat(path).st_uid}"
            owners[path] = owner
            if owner == record["username"]:
                records.append(record)
            else:
                self.log.warning("Not collected: %s claims to be by %s but belongs to %s.",
                                 path, record["username"], owner)
        if owners and not records and len(set(owners.values())) == 1:
            owner = next(iter(owners.values()))
            claimed = sorted({self._path_to_record(p)["username"] for p in owners})
            self.fail(
                f"Nothing collected: all {len(owners)} submission(s) of "
                f"{self.coursedir.assignment_id} (by {', '.join(claimed)}) belong to the one "
                f"account {owner}, and none to the learner it names. Either every learner "
                "runs as the same system user (as on Kubernetes, where every pod is jovyan: "
                "use ngshare's exchange there, see deploy/jupyterhub/README.md), or these "
                "folders were forged by that account.")
        latest = []
        for group in groupby(records, lambda item: item["username"]).values():
            group = self._sort_by_timestamp(group)
            if self.duedate is not None and self.before_duedate:
                on_time = [r for r in group if r["timestamp"] <= self.duedate]
                group = on_time or group
            latest.append(group[0])
        self.src_records = latest
