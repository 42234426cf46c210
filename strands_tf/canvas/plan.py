"""Plan preview: `strands plan` through the library, with progress on the project's channel and changes per node.

The plan runs exactly as `strands plan` does (prepare → plan_project, the same owner mapping); what the
canvas adds is the node each change belongs to, so the graph can be coloured by action.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from strands_tf.canvas.hub import Hub
from strands_tf.canvas.service import CanvasProject
from strands_tf.errors import ConflictError, StrandsError
from strands_tf.terraform.plan_summary import module_prefixes

logger = logging.getLogger(__name__)

_RESOURCE_MODULES = ("dynamodb-table", "sqs-queue", "sns-topic", "s3-bucket")
_UI_ACTIONS = {"noop": "no-op", "remove": "forget"}


def canvas_node(graph: Any, address: str) -> str | None:
    """The canvas node a Terraform address belongs to (module.agent_support... -> agent:support)."""
    prefixes = module_prefixes(address)
    if not prefixes:
        return None
    module_id = prefixes[0].removeprefix("module.").split("[", 1)[0]
    node = graph.nodes.get(module_id)
    if node is None:
        return None
    if node.module == "strands-agent":
        return f"agent:{node.owner.name}"
    if node.module == "execution-role":
        return f"role:{node.id}"
    if node.module == "sqs-queue" and node.id.startswith("dlq_"):
        return f"dlq:{node.id}"
    if node.module == "sqs-queue" and ".aws_sqs_queue.dead_letter" in address:
        return f"dlq:{node.id}_dlq"
    if node.module in _RESOURCE_MODULES and node.owner.kind == "resource":
        return f"resource:{node.owner.name}"
    if node.module == "http-api":
        return "api"
    if node.module == "vpc":
        return f"vpc:{node.owner.name}"
    return None


def node_action(actions: list[str]) -> str:
    """One colour for a node from its resources' actions: replace and delete win, then update, create."""
    changing = [a for a in actions if a not in ("no-op", "read")]
    if not changing:
        return "no-op"
    for strongest in ("replace", "delete"):
        if strongest in changing:
            return strongest
    if all(a == "create" for a in changing):
        return "create"
    return "update"


@dataclass
class PlanJob:
    """One plan preview: its state, and its result or error once finished."""

    id: int
    environment: str
    status: str = "running"  # running | succeeded | failed | cancelled
    started: float = field(default_factory=time.time)
    finished: float | None = None
    phases: dict[str, str] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "environment": self.environment,
            "status": self.status,
            "started": self.started,
            "finished": self.finished,
            "duration": (self.finished - self.started) if self.finished else None,
            "phases": dict(self.phases),
            "result": self.result,
            "error": self.error,
        }


class _Reporter:
    """Executor Reporter → events on the channel (called from the executor's threads)."""

    def __init__(self, hub: Hub, job: PlanJob) -> None:
        self.hub = hub
        self.job = job
        self.graph: Any = None

    def stack_phase(self, stack: str, phase: str) -> None:
        self.job.phases[stack] = phase
        self.hub.publish_threadsafe("plan.progress", {"job": self.job.id, "stack": stack, "phase": phase})

    def stack_event(self, stack: str, event: dict[str, Any]) -> None:
        if event.get("type") != "planned_change" or self.graph is None:
            return
        change = event.get("change") if isinstance(event.get("change"), dict) else {}
        resource = change.get("resource") if isinstance(change.get("resource"), dict) else {}
        address = resource.get("addr")
        if not isinstance(address, str):
            return
        action = str(change.get("action", ""))
        node = canvas_node(self.graph, address)
        self.hub.publish_threadsafe(
            "plan.change",
            {"job": self.job.id, "stack": stack, "address": address, "action": _UI_ACTIONS.get(action, action),
             "node": node},
        )  # fmt: skip

    def stack_done(self, stack: str, status: str, error: str | None) -> None:
        self.hub.publish_threadsafe(
            "plan.progress", {"job": self.job.id, "stack": stack, "phase": status, "error": error}
        )


def _result(op: Any, result: Any) -> dict[str, Any]:
    nodes: dict[str, dict[str, Any]] = {}
    for stack_plan in result.plans:
        for rc in stack_plan.plan.resource_changes:
            node_id = canvas_node(op.synth.graph, rc.address)
            if node_id is None:
                continue
            entry = nodes.setdefault(node_id, {"actions": [], "changes": []})
            entry["actions"].append(rc.action)
            if rc.changes:
                entry["changes"].append(
                    {
                        "address": rc.address,
                        "action": rc.action,
                        "stack": stack_plan.stack.name,
                        "reason": rc.action_reason,
                        "changed_attributes": rc.changed_attributes() if rc.action in ("update", "replace") else None,
                    }
                )
    for entry in nodes.values():
        entry["action"] = node_action(entry.pop("actions"))
    return {
        "environment": op.resolved.environment.name,
        "has_changes": result.has_changes,
        # the same document as `strands plan --json`
        "stacks": {p.stack.name: p.summary.to_json() for p in result.plans},
        "deferred": result.deferred,
        "warnings": op.warnings,
        "nodes": nodes,
    }


def _error(exc: BaseException, graph: Any) -> dict[str, Any]:
    if isinstance(exc, StrandsError):
        out: dict[str, Any] = exc.to_dict()
    else:
        out = {"category": "internal", "summary": f"{type(exc).__name__}: {exc}", "detail": None, "hint": None}
    nodes: dict[str, list[str]] = {}
    for diagnostic in getattr(exc, "diagnostics", None) or []:
        address = getattr(diagnostic, "address", None)
        node = canvas_node(graph, address) if graph is not None and address else None
        if node is not None:
            nodes.setdefault(node, []).append(str(getattr(diagnostic, "summary", "") or out["summary"]))
    issues = getattr(exc, "issues", None)
    if issues:
        out["issues"] = [issue.to_dict() for issue in issues]
    out["nodes"] = nodes
    return out


class PlanRunner:
    """Runs one plan preview at a time in a worker thread."""

    def __init__(self, project: CanvasProject, hub: Hub, *, package: bool = True, runtime_factory: Any = None) -> None:
        self.project = project
        self.hub = hub
        self.package = package
        self.runtime_factory = runtime_factory
        self._lock = threading.Lock()
        self._job: PlanJob | None = None
        self._cancellation: Any = None
        self._thread: threading.Thread | None = None
        self._next_id = 0

    @property
    def job(self) -> PlanJob | None:
        return self._job

    def start(self, environment: str | None) -> PlanJob:
        """Start a plan of `environment` (the canvas's environment when None); ConflictError while one runs."""
        from strands_tf.terraform.runner import Cancellation

        with self._lock:
            if self._job is not None and self._job.status == "running":
                raise ConflictError("a plan is already running", hint="wait for it, or cancel it")
            self._next_id += 1
            env = environment or self.project.environment or "local"
            job = PlanJob(self._next_id, env)
            self._job = job
            self._cancellation = Cancellation()
            self._thread = threading.Thread(target=self._run, args=(job, self._cancellation), daemon=True,
                                            name=f"canvas-plan-{job.id}")  # fmt: skip
        self.hub.publish_threadsafe("plan.started", {"job": job.to_json()})
        self._thread.start()
        return job

    def cancel(self) -> bool:
        """Ask the running plan to stop (the same graceful interrupt as Ctrl-C in `strands plan`)."""
        with self._lock:
            if self._job is None or self._job.status != "running" or self._cancellation is None:
                return False
            self._cancellation.cancel()
            return True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the worker thread (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self, job: PlanJob, cancellation: Any) -> None:
        from strands_tf.config import load_project, resolve
        from strands_tf.deploy.project import default_runtime, plan_project, prepare

        reporter = _Reporter(self.hub, job)
        graph = None
        try:
            loaded = load_project(self.project.root)
            resolved = resolve(loaded, job.environment)
            op = prepare(
                loaded,
                resolved,
                reporter=reporter,
                package=self.package,
                cancellation=cancellation,
                runtime_factory=self.runtime_factory or default_runtime,
            )
            graph = reporter.graph = op.synth.graph
            result = plan_project(op)
            job.result = _result(op, result)
            job.status = "cancelled" if cancellation.requested else "succeeded"
        except BaseException as exc:  # every failure is shown on the canvas, never lost in the thread
            job.status = "cancelled" if cancellation.requested else "failed"
            job.error = _error(exc, graph)
            if not isinstance(exc, StrandsError):
                logger.exception("plan preview failed")
        finally:
            job.finished = time.time()
            self.hub.publish_threadsafe("plan.finished", {"job": job.to_json()})
