"""A `strands dev` session: the agents' workers, their environment, the request handling and the watcher."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.deploy.workspace import Workspace
from strands_tf.dev import apigw, sqs
from strands_tf.dev.connectivity import Check, check_agents
from strands_tf.dev.deps import ensure_dependencies, requirements_file
from strands_tf.dev.environment import AgentEnvironment, agent_environments, attach_credentials
from strands_tf.dev.requestlog import RequestLog, RequestRecord
from strands_tf.dev.supervisor import AgentWorker, InvokeResult, WorkerEvent, WorkerSpec
from strands_tf.errors import UserError

log = logging.getLogger(__name__)

_IGNORED_DIRS = frozenset({".strands", ".git", "__pycache__", ".venv", "venv", "node_modules", "cdktf.out",
                           ".mypy_cache", ".pytest_cache", ".ruff_cache"})  # fmt: skip
_AUTH = {"AWS_IAM": "iam", "JWT": "jwt", "NONE": "none"}


@dataclass(frozen=True)
class DevOptions:
    """How `strands dev` runs the agents."""

    model: str = "bedrock"  # bedrock (as deployed) or scripted
    script: Path | None = None
    as_role: bool = False
    check: bool = True


@dataclass(frozen=True)
class Notice:
    """A line for the terminal that is neither a request nor a worker event (dependencies, config edits)."""

    agent: str | None
    message: str
    level: str = "info"


DevEvent = WorkerEvent | RequestRecord | Notice


@dataclass
class SqsOutcome:
    """An SQS batch run through an agent."""

    invocation: InvokeResult
    outcome: sqs.BatchOutcome
    event: dict[str, Any] = field(default_factory=dict)


class DevSession:
    """Runs the selected agents locally with the environment they have when deployed."""

    def __init__(
        self,
        loaded: LoadedProject,
        resolved: ResolvedProject,
        options: DevOptions | None = None,
        on_event: Callable[[DevEvent], None] | None = None,
    ) -> None:
        self.loaded = loaded
        self.resolved = resolved
        self.options = options or DevOptions()
        self.on_event = on_event or (lambda event: None)
        self.workspace = Workspace(loaded.root)
        self.request_log = RequestLog(self.workspace.dev_request_log())
        self.environments: dict[str, AgentEnvironment] = {}
        self.workers: dict[str, AgentWorker] = {}
        self.targets: dict[str, Any] = {}
        self.endpoint_url: str | None = None
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        graph_api = self._api_settings()
        self.routes = apigw.routes_for(
            (name, agent.api.routes) for name, agent in resolved.agents.items() if agent.api is not None
        )
        self.cors: apigw.Cors | None = apigw.Cors.from_body(graph_api.get("cors"))
        self.auth = _AUTH.get(str(graph_api.get("authorization_type", "NONE")), "none")

    def _api_settings(self) -> dict[str, Any]:
        from strands_tf.model.build import build_graph

        node = build_graph(self.resolved).nodes.get("api")
        return dict(node.body) if node is not None else {}

    # -- preparation

    def prepare(self) -> list[Check]:
        """Resolve every agent's environment and credentials and check its resources (the table to show)."""
        if not self.resolved.selected_agents:
            raise UserError("no agents to run", hint="declare an agent in strands.yaml, or check --agent")
        if self.resolved.environment.target == "emulator":
            from strands_tf.deploy.emulator_target import emulator_endpoint

            endpoint = emulator_endpoint(self.workspace)
            if endpoint is None:
                env = self.resolved.environment.name
                raise UserError(
                    f"the emulator of this project is not running, so '{env}' has no resources to talk to",
                    hint=f"run `strands apply -e {env}` (it starts the emulator and creates the resources)",
                )
            self.endpoint_url = endpoint
        self.environments = agent_environments(self.loaded, self.resolved)
        self.targets = attach_credentials(
            self.environments, self.resolved, endpoint_url=self.endpoint_url, as_role=self.options.as_role
        )
        if not self.options.check:
            return []
        from strands_tf.aws.session import default_factory

        factory = default_factory()
        return check_agents(
            self.environments,
            lambda agent, service: factory.client(service, self.targets[agent]),
            environment=self.resolved.environment.name,
            as_role=self.options.as_role,
            model_check=self.resolved.environment.target != "emulator" and self.options.model != "scripted",
        )

    def spec_for(self, name: str) -> WorkerSpec:
        """The worker spec of one agent, its dependencies installed first when needed."""
        env = self.environments[name]
        agent = env.agent
        code_dir = (self.loaded.root / agent.path).resolve()
        deps = ensure_dependencies(
            name,
            requirements_file(self.loaded.root, agent),
            self.workspace.dev_deps_dir(name),
            lambda line: self.on_event(Notice(name, line)),
        )
        return WorkerSpec(
            agent=name,
            handler=agent.handler,
            code_dir=code_dir,
            timeout=agent.timeout,
            memory=agent.memory,
            function_name=env.function_name,
            function_arn=env.function_arn,
            log_group=env.log_group,
            env=env.process_env(code_dir),
            log_file=self.workspace.dev_worker_log(name),
            deps_dir=deps,
            model=self.options.model,
            script=self.options.script.resolve() if self.options.script else None,
            preload=("boto3", "strands") if self.options.model != "scripted" else ("boto3",),
        )

    def start(self) -> None:
        """Start every agent's worker (a handler that does not load yet keeps its worker waiting for a fix)."""
        for name in self.environments:
            worker = AgentWorker(self.spec_for(name), self.on_event)
            self.workers[name] = worker
            worker.start()

    def stop(self) -> None:
        """Stop the watcher and every worker."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        for worker in self.workers.values():
            worker.stop()

    # -- requests

    def worker(self, agent: str) -> AgentWorker:
        """The worker of a served agent."""
        worker = self.workers.get(agent)
        if worker is None:
            served = ", ".join(sorted(self.workers)) or "none"
            raise UserError(f"agent '{agent}' is not served by this session (served: {served})")
        return worker

    def _refresh_credentials(self, agent: str) -> None:
        """Assumed-role keys expire: give the worker fresh ones (a new worker process) a few minutes before."""
        env = self.environments[agent]
        expires = env.credentials_expire
        if expires is None or (expires.timestamp() - time.time()) > 300:
            return
        attach_credentials({agent: env}, self.resolved, endpoint_url=self.endpoint_url, as_role=self.options.as_role)
        self.workers[agent].restart("credentials refreshed", self.spec_for(agent))

    def handle_http(self, request: apigw.HttpRequest) -> apigw.HttpResponse:
        """Answer one HTTP request as API Gateway and Lambda would."""
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        record = RequestRecord(
            request_id, None, "http", None, 0.0, len(request.body), 0, method=request.method,
            path=request.raw_path, query=request.raw_query or None,
            request_headers={k.lower(): v for k, v in request.headers},
        )  # fmt: skip
        response = apigw.preflight(request, self.cors)
        if response is None:
            response = self._routed(request, request_id, record)
        apigw.add_cors_headers(response, request, self.cors)
        response.headers.append(("apigw-requestid", request_id))
        record.status = response.status
        record.response_bytes = len(response.body)
        record.response_headers = dict(response.headers)
        record.duration_ms = round((time.monotonic() - started) * 1000, 2)
        self._record(record)
        return response

    def _routed(self, request: apigw.HttpRequest, request_id: str, record: RequestRecord) -> apigw.HttpResponse:
        selected = apigw.select_route(self.routes, request.method, request.raw_path)
        if selected is None:
            return apigw.HttpResponse.json(404, apigw.NOT_FOUND)
        route, params = selected
        record.route, record.agent = route.key, route.agent
        if route.agent not in self.workers:
            record.error = {"errorType": "NotServed", "errorMessage": f"agent '{route.agent}' is not served (--agent)"}
            return apigw.HttpResponse.json(404, apigw.NOT_FOUND)
        allowed, authorizer = apigw.authorize(request, self.auth)
        if not allowed:
            record.error = {"errorType": "Unauthorized", "errorMessage": "the API uses a JWT authorizer: send "
                            "Authorization: Bearer <token>"}  # fmt: skip
            return apigw.HttpResponse.json(401, apigw.UNAUTHORIZED)
        event = apigw.build_event(request, route, params, request_id=request_id, authorizer=authorizer)
        self._refresh_credentials(route.agent)
        result = self.workers[route.agent].invoke(event, request_id)
        self._fill(record, result)
        if not result.ok:
            return apigw.HttpResponse.json(500, apigw.INTERNAL_ERROR)
        response = apigw.map_response(result.result)
        if response.mapping_error:
            record.error = {"errorType": "InvalidResponse", "errorMessage": f"API Gateway would answer 500: "
                            f"{response.mapping_error}"}  # fmt: skip
        return response

    def invoke_event(self, agent: str, event: Any) -> InvokeResult:
        """Invoke an agent with a raw event (`strands dev invoke --event`)."""
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        body = json.dumps(event).encode()
        self._refresh_credentials(agent)
        result = self.worker(agent).invoke(event, request_id)
        record = RequestRecord(request_id, agent, "event", None, 0.0, len(body), 0)
        self._fill(record, result)
        record.response_bytes = len(json.dumps(result.result).encode()) if result.ok else 0
        record.duration_ms = round((time.monotonic() - started) * 1000, 2)
        self._record(record)
        return result

    def invoke_sqs(self, agent: str, messages: list[sqs.SqsMessage], queue: str | None = None) -> SqsOutcome:
        """Deliver a batch to an agent as its SQS trigger would, and read the partial batch response."""
        worker = self.worker(agent)
        config = self.environments[agent].agent
        queues = [t.queue for t in config.triggers]
        if queue is None:
            if not queues:
                raise UserError(
                    f"agent '{agent}' has no SQS trigger",
                    hint=f"add triggers: [{{queue: NAME}}] to agents.{agent}, or send the event with --event FILE",
                )
            queue = queues[0]
        elif queue not in queues:
            raise UserError(f"queue '{queue}' does not trigger agent '{agent}' (its triggers: {', '.join(queues)})")
        resource = next((r for r in self.environments[agent].resources if r.resource == queue), None)
        region = self.resolved.environment.region
        arn = (resource.arn if resource else None) or f"arn:aws:sqs:{region}:123456789012:{queue}"
        fifo = bool(getattr(self.resolved.resources.get(queue), "fifo", False))
        event = sqs.build_event(messages, queue_arn=arn, region=region, fifo=fifo)
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        self._refresh_credentials(agent)
        result = worker.invoke(event, request_id)
        outcome = sqs.batch_outcome(
            [m.message_id for m in messages],
            result.result,
            error=None
            if result.ok
            else f"{result.error.get('errorType')}: {result.error.get('errorMessage')}"
            if result.error
            else None,
        )
        record = RequestRecord(request_id, agent, "sqs", None, 0.0, len(json.dumps(event).encode()), 0)
        self._fill(record, result)
        record.batch = outcome.to_json()
        record.response_bytes = len(json.dumps(result.result).encode()) if result.ok else 0
        record.duration_ms = round((time.monotonic() - started) * 1000, 2)
        self._record(record)
        return SqsOutcome(result, outcome, event)

    def _fill(self, record: RequestRecord, result: InvokeResult) -> None:
        record.logs = result.logs
        record.tool_calls = result.tool_calls
        record.error = result.error
        record.generation = result.generation

    def _record(self, record: RequestRecord) -> None:
        self.request_log.write(record)
        self.on_event(record)

    # -- hot reload

    def watch(self) -> None:
        """Watch the project in a background thread: code edits reload, requirement edits reinstall."""
        self._watcher = threading.Thread(target=self._watch, name="strands-dev-watch", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        import watchfiles

        def interesting(change: Any, path: str) -> bool:
            parts = Path(path).parts
            if any(p in _IGNORED_DIRS for p in parts):
                return False
            return path.endswith((".py", ".txt", ".yaml", ".yml", ".json", ".toml", ".cfg", ".in"))

        for changes in watchfiles.watch(
            self.loaded.root, watch_filter=interesting, stop_event=self._stop, step=30, debounce=1600,
            raise_interrupt=False,
        ):  # fmt: skip
            try:
                self.apply_changes({Path(path) for _change, path in changes})
            except Exception as exc:  # a failed reload is reported; the watcher goes on
                log.debug("reload failed", exc_info=True)
                self.on_event(Notice(None, f"reload failed: {exc}", "error"))

    def apply_changes(self, paths: set[Path]) -> list[str]:
        """React to changed files; returns the agents that were reloaded or restarted."""
        touched: list[str] = []
        config_files = {self.loaded.config_file.resolve(), *(f.resolve() for f in self.loaded.fragment_files.values())}
        if {p.resolve() for p in paths} & config_files:
            self.on_event(Notice(None, "strands.yaml changed: restart strands dev to apply new routes, "
                                 "permissions or settings", "warning"))  # fmt: skip
        for name, worker in self.workers.items():
            agent = self.environments[name].agent
            requirements = requirements_file(self.loaded.root, agent)
            if requirements is not None and requirements.resolve() in {p.resolve() for p in paths}:
                self.on_event(Notice(name, f"{requirements.name} changed: updating dependencies"))
                try:
                    spec = self.spec_for(name)
                except Exception as exc:  # shown; the previous dependencies keep serving
                    self.on_event(Notice(name, f"dependencies not updated: {exc}", "error"))
                    continue
                worker.restart(f"{requirements.name} changed", spec)
                touched.append(name)
                continue
            code_dir = worker.spec.code_dir.resolve()
            changed = [
                p
                for p in paths
                if p.suffix == ".py"
                and (p.resolve().is_relative_to(code_dir) or str(p.resolve()) in worker.local_files)
            ]
            if changed:
                label = ", ".join(sorted(_short(p, self.loaded.root) for p in changed)[:3])
                worker.reload(f"{label} changed")
                touched.append(name)
        return touched


def _short(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
