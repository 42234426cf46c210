"""`record_deployment`: called after apply, destroy and rollback; never fails the deployment it records."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.deploy.checkpoint import CheckpointStore
from strands_tf.errors import StrandsError
from strands_tf.history import layout
from strands_tf.history.models import CallerInfo
from strands_tf.history.record import build_record
from strands_tf.history.service import SPOOL_DIR, History, open_history

log = logging.getLogger(__name__)


@dataclass
class RecordResult:
    """Where the record went: uploaded to the store, or spooled for `strands history sync`, and why."""

    deployment_id: str | None
    location: str | None = None
    uploaded: bool = False
    spooled: bool = False
    synced: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.uploaded and not self.warnings


def caller_identity(resolved: ResolvedProject, factory: Any, endpoint_url: str | None) -> CallerInfo | None:
    """Who is deploying (STS), or None when it cannot be asked."""
    from strands_tf.aws.identity import get_caller_identity
    from strands_tf.aws.target import target_for_environment

    emulator = resolved.environment.target == "emulator"
    if emulator and not endpoint_url:
        return None
    try:
        target = target_for_environment(resolved, endpoint_url=endpoint_url if emulator else None)
        identity = get_caller_identity(target, factory)
    except StrandsError as exc:
        log.debug("caller identity unavailable for the history record: %s", exc.summary)
        return None
    return CallerInfo(account=identity.account, arn=identity.arn, user_id=identity.user_id)


def record_deployment(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    deployment_dir: Path,
    *,
    factory: Any = None,
    endpoint_url: str | None = None,
    secrets: Iterable[str] = (),
    history: History | None = None,
    caller: CallerInfo | None = None,
    config_override: Mapping[str, bytes] | None = None,
) -> RecordResult:
    """Build the record of `deployment_dir` and store it; on any storage problem keep it in the spool.

    `config_override` (object name → bytes, from `History.record_config`) records another record's
    configuration instead of this checkout's: a rollback deploys that configuration.
    Never raises for storage or recording problems: a history failure must not fail (or undo) a deployment
    that succeeded. Problems come back as `warnings`. Records spooled by earlier runs are uploaded too.
    """
    result = RecordResult(deployment_id=None)
    staging: Path | None = None
    try:
        checkpoint = CheckpointStore.load(deployment_dir).checkpoint
        result.deployment_id = checkpoint.id
        prefix = layout.normalize_prefix(loaded.config.history.prefix)
        key_prefix = layout.record_prefix(prefix, loaded.config.project, checkpoint.environment, checkpoint.id)
        spool_root = loaded.root / SPOOL_DIR
        staging = spool_root.joinpath(*key_prefix.split("/"))
        if staging.exists():
            shutil.rmtree(staging)  # recorded again (a resumed deployment): the newer record replaces it
        if caller is None:
            caller = caller_identity(resolved, factory, endpoint_url)
        built = build_record(
            loaded, resolved, deployment_dir, staging, caller=caller, secrets=secrets, config_override=config_override
        )
    except Exception as exc:  # recording must never fail the deployment: report every failure as a warning
        summary = exc.summary if isinstance(exc, StrandsError) else f"{type(exc).__name__}: {exc}"
        log.debug("building the history record failed", exc_info=True)
        result.warnings.append(f"history: the deployment record could not be built: {summary}")
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        return result
    result.spooled = True
    result.location = str(staging)
    if loaded.config.history.metrics:
        from strands_tf.history.metrics import publish_deployment_metrics

        warning = publish_deployment_metrics(built.metadata, resolved, factory=factory, endpoint_url=endpoint_url)
        if warning:
            result.warnings.append(warning)
    try:
        history = history or open_history(loaded, resolved, factory=factory, endpoint_url=endpoint_url)
        report = history.sync()
    except Exception as exc:  # same rule: the record stays in the spool for `strands history sync`
        summary = exc.summary if isinstance(exc, StrandsError) else f"{type(exc).__name__}: {exc}"
        log.debug("uploading the history record failed", exc_info=True)
        result.warnings.append(
            f"history: record kept in {staging}; upload failed: {summary}. "
            "It is uploaded by the next command or `strands history sync`."
        )
        return result
    if key_prefix in report.uploaded:
        result.uploaded = True
        result.spooled = False
        result.location = f"{history.store.location}/{key_prefix}"
    elif report.skipped_busy:
        result.warnings.append(
            f"history: record kept in {staging}; another strands process is uploading "
            "spooled records, run `strands history sync` later"
        )
    else:
        reason = report.pending.get(key_prefix, "not uploaded")
        result.warnings.append(
            f"history: record kept in {staging}; upload failed: {reason}. "
            "It is uploaded by the next command or `strands history sync`."
        )
    result.synced = [k for k in report.uploaded if k != key_prefix]
    return result
