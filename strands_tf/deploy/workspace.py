"""Where a project's working files live under `.strands/` (and inside a deployment directory), and deployment ids."""

from __future__ import annotations

import contextlib
import errno
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from strands_tf.errors import UserError
from strands_tf.fsutil import make_private, private_mkdir

# the one format of a deployment id: a directory name under .strands/deployments and a history key segment
_DEPLOYMENT_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")

# inside a deployment directory `.strands/deployments/<id>/`
EVENTS_FILE = "events.jsonl"
# the AWS calls of a deployment started from the canvas (from the provider's debug log, bodies left out)
AWS_CALLS_FILE = "aws-calls.jsonl"
# raw provider debug logs while a stack applies (deleted once read: they hold request bodies)
PROVIDER_LOGS_DIR = "provider-logs"
PLANS_DIR = "plans"
SYNTH_DIR = "cdktf.out"
CONFIG_SNAPSHOT_DIR = "config"


def summaries_dir(deployment_dir: Path, attempt: int = 1) -> Path:
    """Plan files and summaries of one attempt: `plans/` for the first, `plans/attempt-<n>/` for a resume."""
    base = deployment_dir / PLANS_DIR
    return base if attempt <= 1 else base / f"attempt-{attempt}"


def summary_file(deployment_dir: Path, stack: str, attempt: int = 1) -> Path:
    """The plan summary of `stack` in an attempt."""
    return summaries_dir(deployment_dir, attempt) / f"{stack}.summary.json"


def new_deployment_id(now: datetime | None = None) -> str:
    """A time-sortable id: `20261125T150102Z-<6 hex>`."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def is_deployment_id(value: str) -> bool:
    """True for a well-formed deployment id."""
    return bool(_DEPLOYMENT_ID_RE.match(value))


def check_deployment_id(value: str) -> str:
    """The id itself, or a clear error when it is not `20261125T150102Z-<6 hex>` (never a path)."""
    if not is_deployment_id(value):
        raise UserError(
            f"'{value}' is not a deployment id",
            hint="ids look like 20261125T150102Z-3fa1c2; `strands history list` shows them",
        )
    return value


# what a write into the project refuses for reasons the user can fix (read-only directory or disk, a full disk)
_UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


@contextlib.contextmanager
def project_write(path: Path) -> Iterator[None]:
    """Writes into the project under this turn the OS refusing them (read-only, full disk) into a clear UserError."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in _UNWRITABLE:
            raise
        reason = exc.strerror or str(exc)
        raise UserError(
            f"cannot write {path}: {reason}",
            detail=f"{exc.filename}: {reason}" if exc.filename and str(exc.filename) != str(path) else None,
            hint="make the project directory writable (and free some disk space if it is full), or work on a"
            " writable copy; nothing was changed",
        ) from None


@dataclass(frozen=True)
class Workspace:
    """Paths of one project's local working state (everything under `.strands/`)."""

    root: Path

    def __post_init__(self) -> None:
        # records (pid files, logs) must stay valid when read from another working directory
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def strands_dir(self) -> Path:
        return self.root / ".strands"

    def secure(self) -> Path:
        """Create `.strands/` private (0700), or make an existing one private (older versions made it 0755).

        Everything under it can hold a deployment's values (tfstate, plans, logs, stack copies); a private
        directory keeps other users out even of files written before their own modes were private.
        """
        with project_write(self.strands_dir):
            directory = private_mkdir(self.strands_dir)
            make_private(directory)
        return directory

    def build_dir(self, environment: str) -> Path:
        """Synthesized stacks that plan/apply run on (kept apart from a user's `strands synth --out`)."""
        return self.strands_dir / "build" / environment / "cdktf.out"

    def data_dir(self, environment: str, stack: str) -> Path:
        """TF_DATA_DIR of one stack: providers, modules and backend settings, per stack so they run side by side."""
        return self.strands_dir / "terraform" / environment / stack

    def deployments_dir(self) -> Path:
        return self.strands_dir / "deployments"

    def deployment_dirs(self) -> list[Path]:
        """Every deployment directory here, oldest first (names that are not deployment ids are not ours)."""
        folder = self.deployments_dir()
        return sorted(p for p in folder.iterdir() if is_deployment_id(p.name)) if folder.is_dir() else []

    def next_deployment_id(self, now: datetime | None = None) -> str:
        """A new id sorting after every deployment already here: ids carry whole seconds, and "the latest
        deployment" (resume, history order) must never depend on the random part of two ids of one second."""
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        existing = self.deployment_dirs()
        if existing:
            latest = datetime.strptime(existing[-1].name[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            moment = max(moment, latest + timedelta(seconds=1))
        return new_deployment_id(moment)

    def deployment_dir(self, deployment_id: str) -> Path:
        """`.strands/deployments/<id>`; anything but a well-formed id (`../../x`) is refused."""
        return self.deployments_dir() / check_deployment_id(deployment_id)

    def objects_dir(self) -> Path:
        """Content-addressed store of deployment assets (agent zips, layers), shared by every deployment."""
        return self.strands_dir / "objects"

    def canvas_server_record(self) -> Path:
        """The running `strands canvas` of this project (its pid): deployments then keep their AWS calls."""
        return self.strands_dir / "canvas-server.json"

    @property
    def canvas_file(self) -> Path:
        """Node positions and view of `strands canvas` (never in strands.yaml)."""
        return self.strands_dir / "canvas.json"

    def plans_dir(self, environment: str) -> Path:
        """Plan files of `strands plan` (one per stack), reused by nothing: apply always plans again."""
        return self.strands_dir / "plans" / environment

    def cdk_assets_dir(self, environment: str) -> Path:
        """Agent zips of the `strands_tf.cdk` construct, copied into the cdktn stack's assets at its synth."""
        return self.strands_dir / "cdk" / environment

    def packages_dir(self, environment: str) -> Path:
        """Agent zips of `strands package` without --out or --hcl."""
        return self.strands_dir / "packages" / environment

    def tfstate_dir(self, environment: str) -> Path:
        """Local tfstate of an environment without a remote backend (the path synth gives the local backend)."""
        return self.strands_dir / "tfstate" / environment

    def emulator_history_dir(self) -> Path:
        """On-disk copy of the emulator environments' history records (the emulator bucket lives in memory)."""
        return self.strands_dir / "emulator-history"

    def dev_dir(self) -> Path:
        """Working files of `strands dev`: request log, server record, dependency directories, worker logs."""
        return self.strands_dir / "dev"

    def dev_request_log(self) -> Path:
        """JSONL of every request `strands dev` served (appended across sessions)."""
        return self.dev_dir() / "requests.jsonl"

    def dev_server_record(self) -> Path:
        """Where a running `strands dev` records its pid and port (read by `strands dev invoke`)."""
        return self.dev_dir() / "server.json"

    def dev_deps_dir(self, agent: str) -> Path:
        """An agent's requirements installed for the local machine (put first on the dev worker's sys.path)."""
        return self.dev_dir() / "deps" / agent

    def dev_worker_log(self, agent: str) -> Path:
        """What an agent's dev worker writes outside a request (crashes, C-level output)."""
        return self.dev_dir() / "workers" / f"{agent}.log"

    @property
    def default_environment_file(self) -> Path:
        """This user's default environment (`strands env use`): one name, never committed (.strands/ is ignored)."""
        return self.strands_dir / "environment"

    def drift_dir(self) -> Path:
        """Reports of `strands drift`, one per environment (read by `strands env list` and `strands reconcile`)."""
        return self.strands_dir / "drift"

    def drift_report(self, environment: str) -> Path:
        """The latest drift report of an environment."""
        return self.drift_dir() / f"{environment}.json"
