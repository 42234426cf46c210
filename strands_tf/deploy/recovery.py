"""Deployments a process left behind: killed mid-way (SIGKILL, power loss), or finished without a record.

A checkpoint that says `running` while the process that ran its latest attempt is gone belongs to a
deployment that was killed: the next command marks it `interrupted` (resumable with `apply --resume`)
and its history record becomes due. A record is due from the moment a deployment starts until it is built
into the spool; deployments whose record is still due once they finished are found here, so the next
command or `strands history sync` builds them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from strands_tf.deploy.checkpoint import FINISHED, CheckpointStore, raw_checkpoints
from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import StrandsError

log = logging.getLogger(__name__)


def _owner_gone(workspace: Workspace, raw: dict[str, Any]) -> bool:
    from strands_tf.deploy.checkpoint import Owner
    from strands_tf.state.lock import ProjectLock

    attempts = raw.get("attempts")
    last = attempts[-1] if isinstance(attempts, list) and attempts else None
    owner = last.get("owner") if isinstance(last, dict) else None
    if isinstance(owner, dict):
        try:
            return Owner.model_validate(owner).gone()
        except ValueError:
            return False
    # written before owners were kept: gone unless a live process (other than this one) holds the project lock
    holder = ProjectLock(workspace.root, "check").read_holder()
    if holder is None or holder.pid == os.getpid():
        return True
    from strands_tf.state.lock import process_gone

    return process_gone(holder.pid, holder.host, holder.proc_start)


def mark_interrupted(workspace: Workspace) -> list[str]:
    """Mark deployments whose process died mid-way `interrupted`; returns their ids."""
    marked = []
    for directory, raw in raw_checkpoints(workspace):
        if raw.get("status") != "running" or not _owner_gone(workspace, raw):
            continue
        try:
            store = CheckpointStore.load(directory)
            store.mark_interrupted()
        except (StrandsError, OSError) as exc:
            log.warning("deployment %s was killed mid-way but could not be marked: %s", directory.name, exc)
            continue
        log.warning(
            "deployment %s was interrupted: the process running it is gone (killed); its record is made now, "
            "and `strands apply --resume` continues it",
            directory.name,
        )
        marked.append(directory.name)
    return marked


def records_due(workspace: Workspace, environment: str) -> list[Path]:
    """Finished deployments of `environment` whose history record is not built yet, oldest first."""
    return [
        directory
        for directory, raw in raw_checkpoints(workspace)
        if raw.get("environment") == environment and raw.get("record") == "pending" and raw.get("status") in FINISHED
    ]
