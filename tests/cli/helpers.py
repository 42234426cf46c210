"""Running `strands` in-process (fast) or as a real process (exit codes, environment, streams)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from strands_tf.cli.main import main

STRANDS = Path(sys.executable).parent / "strands"
SAMPLE = Path(__file__).resolve().parents[1] / "config" / "data" / "sample"
INVALID = Path(__file__).resolve().parents[1] / "config" / "invalid"


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Result:
    """`strands ARGS` in this process through the real entry point (`main`), exit code returned, not raised."""
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def run_process(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    """`strands ARGS` as a child process with a clean environment (plus `env`)."""
    base = {k: v for k, v in os.environ.items() if k not in ("STRANDS_ENV", "NO_COLOR", "FORCE_COLOR")}
    base.pop("STRANDS_NO_EXIT", None)
    proc = subprocess.run(
        [str(STRANDS), *args],
        capture_output=True,
        text=True,
        env={**base, "COLUMNS": "200", **(env or {})},
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
