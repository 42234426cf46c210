"""The canvas's ASGI app: JSON API and the project's WebSocket over the library, and the built front end.

Blocking library work (reading and validating the project, writing files) runs in the thread pool so the
event loop keeps serving the WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from strands_tf.canvas.edits import EditRequest
from strands_tf.canvas.hub import Hub
from strands_tf.canvas.live import DeployRunner, Follower, LiveBoard
from strands_tf.canvas.plan import PlanRunner
from strands_tf.canvas.security import CanvasGuard, GuardSettings
from strands_tf.canvas.service import CanvasProject, StaleRevision
from strands_tf.deploy.watchers import canvas_presence
from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import ConflictError, NotFoundError, StrandsError, UserError

logger = logging.getLogger(__name__)


def static_dir() -> Path:
    """Where the built front end is (package data; `make canvas` writes it)."""
    return Path(__file__).resolve().parent / "static"


def front_end_built(directory: Path | None = None) -> bool:
    """Whether the front end has been built into the package."""
    return ((directory or static_dir()) / "index.html").is_file()


@dataclass
class CanvasSettings:
    """One canvas server: the project, the starting environment, the guard's token and port."""

    root: Path
    environment: str | None = None
    guard: GuardSettings = field(default_factory=GuardSettings)
    static: Path | None = None
    watch: bool = True
    runtime_factory: Any = None


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SaveFileBody(_Body):
    file: str = Field(max_length=300)
    text: str
    base_revision: str = Field(max_length=64)


class MergeBody(_Body):
    file: str = Field(max_length=300)
    base_text: str
    mine: str


class PositionsBody(_Body):
    positions: dict[str, Any]
    replace: bool = False


class PlanBody(_Body):
    environment: str | None = Field(None, max_length=64)


class DeployBody(_Body):
    command: str = Field(max_length=16)
    environment: str | None = Field(None, max_length=64)
    deployment: str | None = Field(None, max_length=64)


class ConfirmBody(_Body):
    approve: bool
    project_name: str | None = Field(None, max_length=100)


class ApplyTemplateBody(_Body):
    template: str = Field(max_length=100)
    project: str = Field(max_length=30)


class SaveTemplateBody(_Body):
    name: str = Field(max_length=63)
    description: str = Field("", max_length=500)
    overwrite: bool = False


class ImportTemplateBody(_Body):
    text: str
    overwrite: bool = False


@functools.lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    """The JSON Schema of strands.yaml (the same for the life of the process; pydantic takes ~0.1 s to make it)."""
    from strands_tf.config.schema import project_json_schema

    return project_json_schema()


def _record_id(request: Request, name: str) -> str:
    from strands_tf.deploy.workspace import check_deployment_id

    return check_deployment_id(request.query_params.get(name, ""))


def record_summary(meta: Any) -> dict[str, Any]:
    """One row of the history list: status, who, when, git commit, changes, duration."""
    changes = meta.changes
    return {
        "id": meta.id,
        "command": meta.command,
        "status": meta.status,
        "started_at": meta.started_at,
        "finished_at": meta.finished_at,
        "duration_seconds": meta.duration_seconds,
        "who": meta.caller.arn if meta.caller else None,
        "git": {"commit": meta.git.commit, "branch": meta.git.branch, "dirty": meta.git.dirty},
        "changes": {"created": len(changes.created), "updated": len(changes.updated),
                    "replaced": len(changes.replaced), "deleted": len(changes.deleted)},
        "rollback_of": meta.rollback_of,
        "parallel_efficiency": meta.parallel_efficiency,
    }  # fmt: skip


def _error(exc: StrandsError, status: int, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": exc.to_dict(), **extra}, status_code=status)


def _status(exc: StrandsError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, UserError):
        return 422
    return 500


async def _parse(request: Request, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserError(f"bad request body: {where}: {first['msg']}") from None


class CanvasApp:
    """Routes over one CanvasProject, its Hub and its PlanRunner."""

    def __init__(self, settings: CanvasSettings) -> None:
        self.settings = settings
        self.project = CanvasProject(settings.root, settings.environment)
        self.hub = Hub()
        self.plans = PlanRunner(self.project, self.hub, runtime_factory=settings.runtime_factory)
        self.board = LiveBoard(self.hub)
        self.deploys = DeployRunner(self.project.root, self.board, runtime_factory=settings.runtime_factory)
        self.follower = Follower(self.project.root, self.board, lambda: self.project.environment)
        self._follow_task: asyncio.Task[None] | None = None
        self.last_revision: str | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    # ------------------------------------------------------------------ helpers

    async def _call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(func, *args, **kwargs)

    async def _guarded(self, work: Any) -> Response:
        try:
            return await work()
        except StaleRevision as exc:
            snapshot = await self._call(self.project.snapshot)
            return _error(exc, 409, snapshot=snapshot)
        except StrandsError as exc:
            return _error(exc, _status(exc))

    def _publish_document(self, snapshot: dict[str, Any]) -> None:
        if snapshot["revision"] != self.last_revision:
            self.last_revision = snapshot["revision"]
            self.hub.publish("document", {"snapshot": snapshot})

    # ------------------------------------------------------------------ routes

    async def index(self, request: Request) -> Response:
        directory = self.settings.static or static_dir()
        if not front_end_built(directory):
            return PlainTextResponse(
                "The canvas front end is not built. Run `make canvas` in the strands-tf repository.", status_code=503
            )
        return FileResponse(directory / "index.html", media_type="text/html")

    async def get_project(self, request: Request) -> Response:
        environment = request.query_params.get("environment") or None

        async def work() -> Response:
            snapshot = await self._call(self.project.snapshot, environment)
            self.last_revision = snapshot["revision"]
            return JSONResponse(snapshot)

        return await self._guarded(work)

    async def get_schema(self, request: Request) -> Response:
        return JSONResponse(await self._call(_schema))

    async def post_edit(self, request: Request) -> Response:
        async def work() -> Response:
            body = await _parse(request, EditRequest)
            result = await self._call(self.project.apply, body)
            self._publish_document(result.snapshot)
            return JSONResponse({"written": result.written, "snapshot": result.snapshot})

        return await self._guarded(work)

    async def put_file(self, request: Request) -> Response:
        async def work() -> Response:
            body = await _parse(request, SaveFileBody)
            result = await self._call(self.project.save_file, body.file, body.text, body.base_revision)
            self._publish_document(result.snapshot)
            return JSONResponse({"written": result.written, "snapshot": result.snapshot})

        return await self._guarded(work)

    async def post_merge(self, request: Request) -> Response:
        async def work() -> Response:
            body = await _parse(request, MergeBody)
            return JSONResponse(await self._call(self.project.merge, body.file, body.base_text, body.mine))

        return await self._guarded(work)

    async def put_positions(self, request: Request) -> Response:
        async def work() -> Response:
            body = await _parse(request, PositionsBody)
            positions = await self._call(self.project.save_positions, body.positions, replace=body.replace)
            return JSONResponse({"positions": positions})

        return await self._guarded(work)

    async def get_iam_actions(self, request: Request) -> Response:
        from strands_tf.canvas.iam_actions import actions_for

        kind = request.query_params.get("kind", "")
        return await self._guarded(lambda: self._json(actions_for, kind))

    async def _json(self, func: Any, *args: Any, **kwargs: Any) -> Response:
        return JSONResponse(await self._call(func, *args, **kwargs))

    async def post_plan(self, request: Request) -> Response:
        async def work() -> Response:
            body = await _parse(request, PlanBody)
            job = self.plans.start(body.environment or self.project.environment)
            return JSONResponse({"job": job.to_json()}, status_code=202)

        return await self._guarded(work)

    async def get_plan(self, request: Request) -> Response:
        job = self.plans.job
        return JSONResponse({"job": job.to_json() if job else None})

    async def delete_plan(self, request: Request) -> Response:
        return JSONResponse({"cancelled": self.plans.cancel()})

    # ------------------------------------------------------------------ live deployments

    async def get_deploy(self, request: Request) -> Response:
        snapshot = self.board.snapshot()
        snapshot["lock"] = await self._call(self.deploys.lock_holder)
        return JSONResponse(snapshot)

    async def post_deploy(self, request: Request) -> Response:
        async def work() -> Response:
            body = await _parse(request, DeployBody)
            environment = body.environment or self.project.environment or "local"
            if body.deployment is not None:
                from strands_tf.deploy.workspace import check_deployment_id

                check_deployment_id(body.deployment)
            live = await self._call(self.deploys.start, body.command, environment, body.deployment)
            return JSONResponse({"deployment": live.info()}, status_code=202)

        return await self._guarded(work)

    async def post_confirm(self, request: Request) -> Response:
        async def work() -> Response:
            body = await _parse(request, ConfirmBody)
            self.deploys.confirm(body.approve, body.project_name)
            return JSONResponse({"ok": True})

        return await self._guarded(work)

    async def delete_deploy(self, request: Request) -> Response:
        async def work() -> Response:
            how = self.deploys.cancel()
            if how is None:
                how = await self._call(self.follower.interrupt)
            return JSONResponse({"cancelled": True, "how": how})

        return await self._guarded(work)

    async def _history(self, environment: str | None) -> Any:
        from strands_tf.canvas.live import open_project_history
        from strands_tf.config import resolve
        from strands_tf.history.project import load_for_history, require_history_settings

        def open_() -> tuple[Any, Any]:
            loaded = load_for_history(self.project.root, lenient_env=True)
            resolved = resolve(loaded, environment or self.project.environment)
            require_history_settings(loaded, resolved.environment.name)
            return resolved, open_project_history(loaded, resolved)

        return await self._call(open_)

    async def get_history(self, request: Request) -> Response:
        async def work() -> Response:
            resolved, history = await self._history(request.query_params.get("environment"))
            records = await self._call(history.list, resolved.environment.name, 100)
            return JSONResponse({"environment": resolved.environment.name,
                                 "records": [record_summary(m) for m in records]})  # fmt: skip

        return await self._guarded(work)

    async def get_history_record(self, request: Request) -> Response:
        async def work() -> Response:
            resolved, history = await self._history(request.query_params.get("environment"))
            meta = await self._call(history.find, _record_id(request, "id"), resolved.environment.name)
            return JSONResponse({"record": meta.model_dump(mode="json")})

        return await self._guarded(work)

    async def get_history_compare(self, request: Request) -> Response:
        from strands_tf.history.diff import diff_records

        async def work() -> Response:
            resolved, history = await self._history(request.query_params.get("environment"))
            env = resolved.environment.name
            a = await self._call(history.find, _record_id(request, "a"), env)
            b = await self._call(history.find, _record_id(request, "b"), env)
            diff = await self._call(diff_records, history, a, b)
            return JSONResponse({"diff": diff.to_json(), "a": a.model_dump(mode="json"),
                                 "b": b.model_dump(mode="json")})  # fmt: skip

        return await self._guarded(work)

    async def follow(self) -> None:
        """Follow deployments other processes run (a terminal's `strands apply`), step by step."""
        while not self._stop.is_set():
            try:
                await self._call(self.follower.poll)
            except Exception:  # following is best effort; the next step tries again
                logger.warning("following deployments failed", exc_info=True)
            await asyncio.sleep(0.1)

    async def get_templates(self, request: Request) -> Response:
        from strands_tf.canvas.templates import list_templates

        return await self._guarded(lambda: self._json(lambda: {"templates": list_templates()}))

    async def post_apply_template(self, request: Request) -> Response:
        from strands_tf.canvas.templates import apply_template

        async def work() -> Response:
            body = await _parse(request, ApplyTemplateBody)
            written = await self._call(apply_template, self.project.root, body.template, body.project)
            snapshot = await self._call(self.project.snapshot)
            self._publish_document(snapshot)
            return JSONResponse({"written": written, "snapshot": snapshot})

        return await self._guarded(work)

    async def post_save_template(self, request: Request) -> Response:
        from strands_tf.canvas.templates import export_project, save_custom

        async def work() -> Response:
            body = await _parse(request, SaveTemplateBody)
            text = await self._call(export_project, self.project.root, body.name, body.description)
            return JSONResponse(await self._call(save_custom, text, overwrite=body.overwrite))

        return await self._guarded(work)

    async def post_import_template(self, request: Request) -> Response:
        from strands_tf.canvas.templates import save_custom

        async def work() -> Response:
            body = await _parse(request, ImportTemplateBody)
            return JSONResponse(await self._call(save_custom, body.text, overwrite=body.overwrite))

        return await self._guarded(work)

    async def get_export_template(self, request: Request) -> Response:
        from strands_tf.canvas.templates import export_project, read_custom

        name = request.query_params.get("name") or self.project.root.name.lower()
        custom = request.query_params.get("custom")

        async def work() -> Response:
            if custom:
                text = await self._call(read_custom, custom)
                filename = custom
            else:
                description = request.query_params.get("description", "")[:500]
                text = await self._call(export_project, self.project.root, name, description)
                filename = name
            return Response(
                text,
                media_type="application/x-yaml",
                headers={"content-disposition": f'attachment; filename="{filename}.strands-template.yaml"'},
            )

        return await self._guarded(work)

    async def websocket(self, websocket: WebSocket) -> None:
        await websocket.accept()
        subscriber = self.hub.subscribe()
        try:
            await websocket.send_json({"type": "hello", "seq": 0, "revision": self.last_revision})
            receiver = asyncio.create_task(self._drain(websocket))
            try:
                while True:
                    getter = asyncio.create_task(subscriber.queue.get())
                    done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
                    if receiver in done:
                        getter.cancel()
                        break
                    event = getter.result()
                    if event is None:
                        await websocket.close(code=1001 if not subscriber.dropped else 1013)
                        break
                    await websocket.send_json(event)
            finally:
                receiver.cancel()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self.hub.unsubscribe(subscriber)

    async def _drain(self, websocket: WebSocket) -> None:
        """Read (and ignore) what the page sends, so a closed socket is noticed at once."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if len(message.get("text") or message.get("bytes") or b"") > 65536:
                    await websocket.close(code=1009)
                    return

    # ------------------------------------------------------------------ watching the files

    async def watch(self) -> None:
        """Push a new snapshot whenever strands.yaml or a fragment changes on disk (another editor, git pull)."""
        from watchfiles import awatch

        root = self.project.root

        def relevant(change: Any, path: str) -> bool:
            rel = Path(path).resolve().relative_to(root) if Path(path).is_absolute() else Path(path)
            parts = rel.parts
            return rel.as_posix() == "strands.yaml" or (
                len(parts) == 3 and parts[0] == "agents" and parts[2] == "agent.yaml"
            )

        def safe_filter(change: Any, path: str) -> bool:
            try:
                return relevant(change, path)
            except ValueError:
                return False

        async for _changes in awatch(
            root, watch_filter=safe_filter, stop_event=self._stop, debounce=400, step=30, recursive=True
        ):
            try:
                snapshot = await self._call(self.project.snapshot)
            except StrandsError as exc:
                self.hub.publish("error", {"error": exc.to_dict()})
                continue
            self._publish_document(snapshot)

    def _first_snapshot(self) -> None:
        with contextlib.suppress(StrandsError):
            self.project.snapshot()

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.hub.bind(asyncio.get_running_loop())
        # the schema and the first snapshot are ready before a browser has started
        warm = asyncio.gather(self._call(_schema), self._call(self._first_snapshot))
        if self.settings.watch:
            self._watch_task = asyncio.create_task(self.watch())
        self._follow_task = asyncio.create_task(self.follow())
        # while it runs, deployments started in a terminal keep their AWS calls for this page
        presence = contextlib.ExitStack()
        presence.enter_context(canvas_presence(Workspace(self.project.root)))
        try:
            yield
        finally:
            presence.close()
            warm.cancel()
            self._stop.set()
            self.plans.cancel()
            self.deploys.cancel()
            self.hub.close()
            if self._follow_task is not None:
                self._follow_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._follow_task
            if self._watch_task is not None:
                self._watch_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._watch_task


def create_app(settings: CanvasSettings) -> tuple[Any, CanvasApp]:
    """The guarded ASGI app of a canvas server, and its routes object (tests reach the project through it)."""
    canvas = CanvasApp(settings)
    directory = settings.static or static_dir()
    routes = [
        Route("/", canvas.index),
        Route("/api/project", canvas.get_project),
        Route("/api/schema", canvas.get_schema),
        Route("/api/edit", canvas.post_edit, methods=["POST"]),
        Route("/api/files", canvas.put_file, methods=["PUT"]),
        Route("/api/merge", canvas.post_merge, methods=["POST"]),
        Route("/api/positions", canvas.put_positions, methods=["PUT"]),
        Route("/api/iam-actions", canvas.get_iam_actions),
        Route("/api/plan", canvas.post_plan, methods=["POST"]),
        Route("/api/plan", canvas.get_plan, methods=["GET"]),
        Route("/api/plan", canvas.delete_plan, methods=["DELETE"]),
        Route("/api/deploy", canvas.get_deploy, methods=["GET"]),
        Route("/api/deploy", canvas.post_deploy, methods=["POST"]),
        Route("/api/deploy", canvas.delete_deploy, methods=["DELETE"]),
        Route("/api/deploy/confirm", canvas.post_confirm, methods=["POST"]),
        Route("/api/history", canvas.get_history),
        Route("/api/history/record", canvas.get_history_record),
        Route("/api/history/compare", canvas.get_history_compare),
        Route("/api/templates", canvas.get_templates),
        Route("/api/templates/apply", canvas.post_apply_template, methods=["POST"]),
        Route("/api/templates/save", canvas.post_save_template, methods=["POST"]),
        Route("/api/templates/import", canvas.post_import_template, methods=["POST"]),
        Route("/api/templates/export", canvas.get_export_template),
        WebSocketRoute("/api/ws", canvas.websocket),
    ]
    if (directory / "assets").is_dir():
        routes.append(Mount("/assets", app=StaticFiles(directory=directory / "assets"), name="assets"))
    app = Starlette(routes=routes, lifespan=canvas.lifespan)
    return CanvasGuard(app, settings.guard), canvas
