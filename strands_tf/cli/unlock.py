"""`strands force-unlock`: release the project lock, or a stack's Terraform state lock, left by a run that is gone."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json


@click.command("force-unlock")
@click.argument("lock_id", required=False, metavar="[LOCK_ID]")
@click.option(
    "--stack", metavar="NAME", help="The stack whose Terraform state is locked (default: the one holding LOCK_ID)."
)
@click.option("--force", is_flag=True, help="Do not ask; release even a lock whose holder may still run.")
@click.option("--json", "as_json", is_flag=True, help="Print what was found and released as JSON.")
@click.pass_context
def force_unlock(ctx: click.Context, lock_id: str | None, stack: str | None, force: bool, as_json: bool) -> int:
    """Release a lock left by a run that is gone: the project lock, or a stack's Terraform state lock.

    Without LOCK_ID: the project lock that stops two strands commands from changing one project at
    once. It shows the holder (pid, host, command, age) and refuses while that process still runs
    on this machine, unless --force.

    With LOCK_ID (from a "state is locked" error) or --stack: the Terraform state lock of a stack
    of the environment. S3 lock files and HCP Terraform locks are released with `terraform
    force-unlock`; a local state lock is released by its process ending, so a live one is refused
    and a stale lock-info file is removed.

    \b
    Examples:
      strands force-unlock
      strands force-unlock -e prod 95b2b14e-20bd-e41e-6366-260a29e675ce
      strands force-unlock -e prod --stack my-app-prod-support --force
    """
    console = make_console(stderr=as_json)
    if lock_id is None and stack is None:
        return _project_lock(ctx, console, force=force, as_json=as_json)
    return _state_lock(ctx, console, lock_id, stack, force=force, as_json=as_json)


def _confirm(question: str, *, force: bool, refusal: str) -> None:
    from strands_tf.errors import UserError

    if force:
        return
    if not sys.stdin.isatty():
        raise UserError(f"{refusal}: standard input is not a terminal to confirm it", hint="run again with --force")
    if not click.confirm(question, default=False):
        raise UserError("nothing was released")


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _project_lock(ctx: click.Context, console: Any, *, force: bool, as_json: bool) -> int:
    from strands_tf.deploy.unlock import inspect_project_lock, release_project_lock

    app = app_context(ctx)
    state = inspect_project_lock(app.directory.resolve())
    holder = state.holder
    if holder is None:
        if as_json:
            print_json({**state.to_json(), "released": False})
        else:
            console.print("the project lock is free; nothing to release")
        return 0
    if not as_json:
        status = {True: "is [red]still running[/]", False: "is gone",
                  None: "cannot be checked from this machine"}[state.running]  # fmt: skip
        console.print(f"project lock held by pid {holder.pid} on {escape(holder.host)}: "
                      f"`{escape(holder.command)}` since {escape(holder.started)} ({_age(state.age_seconds)}); "
                      f"that process {status}")  # fmt: skip
    if state.running is None:
        _confirm(
            f"Release the lock of pid {holder.pid} on {holder.host}, which may still be running?",
            force=force,
            refusal="refusing to release a lock whose holder cannot be checked",
        )
    released = release_project_lock(state, force=force)
    if as_json:
        print_json({**state.to_json(), "released": released})
    elif released:
        console.print("[green]✓[/] project lock released")
    else:
        console.print("the lock changed hands meanwhile; nothing was released (run the command again to see it)")
    return 0


def _state_lock(ctx: click.Context, console: Any, lock_id: str | None, stack: str | None, *, force: bool,
                as_json: bool) -> int:  # fmt: skip
    from strands_tf.deploy.unlock import find_state_lock, release_local_lock, stack_backends
    from strands_tf.generators.synth import synthesize

    app = app_context(ctx)
    loaded = app.load()
    resolved = app.resolve()
    environment = resolved.environment.name
    with tempfile.TemporaryDirectory(prefix="strands-unlock-synth-") as scratch:
        # the backends of the stacks, from a synth without packaging (nothing under .strands/ changes)
        synthesize(loaded, resolved, Path(scratch) / "cdktf.out", packager=None)
        backends = stack_backends(Path(scratch) / "cdktf.out")
        # the S3 lock is read with the environment's credentials; built only when an S3 stack is searched
        clients: dict[str, Any] = {}

        def s3_client_for(backend: Any) -> Any:
            region = str(backend.config.get("region") or resolved.environment.region)
            if region not in clients:
                from strands_tf.aws.session import default_factory
                from strands_tf.aws.target import target_for_environment

                clients[region] = default_factory().client("s3", target_for_environment(resolved), region=region)
            return clients[region]

        backend, lock = find_state_lock(
            backends, lock_id, stack=stack, environment=environment, s3_client_for=s3_client_for
        )
        if not as_json:
            _show_state_lock(console, backend, lock)
        released_id = lock_id or (lock.id if lock is not None else None)
        if backend.kind == "local" and lock is not None:
            release_local_lock(lock, backend)
        else:
            if not released_id:
                from strands_tf.errors import UserError

                raise UserError(
                    f"give the lock ID of stack {backend.stack}",
                    hint="copy it from the 'state is locked' error: `strands force-unlock LOCK_ID`",
                )
            _confirm(
                f"Release Terraform's state lock {released_id} of stack {backend.stack}? Only do this when the run "
                "that holds it is gone",
                force=force,
                refusal="refusing to release a state lock without confirmation",
            )
            _terraform_unlock(loaded, resolved, backend, released_id)
    if as_json:
        print_json({**(lock.to_json() if lock else {"lock": "state", "stack": backend.stack, "backend": backend.kind}),
                    "released": True})  # fmt: skip
    else:
        console.print(f"[green]✓[/] state lock of stack {escape(backend.stack)} released")
    return 0


def _show_state_lock(console: Any, backend: Any, lock: Any) -> None:
    if lock is None:
        console.print(f"stack [bold]{escape(backend.stack)}[/] ({backend.kind} backend): its lock cannot be read "
                      "from here")  # fmt: skip
        return
    info = lock.info
    console.print(f"stack [bold]{escape(backend.stack)}[/] ({backend.kind} backend) is locked"
                  + (f" by {escape(info.who)}" if info.who else "")
                  + (f" ({escape(info.operation)})" if info.operation else "")
                  + (f" since {escape(info.created)}" if info.created else "")
                  + (f", lock ID {escape(info.id)}" if info.id else ""))  # fmt: skip
    console.print(f"  lock: {escape(lock.location)}")


def _terraform_unlock(loaded: Any, resolved: Any, backend: Any, lock_id: str) -> None:
    from strands_tf.deploy.project import aws_runtime
    from strands_tf.deploy.unlock import unlock_with_terraform
    from strands_tf.deploy.workspace import Workspace
    from strands_tf.terraform.engine import discover_engine

    # the same identity (account guard, profile or role) a deployment of this environment uses
    runtime = aws_runtime(resolved, Workspace(loaded.root))
    unlock_with_terraform(
        backend, lock_id, engine=discover_engine(), env=runtime.env, unset=runtime.unset, cli_config=runtime.cli_config
    )
