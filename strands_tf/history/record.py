"""Build one deployment record from a deployment directory, the project config and the state file.

The record is written into a staging directory with the object layout it has in the store; every text
object passes through the redactor, and the metadata lists the sha256 and size of every object.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from strands_tf import __version__
from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.config.secrets import masked_config_texts
from strands_tf.deploy.checkpoint import Checkpoint, CheckpointStore
from strands_tf.deploy.events import decode_log_line
from strands_tf.deploy.workspace import CONFIG_SNAPSHOT_DIR, EVENTS_FILE, summary_file
from strands_tf.errors import StateError, StrandsError
from strands_tf.fsutil import PRIVATE_FILE_MODE, atomic_write_text, open_private, private_mkdir, sha256_file
from strands_tf.history import layout
from strands_tf.history.archive import write_stacks_archive
from strands_tf.history.gitinfo import git_info
from strands_tf.history.models import (
    AttemptInfo,
    CallerInfo,
    ChangeRef,
    Changes,
    ObjectInfo,
    RecordMetadata,
    ResourceTiming,
    StackInfo,
)
from strands_tf.history.redact import Redactor
from strands_tf.history.secrets import harvest_secrets
from strands_tf.inputfile import loads_json
from strands_tf.terraform.events import ProgressTracker, Status
from strands_tf.terraform.waves import DEFAULT_PARALLELISM, Timeline, build_timeline

log = logging.getLogger(__name__)

_ACTION_FIELDS = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}
_FLUSH_BYTES = 32 * 1024 * 1024
_BATCH_BYTES = 4 * 1024 * 1024


@dataclass
class BuiltRecord:
    """A record ready to store: its objects under `directory`, and its metadata."""

    metadata: RecordMetadata
    directory: Path

    @property
    def id(self) -> str:
        return self.metadata.id

    def object_names(self) -> list[str]:
        """Every object except metadata.json, in upload order."""
        return sorted(self.metadata.objects)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _ResourceLogs:
    """Per-resource JSONL files, buffered: lines are kept in memory and appended in bulk, so a log with
    thousands of resources costs a few file opens per resource, not one per line."""

    def __init__(self, directory: Path, flush_bytes: int = _FLUSH_BYTES) -> None:
        self.directory = directory
        self.flush_bytes = flush_bytes
        self._buffers: dict[tuple[str, str], list[str]] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._pending = 0

    @property
    def names(self) -> set[str]:
        return set(self._names.values())

    def write(self, stack: str, address: str, line: str) -> None:
        key = (stack, address)
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = []
            if key not in self._names:
                self._names[key] = layout.resource_log_name(stack, address)
        buffer.append(line)
        self._pending += len(line) + 1
        if self._pending >= self.flush_bytes:
            self.flush()

    def flush(self) -> None:
        for key, lines in self._buffers.items():
            path = self.directory / self._names[key]
            private_mkdir(path.parent)
            with open_private(path, "a") as fh:
                fh.write("\n".join(lines) + "\n")
        self._buffers.clear()
        self._pending = 0


# hook types that carry what the timings need; apply_progress and provisioner output (most of a long
# log) only repeat what apply_start/apply_complete already say
_TIMING_EVENTS = frozenset({"planned_change", "apply_start", "apply_complete", "apply_errored"})


# progress per (attempt, stack)
_Trackers = dict[tuple[int, str], ProgressTracker]


@dataclass
class _EventDigest:
    trackers: _Trackers
    redactions: int
    resource_logs: set[str]
    lines: int


def _process_events(source: Path, staging: Path, redactor: Redactor) -> _EventDigest:
    """Copy events.jsonl (redacted), split it per resource, and replay apply hooks per attempt and stack."""
    trackers: _Trackers = {}
    logs = _ResourceLogs(staging)
    redactions = 0
    count = 0
    target = staging / layout.EVENTS
    with source.open("r", encoding="utf-8", errors="replace") as src, open_private(target, "w") as dst:
        while True:
            # redact a few MB at a time: one regex pass per block instead of one per line
            batch = src.readlines(_BATCH_BYTES)
            if not batch:
                break
            block = "".join(line if line.endswith("\n") else line + "\n" for line in batch if line.strip())
            if redactor.active:
                block, n = redactor.text(block)
                redactions += n
            dst.write(block)
            for line in block.splitlines():
                count += 1
                logged = decode_log_line(line, count)  # the stream's own decoder: the same typed events
                if logged is None:
                    continue
                address = logged.event.resource_addr
                if address:
                    logs.write(logged.stack, address, line)
                if logged.phase == "apply" and logged.event.type in _TIMING_EVENTS:
                    trackers.setdefault((logged.attempt, logged.stack), ProgressTracker()).feed(logged.event)
    logs.flush()
    return _EventDigest(trackers, redactions, logs.names, count)


def _write_text(staging: Path, name: str, text: str, redactor: Redactor, redactions: dict[str, int]) -> None:
    clean, count = redactor.text(text) if redactor.active else (text, 0)
    if count:
        redactions[name] = count
    path = staging / name
    private_mkdir(path.parent)
    with open_private(path, "w") as fh:
        fh.write(clean)


def _json_text(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def _config_files(loaded: LoadedProject) -> dict[str, Path]:
    files = {layout.ORIGINAL_CONFIG: loaded.config_file}
    for path in sorted(set(loaded.fragment_files.values())):
        try:
            rel = path.resolve().relative_to(loaded.root.resolve()).as_posix()
        except ValueError:
            rel = f"fragments/{path.parent.name}/{path.name}"
        files[f"{layout.CONFIG_DIR}/{rel}"] = path
    return files


def _read_summary(path: Path) -> tuple[str, dict[str, Any] | None]:
    text = path.read_text("utf-8", errors="replace")
    try:
        summary = loads_json(text)
    except ValueError:
        summary = None
    return text, summary if isinstance(summary, dict) else None


def _stacks_and_changes(
    checkpoint: Checkpoint,
    deployment_dir: Path,
    staging: Path,
    redactor: Redactor,
    redactions: dict[str, int],
    trackers: _Trackers,
) -> tuple[dict[str, StackInfo], Changes, str | None]:
    """Per-stack outcome, and what every attempt changed: a resumed deployment's record covers all of it."""
    stacks: dict[str, StackInfo] = {
        name: StackInfo(
            status=stack.status,
            dependencies=list(stack.dependencies),
            started_at=stack.started_at,
            finished_at=stack.finished_at,
            error=stack.error,
            counts=dict(stack.changes),
        )
        for name, stack in checkpoint.stacks.items()
    }
    changes = Changes()
    seen: set[tuple[str, str, str]] = set()
    terraform_version: str | None = None

    def add(field: str, stack: str, address: str) -> None:
        if (field, stack, address) not in seen:
            seen.add((field, stack, address))
            getattr(changes, field).append(ChangeRef(stack=stack, address=address))

    for attempt in checkpoint.all_attempts():
        for name, outcome in attempt.stacks.items():
            path = summary_file(deployment_dir, name, attempt.number)
            if not path.is_file():
                continue
            text, summary = _read_summary(path)
            _write_text(staging, layout.plan_summary_name(name, attempt.number), text, redactor, redactions)
            if summary is None:
                continue
            terraform_version = terraform_version or summary.get("terraform_version")
            info = stacks.get(name)
            if info is not None and not info.counts and isinstance(summary.get("counts"), dict):
                info.counts = {k: v for k, v in summary["counts"].items() if isinstance(v, int)}
            if outcome.status == "applied":
                # only what was applied changed anything: a planned-but-failed stack keeps its plan for review
                for group in summary.get("groups") or []:
                    for change in group.get("changes") or []:
                        field = _ACTION_FIELDS.get(change.get("action"))
                        if field and isinstance(change.get("address"), str):
                            add(field, name, change["address"])
            elif outcome.status in ("failed", "cancelled", "interrupted"):
                # a stopped apply still changed what Terraform finished: the resources whose hooks completed
                tracker = trackers.get((attempt.number, name))
                for row in tracker.rows() if tracker is not None else []:
                    field = _ACTION_FIELDS.get(row.action)
                    if row.planned and row.status is Status.DONE and field:
                        add(field, name, row.address)
    for field in _ACTION_FIELDS.values():
        getattr(changes, field).sort(key=lambda c: (c.stack, c.address))
    return stacks, changes, terraform_version


def _timings(
    trackers: _Trackers, stacks: dict[str, StackInfo], checkpoint: Checkpoint
) -> tuple[list[ResourceTiming], float | None, list[AttemptInfo]]:
    """Per-resource durations of every attempt, parallel efficiency per stack, per attempt and overall.

    Overall efficiency is busy time over possible busy time summed across attempts: the hours between an
    interrupted attempt and its resume are not wall time of the deployment.
    """
    resources: list[ResourceTiming] = []
    per_attempt: dict[int, dict[str, tuple[datetime, datetime]]] = {}
    width: dict[int, int] = {}
    for (attempt, stack), tracker in sorted(trackers.items()):
        timings = tracker.timings()
        rows = {row.address: row for row in tracker.rows()}
        for address, (start, end) in sorted(timings.items()):
            row = rows.get(address)
            resources.append(
                ResourceTiming(
                    stack=stack,
                    address=address,
                    action=row.action if row else None,
                    status=str(row.status) if row else None,
                    started_at=start.isoformat(),
                    duration_seconds=round(max(0.0, (end - start).total_seconds()), 6),
                    attempt=attempt,
                )
            )
            per_attempt.setdefault(attempt, {})[f"{stack}/{address}"] = (start, end)
        width[attempt] = width.get(attempt, 0) + 1
        timeline = build_timeline(timings)
        if stack in stacks and timings:  # the latest attempt that applied the stack wins
            stacks[stack].parallel_efficiency = _rounded(timeline.efficiency)
            stacks[stack].wall_seconds = round(timeline.wall_seconds, 6)
    timelines: dict[int, Timeline] = {
        n: build_timeline(t, parallelism=DEFAULT_PARALLELISM * max(1, width.get(n, 1))) for n, t in per_attempt.items()
    }
    possible = sum(t.wall_seconds * t.possible_parallelism for t in timelines.values())
    busy = sum(t.busy_seconds for t in timelines.values())
    overall = busy / possible if possible > 0 else None
    attempts = [
        AttemptInfo(
            number=a.number,
            started_at=a.started_at,
            finished_at=a.finished_at,
            status=a.status,
            stacks={name: entry.status for name, entry in a.stacks.items()},
            parallel_efficiency=_rounded(timelines[a.number].efficiency) if a.number in timelines else None,
        )
        for a in checkpoint.all_attempts()
    ]
    return resources, _rounded(overall), attempts


def _rounded(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None


def config_objects(loaded: LoadedProject, resolved: ResolvedProject) -> dict[str, str]:
    """The record's configuration objects (name → text): strands.yaml, fragments and the resolved configuration,
    every literal `environment` value masked (a value there may be a secret, even a short one the redactor
    could not find by value)."""
    masked = masked_config_texts(loaded)
    texts = {}
    for name, path in _config_files(loaded).items():
        text = masked.get(path)
        texts[name] = text if text is not None else path.read_text("utf-8", errors="replace")
    texts[layout.RESOLVED_CONFIG] = _json_text(resolved.to_json_dict(mask_environment=True))
    return texts


def snapshot_config(loaded: LoadedProject, resolved: ResolvedProject, deployment_dir: Path) -> None:
    """Keep the configuration a deployment starts with in its directory (`config/`, the record's object names).

    A record built later (after a full disk, or for a deployment killed mid-way) records what was deployed,
    not whatever strands.yaml says by then. Kept as the record will show it (masked), in private files.
    """
    for name, text in config_objects(loaded, resolved).items():
        target = deployment_dir / name
        private_mkdir(target.parent)
        atomic_write_text(target, text, mode=PRIVATE_FILE_MODE)


def _config_snapshot(deployment_dir: Path) -> dict[str, bytes] | None:
    snapshot = deployment_dir / CONFIG_SNAPSHOT_DIR
    if not (deployment_dir / layout.ORIGINAL_CONFIG).is_file():
        return None
    return {
        path.relative_to(deployment_dir).as_posix(): path.read_bytes()
        for path in sorted(snapshot.rglob("*"))
        if path.is_file()
    }


def _cost(
    resolved: ResolvedProject,
    state: Any,
    deployment_dir: Path,
    staging: Path,
    redactor: Redactor,
    redactions: dict[str, int],
) -> dict[str, Any] | None:
    """The monthly estimate of what the deployment left running: full in cost.json, its summary in metadata."""
    from strands_tf.cost.deployed import estimate_state, summary, write_cost_file

    try:
        estimate = estimate_state(resolved, state).to_json()
    except StrandsError as exc:  # e.g. a damaged price table: the record goes on without a cost
        log.warning("history: no cost estimate for this deployment: %s", exc.summary)
        return None
    _write_text(staging, layout.COST, _json_text(estimate), redactor, redactions)
    try:
        write_cost_file(deployment_dir, estimate)  # the baseline of the next `strands plan`
    except OSError as exc:
        log.warning("history: could not keep the cost estimate beside the deployment: %s", exc)
    return summary(estimate)


def build_record(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    deployment_dir: Path,
    staging: Path,
    *,
    caller: CallerInfo | None = None,
    secrets: Iterable[str] = (),
    target: dict[str, Any] | None = None,
    config_override: Mapping[str, bytes] | None = None,
) -> BuiltRecord:
    """Write every object of the record of `deployment_dir` into `staging` and return its metadata."""
    from strands_tf.state.manager import StateManager

    checkpoint = CheckpointStore.load(deployment_dir).checkpoint
    redactor = Redactor(patterns=list(loaded.config.history.redact))
    redactor.add_secrets(harvest_secrets(deployment_dir))
    redactor.add_secrets(secrets)
    private_mkdir(staging)
    redactions: dict[str, int] = {}

    if config_override is None:
        config_override = _config_snapshot(deployment_dir)
    if config_override is not None:
        # what the deployment started with (its snapshot), or for a rollback the configuration of the record
        # it deploys: not whatever this checkout says now
        for name, data in sorted(config_override.items()):
            if not name.startswith(layout.CONFIG_DIR + "/") or ".." in name.split("/"):
                raise StateError(f"{name!r} is not a configuration object name")
            _write_text(staging, name, data.decode("utf-8", errors="replace"), redactor, redactions)
    else:
        for name, text in config_objects(loaded, resolved).items():
            _write_text(staging, name, text, redactor, redactions)

    synth_dir = deployment_dir / checkpoint.synth_dir
    archived = write_stacks_archive(synth_dir, staging / layout.STACKS_ARCHIVE, redactor)
    if archived.redactions:
        redactions[layout.STACKS_ARCHIVE] = sum(archived.redactions.values())
        log.warning(
            "history: %d value(s) in the synthesized stacks are sensitive or match history.redact and were "
            "replaced in the record's archive (%s); rolling back to it from another machine needs --allow-redacted",
            redactions[layout.STACKS_ARCHIVE],
            ", ".join(sorted(archived.redactions)),
        )

    state = StateManager(loaded.root, checkpoint.environment).load()
    _write_text(staging, layout.STATE, _json_text(state.to_json()), redactor, redactions)
    cost = _cost(resolved, state, deployment_dir, staging, redactor, redactions)

    events_path = deployment_dir / EVENTS_FILE
    trackers: _Trackers = {}
    if events_path.is_file():
        digest = _process_events(events_path, staging, redactor)
        if digest.redactions:
            redactions[layout.EVENTS] = digest.redactions
        trackers = digest.trackers
    else:
        open_private(staging / layout.EVENTS, "wb").close()
    stacks, changes, terraform_version = _stacks_and_changes(
        checkpoint, deployment_dir, staging, redactor, redactions, trackers
    )
    resources, efficiency, attempts = _timings(trackers, stacks, checkpoint)

    started = _parse_time(checkpoint.started_at)
    finished = _parse_time(checkpoint.finished_at)
    objects: dict[str, ObjectInfo] = {}
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        name = path.relative_to(staging).as_posix()
        if name == layout.METADATA:
            continue
        objects[name] = ObjectInfo(
            sha256=sha256_file(path), size=path.stat().st_size, redactions=redactions.get(name, 0)
        )
    metadata = RecordMetadata(
        id=checkpoint.id,
        project=checkpoint.project,
        environment=checkpoint.environment,
        command=checkpoint.command,
        status=checkpoint.status,
        rollback_of=checkpoint.rollback_of,
        started_at=checkpoint.started_at,
        finished_at=checkpoint.finished_at,
        duration_seconds=(finished - started).total_seconds() if started and finished else None,
        recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        caller=caller,
        git=git_info(loaded.root),
        tool_version=__version__,
        terraform_version=terraform_version,
        target=target
        or {
            "region": resolved.environment.region,
            "account": resolved.environment.account,
            "target": resolved.environment.target,
        },
        stacks=stacks,
        changes=changes,
        resources=resources,
        parallel_efficiency=efficiency,
        attempts=attempts,
        cost=cost,
        redactions=sum(redactions.values()),
        objects=objects,
    )
    # written last: a record directory without metadata.json is incomplete and never synced or listed
    with open_private(staging / layout.METADATA, "wb") as fh:
        fh.write(metadata.to_json_bytes())
    return BuiltRecord(metadata, staging)
