"""`strands dev`: run the agents locally with hot reload, and `strands dev invoke` for queue and raw events."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json

_MODEL_OPTION = click.option(
    "--model",
    type=click.Choice(["bedrock", "scripted"]),
    default="bedrock",
    show_default=True,
    help="bedrock: the agent's own model; scripted: offline replies (see --script), no Bedrock access needed.",
)
_SCRIPT_OPTION = click.option(
    "--script",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON array of scripted replies (strings, or {tool, input} to call a tool); with --model scripted.",
)
_AS_ROLE_OPTION = click.option("--as-role", is_flag=True, help="Run with the agent's own execution role (AWS only).")


def _options(model: str, script: Path | None, as_role: bool, check: bool = True) -> Any:
    from strands_tf.dev.script import load_script
    from strands_tf.dev.session import DevOptions
    from strands_tf.errors import UserError

    if script is not None:
        if model != "scripted":
            raise UserError("--script only applies with --model scripted", hint="add --model scripted")
        try:
            load_script(script)
        except ValueError as exc:
            raise UserError(str(exc), hint='write a JSON array such as ["Hello!", {"tool": "current_time"}]') from None
    return DevOptions(model=model, script=script, as_role=as_role, check=check)


class _Renderer:
    """Draws session events in the terminal as they happen (called from worker and server threads)."""

    def __init__(self, console: Any, show_logs: bool = True) -> None:
        self.console = console
        self.show_logs = show_logs

    def __call__(self, event: Any) -> None:
        from strands_tf.dev.requestlog import RequestRecord
        from strands_tf.dev.supervisor import WorkerEvent

        stamp = time.strftime("%H:%M:%S")
        if isinstance(event, RequestRecord):
            self._request(stamp, event)
        elif isinstance(event, WorkerEvent):
            style = {"loaded": "green", "load_failed": "red", "crashed": "red", "timed_out": "red"}.get(event.kind, "")
            text = f"[dim]{stamp}[/] [bold]{escape(event.agent)}[/] [{style or 'default'}]{escape(event.message)}[/]"
            self.console.print(text)
            if event.error:
                self._error(event.error)
            for line in event.logs:
                self.console.print(f"    [dim]{escape(line.get('level', ''))}[/] {escape(line.get('message', ''))}")
        else:
            style = {"warning": "yellow", "error": "red"}.get(event.level, "dim")
            who = f"[bold]{escape(event.agent)}[/] " if event.agent else ""
            self.console.print(f"[dim]{stamp}[/] {who}[{style}]{escape(event.message)}[/]")

    def _request(self, stamp: str, record: Any) -> None:
        status = record.status
        style = "green" if status and status < 400 else "red" if status and status >= 500 else "yellow"
        if record.kind == "http":
            what = f"{record.method} {escape(record.path or '')}"
            to = f" → {escape(record.agent)} ({escape(record.route or '')})" if record.agent else ""
            outcome = f"[{style}]{status}[/]"
        else:
            what = f"{record.kind} → {escape(record.agent or '')}"
            to = ""
            if record.batch:
                failed = len(record.batch["failed"])
                outcome = f"[{'red' if failed else 'green'}]{failed} of {failed + len(record.batch['succeeded'])} " \
                          "failed[/]"  # fmt: skip
            else:
                outcome = "[green]ok[/]" if record.error is None else "[red]error[/]"
        self.console.print(
            f"[dim]{stamp}[/] {what}{to} {outcome} [dim]{record.duration_ms:.0f} ms, "
            f"{record.request_bytes} B in, {record.response_bytes} B out[/]"
        )
        if self.show_logs:
            for line in record.logs:
                level = line.get("level", "")
                colour = "red" if level in ("ERROR", "CRITICAL") else "dim"
                self.console.print(f"    [{colour}]{escape(level)}[/] {escape(line.get('message', ''))}")
        for call in record.tool_calls:
            self.console.print(
                f"    [cyan]tool[/] {escape(str(call.get('name')))}({escape(str(call.get('input', '')))}) "
                f"[dim]{call.get('status', '?')}, {call.get('ms', '?')} ms[/]"
            )
        if record.batch and record.batch.get("reason"):
            self.console.print(f"    [red]{escape(record.batch['reason'])}[/]")
        if record.error:
            self._error(record.error)

    def _error(self, error: dict[str, Any]) -> None:
        location = error.get("location") or {}
        where = f"{location.get('file')}:{location.get('line')}" if location.get("file") else ""
        self.console.print(
            f"    [red]{escape(str(error.get('errorType')))}[/]: {escape(str(error.get('errorMessage')))}"
            + (f" [bold]at {escape(where)}[/]" if where else "")
        )
        for line in "".join(error.get("stackTrace") or []).rstrip().splitlines():
            self.console.print(f"      [dim]{escape(line)}[/]")


def _render_checks(console: Any, checks: list[Any]) -> None:
    from rich.table import Table

    if not checks:
        return
    table = Table(title="connectivity", title_justify="left", show_lines=False)
    for column in ("agent", "resource", "call", "status", "fix"):
        table.add_column(column, overflow="fold")
    for check in checks:
        status = "[green]ok[/]" if check.ok else f"[red]{escape(check.detail)}[/]"
        table.add_row(check.agent, f"{check.resource} ({check.kind})", check.call, status, escape(check.fix or ""))
    console.print(table)


def _render_environment(console: Any, session: Any) -> None:
    for name, env in session.environments.items():
        agent = env.agent
        console.print(
            f"[bold]{escape(name)}[/]: {escape(agent.path)}/{escape(agent.handler)} · timeout {agent.timeout} s · "
            f"credentials: {escape(env.credentials_source or 'default chain')}"
        )
        for key in sorted(env.function_variables):
            console.print(f"    [dim]{escape(key)}[/]={escape(env.function_variables[key])}")
        for key, reference in sorted(env.unresolved.items()):
            console.print(f"    [yellow]{escape(key)}[/] not set: no state output for {escape(reference)}")


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@click.group(invoke_without_command=True)
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port on 127.0.0.1 (default 8787).")
@_MODEL_OPTION
@_SCRIPT_OPTION
@_AS_ROLE_OPTION
@click.option("--no-check", is_flag=True, help="Skip the connectivity check before serving.")
@click.option("--quiet-logs", is_flag=True, help="Do not print the agents' log lines (they stay in the JSONL log).")
@click.pass_context
def dev(ctx: click.Context, port: int | None, model: str, script: Path | None,
        as_role: bool, no_check: bool, quiet_logs: bool) -> int | None:  # fmt: skip
    """Run the agents locally: their HTTP routes, hot reload, and the deployed environment's resources.

    Serves every selected agent's routes as the HTTP API would (payload format 2.0), with the
    environment variables, resources and credentials the deployed function gets (from the state
    file of the environment; on `-e local`, the running emulator). Saving a file of an agent
    reloads it for the next request; a requirements change reinstalls its dependencies. Every
    request is logged to .strands/dev/requests.jsonl.

    \b
    Examples:
      strands dev -e local --model scripted     offline: emulator resources, scripted model
      strands dev -e dev --agent support        one agent against the dev account
      strands dev -e dev --as-role              with the agent's execution role (least privilege)
      strands dev invoke triage --sqs batch.json
    """
    if ctx.invoked_subcommand is not None:
        return None
    import uvicorn

    from strands_tf.dev.server import DEFAULT_PORT, HOST, ServerRecord, create_app, port_available, running_server
    from strands_tf.dev.session import DevSession
    from strands_tf.errors import UserError

    app = app_context(ctx)
    loaded = app.load()
    resolved = app.resolve()
    options = _options(model, script, as_role, check=not no_check)
    console = make_console()
    session = DevSession(loaded, resolved, options, on_event=_Renderer(console, show_logs=not quiet_logs))
    record_path = session.workspace.dev_server_record()
    other = running_server(record_path)
    if other is not None:
        raise UserError(
            f"strands dev already runs for this project (pid {other.pid}, {other.url})",
            hint="stop it (Ctrl-C in its terminal) or use it: strands dev invoke AGENT ...",
        )
    chosen = DEFAULT_PORT if port is None else port
    if chosen and not port_available(chosen):
        raise UserError(f"port {chosen} on {HOST} is in use", hint="pick another with --port N (0: any free port)")
    checks = session.prepare()
    _render_environment(console, session)
    _render_checks(console, checks)
    failed = [c for c in checks if not c.ok]
    if failed:
        console.print(f"[yellow]{len(failed)} resource(s) unreachable: the agents will fail where they use them[/]")
    try:
        session.start()
        session.watch()
        config = uvicorn.Config(
            create_app(session), host=HOST, port=chosen, log_level="warning", access_log=False, lifespan="off"
        )
        server = uvicorn.Server(config)
        sockets = [config.bind_socket()]
        bound = sockets[0].getsockname()[1]
        ServerRecord(os.getpid(), HOST, bound, resolved.environment.name, sorted(session.workers), time.time()).save(
            record_path
        )
        console.print(f"[bold green]serving[/] {', '.join(sorted(session.workers))} on http://{HOST}:{bound}")
        for route in session.routes:
            if route.agent in session.workers:
                console.print(f"    {escape(route.key)} → {escape(route.agent)}")
        console.print(f"[dim]requests are logged to {session.request_log.path}; Ctrl-C stops[/]")
        # uvicorn re-raises the signal that stopped it once it has shut down: let SIGTERM end in the
        # cleanup below (workers stopped, server record removed) instead of killing the process there
        signal.signal(signal.SIGTERM, _terminated)
        server.run(sockets=sockets)
    finally:
        session.stop()
        record = ServerRecord.load(record_path)
        if record is not None and record.pid == os.getpid():
            record_path.unlink(missing_ok=True)
    return 0


@dev.command("invoke")
@click.argument("agent")
@click.option(
    "--sqs",
    "sqs_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQS messages (JSON array or JSON Lines).",
)
@click.option("--event", "event_file", type=click.Path(dir_okay=False, path_type=Path), help="A raw event (JSON).")
@click.option("--queue", help="Which trigger queue the batch comes from (default: the agent's first).")
@_MODEL_OPTION
@_SCRIPT_OPTION
@_AS_ROLE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
@click.pass_context
def invoke(ctx: click.Context, agent: str, sqs_file: Path | None, event_file: Path | None, queue: str | None,
           model: str, script: Path | None, as_role: bool, as_json: bool) -> int:  # fmt: skip
    """Invoke one agent with an SQS batch or a raw event, as its trigger would.

    Goes through the running `strands dev` of the project when there is one (its workers, its terminal);
    otherwise runs the agent once in a fresh worker with the same environment. For SQS batches the
    partial batch response is read as Lambda reads it: which messages would be deleted, which retried.

    \b
    Examples:
      strands dev invoke triage --sqs messages.json -e local --model scripted
      strands dev invoke assistant --event event.json
    """
    from strands_tf.config import resolve
    from strands_tf.deploy.workspace import Workspace
    from strands_tf.dev import sqs
    from strands_tf.dev.server import invocation_json, running_server, send_invoke
    from strands_tf.dev.session import DevSession
    from strands_tf.errors import ExitCode, UserError

    if (sqs_file is None) == (event_file is None):
        raise click.UsageError("give exactly one of --sqs FILE or --event FILE")
    app = app_context(ctx)
    loaded = app.load()
    if agent not in loaded.config.agents:
        raise UserError(
            f"no agent '{agent}' in strands.yaml", hint=f"agents: {', '.join(sorted(loaded.config.agents))}"
        )
    payload: dict[str, Any]
    messages = sqs.load_messages(sqs_file) if sqs_file is not None else None
    if messages is not None:
        payload = {"messages": [dataclasses.asdict(m) for m in messages], "queue": queue}
    else:
        assert event_file is not None
        from strands_tf.inputfile import MAX_EVENT_BYTES, InputFileError, read_json

        try:
            payload = {"event": read_json(event_file, MAX_EVENT_BYTES)}
        except InputFileError as exc:
            if exc.reason == "missing":
                raise UserError(f"{event_file}: no such file") from None
            raise UserError(exc.summary, hint=exc.hint) from None
    console = make_console(stderr=as_json)
    resolved = resolve(loaded, app.requested_environment(loaded), agents=[agent])
    server = running_server(Workspace(loaded.root).dev_server_record())
    if server is not None and agent in server.agents and server.environment == resolved.environment.name:
        answer = send_invoke(server, agent, payload, timeout=resolved.agents[agent].timeout + 30)
        via = f"through strands dev at {server.url}"
    else:
        options = _options(model, script, as_role, check=False)
        session = DevSession(loaded, resolved, options, on_event=_Renderer(console) if not as_json else None)
        session.prepare()
        try:
            session.start()
            if messages is not None:
                done = session.invoke_sqs(agent, messages, queue)
                answer = invocation_json(done.invocation, done.outcome.to_json())
            else:
                answer = invocation_json(session.invoke_event(agent, payload["event"]))
        finally:
            session.stop()
        via = "in a one-off worker"
    if as_json:
        print_json(answer)
    else:
        console.print(f"[dim]{escape(agent)} invoked {via}[/]")
        if answer.get("ok"):
            console.print_json(json.dumps(answer.get("result")))
        batch = answer.get("batch")
        if batch:
            console.print(f"deleted from the queue: {len(batch['succeeded'])}, returned to the queue: "
                          f"{len(batch['failed'])} {escape(', '.join(batch['failed']))}")  # fmt: skip
    failed = not answer.get("ok") or bool(answer.get("batch", {}) and answer["batch"].get("whole_batch_failed"))
    return ExitCode.USER if failed else ExitCode.OK
