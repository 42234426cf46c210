"""Plan preview: `strands plan` through the library, with progress on the project's channel and changes per node.

The plan runs exactly as `strands plan` does (prepare → plan_project, the same owner mapping); what the
canvas adds is the node each change belongs to, so the graph can be coloured by action.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from strands_tf.canvas.hub import Hub
from strands_tf.canvas.service import CanvasProject
from strands_tf.deploy.events import DeploymentEvent, StackDone, StackEvent, StackPhase
from strands_tf.errors import ConflictError, StrandsError
from strands_tf.terraform.events import PlannedChange, ResourceDrift
from strands_tf.terraform.plan_summary import module_prefixes

logger = logging.getLogger(__name__)

_RESOURCE_MODULES = ("dynamodb-table", "sqs-queue", "sns-topic", "s3-bucket")


def canvas_node(graph: Any, address: str) -> str | None:
    """The canvas node a Terraform address belongs to (module.agent_support... -> agent:support)."""
    prefixes = module_prefixes(address)
    if not prefixes:
        return None
    node = graph.nodes.get(prefixes[0].removeprefix("module.").split("[", 1)[0])
    return None if node is None else _node_id(node, address)


def _node_id(node: Any, address: str = "") -> str | None:
    """The canvas node of one module instance of the graph (`address`: a resource inside it, if known)."""
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
    # resources changed outside Terraform (the plan's resource_drift events), by canvas node
    drift: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

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
            "drift": {node: list(found) for node, found in self.drift.items()},
        }


class _Reporter:
    """Subscriber of the plan's event stream → events on the channel (called from the executor's threads)."""

    def __init__(self, hub: Hub, job: PlanJob) -> None:
        self.hub = hub
        self.job = job
        self.graph: Any = None
        self.current_stack: str | None = None  # stacks are planned one after another: the one a failure is in

    def __call__(self, event: DeploymentEvent) -> None:
        if isinstance(event, StackPhase):
            self.current_stack = event.stack
            self.job.phases[event.stack] = event.phase
            self.hub.publish_threadsafe("plan.progress", {"job": self.job.id, "stack": event.stack,
                                                          "phase": event.phase})  # fmt: skip
        elif isinstance(event, StackDone):
            self.hub.publish_threadsafe(
                "plan.progress", {"job": self.job.id, "stack": event.stack, "phase": event.status, "error": event.error}
            )
        elif isinstance(event, StackEvent) and isinstance(event.event, ResourceDrift) and self.graph is not None:
            address = event.event.resource_addr
            node = canvas_node(self.graph, address) if address else None
            if node is not None:
                self.job.drift.setdefault(node, []).append(
                    {"address": address, "action": event.event.action or "update", "stack": event.stack}
                )
        elif isinstance(event, StackEvent) and isinstance(event.event, PlannedChange) and self.graph is not None:
            address = event.event.resource_addr
            if address is None:
                return
            self.hub.publish_threadsafe(
                "plan.change",
                {"job": self.job.id, "stack": event.stack, "address": address, "action": event.event.action or "",
                 "node": canvas_node(self.graph, address)},
            )  # fmt: skip


# what a module that is no longer in strands.yaml was, by its id's prefix (module_id in strands_tf/model/build.py)
_GONE_KINDS = {"agent": "agent", "table": "dynamodb", "bucket": "s3", "queue": "sqs", "topic": "sns", "role": "role",
               "dlq": "dlq", "api": "api", "vpc": "vpc"}  # fmt: skip
_ROUTE = re.compile(r'^module\.api\.aws_apigatewayv2_route\.this\["(.+)"\]$')
_TRIGGER = re.compile(r'^module\.(agent_[^.\[]+)\.aws_lambda_event_source_mapping\.sqs\["(\d+)"\]$')


def _edge_owners(op: Any) -> dict[str, Any]:
    """How Terraform addresses map to the canvas's edges (permission, trigger and route edges)."""
    return edge_owners(op.synth.graph, op.loaded.config)


def edge_owners(graph: Any, config: Any) -> dict[str, Any]:
    """How Terraform addresses map to the canvas's edges, from the environment's graph and the configuration."""
    agents_of_role: dict[str, list[str]] = {}
    agent_of_module: dict[str, str] = {}
    route_agents: dict[str, str] = {}
    for node in graph.nodes.values():
        if node.module == "strands-agent":
            agent_of_module[node.id] = node.owner.name
            role = str(node.body.get("role_arn", "")).removeprefix("${module.").split(".", 1)[0]
            agents_of_role.setdefault(role, []).append(node.owner.name)
        elif node.module == "http-api":
            for route, target in (node.body.get("routes") or {}).items():
                module = str(target.get("function_name", "")).removeprefix("${module.").split(".", 1)[0]
                if module in graph.nodes:
                    route_agents[route] = graph.nodes[module].owner.name
    permissions = {name: len(agent.permissions) for name, agent in config.agents.items()}
    return {"roles": agents_of_role, "agents": agent_of_module, "routes": route_agents, "permissions": permissions}


def edges_of(owners: dict[str, Any], address: str) -> list[str]:
    """The canvas edges a resource change belongs to: a role's policy is its agents' permissions."""
    if match := _ROUTE.match(address):
        agent = owners["routes"].get(match.group(1))
        return [f"route:{agent}"] if agent else []
    if match := _TRIGGER.match(address):
        agent = owners["agents"].get(match.group(1))
        return [f"trigger:{agent}:{match.group(2)}"] if agent else []
    prefixes = module_prefixes(address)
    if prefixes and ".aws_iam_role_policy." in address:
        role = prefixes[0].removeprefix("module.").split("[", 1)[0]
        return [
            f"perm:{agent}:{index}"
            for agent in owners["roles"].get(role, [])
            for index in range(owners["permissions"].get(agent, 0))
        ]
    return []


def gone_node(address: str, graph: Any) -> tuple[str, str, str] | None:
    """(node id, kind, name) of a module that is planned for deletion because it left strands.yaml."""
    prefixes = module_prefixes(address)
    if not prefixes:
        return None
    module_id = prefixes[0].removeprefix("module.").split("[", 1)[0]
    if module_id in graph.nodes:
        return None
    prefix, _, name = module_id.partition("_")
    return f"gone:{module_id}", _GONE_KINDS.get(prefix, "gone"), name or module_id


def _result(op: Any, result: Any) -> dict[str, Any]:
    """The plan as the canvas colours it: an action and the changes per node and per edge, and what is gone."""
    graph = op.synth.graph
    owners = _edge_owners(op)
    nodes: dict[str, dict[str, Any]] = {}
    gone: dict[str, dict[str, Any]] = {}
    edges: dict[str, list[str]] = {}
    for stack_plan in result.plans:
        for rc in stack_plan.plan.resource_changes:
            for edge in edges_of(owners, rc.address):
                edges.setdefault(edge, []).append(rc.action)
            node_id = canvas_node(graph, rc.address)
            if node_id is not None:
                entry = nodes.setdefault(node_id, {"actions": [], "changes": []})
            elif (left := gone_node(rc.address, graph)) is not None:
                entry = gone.setdefault(left[0], {"actions": [], "changes": [], "kind": left[1], "name": left[2]})
            else:
                continue
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
    for entry in (*nodes.values(), *gone.values()):
        entry["action"] = node_action(entry.pop("actions"))
    # stacks planned only after the stacks they read are applied: their nodes are not "no change", they are later
    deferred_nodes = {
        node_id: stack.name
        for stack in op.synth.stacks
        if stack.name in result.deferred
        for node in stack.nodes.values()
        if (node_id := _node_id(node)) is not None and node_id not in nodes
    }
    return {
        "environment": op.resolved.environment.name,
        "has_changes": result.has_changes,
        # the same document as `strands plan --json`
        "stacks": {p.stack.name: p.summary.to_json() for p in result.plans},
        "deferred": result.deferred,
        "deferred_nodes": deferred_nodes,
        "warnings": op.warnings,
        "nodes": nodes,
        "edges": {edge: node_action(actions) for edge, actions in edges.items()},
        "gone": gone,
    }


def _module_of(diagnostic: Any) -> str | None:
    """The module a diagnostic's source range is in (`modules/strands-agent/main.tf` -> strands-agent)."""
    source = getattr(diagnostic, "range", None) or {}
    filename = str(source.get("filename") or "")
    parts = filename.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "modules" else None


def _diagnostic_nodes(diagnostic: Any, graph: Any, stack: Any) -> tuple[str | None, list[str]]:
    """The canvas node a Terraform diagnostic belongs to, or the candidates when Terraform did not say which.

    Terraform names the resource (`address`) for most errors; for a failed precondition it gives only the
    source range inside the module, shared by every instance of that module in the stack.
    """
    address = getattr(diagnostic, "address", None)
    if address and graph is not None:
        node = canvas_node(graph, address)
        if node is not None:
            return node, []
    module = _module_of(diagnostic)
    if module is None or graph is None:
        return None, []
    nodes = stack.nodes.values() if stack is not None else graph.nodes.values()
    candidates = sorted({found for n in nodes if n.module == module and (found := _node_id(n)) is not None})
    if len(candidates) == 1:
        return candidates[0], []
    return None, candidates


def error_view(exc: BaseException, graph: Any, stack: Any = None) -> dict[str, Any]:
    """What the canvas shows of a failed plan: the error, each Terraform diagnostic and the nodes they are on."""
    if isinstance(exc, StrandsError):
        out: dict[str, Any] = exc.to_dict()
        out.pop("data", None)  # the diagnostics follow in a shape the page reads
    else:
        out = {"category": "internal", "summary": f"{type(exc).__name__}: {exc}", "detail": None, "hint": None}
    out["stack"] = getattr(stack, "name", None)
    nodes: dict[str, list[str]] = {}
    diagnostics = []
    for diagnostic in getattr(exc, "diagnostics", None) or []:
        if getattr(diagnostic, "severity", "error") != "error":
            continue
        node, candidates = _diagnostic_nodes(diagnostic, graph, stack)
        message = str(getattr(diagnostic, "summary", "") or out["summary"])
        detail = str(getattr(diagnostic, "detail", "") or "")
        if node is not None:
            nodes.setdefault(node, []).append(f"{message}: {detail}" if detail else message)
        diagnostics.append(
            {
                "summary": message,
                "detail": detail or None,
                "address": getattr(diagnostic, "address", None),
                "location": getattr(diagnostic, "location", None),
                "node": node,
                "candidates": candidates,
            }
        )
    issues = getattr(exc, "issues", None)
    if issues:
        out["issues"] = [issue.to_dict() for issue in issues]
    out["diagnostics"] = diagnostics
    out["nodes"] = nodes
    return out


class PlanRunner:
    """Runs one plan preview at a time in a worker thread."""

    def __init__(self, project: CanvasProject, hub: Hub, *, runtime_factory: Any = None) -> None:
        self.project = project
        self.hub = hub
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
        from strands_tf.deploy.project import default_runtime, include_gone_stacks, plan_project, prepare

        reporter = _Reporter(self.hub, job)
        graph = None
        stacks: dict[str, Any] = {}
        try:
            loaded = load_project(self.project.root)
            resolved = resolve(loaded, job.environment)
            op = prepare(
                loaded,
                resolved,
                reporter=reporter,
                cancellation=cancellation,
                runtime_factory=self.runtime_factory or default_runtime,
            )
            graph = reporter.graph = op.synth.graph
            stacks = {stack.name: stack for stack in op.synth.stacks}
            include_gone_stacks(op)  # what `strands plan` shows: stacks no longer configured are destroyed
            result = plan_project(op)
            job.result = _result(op, result)
            job.status = "cancelled" if cancellation.requested else "succeeded"
        except BaseException as exc:  # every failure is shown on the canvas, never lost in the thread
            job.status = "cancelled" if cancellation.requested else "failed"
            failed = reporter.current_stack
            if failed is not None:
                job.phases[failed] = job.status
            job.error = error_view(exc, graph, stacks.get(failed) if failed else None)
            if not isinstance(exc, StrandsError):
                logger.exception("plan preview failed")
        finally:
            job.finished = time.time()
            self.hub.publish_threadsafe("plan.finished", {"job": job.to_json()})
