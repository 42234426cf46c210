"""`record_deployment`: called after apply, destroy and rollback; never fails the deployment it records."""

from __future__ import annotations

import errno
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
from strands_tf.history.service import SPOOL_DIR, History, SyncReport, open_history

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
    configuration instead of the one the deployment started with: a rollback deploys that configuration.
    Records left to build by earlier commands (a full disk, a deployment killed mid-way) of the same
    environment are built too, and every spooled record is uploaded.
    Never raises for storage or recording problems: a history failure must not fail (or undo) a deployment
    that succeeded. Problems come back as `warnings`; a record that could not be built stays due (its
    checkpoint says so) and is built by the next command or `strands history sync`.
    """
    result = RecordResult(deployment_id=None)
    if caller is None:
        caller = caller_identity(resolved, factory, endpoint_url)
    built = build_into_spool(
        loaded, resolved, deployment_dir, caller=caller, secrets=secrets, config_override=config_override
    )
    result.deployment_id = built.deployment_id
    key_prefix = built.key_prefix
    if built.error is not None:
        result.warnings.append(
            f"history: the deployment record could not be built: {built.error}. "
            "It is built by the next command or `strands history sync`."
        )
    else:
        result.spooled = True
        result.location = str(built.staging)
        if loaded.config.history.metrics and built.metadata is not None:
            from strands_tf.history.metrics import publish_deployment_metrics

            warning = publish_deployment_metrics(built.metadata, resolved, factory=factory, endpoint_url=endpoint_url)
            if warning:
                result.warnings.append(warning)
    for other in build_pending(loaded, resolved, caller=caller, exclude={deployment_dir.resolve()}):
        if other.error is not None:
            result.warnings.append(f"history: the record of {other.deployment_id} could not be built: {other.error}")
    try:
        history = history or open_history(loaded, resolved, factory=factory, endpoint_url=endpoint_url)
        report = history.sync()
    except Exception as exc:  # same rule: the record stays in the spool for `strands history sync`
        summary = exc.summary if isinstance(exc, StrandsError) else f"{type(exc).__name__}: {exc}"
        log.debug("uploading the history record failed", exc_info=True)
        if built.error is None:
            result.warnings.append(
                f"history: record kept in {built.staging}; upload failed: {summary}. "
                "It is uploaded by the next command or `strands history sync`."
            )
        return result
    result.synced = [k for k in report.uploaded if k != key_prefix]
    if built.error is not None:
        return result
    if key_prefix in report.uploaded:
        result.uploaded = True
        result.spooled = False
        result.location = f"{history.store.location}/{key_prefix}"
    elif report.skipped_busy:
        result.warnings.append(
            f"history: record kept in {built.staging}; another strands process is uploading "
            "spooled records, run `strands history sync` later"
        )
    else:
        reason = report.pending.get(key_prefix or "", "not uploaded")
        result.warnings.append(
            f"history: record kept in {built.staging}; upload failed: {reason}. "
            "It is uploaded by the next command or `strands history sync`."
        )
    return result


@dataclass
class SpoolResult:
    """A record built into the spool, or why it could not be."""

    deployment_id: str | None
    key_prefix: str | None = None
    staging: Path | None = None
    error: str | None = None
    metadata: Any = None  # the record's RecordMetadata once built (deployment metrics are published from it)


def build_into_spool(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    deployment_dir: Path,
    *,
    caller: CallerInfo | None = None,
    secrets: Iterable[str] = (),
    config_override: Mapping[str, bytes] | None = None,
) -> SpoolResult:
    """Build one deployment's record into `.strands/history-spool/` and note in its checkpoint that it is built.

    A failure (a full disk included) removes the half-built record and leaves the checkpoint saying the
    record is due, so a later command builds it.
    """
    built = SpoolResult(deployment_id=None)
    try:
        store = CheckpointStore.load(deployment_dir)
        checkpoint = store.checkpoint
        built.deployment_id = checkpoint.id
        prefix = layout.normalize_prefix(loaded.config.history.prefix)
        built.key_prefix = layout.record_prefix(prefix, loaded.config.project, checkpoint.environment, checkpoint.id)
        built.staging = (loaded.root / SPOOL_DIR).joinpath(*built.key_prefix.split("/"))
        if built.staging.exists():
            shutil.rmtree(built.staging)  # recorded again (a resumed deployment): the newer record replaces it
        record = build_record(
            loaded,
            resolved,
            deployment_dir,
            built.staging,
            caller=caller,
            secrets=secrets,
            config_override=config_override,
        )
        built.metadata = record.metadata
    except Exception as exc:  # recording must never fail the deployment: report every failure
        built.error = _describe(exc)
        log.debug("building the history record failed", exc_info=True)
        if built.staging is not None:
            shutil.rmtree(built.staging, ignore_errors=True)
        return built
    try:
        store.mark_recorded()
    except (OSError, StrandsError) as exc:  # the record is spooled; at worst it is built once more later
        log.warning("history: could not note in %s that its record is built: %s", deployment_dir, _describe(exc))
    return built


def build_pending(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    *,
    caller: CallerInfo | None = None,
    exclude: set[Path] | frozenset[Path] = frozenset(),
) -> list[SpoolResult]:
    """Build the records still due for finished deployments of the resolved environment, oldest first."""
    from strands_tf.deploy.recovery import records_due
    from strands_tf.deploy.workspace import Workspace

    results = []
    for directory in records_due(Workspace(loaded.root), resolved.environment.name):
        if directory.resolve() in exclude:
            continue
        results.append(build_into_spool(loaded, resolved, directory, caller=caller))
    return results


@dataclass
class SyncOutcome:
    """`strands history sync`: deployments found killed, records built now, and the upload report."""

    interrupted: list[str]
    built: list[SpoolResult]
    report: SyncReport


def sync_records(loaded: LoadedProject, resolved: ResolvedProject, history: History) -> SyncOutcome:
    """Finish what earlier commands could not: mark deployments killed mid-way, build the records still due
    for the resolved environment, then upload every spooled record."""
    from strands_tf.deploy.recovery import mark_interrupted
    from strands_tf.deploy.workspace import Workspace

    interrupted = mark_interrupted(Workspace(loaded.root))
    built = build_pending(loaded, resolved)
    return SyncOutcome(interrupted, built, history.sync())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, StrandsError):
        return exc.summary
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return f"the disk is full ({exc.filename or 'no space left on device'})"
    return f"{type(exc).__name__}: {exc}"
