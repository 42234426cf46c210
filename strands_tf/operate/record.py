"""A deployment as `strands analyze` reads it: outcome per stack, Terraform's diagnostics, events, plans, config.

The deployment's own directory (`.strands/deployments/<id>`: checkpoint, events.jsonl, plan summaries and
the synthesized stacks) when it was made from this checkout; else its history record (metadata.json,
events.jsonl, plan summaries and the recorded strands.yaml), already redacted. Events are read line by line
and only what analysis needs is kept: diagnostics and the resources whose apply errored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.deploy.checkpoint import CHECKPOINT_FILE, read_raw_checkpoint
from strands_tf.deploy.workspace import Workspace, check_deployment_id, is_deployment_id
from strands_tf.errors import NotFoundError
from strands_tf.terraform.diagnostics import Diagnostic

logger = logging.getLogger(__name__)

# events kept for the model's `read_events` tool, per stack (the newest ones)
_EVENT_TAIL = 200


@dataclass(frozen=True)
class StackOutcome:
    """How one stack of the deployment ended."""

    name: str
    status: str
    error: str | None = None


@dataclass(frozen=True)
class Failure:
    """One error diagnostic (or a stack error without one), with the stack and phase it came from."""

    stack: str
    phase: str
    diagnostic: Diagnostic


@dataclass
class DeploymentRecord:
    """Everything analysis reads about one deployment."""

    id: str
    project: str
    environment: str
    command: str
    status: str
    source: str  # where it was read from (a directory or a history location)
    stacks: dict[str, StackOutcome] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    errored: list[tuple[str, str, str]] = field(default_factory=list)  # (stack, address, action) of apply_errored
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # the newest events per stack
    plan_summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    config_files: dict[str, str] = field(default_factory=dict)  # rel -> recorded text (history records only)
    stacks_dir: Path | None = None  # the synthesized stacks the deployment ran (local deployments only)

    @property
    def failed(self) -> bool:
        return self.status != "succeeded"

    def module_inputs(self, stack: str, module_id: str) -> dict[str, Any]:
        """The inputs a module was called with in the synthesized stack (empty when not at hand)."""
        if self.stacks_dir is None:
            return {}
        try:
            doc = json.loads((self.stacks_dir / stack / "cdk.tf.json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        body = (doc.get("module") or {}).get(module_id)
        return body if isinstance(body, dict) else {}

    def brief(self) -> dict[str, Any]:
        """JSON form of the outcome (no events)."""
        return {
            "id": self.id,
            "project": self.project,
            "environment": self.environment,
            "command": self.command,
            "status": self.status,
            "source": self.source,
            "stacks": {n: {"status": s.status, "error": s.error} for n, s in self.stacks.items()},
            "errored_resources": [{"stack": s, "address": a, "action": act} for s, a, act in self.errored],
        }


def _lines(lines: Iterable[str], record: DeploymentRecord) -> None:
    seen: set[tuple[str, str, str, str | None]] = set()
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash
        if not isinstance(entry, dict) or not isinstance(entry.get("event"), dict):
            continue
        stack, phase, event = str(entry.get("stack", "")), str(entry.get("phase", "")), entry["event"]
        tail = record.events.setdefault(stack, [])
        tail.append({"phase": phase, **event})
        if len(tail) > _EVENT_TAIL:
            del tail[0]
        diag = Diagnostic.from_event(event)
        if diag is not None and diag.is_error:
            key = (stack, diag.summary, diag.detail, diag.address)
            if key not in seen:  # plan and apply report some errors twice
                seen.add(key)
                record.failures.append(Failure(stack, phase, diag))
        elif event.get("type") == "apply_errored":
            hook = event.get("hook") or {}
            address = (hook.get("resource") or {}).get("addr")
            if address:
                record.errored.append((stack, str(address), str(hook.get("action", ""))))


def _stack_errors(record: DeploymentRecord) -> None:
    """A failed stack whose error left no diagnostic (init, a crash) still counts as a failure."""
    with_diagnostics = {f.stack for f in record.failures}
    for outcome in record.stacks.values():
        if outcome.status in ("failed", "cancelled") and outcome.error and outcome.name not in with_diagnostics:
            if outcome.error == "not confirmed":
                continue
            record.failures.append(Failure(outcome.name, "run", Diagnostic("error", outcome.error)))


def read_local(directory: Path) -> DeploymentRecord:
    """A deployment from its directory under `.strands/deployments`."""
    from strands_tf.deploy.checkpoint import CheckpointStore

    checkpoint = CheckpointStore.load(directory).checkpoint
    record = DeploymentRecord(
        checkpoint.id, checkpoint.project, checkpoint.environment, checkpoint.command, checkpoint.status,
        str(directory),
        stacks={n: StackOutcome(n, s.status, s.error) for n, s in checkpoint.stacks.items()},
        stacks_dir=directory / checkpoint.synth_dir / "stacks",
    )  # fmt: skip
    events = directory / "events.jsonl"
    if events.is_file():
        with events.open("r", encoding="utf-8", errors="replace") as handle:
            _lines(handle, record)
    for path in sorted((directory / "plans").glob("*.summary.json")):
        try:
            record.plan_summaries[path.name[: -len(".summary.json")]] = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            logger.debug("unreadable plan summary %s", path)
    _stack_errors(record)
    return record


def read_history(history: Any, meta: Any) -> DeploymentRecord:
    """A deployment from its history record (objects already redacted when recorded)."""
    from strands_tf.history import layout
    from strands_tf.history.service import iter_object_lines

    record = DeploymentRecord(
        meta.id, meta.project, meta.environment, meta.command, meta.status,
        f"{history.store.location} (history)",
        stacks={n: StackOutcome(n, s.status, s.error) for n, s in meta.stacks.items()},
    )  # fmt: skip
    if layout.EVENTS in meta.objects:
        _lines(iter_object_lines(history.read_object(meta, layout.EVENTS)), record)
    for name in sorted(meta.objects):
        if name.startswith(layout.PLANS_DIR + "/") and name.endswith(".summary.json"):
            from urllib.parse import unquote

            stack = unquote(name[len(layout.PLANS_DIR) + 1 : -len(".summary.json")])
            try:
                record.plan_summaries[stack] = json.loads(history.read_object(meta, name))
            except ValueError:
                continue
        elif name.startswith(layout.CONFIG_DIR + "/") and name.endswith((".yaml", ".yml")):
            rel = name[len(layout.CONFIG_DIR) + 1 :]
            record.config_files[rel] = history.read_object(meta, name).decode("utf-8", errors="replace")
    _stack_errors(record)
    return record


def _local_checkpoints(workspace: Workspace) -> Iterator[tuple[Path, dict[str, Any]]]:
    folder = workspace.deployments_dir()
    if not folder.is_dir():
        return
    for entry in sorted((p for p in folder.iterdir() if is_deployment_id(p.name)), reverse=True):
        raw = read_raw_checkpoint(entry)
        if raw is not None:
            yield entry, raw


def find_deployment(workspace: Workspace, environment: str, deployment_id: str | None) -> Path | None:
    """The local directory of `deployment_id`, or of the environment's newest failed deployment (then newest)."""
    if deployment_id is not None:
        path = workspace.deployment_dir(check_deployment_id(deployment_id))
        return path if (path / CHECKPOINT_FILE).is_file() else None
    newest: Path | None = None
    for entry, raw in _local_checkpoints(workspace):
        if raw.get("environment") != environment:
            continue
        if raw.get("status") in ("failed", "cancelled"):
            return entry
        newest = newest or entry
    return newest


def load_record(
    loaded: Any, resolved: Any, deployment_id: str | None, *, endpoint_url: str | None = None
) -> DeploymentRecord:
    """The deployment to analyze: from this checkout's deployments, else from history."""
    workspace = Workspace(loaded.root)
    environment = resolved.environment.name
    local = find_deployment(workspace, environment, deployment_id)
    if local is not None:
        return read_local(local)
    if deployment_id is None:
        raise NotFoundError(
            f"no deployment of '{environment}' was made from this checkout",
            hint="name one: `strands analyze <id>` (`strands history list` shows the recorded ones)",
        )
    from strands_tf.history.service import open_history

    history = open_history(loaded, resolved, endpoint_url=endpoint_url)
    return read_history(history, history.find(deployment_id, environment))
