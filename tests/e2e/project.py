"""A project directory with its own emulator, driven through the `strands` command as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

STRANDS = str(Path(sys.executable).with_name("strands"))


class Project:
    """One project on the offline emulator: runs `strands -C ROOT ...`, reads plans, outputs and AWS state."""

    def __init__(self, root: Path, cache: Path, extra_env: dict[str, str] | None = None) -> None:
        self.root = root
        self.env = {**os.environ, "STRANDS_ENGINE": "embedded", "STRANDS_CACHE_DIR": str(cache), "NO_COLOR": "1"}
        self.env.update(extra_env or {})
        for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            self.env.pop(var, None)

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        """`strands -C ROOT ARGS`; its exit code must be one of `ok`."""
        proc = subprocess.run(
            [STRANDS, "-C", str(self.root), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode in ok, f"strands {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    def plan(self) -> dict[str, Any]:
        """The plan summary JSON of `strands plan -e local --json`."""
        return json.loads(self.run("plan", "-e", "local", "--json").stdout)

    def changes(self) -> list[tuple[str, str]]:
        """(address, action) of every planned change, sorted."""
        return changes(self.plan())

    def outputs(self) -> dict[str, Any]:
        """Every stack's outputs in one mapping."""
        data = json.loads(self.run("outputs", "-e", "local", "--json").stdout)
        return {key: value for stack in data.values() for key, value in stack.items()}

    def endpoint(self) -> str:
        """Base URL of the project's running emulator."""
        return json.loads((self.root / ".strands" / "emulator.json").read_text())["endpoint"]

    def client(self, service: str) -> Any:
        """A boto3 client against the project's emulator."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint(),
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


def changes(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """(address, action) of every change in a plan summary, sorted."""
    return sorted(
        (change["address"], change["action"])
        for stack in plan["stacks"].values()
        for group in stack["groups"]
        for change in group["changes"]
    )
