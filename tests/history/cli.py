"""Run `strands history ...` through the real entry point (history registered as the lead will register it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from strands_tf.cli import main as main_module


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def strands(args: list[str], root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Result:
    """`strands -C ROOT ARGS` in-process; the exit code is returned."""
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setitem(main_module.COMMANDS, "history", ("strands_tf.cli.history", "history", "Deployment records."))
    capsys.readouterr()
    code = main_module.main(["-C", str(root), *args])
    captured = capsys.readouterr()
    return Result(int(code), captured.out, captured.err)
