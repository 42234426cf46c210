"""Environments as one user works with them: the per-user default (`strands env use`) and each one's summary.

The default lives in `.strands/environment` (see Workspace): one line, this user's, never committed. It
comes after `-e` and `$STRANDS_ENV` and before the project's own rule (`dev`, the only one, or `local`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import environment_config, environment_names, state_config
from strands_tf.deploy.checkpoint import read_raw_checkpoint
from strands_tf.deploy.workspace import Workspace, is_deployment_id
from strands_tf.errors import StateError, UserError
from strands_tf.fsutil import PRIVATE_FILE_MODE, atomic_write_text, private_mkdir

_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
USE_HINT = "`strands env use NAME` sets another default, `strands env use --unset` removes it"
DEFAULT_FILE_LIMIT = 4096  # one environment name


def read_default(workspace: Workspace) -> str | None:
    """This user's default environment, or None when `strands env use` was never run (or was unset)."""
    from strands_tf.inputfile import InputFileError, read_input

    path = workspace.default_environment_file
    try:
        # the bounded reader: a FIFO or a device put there is refused, never waited on
        text = read_input(path, DEFAULT_FILE_LIMIT).decode("utf-8").strip()
    except InputFileError as exc:
        if exc.reason == "missing":
            return None
        raise StateError(f"cannot read the default environment in {path}: {exc.problem}", hint=USE_HINT) from None
    except UnicodeDecodeError as exc:
        raise StateError(f"cannot read the default environment in {path}: {exc}", hint=USE_HINT) from None
    if not text:
        return None
    if not _NAME_RE.match(text):
        raise UserError(f"{path} does not hold an environment name (it holds {text[:40]!r})", hint=USE_HINT)
    return text


def write_default(loaded: LoadedProject, name: str) -> Path:
    """Make `name` this user's default environment; it must be one the project has."""
    names = environment_names(loaded.config)
    if name not in names:
        from strands_tf.config import messages

        guess = messages.suggest(name, names)
        raise UserError(
            f"unknown environment '{name}'",
            detail=f"environments in this project: {', '.join(names)}",
            hint=f"did you mean '{guess}'?" if guess else "add it under environments: in strands.yaml first",
        )
    workspace = Workspace(loaded.root)
    private_mkdir(workspace.default_environment_file.parent)
    atomic_write_text(workspace.default_environment_file, name + "\n", mode=PRIVATE_FILE_MODE)
    return workspace.default_environment_file


def clear_default(workspace: Workspace) -> bool:
    """Forget this user's default environment; True when there was one."""
    try:
        workspace.default_environment_file.unlink()
    except FileNotFoundError:
        return False
    return True


def checked_default(loaded: LoadedProject) -> str | None:
    """The user's default when it still names an environment of the project (a clear error when it does not)."""
    name = read_default(Workspace(loaded.root))
    if name is not None and name not in environment_names(loaded.config):
        raise UserError(
            f"your default environment '{name}' (set by `strands env use`) is not in strands.yaml any more",
            detail=f"environments in this project: {', '.join(environment_names(loaded.config))}",
            hint=USE_HINT,
        )
    return name


@dataclass(frozen=True)
class LastDeployment:
    """The newest deployment of an environment made from this checkout (`.strands/deployments`)."""

    id: str
    command: str
    status: str
    finished_at: str | None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"id": self.id, "command": self.command, "status": self.status, "finished_at": self.finished_at}


@dataclass(frozen=True)
class EnvironmentSummary:
    """One row of `strands env list`."""

    name: str
    target: str
    account: str | None
    region: str
    backend: str
    is_default: bool
    last_deployment: LastDeployment | None
    drift: dict[str, Any] | None  # the last `strands drift` verdict (DriftReport.brief), None when never checked

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "target": self.target,
            "account": self.account,
            "region": self.region,
            "backend": self.backend,
            "default": self.is_default,
            "last_deployment": self.last_deployment.to_json() if self.last_deployment else None,
            "drift": self.drift,
        }


def backend_label(state: Any) -> str:
    """The state backend in a few words: `local`, `s3://bucket/prefix`, `cloud:org/workspace`."""
    if state.backend == "s3":
        prefix = f"/{state.key_prefix.strip('/')}" if state.key_prefix else ""
        return f"s3://{state.bucket}{prefix}"
    if state.backend == "cloud":
        where = state.workspace or (f"tags {','.join(state.workspace_tags)}" if state.workspace_tags else "")
        return f"cloud:{state.organization}" + (f"/{where}" if where else "")
    return "local"


def deployments(workspace: Workspace) -> Iterator[tuple[str, LastDeployment]]:
    """(environment, deployment) of every deployment made from this checkout, newest first."""
    folder = workspace.deployments_dir()
    if not folder.is_dir():
        return
    for entry in sorted((p for p in folder.iterdir() if is_deployment_id(p.name)), reverse=True):
        raw = read_raw_checkpoint(entry)
        if raw is None:
            continue  # a deployment directory without a readable checkpoint says nothing about its environment
        env = raw.get("environment")
        if isinstance(env, str):
            yield (
                env,
                LastDeployment(
                    entry.name, str(raw.get("command", "?")), str(raw.get("status", "?")), raw.get("finished_at")
                ),
            )


def last_deployments(workspace: Workspace) -> dict[str, LastDeployment]:
    """The newest deployment per environment."""
    out: dict[str, LastDeployment] = {}
    for env, deployment in deployments(workspace):
        out.setdefault(env, deployment)
    return out


def summarize_environments(loaded: LoadedProject) -> list[EnvironmentSummary]:
    """Every environment of the project (declared ones, then the built-in `local`) as `strands env list` shows it."""
    from strands_tf.operate.drift import read_drift_brief

    config = loaded.config
    workspace = Workspace(loaded.root)
    default = read_default(workspace)
    deployments = last_deployments(workspace)
    rows: list[EnvironmentSummary] = []
    for name in environment_names(config):
        env = environment_config(config, name)
        rows.append(
            EnvironmentSummary(
                name=name,
                target=env.target,
                account=env.account,
                region=env.region or config.region,
                backend=backend_label(state_config(config, name)),
                is_default=name == default,
                last_deployment=deployments.get(name),
                drift=read_drift_brief(workspace, name),
            )
        )
    return rows


def describe_environment(loaded: LoadedProject, name: str) -> dict[str, Any]:
    """Everything `strands env show NAME` prints: target, identity settings, backend, VPC, tags, deployments, drift."""
    from strands_tf.config import resolve
    from strands_tf.history.service import bucket_target
    from strands_tf.operate.drift import read_drift_brief
    from strands_tf.state.manager import StateManager

    resolved = resolve(loaded, name)
    env = resolved.environment
    workspace = Workspace(loaded.root)
    summary = next(row for row in summarize_environments(loaded) if row.name == env.name)
    try:
        state = StateManager(loaded.root, env.name).load()
        stacks = {stack: len(data.resources) for stack, data in state.stacks.items()}
    except StateError:
        stacks = {}
    vpc = environment_config(loaded.config, env.name).vpc
    recent = (deployment for name, deployment in deployments(workspace) if name == env.name)
    return {
        **summary.to_json(),
        "builtin": env.builtin,
        "profile": env.profile,
        "role_arn": env.role_arn,
        "history": bucket_target(loaded, resolved),
        "tags": dict(resolved.tags),
        "vpc": vpc.model_dump(mode="json", exclude_none=True) if vpc is not None else None,
        "agents": sorted(resolved.agents),
        "deployed_stacks": stacks,
        "recent_deployments": [d.to_json() for d in itertools.islice(recent, 5)],
        "drift_report": read_drift_brief(workspace, env.name, full=True),
    }
