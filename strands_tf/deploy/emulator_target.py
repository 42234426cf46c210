"""The offline target: a moto server managed under `.strands/` and the bundled provider from a local mirror."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from strands_tf.config.resolve import ResolvedProject
from strands_tf.deploy.executor import TargetRuntime
from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import DependencyError

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


def cache_root() -> Path:
    """Machine-wide cache of the tool (the provider mirror lives under it)."""
    from strands_tf.terraform.cliconfig import cache_dir

    return cache_dir()


def pid_file(workspace: Workspace) -> Path:
    """The emulator's record under `.strands/`."""
    return workspace.strands_dir / PID_FILE


def running_emulator(workspace: Workspace):  # type: ignore[no-untyped-def]
    """The project's emulator if its pid file names a healthy server, else None (stale files are removed)."""
    from strands_tf.emulator import server

    path = pid_file(workspace)
    info = server.ServerInfo.load(path)
    if info is None:
        return None
    if server.is_healthy(info.endpoint):
        return info
    logger.info("removing stale emulator record %s (nothing answers on %s)", path, info.endpoint)
    path.unlink(missing_ok=True)
    return None


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


def stop_emulator(workspace: Workspace) -> bool:
    """Stop the project's emulator; False when none was running."""
    from strands_tf.emulator import server

    path = pid_file(workspace)
    info = server.ServerInfo.load(path)
    if info is None:
        return False
    stopped = server.stop(info)
    path.unlink(missing_ok=True)
    return stopped


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
    env_base = {
        **TEST_CREDENTIALS,
        "AWS_REGION": resolved.environment.region,
        "AWS_DEFAULT_REGION": resolved.environment.region,
        "AWS_ENDPOINT_URL": info.endpoint,
    }
    if resolved.emulator.provider == "registry":
        # the real hashicorp/aws from the registry, pointed at the emulator by the generated provider block
        return TargetRuntime(
            env=env_base, unset=REAL_IDENTITY_VARIABLES, variables={"emulator_endpoint": info.endpoint}
        )
    install = ensure_provider()
    ipam = ipam_env(resolved, workspace)
    env_base.update(ipam)
    session = None
    if os.environ.get(REATTACH_SWITCH, "1") != "0":
        from strands_tf.emulator.provider.reattach import ReattachedProvider

        # one provider process per stack phase instead of one per Terraform walk: about 4x faster
        def session(stack):  # type: ignore[no-untyped-def]
            return ReattachedProvider(stack.workdir, extra_env=ipam)

    return TargetRuntime(
        env=env_base,
        unset=REAL_IDENTITY_VARIABLES,
        cli_config=install.cli_config,
        variables={"emulator_endpoint": info.endpoint},
        stack_session=session,
    )
