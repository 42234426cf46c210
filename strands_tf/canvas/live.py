"""Live deployments on the canvas: the deployment event stream, turned into the page's `deploy.*` events.

Two sources feed one shape of event:

- a deployment started from the canvas (:class:`DeployRunner`) subscribes to the operation's event stream
  (:class:`~strands_tf.deploy.events.EventStream`), the same typed events the CLI's progress view hears, and
  runs exactly what `strands apply` / `destroy` / `rollback` run (`apply_project`, `destroy_project`,
  `rollback_project`, the project lock, the history record), with the confirmation asked on the page;
- a deployment started in a terminal (:class:`Follower`) is followed through its files: `events.jsonl`, read
  back with the stream's own decoder, and `checkpoint.json` for the stacks' phases and outcomes.

Every event gets the canvas node (and edges) its resource belongs to and a number `i` within its deployment;
the server keeps each deployment's events, so a page opened (or reconnected) mid-way asks for them once
(`GET /api/deploy`) and then applies only events it has not seen.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.canvas.hub import Hub
from strands_tf.canvas.plan import canvas_node, edge_owners, edges_of, error_view, gone_node, node_action
from strands_tf.deploy.checkpoint import read_raw_checkpoint
from strands_tf.deploy.events import AwsCallEvent, DeploymentEvent, StackDone, StackEvent, StackPhase, decode_log_line
from strands_tf.deploy.workspace import AWS_CALLS_FILE, EVENTS_FILE, Workspace
from strands_tf.errors import ConflictError, StrandsError, UserError
from strands_tf.terraform.events import DiagnosticEvent, HookEvent

logger = logging.getLogger(__name__)

COMMANDS = ("apply", "destroy", "rollback")
# Terraform UI events of the plan phase worth showing (the rest of a plan is refresh noise)
_PLAN_TYPES = {"planned_change", "resource_drift", "diagnostic", "change_summary"}
# checkpoint stack status → the phase the stack is in (a terminal deployment has no StackPhase in its files)
_PHASE_OF_STATUS = {"pending": "plan", "planned": "planned", "applying": "apply"}
_DONE_STATUSES = {"applied", "no_changes", "failed", "cancelled", "skipped", "interrupted"}


class NodeMap:
    """Terraform addresses → canvas node and edges, for one environment's graph."""

    def __init__(self, graph: Any, config: Any) -> None:
        self.graph = graph
        self.owners = edge_owners(graph, config)
        self._cache: dict[str, tuple[str | None, list[str]]] = {}

    @classmethod
    def for_project(cls, root: Path, environment: str | None) -> NodeMap | None:
        """The map of the project's environment as strands.yaml says now (None when it cannot be read)."""
        from strands_tf.config import load_project, resolve
        from strands_tf.generators.synth import infra_graph

        try:
            loaded = load_project(root)
            resolved = resolve(loaded, environment)
            return cls(infra_graph(loaded, resolved), loaded.config)
        except Exception as exc:  # the events still show, without nodes
            logger.info("no node map for the live view: %s", exc)
            return None

    def lookup(self, address: str) -> tuple[str | None, list[str]]:
        """(node, edges) of a resource address."""
        found = self._cache.get(address)
        if found is None:
            node = canvas_node(self.graph, address)
            if node is None and (gone := gone_node(address, self.graph)) is not None:
                node = gone[0]
            found = self._cache[address] = (node, edges_of(self.owners, address))
        return found


def _classified(event: DiagnosticEvent) -> dict[str, Any]:
    """A diagnostic with the classification the CLI prints (category, kind and the suggested fix)."""
    from strands_tf.terraform.diagnostics import Diagnostic, classify

    out: dict[str, Any] = {
        "severity": event.severity,
        "summary": event.summary,
        "detail": event.detail,
        "address": event.address,
    }
    if event.severity == "error":
        diagnostic = Diagnostic.from_event(event.data)
        if diagnostic is not None:
            found = classify(diagnostic)
            out.update(kind=found.kind, category=found.category, fix=found.next_step)
    return out


def _epoch(value: Any) -> float | None:
    from strands_tf.terraform.events import parse_timestamp

    parsed = parse_timestamp(value)
    return parsed.timestamp() if parsed is not None else None


def wire(event: DeploymentEvent, nodes: NodeMap | None) -> dict[str, Any] | None:
    """One deployment event as the page reads it (None for events the page does not show)."""
    now = time.time()
    if isinstance(event, StackPhase):
        return {"k": "phase", "stack": event.stack, "phase": event.phase, "attempt": event.attempt, "ts": now}
    if isinstance(event, StackDone):
        return {"k": "done", "stack": event.stack, "status": event.status, "error": event.error,
                "attempt": event.attempt, "ts": now}  # fmt: skip
    if isinstance(event, AwsCallEvent):
        return {"k": "aws", "stack": event.stack, "attempt": event.attempt, "ts": _epoch(event.call.time) or now,
                **event.call.to_json()}  # fmt: skip
    if not isinstance(event, StackEvent):
        return None
    ui = event.event
    if event.phase == "plan" and ui.type not in _PLAN_TYPES:
        return None
    if ui.type in ("version", "outputs"):
        return None
    out: dict[str, Any] = {
        "k": "tf",
        "stack": event.stack,
        "phase": event.phase,
        "attempt": event.attempt,
        "type": ui.type,
        "level": ui.level,
        "msg": ui.message,
        "ts": _epoch(ui.timestamp) or now,
        "sent": now,  # when the runner read the line: the latency benchmark measures from here
    }
    address = ui.resource_addr
    if address:
        out["address"] = address
        if nodes is not None:
            node, edges = nodes.lookup(address)
            out["node"] = node
            if edges:
                out["edges"] = edges
    if ui.resource is not None and ui.resource.resource_type:
        out["rtype"] = ui.resource.resource_type
    elif address:
        out["rtype"] = address.split(".")[-2].split("[")[0] if "." in address else None
    if ui.action:
        out["action"] = ui.action
    if isinstance(ui, HookEvent):
        if ui.elapsed_seconds is not None:
            out["elapsed"] = ui.elapsed_seconds
        if ui.id_value:
            out["id"] = ui.id_value
    if isinstance(ui, DiagnosticEvent):
        out["diag"] = _classified(ui)
    return out


# ---------------------------------------------------------------------------------------------- deployments


@dataclass
class LiveDeployment:
    """One deployment the canvas shows: where it came from, its state and every event it had (numbered)."""

    key: str  # "canvas-<n>" or the deployment id (terminal)
    command: str
    environment: str
    source: str  # canvas | terminal
    id: str | None = None
    status: str = "starting"  # starting | planning | review | running | succeeded | failed | cancelled | interrupted
    started: float = field(default_factory=time.time)
    finished: float | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    review: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    rollback_of: str | None = None
    holder: str | None = None
    project: str = ""

    def info(self, *, events: bool = False) -> dict[str, Any]:
        out = {
            "key": self.key,
            "id": self.id,
            "command": self.command,
            "environment": self.environment,
            "source": self.source,
            "status": self.status,
            "started": self.started,
            "finished": self.finished,
            "review": self.review,
            "result": self.result,
            "rollback_of": self.rollback_of,
            "holder": self.holder,
            "project": self.project,
            "count": len(self.events),
        }
        if events:
            out["events"] = list(self.events)
        return out

    @property
    def running(self) -> bool:
        return self.finished is None


class LiveBoard:
    """The deployments the canvas knows: the current one and the last finished; numbering and publishing."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.current: LiveDeployment | None = None
        self.last: LiveDeployment | None = None
        self._lock = threading.RLock()
        self._outbox: list[tuple[str, dict[str, Any]]] = []
        self._flush_due = False

    def begin(self, deployment: LiveDeployment) -> None:
        with self._lock:
            self.current = deployment
        self.hub.publish_threadsafe("deploy.started", {"deployment": deployment.info()})

    def add(self, deployment: LiveDeployment, event: dict[str, Any] | None) -> None:
        """Number `event` within its deployment, keep it, and send it to every page.

        Events are sent in batches: everything added until the server's loop next runs goes out as one
        `deploy.events` message (a burst of a thousand events is one message, not a thousand queued ones).
        """
        if event is None:
            return
        with self._lock:
            event["i"] = len(deployment.events) + 1
            deployment.events.append(event)
            self._outbox.append((deployment.key, event))
            due, self._flush_due = self._flush_due, True
        if not due:
            self.hub.call_soon(self._flush)

    def _flush(self) -> None:
        """Send what was added since the last flush (on the server's loop)."""
        with self._lock:
            outbox, self._outbox, self._flush_due = self._outbox, [], False
        batches: dict[str, list[dict[str, Any]]] = {}
        for key, event in outbox:
            batches.setdefault(key, []).append(event)
        for key, events in batches.items():
            self.hub.publish("deploy.events", {"key": key, "events": events})

    def update(self, deployment: LiveDeployment, **changes: Any) -> None:
        """Change a deployment's state (status, review, id) and tell the pages."""
        with self._lock:
            for name, value in changes.items():
                setattr(deployment, name, value)
        self.hub.publish_threadsafe("deploy.state", {"deployment": deployment.info()})

    def finish(self, deployment: LiveDeployment, status: str, result: dict[str, Any]) -> None:
        with self._lock:
            deployment.status = status
            deployment.result = result
            deployment.review = None
            deployment.finished = time.time()
            if self.current is deployment:
                self.current = None
            self.last = deployment
        self.hub.publish_threadsafe("deploy.finished", {"deployment": deployment.info()})

    def snapshot(self) -> dict[str, Any]:
        """What a page opened now needs: the current deployment and the last finished, with their events."""
        with self._lock:
            return {
                "current": self.current.info(events=True) if self.current else None,
                "last": self.last.info(events=True) if self.last else None,
            }


# ---------------------------------------------------------------------------------------------- from the canvas


@dataclass
class _Decision:
    event: threading.Event = field(default_factory=threading.Event)
    approved: bool = False


def review_of(plans: list[Any], nodes: NodeMap | None, *, destroy: bool) -> dict[str, Any]:
    """What the page shows before a wave is applied: each stack's summary and an action per node."""
    actions: dict[str, list[str]] = {}
    changes: dict[str, list[dict[str, Any]]] = {}
    for stack_plan in plans:
        for rc in stack_plan.plan.resource_changes:
            if nodes is None:
                break
            node, _ = nodes.lookup(rc.address)
            if node is None:
                continue
            actions.setdefault(node, []).append(rc.action)
            if rc.action not in ("no-op", "read"):
                changes.setdefault(node, []).append({"address": rc.address, "action": rc.action,
                                                     "stack": stack_plan.stack.name})  # fmt: skip
    return {
        "destroy": destroy,
        "stacks": {p.stack.name: p.summary.to_json() for p in plans},
        "nodes": {node: {"action": node_action(found), "changes": changes.get(node, [])}
                  for node, found in actions.items()},
    }  # fmt: skip


class DeployRunner:
    """Runs one apply, destroy or rollback started from the canvas at a time, in a worker thread."""

    def __init__(self, root: Path, board: LiveBoard, *, runtime_factory: Any = None) -> None:
        self.root = root
        self.workspace = Workspace(root)
        self.board = board
        self.runtime_factory = runtime_factory
        self._lock = threading.Lock()
        self._next = 0
        self._thread: threading.Thread | None = None
        self._cancellation: Any = None
        self._decision: _Decision | None = None
        self._deployment: LiveDeployment | None = None

    def lock_holder(self) -> str | None:
        """Who holds the project lock now (a CLI command or another canvas), or None."""
        from strands_tf.state.lock import ProjectLock, process_gone

        holder = ProjectLock(self.root, "canvas").read_holder()
        if holder is None or process_gone(holder.pid, holder.host, holder.proc_start):
            return None
        return holder.describe()

    def start(self, command: str, environment: str, deployment: str | None = None) -> LiveDeployment:
        """Start `command` on `environment`; ConflictError while a deployment runs (here or in a terminal)."""
        from strands_tf.terraform.runner import Cancellation

        if command not in COMMANDS:
            raise UserError(f"unknown command {command!r}", hint="apply, destroy or rollback")
        if command == "rollback" and not deployment:
            raise UserError("a rollback needs the deployment to roll back to")
        with self._lock:
            if self._deployment is not None and self._deployment.running:
                raise ConflictError("a deployment started from the canvas is running",
                                    hint="wait for it, or cancel it")  # fmt: skip
            current = self.board.current
            if current is not None and current.running:
                raise ConflictError(f"deployment {current.id} is running (started in a terminal)",
                                    hint="wait for it, or cancel it")  # fmt: skip
            holder = self.lock_holder()
            if holder is not None:
                raise ConflictError(f"the project is locked by {holder}", hint="wait for that command to finish")
            self._next += 1
            live = LiveDeployment(f"canvas-{os.getpid()}-{self._next}", command, environment, "canvas",
                                  rollback_of=deployment)  # fmt: skip
            self._deployment = live
            self._cancellation = Cancellation()
            self._decision = None
            self.board.begin(live)
            self._thread = threading.Thread(target=self._run, args=(live, self._cancellation), daemon=True,
                                            name=f"canvas-{command}")  # fmt: skip
        self._thread.start()
        return live

    def confirm(self, approve: bool, project_name: str | None = None) -> None:
        """The page's answer to the review; a destroy needs the project name typed."""
        with self._lock:
            live, decision = self._deployment, self._decision
            if live is None or decision is None or live.status != "review":
                raise ConflictError("nothing is waiting for a confirmation")
            if approve and live.command == "destroy" and project_name != live.project:
                raise UserError("the name did not match; nothing was destroyed",
                                hint=f"type the project name ({live.project}) to destroy")  # fmt: skip
            decision.approved = approve
            decision.event.set()

    def cancel(self) -> str | None:
        """Stop the running deployment: the same graceful interrupt as Ctrl-C (again: terminate)."""
        with self._lock:
            live, cancellation, decision = self._deployment, self._cancellation, self._decision
            if live is None or not live.running or cancellation is None:
                return None
            level = cancellation.cancel()
            if decision is not None:
                decision.event.set()  # a review waiting for an answer is declined
        return "stopping gracefully" if level == 1 else "terminating Terraform"

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # -- the worker

    def _ask(self, live: LiveDeployment, nodes: NodeMap | None, destroy: bool, cancellation: Any) -> Any:
        def confirm(plans: list[Any]) -> bool:
            if cancellation.requested:
                return False
            decision = _Decision()
            with self._lock:
                self._decision = decision
            self.board.update(live, status="review", review=review_of(plans, nodes, destroy=destroy))
            decision.event.wait()
            with self._lock:
                self._decision = None
            approved = decision.approved and not cancellation.requested
            self.board.update(live, status="running" if approved else "cancelled", review=None)
            return approved

        return confirm

    def _run(self, live: LiveDeployment, cancellation: Any) -> None:
        from strands_tf.config import load_project, resolve
        from strands_tf.deploy.project import (
            apply_project,
            default_runtime,
            destroy_project,
            next_steps,
            prepare,
            record_outcome,
            rollback_project,
            select,
        )

        nodes: NodeMap | None = None
        op: Any = None
        try:
            loaded = load_project(self.root)
            resolved = resolve(loaded, live.environment)
            live.project = resolved.project
            nodes = NodeMap(_graph(loaded, resolved), loaded.config)
            history = config_override = None
            if live.command == "rollback":
                from strands_tf.history.rollback import fetch_stacks

                history = open_project_history(loaded, resolved)
                meta = history.find(str(live.rollback_of), resolved.environment.name)
                fetch_stacks(history, meta, loaded.root)
                config_override = history.record_config(meta)
            deployment_id = self.workspace.next_deployment_id()
            self.board.update(live, status="planning", id=deployment_id)

            def subscriber(event: DeploymentEvent) -> None:
                self.board.add(live, wire(event, nodes))

            op = prepare(
                loaded,
                resolved,
                reporter=subscriber,
                runtime_factory=self.runtime_factory or default_runtime,
                package=live.command != "rollback",
                cancellation=cancellation,
            )
            op.ctx.aws_calls = True  # the executor keeps them in the deployment's aws-calls.jsonl too
            op.ctx.source = "canvas"
            confirm = self._ask(live, nodes, live.command == "destroy", cancellation)
            if live.command == "apply":
                select(op, None, "apply")
                result = apply_project(op, confirm=confirm, deployment_id=deployment_id)
            elif live.command == "destroy":
                select(op, None, "destroy")
                result = destroy_project(op, confirm=confirm, deployment_id=deployment_id)
            else:
                result = rollback_project(op, live.rollback_of, confirm=confirm, deployment_id=deployment_id)
            # what the CLI says before it asks (synth warnings, deployed stacks the configuration no longer makes)
            warnings = list(op.warnings) + list(result.warnings) + record_outcome(
                op, result, history=history, config_override=config_override
            )
            errors = {
                name: error_view(exc, nodes.graph if nodes else None, None) for name, exc in result.errors.items()
            }
            self.board.finish(live, result.checkpoint.status, {
                "errors": errors,
                "next_steps": next_steps(result, resolved.environment.name),
                "warnings": warnings,
                "stacks": {name: s.status for name, s in result.checkpoint.stacks.items()},
            })  # fmt: skip
        except BaseException as exc:  # every failure reaches the page, never lost in the thread
            if not isinstance(exc, StrandsError):
                logger.exception("canvas deployment failed")
            status = "cancelled" if cancellation.requested else "failed"
            self.board.finish(live, status, {"errors": {"": error_view(exc, nodes.graph if nodes else None)},
                                             "next_steps": [], "warnings": [], "stacks": {}})  # fmt: skip


def _graph(loaded: Any, resolved: Any) -> Any:
    from strands_tf.generators.synth import infra_graph

    return infra_graph(loaded, resolved)


def open_project_history(loaded: Any, resolved: Any) -> Any:
    """The environment's history, as `strands history` opens it (an emulator's through its endpoint)."""
    from strands_tf.history.service import open_history

    endpoint = None
    if resolved.environment.target == "emulator":
        from strands_tf.deploy.emulator_target import emulator_endpoint

        endpoint = emulator_endpoint(Workspace(loaded.root))
    return open_history(loaded, resolved, endpoint_url=endpoint)


# ---------------------------------------------------------------------------------------------- from a terminal


def _owner(raw: dict[str, Any]) -> dict[str, Any]:
    attempts = raw.get("attempts") or []
    last = attempts[-1] if attempts and isinstance(attempts[-1], dict) else {}
    owner = last.get("owner")
    return owner if isinstance(owner, dict) else {}


def _source(raw: dict[str, Any]) -> str:
    """canvas or terminal: what started the deployment's latest attempt (as its checkpoint says)."""
    return "canvas" if _owner(raw).get("source") == "canvas" else "terminal"


def _ours(raw: dict[str, Any]) -> bool:
    """Whether this process runs the deployment (the canvas's own: it hears the stream directly)."""
    owner = _owner(raw)
    return owner.get("pid") == os.getpid() and owner.get("host") == socket.gethostname()


def _owner_gone(raw: dict[str, Any]) -> bool:
    from strands_tf.state.lock import process_gone

    owner = _owner(raw)
    pid = owner.get("pid")
    if not isinstance(pid, int):
        return False
    return process_gone(pid, str(owner.get("host") or ""), owner.get("proc_start"))


class _FileFollow:
    """Reads one deployment's files from where it stopped: new lines of events.jsonl, stack status changes."""

    def __init__(self, directory: Path, board: LiveBoard, live: LiveDeployment, nodes: NodeMap | None) -> None:
        self.directory = directory
        self.board = board
        self.live = live
        self.nodes = nodes
        self.offset = 0
        self.partial = b""
        self.lineno = 0
        self.stacks: dict[str, str] = {}
        self.calls_offset = 0
        self.calls_partial = b""

    def read_events(self) -> None:
        try:
            with (self.directory / EVENTS_FILE).open("rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except OSError:
            return
        if not data:
            return
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        for raw in lines:
            self.lineno += 1
            event = decode_log_line(raw.decode("utf-8", errors="replace"), self.lineno)
            if event is not None:
                self.board.add(self.live, wire(event, self.nodes))

    def read_stacks(self, raw: dict[str, Any]) -> None:
        """Stack status changes of the checkpoint → phase and outcome events."""
        attempt = len(raw.get("attempts") or []) or 1
        for name, stack in (raw.get("stacks") or {}).items():
            status = stack.get("status") if isinstance(stack, dict) else None
            if not isinstance(status, str) or self.stacks.get(name) == status:
                continue
            self.stacks[name] = status
            if status in _PHASE_OF_STATUS:
                self.board.add(self.live, {"k": "phase", "stack": name, "phase": _PHASE_OF_STATUS[status],
                                           "attempt": attempt, "ts": time.time()})  # fmt: skip
            elif status in _DONE_STATUSES:
                finished = _epoch(stack.get("finished_at")) or time.time()
                self.board.add(self.live, {"k": "done", "stack": name, "status": status, "error": stack.get("error"),
                                           "attempt": attempt, "ts": finished})  # fmt: skip

    def read_calls(self) -> None:
        """New AWS calls the deployment kept (written while a canvas watches, or by a canvas's own deployment)."""
        try:
            with (self.directory / AWS_CALLS_FILE).open("rb") as fh:
                fh.seek(self.calls_offset)
                data = fh.read()
        except OSError:
            return
        lines = (self.calls_partial + data).split(b"\n")
        self.calls_offset += len(data)
        self.calls_partial = lines.pop()
        for line in lines:
            with contextlib.suppress(ValueError, TypeError, AttributeError, RecursionError):
                call = json.loads(line.decode("utf-8", errors="replace"))
                ts = _epoch(call.get("time")) or 0.0
                self.board.add(self.live, {"k": "aws", "ts": ts, **call})

    def finish(self, raw: dict[str, Any], status: str) -> None:
        self.board.finish(self.live, status, checkpoint_result(raw))


def checkpoint_result(raw: dict[str, Any]) -> dict[str, Any]:
    """How a deployment another process ran ended, from its checkpoint (its diagnostics are in its events)."""
    stacks = {n: s for n, s in (raw.get("stacks") or {}).items() if isinstance(s, dict)}
    errors = {
        name: {"category": None, "summary": stack.get("error"), "detail": None, "hint": None}
        for name, stack in stacks.items()
        if stack.get("error") and stack.get("status") in ("failed", "interrupted")
    }
    return {
        "errors": errors,
        "next_steps": [],
        "warnings": [],
        "stacks": {n: s.get("status") for n, s in stacks.items()},
    }


def load_deployment(directory: Path, board: LiveBoard, nodes: NodeMap | None) -> LiveDeployment | None:
    """A finished deployment read back from its files (the canvas shows the last one's failures)."""
    raw = read_raw_checkpoint(directory)
    if raw is None:
        return None
    live = LiveDeployment(directory.name, str(raw.get("command") or "apply"), str(raw.get("environment") or ""),
                          _source(raw), id=directory.name, rollback_of=raw.get("rollback_of"),
                          project=str(raw.get("project") or ""))  # fmt: skip
    live.started = _epoch(raw.get("started_at")) or time.time()
    follow = _FileFollow(directory, _Quiet(board), live, nodes)
    follow.read_events()
    follow.read_stacks(raw)
    follow.read_calls()
    live.events.sort(key=lambda e: e.get("ts") or 0)
    for n, event in enumerate(live.events, 1):
        event["i"] = n
    live.status = str(raw.get("status") or "failed")
    live.finished = _epoch(raw.get("finished_at")) or time.time()
    live.result = checkpoint_result(raw)
    return live


class _Quiet(LiveBoard):
    """A board that numbers and keeps events without publishing them (reading a finished deployment)."""

    def __init__(self, board: LiveBoard) -> None:
        super().__init__(board.hub)

    def add(self, deployment: LiveDeployment, event: dict[str, Any] | None) -> None:
        if event is not None:
            deployment.events.append(event)


class Follower:
    """Watches `.strands/deployments` for a deployment another process runs, and follows it to its end."""

    def __init__(self, root: Path, board: LiveBoard, environment: Any) -> None:
        self.root = root
        self.workspace = Workspace(root)
        self.board = board
        self.environment = environment  # callable: the canvas's environment now
        self._follow: _FileFollow | None = None
        self._seen: set[str] = set()
        self._last_scan = 0.0
        self._loaded_last = False

    def poll(self) -> None:
        """One step: find a running deployment, or read what the followed one wrote since the last step."""
        if not self._loaded_last:
            self._loaded_last = True
            self._load_last()
        if self._follow is None:
            now = time.monotonic()
            if now - self._last_scan < 0.5:
                return
            self._last_scan = now
            self._scan()
            return
        follow = self._follow
        follow.read_events()
        follow.read_calls()
        raw = read_raw_checkpoint(follow.directory)
        if raw is None:
            return
        follow.read_stacks(raw)
        status = raw.get("status")
        if status == "running" and not _owner_gone(raw):
            return
        follow.read_events()
        follow.read_calls()
        self._follow = None
        follow.finish(raw, "interrupted" if status == "running" else str(status))

    def _load_last(self) -> None:
        """The latest finished deployment of the canvas's environment, so its failures show on the graph."""
        if self.board.last is not None:
            return
        environment = self.environment()
        for directory in reversed(self.workspace.deployment_dirs()):
            raw = read_raw_checkpoint(directory)
            if raw is None or (environment and raw.get("environment") != environment):
                continue
            if raw.get("status") == "running":
                return  # the scan follows it
            self._seen.add(directory.name)
            nodes = NodeMap.for_project(self.root, raw.get("environment"))
            self.board.last = load_deployment(directory, self.board, nodes)
            return

    def _scan(self) -> None:
        dirs = self.workspace.deployment_dirs()
        for directory in reversed(dirs[-5:]):  # a running deployment is one of the newest
            if directory.name in self._seen:
                continue
            current = self.board.current
            if current is not None and current.id == directory.name:
                continue  # the canvas's own deployment: it hears the event stream itself
            raw = read_raw_checkpoint(directory)
            if raw is None:
                continue
            if raw.get("status") != "running" or _ours(raw) or _owner_gone(raw):
                self._seen.add(directory.name)
                continue
            self._seen.add(directory.name)
            environment = str(raw.get("environment") or "")
            live = LiveDeployment(directory.name, str(raw.get("command") or "apply"), environment, _source(raw),
                                  id=directory.name, status="running", rollback_of=raw.get("rollback_of"),
                                  project=str(raw.get("project") or ""))  # fmt: skip
            owner = _owner(raw)
            live.holder = f"pid {owner.get('pid')} on {owner.get('host')}" if owner else None
            live.started = _epoch(raw.get("started_at")) or time.time()
            self._follow = _FileFollow(directory, self.board, live, NodeMap.for_project(self.root, environment))
            self.board.begin(live)
            return

    @property
    def following(self) -> LiveDeployment | None:
        return self._follow.live if self._follow is not None else None

    def interrupt(self) -> str:
        """Send the CLI's graceful interrupt (SIGINT, as Ctrl-C) to the process running the followed deployment."""
        from strands_tf.state.lock import ProjectLock, process_gone

        follow = self._follow
        if follow is None:
            raise ConflictError("no deployment is running")
        raw = read_raw_checkpoint(follow.directory) or {}
        owner = _owner(raw)
        pid, host = owner.get("pid"), owner.get("host")
        holder = ProjectLock(self.root, "canvas").read_holder()
        if not isinstance(pid, int) or host != socket.gethostname() or process_gone(pid, host, owner.get("proc_start")):
            raise ConflictError(f"deployment {follow.live.id} runs on {host or 'another host'}",
                                hint="stop it where it runs (Ctrl-C)")  # fmt: skip
        if holder is None or holder.pid != pid:
            raise ConflictError(f"the process running deployment {follow.live.id} does not hold the project lock")
        os.kill(pid, signal.SIGINT)
        return f"interrupt sent to pid {pid} (as Ctrl-C: Terraform stops gracefully)"
