"""The offline target: a moto server managed under `.strands/` and the bundled provider from a local mirror."""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import datetime
from pathlib import Path

from strands_tf.config.resolve import ResolvedProject
from strands_tf.deploy.executor import TargetRuntime
from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import ConflictError, DependencyError, NetworkError, StateError
from strands_tf.fsutil import read_file_bytes
from strands_tf.inputfile import loads_json

logger = logging.getLogger(__name__)

PID_FILE = "emulator.json"
# an emulator started by other tooling (tests, CI): its endpoint, used instead of the project's own
ENDPOINT_ENV = "STRANDS_EMULATOR_ENDPOINT"
LOG_FILE = "emulator.log"
# STRANDS_EMULATOR_REATTACH=0 makes Terraform launch the provider from the mirror itself (slower, no extra process)
REATTACH_SWITCH = "STRANDS_EMULATOR_REATTACH"
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# the user's real identity never reaches a Terraform run against the emulator
REAL_IDENTITY_VARIABLES = frozenset({"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"})
IPAM_REGISTRY_FILE = "ipam.json"
# the address space the emulator gives an IPAM pool that strands.yaml names (moto has no IPAM to ask)
EMULATOR_POOL_CIDR = "10.0.0.0/8"
# how long commands that only read state wait for a silent emulator before calling it unhealthy
STATUS_DEADLINE = 3.0


def cache_root() -> Path:
    """Machine-wide cache of the tool (the provider mirror lives under it)."""
    from strands_tf.terraform.cliconfig import cache_dir

    return cache_dir()


def pid_file(workspace: Workspace) -> Path:
    """The emulator's record under `.strands/`."""
    return workspace.strands_dir / PID_FILE


def running_emulator(workspace: Workspace, *, deadline: float | None = None):  # type: ignore[no-untyped-def]
    """The project's emulator if its record names a live server that answers with the record's token, else None.

    A record whose process is gone, or whose port is answered by another server (another project's emulator
    took the port), is stale: it is removed. A live emulator process gets up to `deadline` seconds
    (server.ANSWER_DEADLINE) to answer, since a loaded machine can be slow; if it stays silent that is an
    error, never a reason to start a second emulator beside it.
    """
    from strands_tf.emulator import server

    path = pid_file(workspace)
    info = server.ServerInfo.load(path)
    if info is None:
        return None
    if not server.is_emulator_process(info.pid):
        logger.info("removing stale emulator record %s (process %d is gone)", path, info.pid)
        path.unlink(missing_ok=True)
        return None
    found = server.wait_for_answer(info, server.ANSWER_DEADLINE if deadline is None else deadline)
    if found is server.Identity.OURS:
        return info
    if found is server.Identity.FOREIGN:
        logger.info("removing stale emulator record %s (another server answers on %s)", path, info.endpoint)
        path.unlink(missing_ok=True)
        return None
    raise NetworkError(
        f"the project's emulator (pid {info.pid}) runs but does not answer on {info.endpoint}",
        detail=f"no answer within {server.ANSWER_DEADLINE if deadline is None else deadline:g} s",
        hint="The machine may be overloaded: run the command again. To start over, run "
        "`strands emulator stop` (its resources are lost) and then the command again.",
    )


def emulator_status(workspace: Workspace, *, deadline: float | None = None):  # type: ignore[no-untyped-def]
    """(`running` | `unhealthy` | `stopped`, the record) of the project's emulator, without raising."""
    from strands_tf.emulator import server

    try:
        info = running_emulator(workspace, deadline=deadline)
    except NetworkError:
        return "unhealthy", server.ServerInfo.load(pid_file(workspace))
    return ("running", info) if info is not None else ("stopped", None)


def emulator_endpoint(workspace: Workspace) -> str | None:
    """Where the project's emulator answers ($STRANDS_EMULATOR_ENDPOINT, else the running one); None when none runs.

    The one place commands learn whether the emulator runs, so `strands emulator status` and every
    command that reads from the emulator always agree.
    """
    override = os.environ.get(ENDPOINT_ENV)
    if override:
        return override
    info = running_emulator(workspace)
    return info.endpoint if info is not None else None


def ensure_emulator(workspace: Workspace, port: int | None = None):  # type: ignore[no-untyped-def]
    """The running emulator of the project, started (and recorded) when there is none."""
    from strands_tf.emulator import server

    info = running_emulator(workspace)
    if info is not None:
        if port is not None and info.port != port:
            logger.warning("the emulator already runs on port %d, not %d; using it", info.port, port)
        return info
    workspace.secure()
    info = server.start(port=port, log_file=workspace.strands_dir / LOG_FILE)
    info.save(pid_file(workspace))
    return info


def stop_emulator(workspace: Workspace, *, force: bool = False) -> bool:
    """Stop the project's emulator; False when none was running.

    Refused while a command of the project (apply, destroy, rollback) holds the project lock: stopping the
    emulator under it would fail that command half way. `force` stops it anyway.
    """
    from strands_tf.emulator import server
    from strands_tf.state.lock import ProjectLock

    path = pid_file(workspace)
    if server.ServerInfo.load(path) is None:
        return False
    lock = ProjectLock(workspace.root, "strands emulator stop")
    if not force:
        try:
            lock.acquire()
        except StateError as exc:
            holder = (exc.data or {}).get("holder") or {}
            raise ConflictError(
                f"the emulator is in use: {_holder_text(holder) or exc.summary}",
                detail=exc.detail,
                hint="Wait for that command to finish, or stop the emulator anyway with "
                "`strands emulator stop --force` (the command then fails).",
                data=exc.data,
            ) from None
    try:
        info = server.ServerInfo.load(path)
        if info is None:
            return False
        stopped = server.stop(info)
        path.unlink(missing_ok=True)
        return stopped
    finally:
        lock.release()


def _holder_text(holder: dict[str, object]) -> str:
    if not holder.get("pid"):
        return ""
    return f"`{holder.get('command')}` (pid {holder.get('pid')} on {holder.get('host')}, since {holder.get('started')})"


def lost_resources_warning(workspace: Workspace, environment: str, info) -> str | None:  # type: ignore[no-untyped-def]
    """A warning when the tfstate of an emulator environment lists resources the emulator `info` cannot have.

    The emulator keeps everything in memory: a state written before the running emulator started (or while
    none runs) describes resources that are gone. None when the state is empty or was written by this emulator.
    """
    states = sorted(workspace.tfstate_dir(environment).glob("*.tfstate"))
    counted = [(path, _managed_instances(path)) for path in states]
    counted = [(path, n) for path, n in counted if n]
    if not counted:
        return None
    total = sum(n for _, n in counted)
    newest = max(path.stat().st_mtime for path, _ in counted)
    what = f"the state of environment '{environment}' lists {total} resource(s)"
    fix = f"`strands apply -e {environment}` creates them again"
    if info is None:
        return f"the emulator is not running: {what} that ended with the emulator that held them; {fix}"
    if newest < info.started_at:
        started = datetime.fromtimestamp(info.started_at).strftime("%Y-%m-%d %H:%M:%S")
        return (
            f"the emulator was started at {started}, after the last apply: {what} that it does not have "
            f"(an emulator keeps resources in memory only, they ended with the previous one); {fix}"
        )
    return None


def state_warning(workspace: Workspace, environment: str) -> str | None:
    """`lost_resources_warning` against the emulator running now (none is started): for commands that read state."""
    state, info = emulator_status(workspace, deadline=STATUS_DEADLINE)
    return lost_resources_warning(workspace, environment, info if state != "stopped" else None)


def _managed_instances(path: Path) -> int:
    try:
        doc = loads_json(read_file_bytes(path).decode("utf-8"))
    except (OSError, ValueError):
        return 0
    resources = doc.get("resources") if isinstance(doc, dict) else None
    return sum(
        len(r.get("instances") or []) for r in resources or [] if isinstance(r, dict) and r.get("mode") == "managed"
    )


def ensure_provider():  # type: ignore[no-untyped-def]
    """The provider mirror, installed on first use; a damaged one is reinstalled."""
    from strands_tf.emulator import mirror

    root = cache_root() / "emulator"
    try:
        return mirror.verify(root)
    except DependencyError as exc:
        logger.info("installing the emulator provider (%s)", exc.summary)
        return mirror.install(root, force=True)


def ipam_env(resolved: ResolvedProject, workspace: Workspace) -> dict[str, str]:
    """The simulated IPAM registry for an environment whose VPC comes from a pool; {} when none is needed.

    The pool strands.yaml names is declared in `.strands/ipam.json` with EMULATOR_POOL_CIDR, so an IPAM
    VPC applies on the emulator with no setup. A registry the user points at themselves
    (STRANDS_TF_EMULATOR_IPAM_FILE, with their own pools) is left alone.
    """
    from strands_tf.emulator.ipam import IPAM_FILE_ENV, IpamRegistry
    from strands_tf.errors import ConflictError

    vpc = resolved.environment.vpc
    if vpc is None or vpc.ipam_pool_id is None or os.environ.get(IPAM_FILE_ENV):
        return {}
    path = workspace.strands_dir / IPAM_REGISTRY_FILE
    workspace.secure()
    # a pool declared earlier with another range (edited by hand) is kept, with its allocations
    with contextlib.suppress(ConflictError):
        IpamRegistry(path).define_pool(vpc.ipam_pool_id, EMULATOR_POOL_CIDR)
    return {IPAM_FILE_ENV: str(path)}


def emulator_runtime(resolved: ResolvedProject, workspace: Workspace) -> TargetRuntime:
    """Start (or reuse) the emulator, install the provider, and point Terraform at both."""
    if resolved.environment.target != "emulator":
        raise DependencyError(f"environment '{resolved.environment.name}' does not target the emulator")
    info = ensure_emulator(workspace, resolved.emulator.port)
    lost = lost_resources_warning(workspace, resolved.environment.name, info)
    env_base = {
        **TEST_CREDENTIALS,
        "AWS_REGION": resolved.environment.region,
        "AWS_DEFAULT_REGION": resolved.environment.region,
        "AWS_ENDPOINT_URL": info.endpoint,
    }
    if resolved.emulator.provider == "registry":
        # the real hashicorp/aws from the registry, pointed at the emulator by the generated provider block
        return TargetRuntime(
            env=env_base,
            unset=REAL_IDENTITY_VARIABLES,
            variables={"emulator_endpoint": info.endpoint},
            warnings=[lost] if lost else [],
        )
    install = ensure_provider()
    ipam = ipam_env(resolved, workspace)
    env_base.update(ipam)
    session = None
    if os.environ.get(REATTACH_SWITCH, "1") != "0":
        from strands_tf.emulator.provider.reattach import ReattachedProvider

        # one provider process per stack phase instead of one per Terraform walk: about 4x faster
        def session(stack, provider_env):  # type: ignore[no-untyped-def]
            return ReattachedProvider(stack.workdir, extra_env={**ipam, **provider_env})

    return TargetRuntime(
        env=env_base,
        unset=REAL_IDENTITY_VARIABLES,
        cli_config=install.cli_config,
        variables={"emulator_endpoint": info.endpoint},
        stack_session=session,
        warnings=[lost] if lost else [],
    )
