"""How many deployment directories `.strands/deployments/` keeps, and which ones must never go.

After a successful deployment the oldest deployments of its environment beyond `history.keep_local` are
removed, then the stored assets no deployment links to any more. Never removed, whatever their age: the
newest successful apply or rollback (what `strands rollback` re-applies), the latest deployment when it did
not succeed (what `apply --resume` continues), a deployment still running, one whose history record is
not built yet (the record is built from its directory), and the newest copy of every stack that is still
deployed (once the configuration stops making a stack, that copy is what destroys it: see deploy/gone.py;
`--agent` applies that do not touch the stack never copy it again).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.deploy.assets import AssetStore
from strands_tf.deploy.checkpoint import raw_checkpoints
from strands_tf.deploy.workspace import Workspace

log = logging.getLogger(__name__)

DEFAULT_KEEP = 20


@dataclass
class PruneReport:
    """Deployments removed (ids), kept on purpose beyond the limit (id → why), and asset bytes freed."""

    removed: list[str] = field(default_factory=list)
    protected: dict[str, str] = field(default_factory=dict)
    freed_bytes: int = 0


def _why_keep(raw: dict[str, Any], newest_success: str | None, latest: str | None) -> str | None:
    deployment_id = raw.get("id")
    if deployment_id == newest_success:
        return "the newest successful deployment (rollback target)"
    if deployment_id == latest and raw.get("status") != "succeeded":
        return "the latest deployment did not succeed (resume target)"
    if raw.get("status") == "running":
        return "still running"
    if raw.get("record") == "pending":
        return "its history record is not built yet"
    return None


def prune_deployments(workspace: Workspace, environment: str, keep: int = DEFAULT_KEEP) -> PruneReport:
    """Remove the oldest deployments of `environment` beyond the newest `keep`, except protected ones."""
    report = PruneReport()
    # a directory without a readable checkpoint may be a deployment being created: never touched
    mine = [
        (directory, raw)
        for directory, raw in raw_checkpoints(workspace)
        if raw.get("environment") == environment and raw.get("id") == directory.name
    ]
    latest = mine[-1][1].get("id") if mine else None
    newest_success = next(
        (
            raw.get("id")
            for _d, raw in reversed(mine)
            if raw.get("status") == "succeeded" and raw.get("command") in ("apply", "rollback")
        ),
        None,
    )
    copies = _newest_copies(workspace, environment, mine)
    for directory, raw in mine[: max(0, len(mine) - keep)]:
        reason = _why_keep(raw, newest_success, latest) or copies.get(directory.name)
        if reason is not None:
            report.protected[directory.name] = reason
            continue
        try:
            shutil.rmtree(directory)
        except OSError as exc:
            log.warning("could not remove the old deployment %s: %s", directory, exc)
            continue
        report.removed.append(directory.name)
    if report.removed:
        report.freed_bytes = AssetStore(workspace.objects_dir()).collect_garbage()
    return report


def _newest_copies(workspace: Workspace, environment: str, mine: list[tuple[Path, dict[str, Any]]]) -> dict[str, str]:
    """Deployment id → why it is kept: it holds the newest copy of stacks that are still deployed."""
    from strands_tf.deploy.gone import deployed_stack_names, recorded_copy

    wanted = deployed_stack_names(workspace, workspace.root, environment)
    holders: dict[str, list[str]] = {}
    for directory, raw in reversed(mine):
        if not wanted:
            break
        held = sorted(name for name in wanted if recorded_copy(directory, raw, name) is not None)
        if held:
            holders[directory.name] = held
            wanted -= set(held)
    return {
        deployment: f"the newest copy of deployed stack(s) {', '.join(names)} (destroys them once not configured)"
        for deployment, names in holders.items()
    }
