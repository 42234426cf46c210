"""Where a project's working files live under `.strands/`, and deployment ids."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


def new_deployment_id(now: datetime | None = None) -> str:
    """A time-sortable id: `20261125T150102Z-<6 hex>`."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


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

    def build_dir(self, environment: str) -> Path:
        """Synthesized stacks that plan/apply run on (kept apart from a user's `strands synth --out`)."""
        return self.strands_dir / "build" / environment / "cdktf.out"

    def data_dir(self, environment: str, stack: str) -> Path:
        """TF_DATA_DIR of one stack: providers, modules and backend settings, per stack so they run side by side."""
        return self.strands_dir / "terraform" / environment / stack

    def deployments_dir(self) -> Path:
        return self.strands_dir / "deployments"

    def deployment_dir(self, deployment_id: str) -> Path:
        return self.deployments_dir() / deployment_id

    @property
    def canvas_file(self) -> Path:
        """Node positions and view of `strands canvas` (never in strands.yaml)."""
        return self.strands_dir / "canvas.json"

    def plans_dir(self, environment: str) -> Path:
        """Plan files of `strands plan` (one per stack), reused by nothing: apply always plans again."""
        return self.strands_dir / "plans" / environment

    def packages_dir(self, environment: str) -> Path:
        """Agent zips of `strands package` without --out or --hcl."""
        return self.strands_dir / "packages" / environment

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
